"""Which socket temporal-lib-py's client dials for a `host` value (docs/temporal-interop.md §2b).

Run in a private network namespace (tests/harness/host-probe.ts starts it with `unshare`), so
the ports a port-less host may go to (80, 443, 7233) are free on its own loopback. It listens
on those and on 7234, on 127.0.0.1 and ::1, then hands every case to temporal-lib-py's
`Client.connect` (which hands `host` to the temporalio SDK unchanged) and reports the first
listener that accepted a connection, or the error when none did.

Input (stdin): {"ca": PEM, "cases": [{"host": str, "tls": bool, "sdkOnly": bool?}, ...]}
(`sdkOnly`: temporalio's `Client.connect(host, tls=...)` without temporal-lib-py)
Output (stdout): one JSON list, per case {"dialed": "127.0.0.1:443" | "[::1]:80" | null, "error": str | null}
"""

import asyncio
import fcntl
import json
import socket
import struct
import sys

PORTS = (80, 443, 7233, 7234)
ADDRESSES = ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"))
CASE_SECONDS = 4


def bring_loopback_up():
    """A new network namespace starts with `lo` down; SIOCSIFFLAGS with IFF_UP|IFF_RUNNING."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sH14x", b"lo", 0x1 | 0x40)
        fcntl.ioctl(s, 0x8914, ifreq)


async def probe(case, ca, accepted):
    import temporalio.client
    from temporallib.client import Client, Options

    accepted.clear()
    if case.get("sdkOnly"):
        connect = temporalio.client.Client.connect(case["host"], tls=case["tls"])
    else:
        options = Options(host=case["host"], namespace="default", tls_root_cas=ca if case["tls"] else None)
        connect = Client.connect(options)
    error = None
    try:
        await asyncio.wait_for(connect, CASE_SECONDS)
    except asyncio.TimeoutError:
        error = "timed out"
    except Exception as e:  # the SDK's own refusal is a result
        error = f"{type(e).__name__}: {e}"
    await Client._cancel_reconnect_task()
    return {"dialed": accepted[0] if accepted else None, "error": None if accepted else error}


async def main():
    request = json.load(sys.stdin)
    bring_loopback_up()
    accepted = []

    def listener(label):
        def on_connect(reader, writer):
            accepted.append(label)
            writer.close()

        return on_connect

    servers = []
    for family, address in ADDRESSES:
        for port in PORTS:
            label = f"[{address}]:{port}" if family == socket.AF_INET6 else f"{address}:{port}"
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((address, port))
            servers.append(await asyncio.start_server(listener(label), sock=sock))

    results = [await probe(case, request["ca"], accepted) for case in request["cases"]]
    for server in servers:
        server.close()
    json.dump(results, sys.stdout)


asyncio.run(main())
