"""Hash primitives of the ledger: SM3 (GB/T 32905) through OpenSSL, SHA-256 only where SM3 is unavailable.

Tree hashing follows RFC 9162 §2.1: leaf = H(0x00 ‖ entry), node = H(0x01 ‖ left ‖ right).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


@cache
def sm3_available() -> bool:
    try:
        return hashlib.new("sm3", b"abc").hexdigest() == (
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 example A.1
        )
    except ValueError:
        return False


def default_algorithm() -> str:
    return "sm3" if sm3_available() else "sha256"


def new(alg: str, data: bytes = b""):
    return hashlib.new(alg, data)


def leaf_hash(alg: str, entry: bytes) -> bytes:
    return hashlib.new(alg, LEAF_PREFIX + entry).digest()


def node_hash(alg: str, left: bytes, right: bytes) -> bytes:
    return hashlib.new(alg, NODE_PREFIX + left + right).digest()


def canonical_json(value) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 (not ASCII-escaped). The bytes that get hashed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()
