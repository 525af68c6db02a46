"""Storing and reading content-addressed files.

`store_stream` writes a stream to a temporary file while computing SM3 and SHA-256 in the same pass (SHA-256 on a
second thread: hashlib releases the GIL on large buffers, and SM3 is the slower of the two), then moves the file to
its content address. Memory stays flat whatever the size.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from zhifa.files.models import Blob

CHUNK = 1024 * 1024


def root() -> Path:
    return Path(settings.MEDIA_ROOT)


def blob_path(blob: Blob) -> Path:
    return root() / blob.storage_key


def _key(sm3: str) -> str:
    return f"blobs/{sm3[:2]}/{sm3[2:4]}/{sm3}"


class _ParallelDigest:
    """SM3 on the calling thread, SHA-256 on a helper thread, fed the same chunks in order."""

    def __init__(self):
        self.sm3 = hashlib.new("sm3")
        self.sha256 = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while (chunk := self._queue.get()) is not None:
            self.sha256.update(chunk)

    def update(self, chunk: bytes) -> None:
        self._queue.put(chunk)
        self.sm3.update(chunk)

    def finish(self) -> tuple[str, str]:
        self._queue.put(None)
        self._thread.join()
        return self.sm3.hexdigest(), self.sha256.hexdigest()


def store_stream(chunks: Iterable[bytes], *, content_type: str = "") -> Blob:
    """Store a stream of bytes; returns its Blob (an existing one when the same content is stored already)."""
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{uuid.uuid4().hex}.part"
    digest = _ParallelDigest()
    size = 0
    try:
        with open(tmp, "wb") as out:
            for chunk in chunks:
                if not chunk:
                    continue
                chunk = bytes(chunk)
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        digest.finish()
        tmp.unlink(missing_ok=True)
        raise
    sm3, sha256 = digest.finish()
    return _register(tmp, sm3=sm3, sha256=sha256, size=size, content_type=content_type)


def _register(tmp: Path, *, sm3: str, sha256: str, size: int, content_type: str) -> Blob:
    existing = Blob.objects.filter(sm3=sm3).first()
    if existing is not None and blob_path(existing).exists():
        tmp.unlink(missing_ok=True)
        return existing
    target = root() / _key(sm3)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)  # atomic on one filesystem: a reader never sees a half-written blob
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Blob.objects.create(
                sm3=sm3, sha256=sha256, size=size, storage_key=_key(sm3), content_type=content_type
            )
    except IntegrityError:  # stored concurrently by someone else: same bytes, same blob
        return Blob.objects.get(sm3=sm3)


def store_bytes(data: bytes, *, content_type: str = "") -> Blob:
    return store_stream((data[i : i + CHUNK] for i in range(0, len(data), CHUNK)), content_type=content_type)


def read_bytes(blob: Blob) -> bytes:
    return blob_path(blob).read_bytes()


def open_blob(blob: Blob):
    return open(blob_path(blob), "rb")
