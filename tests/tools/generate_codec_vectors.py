"""Codec vectors made by temporal-lib-py itself, for the TypeScript codec's tests.

Set-up (pip packages only):
    python3 -m venv /tmp/codec-venv
    /tmp/codec-venv/bin/pip install temporal-lib-py==1.10.0
Generate (writes tests/fixtures/codec/temporal-lib-py.json):
    /tmp/codec-venv/bin/python tests/tools/generate_codec_vectors.py
Check payloads encoded by the TypeScript codec (a JSON file of the same shape):
    /tmp/codec-venv/bin/python tests/tools/generate_codec_vectors.py --check FILE
"""

import asyncio
import base64
import json
import sys
from importlib.metadata import version
from pathlib import Path

from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter
from temporallib.encryption import EncryptionPayloadCodec

OUTPUT = Path(__file__).resolve().parents[1] / "fixtures" / "codec" / "temporal-lib-py.json"
KEYS = {
    "aes256": "HLCeMJLLiyLrUOukdThNgRfyraIXZk918rtp5VX/uwI=",
    "aes128": "AAECAwQFBgcICQoLDA0ODw==",
}
VALUES = {
    "string": "hello",
    "object": {"kafka_topic": "rocks-events", "consumer_group": "oci-factory", "n": 3},
    "null": None,
    "unicode": "Ünïcödé ✓ 🚀",
    "list": [1, 2.5, True, "x"],
    "bytes": b"\x00\x01binary\xff",
    "long": "x" * 5000,
}


def to_json(payload: Payload) -> dict:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def from_json(obj: dict) -> Payload:
    payload = Payload(data=base64.b64decode(obj["data"]))
    for k, v in obj["metadata"].items():
        payload.metadata[k] = base64.b64decode(v)
    return payload


async def generate() -> None:
    converter = DataConverter.default
    vectors = []
    for key_name, key in KEYS.items():
        codec = EncryptionPayloadCodec(key)
        for value_name, value in VALUES.items():
            plain = converter.payload_converter.to_payloads([value])
            [encrypted] = await codec.encode(plain)
            vectors.append(
                {
                    "name": f"{key_name}/{value_name}",
                    "key": key,
                    "plain": to_json(plain[0]),
                    "encrypted": to_json(encrypted),
                }
            )
    document = {
        "generator": "tests/tools/generate_codec_vectors.py",
        "temporal-lib-py": version("temporal-lib-py"),
        "pycryptodome": version("pycryptodome"),
        "temporalio": version("temporalio"),
        "vectors": vectors,
    }
    OUTPUT.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {len(vectors)} vectors to {OUTPUT}")


async def check(path: str) -> None:
    document = json.loads(Path(path).read_text())
    for vector in document["vectors"]:
        codec = EncryptionPayloadCodec(vector["key"])
        decoded = await codec.decode([from_json(vector["encrypted"])])
        if len(decoded) != 1 or decoded[0] != from_json(vector["plain"]):
            sys.exit(f"{vector['name']}: temporal-lib-py did not decode it to the expected payload")
    print(f"temporal-lib-py decoded all {len(document['vectors'])} payloads of {path}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        asyncio.run(check(sys.argv[2]))
    else:
        asyncio.run(generate())
