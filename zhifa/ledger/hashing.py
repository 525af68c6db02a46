"""Hash primitives and the canonical entry of the ledger.

Hash: SM3 (GB/T 32905) through OpenSSL, SHA-256 only where SM3 is unavailable (recorded per event).
Tree hashing follows RFC 9162 §2.1: leaf = H(0x00 ‖ entry), node = H(0x01 ‖ left ‖ right) (see merkle.py).

The entry (the bytes a leaf hashes) covers every column of an event plus its log index and the leaf's algorithm,
as a JSON array in this fixed order:

    [index, event_id, actor_id, actor_agency_id, case_id, time, actor_name, actor_role, event_type, subject_type,
     subject_id, alg, payload]

- integers as JSON numbers, absent values as null (anything else found in an integer column renders as "!", which
  no integrated entry contains), strings JSON-escaped (UTF-8, not ASCII-escaped);
- time is UTC as "YYYY-MM-DD HH:MM:SS.ffffff" (always six fraction digits);
- payload is the stored canonical JSON text itself (sorted keys, no spaces, UTF-8), embedded verbatim.

The first twelve elements are self-delimiting, so the bytes decode to exactly one set of column values: moving a
character from one column to another, or re-spacing the payload, changes the leaf. `entry_text` is the reference
(proofs and SQLite's integrator use it); `zhifa verify`, and PostgreSQL's integrator, have the database render the
same text in SQL (verify.py), and tests prove the renderings agree over arbitrary text on both vendors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import cache
from json.encoder import c_encode_basestring as _c_encode_basestring
from json.encoder import py_encode_basestring

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

# The C string encoder when present (it is, on CPython); the same output either way.
_q = _c_encode_basestring or py_encode_basestring


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


def time_text(value: dt.datetime) -> str:
    """The canonical text of an event time: UTC, microseconds always present."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime(TIME_FORMAT)


def _int(value) -> str:
    if value is None:
        return "null"
    if type(value) is not int:  # e.g. text an attacker wrote into an integer column: never a valid rendering
        return "!"
    return str(value)


def entry_text(
    index, event_id, time, actor_id, actor_name, actor_role, actor_agency_id,
    event_type, subject_type, subject_id, case_id, alg, payload,
) -> str:  # fmt: skip
    """The entry of one event at log position `index` from its raw column values (time already as `time_text`).

    The arguments follow the tables' column order; the entry puts the integers first (see the module docstring).
    """
    return (
        f"[{_int(index)},{_int(event_id)},{_int(actor_id)},{_int(actor_agency_id)},{_int(case_id)},{_q(time)},"
        f"{_q(actor_name)},{_q(actor_role)},{_q(event_type)},{_q(subject_type)},{_q(subject_id)},{_q(alg)},"
        f"{payload}]"
    )


def entry_bytes(*columns) -> bytes:
    return entry_text(*columns).encode()
