"""The platform's signing key (Ed25519 via `cryptography`), kept in a file outside the database.

The private key lives at settings.ZHIFA_LEDGER_KEY_PATH (PEM, PKCS#8, mode 0600), generated on first use. Keys
trusted by `zhifa verify` are that key plus settings.ZHIFA_LEDGER_TRUSTED_KEYS (optional: a list of PEM strings or
paths of PEM files, e.g. former platform keys after a rotation).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

_lock = threading.Lock()
_cache: dict[str, Ed25519PrivateKey] = {}


def key_path() -> Path:
    return Path(settings.ZHIFA_LEDGER_KEY_PATH)


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 bytes of SHA-256 over the raw public key, hex."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:32]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_pem(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _read_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def platform_key() -> Ed25519PrivateKey:
    """Load the platform key, generating it (0600, directory 0700) on first use; safe against concurrent starts."""
    path = key_path()
    cached = _cache.get(str(path))
    if cached is not None and path.exists():
        return cached
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process won the race; read its key below
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(pem)
        key = _read_private(path)
        _cache[str(path)] = key
        return key


def platform_public_key() -> Ed25519PublicKey | None:
    """The platform public key if the key file exists (verification never creates a key)."""
    path = key_path()
    if not path.exists():
        return None
    return platform_key().public_key()


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    platform = platform_public_key()
    if platform is not None:
        keys[key_id(platform)] = platform
    for item in getattr(settings, "ZHIFA_LEDGER_TRUSTED_KEYS", []) or []:
        text = str(item)
        pem = text if "BEGIN PUBLIC KEY" in text else Path(text).read_text()
        public = load_public_pem(pem)
        keys[key_id(public)] = public
    return keys


def sign(data: bytes) -> tuple[bytes, str, str]:
    """Sign with the platform key: (signature, key id, public key PEM)."""
    key = platform_key()
    public = key.public_key()
    return key.sign(data), key_id(public), public_pem(public)


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(bytes(signature), data)
    except InvalidSignature:
        return False
    return True
