"""Storing and reading content-addressed files.

`store_stream` writes a stream to a temporary file while computing SM3 and SHA-256 in the same pass (SM3, the slower
of the two, on a second thread: hashlib releases the GIL on large buffers), then moves the file to
its content address. Memory stays flat whatever the size.
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
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
    """SM3 on a helper thread, SHA-256 on the calling thread, fed the same chunks in order.

    SM3 (~210 MB/s here) is the slowest part of an ingest, so it gets a thread of its own; the caller's thread does
    SHA-256 (~1,300 MB/s) and the reads and writes, which release the GIL as hashlib does on large buffers. On two
    cores both threads are about equally busy. `pause()` stops the helper thread but keeps the digests, so one
    digest can follow an upload across several requests (uploads.py).
    """

    def __init__(self):
        self.sm3 = hashlib.new("sm3")
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None

    def _run(self, q):
        while (chunk := q.get()) is not None:
            self.sm3.update(chunk)

    def update(self, chunk: bytes) -> None:
        if self._thread is None:
            self._queue = queue.Queue(maxsize=8)  # at most 8 chunks in flight: memory stays flat
            self._thread = threading.Thread(target=self._run, args=(self._queue,), daemon=True)
            self._thread.start()
        self._queue.put(chunk)
        self.sha256.update(chunk)
        self.size += len(chunk)

    def pause(self) -> None:
        """Wait until SM3 has caught up and stop the helper thread (the digests are kept)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = self._queue = None

    def hexdigests(self) -> tuple[str, str]:
        self.pause()
        return self.sm3.hexdigest(), self.sha256.hexdigest()

    def finish(self) -> tuple[str, str]:
        return self.hexdigests()


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
    return blob_row(sm3=sm3, sha256=sha256, size=size, content_type=content_type)


def place_file(source: Path, sm3: str) -> Path:
    """Put a copy of `source` (whose SM3 is `sm3`) at its content address, atomically; `source` stays.

    A hard link when both are on one file system (no bytes copied), a copy otherwise; either way the file
    appears at the address complete or not at all.
    """
    target = root() / _key(sm3)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{uuid.uuid4().hex}.tmp"
    try:
        try:
            os.link(source, staging)
        except OSError:  # another file system (or links not supported): copy
            shutil.copyfile(source, staging)
            with open(staging, "rb") as f:
                os.fsync(f.fileno())
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return target


def blob_row(*, sm3: str, sha256: str, size: int, content_type: str = "") -> Blob:
    """The Blob row for content already at its address (created, or the one stored concurrently)."""
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
