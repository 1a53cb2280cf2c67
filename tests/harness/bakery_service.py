"""The Temporal side of candid auth, for the tests, with macaroonbakery (the library
temporal-lib-py brings) and temporal-lib-py itself.

    python3 bakery_service.py CANDID_URL

prints `port N` once it listens on 127.0.0.1, then serves:
  GET  /macaroon[?expiry=S]  base64 of a JSON bakery macaroon whose third-party caveat
                             `is-authenticated-user` is addressed to CANDID_URL (the stand-in
                             for Temporal's macaroon endpoint, temporal-lib-py's candid-url)
  POST /check                body: an `authorization` value; 200 {"username"} when a bakery
                             checker accepts it for that macaroon, 401 {"error"} otherwise
  POST /temporal-lib-py      body: JSON {url, username, private, public}; 200 {"authorization"}
                             made by temporal-lib-py's AuthHeaderProvider, 500 {"error"}
"""

import base64
import json
import sys
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from macaroonbakery import bakery, checkers, httpbakery
from pymacaroons import Macaroon
from pymacaroons.serializers.json_serializer import JsonSerializer
from temporallib.auth import AuthHeaderProvider, AuthOptions, KeyPair, MacaroonAuthOptions

CANDID_URL = sys.argv[1]


class CandidIdentities(bakery.IdentityClient):
    """Asks Candid to authenticate the user; the discharge declares the username."""

    def identity_from_context(self, ctx):
        return None, [checkers.Caveat(location=CANDID_URL, condition="is-authenticated-user")]

    def declared_identity(self, ctx, declared):
        username = declared.get("username")
        if username is None:
            raise bakery.IdentityError("no username declared")
        return bakery.SimpleIdentity(username)


BAKERY = bakery.Bakery(
    location="temporal-stand-in",
    locator=httpbakery.ThirdPartyLocator(allow_insecure=True),
    identity_client=CandidIdentities(),
    key=bakery.generate_key(),
)


def mint(expiry_seconds):
    """As the oven mints, but with the third-party caveat first: temporal-lib-py takes the
    first caveat's location as the discharger's (the oven would put time-before first)."""
    expiry = datetime.now(timezone.utc) + timedelta(seconds=expiry_seconds)
    oven = BAKERY.oven
    root_key, storage_id = oven.root_keystore_for_ops([bakery.LOGIN_OP]).root_key()
    macaroon_id = oven._new_macaroon_id(storage_id, expiry, [bakery.LOGIN_OP])
    m = bakery.Macaroon(
        root_key,
        bytes([bakery.LATEST_VERSION]) + macaroon_id.SerializeToString(),
        oven.location,
        bakery.LATEST_VERSION,
        oven.namespace,
    )
    m.add_caveat(checkers.Caveat(location=CANDID_URL, condition="is-authenticated-user"), oven.key, oven.locator)
    m.add_caveat(checkers.time_before_caveat(expiry), oven.key, oven.locator)
    return base64.b64encode(json.dumps(m.to_dict()).encode()).decode()


def check(header):
    scheme, _, value = header.partition(" ")
    if scheme != "Macaroon":
        raise ValueError("not a Macaroon authorization")
    dicts = json.loads(base64.b64decode(value))
    macaroons = [Macaroon.deserialize(json.dumps(d), JsonSerializer()) for d in dicts]
    info = BAKERY.checker.auth([macaroons]).allow(checkers.AuthContext(), [bakery.LOGIN_OP])
    return info.identity.id()


def temporal_lib_py_header(settings):
    options = AuthOptions(
        provider="candid",
        config=MacaroonAuthOptions(
            macaroon_url=settings["url"],
            username=settings["username"],
            keys=KeyPair(private=settings["private"], public=settings["public"]),
        ),
    )
    return AuthHeaderProvider(options).get_headers()["authorization"]


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/macaroon":
            return self.answer(404, {"error": "not found"})
        expiry = int(parse_qs(url.query).get("expiry", ["3600"])[0])
        self.answer(200, mint(expiry), "text/plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        try:
            if self.path == "/check":
                return self.answer(200, {"username": check(body)})
            if self.path == "/temporal-lib-py":
                return self.answer(200, {"authorization": temporal_lib_py_header(json.loads(body))})
            return self.answer(404, {"error": "not found"})
        except Exception as error:  # the test reads why
            return self.answer(401 if self.path == "/check" else 500, {"error": f"{type(error).__name__}: {error}"})

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
