"""Resumable uploads: the service behind the tus 1.0 endpoint (views.py speaks HTTP, this module keeps the rules).

Lifecycle: `create_upload` (POST) → `receive` (PATCH, any number of times, from any process) → when the last byte
has arrived, completion: the temporary file gets its content address, and in ONE transaction the Blob row is
created (or found: same SM3, same blob), the purpose's completion handler registers it (e.g. CASES creates the
evidence record and its ledger event), the upload is marked finished and `files.upload_finished` goes on the ledger.
A handler that refuses (DomainError) rolls all of that back: the upload stays unfinished (its bytes stay, so the
completion can be retried by a PATCH of zero bytes at the final offset, or the upload cancelled), and no Blob row
is left behind. A file at the content address without a row is harmless (the same bytes, named by their digest;
the next store of those bytes reuses the address).

Durability. Bytes are written to `<temp dir>/<upload id>.part`. Every ZHIFA_UPLOAD_SYNC_BYTES (64 MiB) and at the
end of every PATCH the file is fsynced and `Upload.offset` saved: `offset` is the durable offset. After a crash the
file may hold more than `offset` (received but maybe not on disk, or garbage after a power cut on some file
systems): the next PATCH cuts it back to `offset`, and the client, told that offset by HEAD, sends the rest again.

Digests. SM3 and SHA-256 are computed as the bytes arrive (services._ParallelDigest: SM3 on a helper thread). A
hashlib object cannot be pickled or rebuilt from a saved state (OpenSSL keeps it behind an opaque context), so the
digest of a partial upload lives in the memory of the process that received its bytes (`_LIVE`, keyed by upload id
and valid only for the exact offset it has consumed). A PATCH served by that process continues it at no cost.
After a restart, or when the PATCH lands on another worker process, the digest is rebuilt by re-reading the durable
prefix from the temporary file (~4.5 s per GB here, SM3-bound, SHA-256 in parallel; see the benchmark) before the
new bytes are accepted. Once every byte has arrived, the final digests are saved on the row, so retrying a refused
completion never re-hashes.

Concurrency. A PATCH holds an exclusive flock on the temporary file (not a database transaction: a 2 GB upload
must not hold a database lock); a second PATCH or DELETE of the same upload meanwhile gets 423 Locked and retries.
Several app servers need the temporary directory on shared storage with working flock.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from zhifa.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from zhifa.files import events, services
from zhifa.files.models import Blob, Upload

log = logging.getLogger(__name__)

CHUNK = services.CHUNK


# --- errors with the HTTP status tus prescribes --------------------------------------------------------------


class TooLarge(DomainError):
    status = 413
    code = "upload_too_large"


class Gone(DomainError):
    status = 410
    code = "upload_gone"


class Locked(DomainError):
    status = 423
    code = "upload_locked"


class OffsetMismatch(Conflict):
    code = "offset_mismatch"


# --- settings ----------------------------------------------------------------------------------------------------


def max_size() -> int:
    return int(getattr(settings, "ZHIFA_UPLOAD_MAX_SIZE", 4 << 30))


def temp_dir() -> Path:
    configured = getattr(settings, "ZHIFA_UPLOAD_TEMP_DIR", None)
    path = Path(configured) if configured else services.root() / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def expire_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "ZHIFA_UPLOAD_EXPIRE_SECONDS", 3 * 24 * 3600)))


def sync_every() -> int:
    return int(getattr(settings, "ZHIFA_UPLOAD_SYNC_BYTES", 64 << 20))


def expires_at(upload: Upload) -> dt.datetime:
    return upload.updated_at + expire_after()


# --- completion handlers -------------------------------------------------------------------------------------

# fn(upload, blob, user) -> dict | Model | None: registers the blob (e.g. creates the evidence record and its
# ledger event) inside the transaction that finishes the upload; raises DomainError to refuse. What it returns is
# kept on the upload as JSON and sent to the client in the Upload-Result header: a dict as it is (e.g.
# {"evidence_id": 12, "url": "..."}; values that are not JSON become strings), a model row as {"model", "id"}.
CompletionFn = Callable[[Upload, Blob, object], dict | None]
# validate(metadata, user) -> None: checked when the upload is created, so that a refusal comes before the bytes
# (the completion handler checks again at the end: things may have changed meanwhile).
ValidateFn = Callable[[dict, object], None]


@dataclass(frozen=True)
class Handler:
    purpose: str
    complete: CompletionFn
    validate: ValidateFn | None = None


HANDLERS: dict[str, Handler] = {}


def register_completion_handler(
    purpose: str, fn: CompletionFn, *, validate: ValidateFn | None = None
) -> None:
    """Register what finishing an upload of `purpose` means (call it from an AppConfig.ready())."""
    existing = HANDLERS.get(purpose)
    if existing is not None and (existing.complete, existing.validate) != (fn, validate):
        raise ValueError(f"upload purpose {purpose!r} already has a completion handler")
    HANDLERS[purpose] = Handler(purpose, fn, validate)


def unregister_completion_handler(purpose: str) -> None:
    HANDLERS.pop(purpose, None)


def _handler(purpose: str) -> Handler:
    handler = HANDLERS.get(purpose)
    if handler is None:
        raise ValidationFailed(f"未知的上传用途“{purpose}”。", code="unknown_purpose")
    return handler


# --- live digests of partial uploads -------------------------------------------------------------------------


class _LiveDigests:
    """Digests of partial uploads this process has received, by upload id (a bounded LRU)."""

    def __init__(self, capacity: int = 64):
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity

    def take(self, upload_id, size: int) -> services._ParallelDigest | None:
        """The digest of the first `size` bytes, if this process has it (removed while in use)."""
        with self._lock:
            digest = self._items.pop(upload_id, None)
        return digest if digest is not None and digest.size == size else None

    def put(self, upload_id, digest: services._ParallelDigest) -> None:
        with self._lock:
            self._items[upload_id] = digest
            self._items.move_to_end(upload_id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def drop(self, upload_id) -> None:
        with self._lock:
            self._items.pop(upload_id, None)


_LIVE = _LiveDigests()
# Rebuilds of a digest from the file (count, bytes, seconds): shown by the benchmark, useful in logs.
REHASH_STATS = {"count": 0, "bytes": 0, "seconds": 0.0}


def _rehash(f, size: int) -> services._ParallelDigest:
    started = time.perf_counter()
    digest = services._ParallelDigest()
    f.seek(0)
    remaining = size
    while remaining:
        chunk = f.read(min(CHUNK, remaining))
        if not chunk:
            raise OSError(errno.EIO, f"temporary file shorter than {size} bytes")
        digest.update(chunk)
        remaining -= len(chunk)
    digest.pause()
    seconds = time.perf_counter() - started
    REHASH_STATS["count"] += 1
    REHASH_STATS["bytes"] += size
    REHASH_STATS["seconds"] += seconds
    if size:
        log.info("upload digest rebuilt from %d bytes in %.2fs", size, seconds)
    return digest


# --- the service functions -----------------------------------------------------------------------------------


def _case_id(metadata: dict) -> int | None:
    value = str(metadata.get("case_id", "")).strip()
    return int(value) if value.isdigit() and len(value) < 18 else None


def _append(event_type: str, upload: Upload, actor, payload: dict) -> None:
    from zhifa.ledger.services import append

    append(event_type, actor=actor, subject=upload, payload=payload, case_id=_case_id(upload.metadata))


def _actor(user):
    from zhifa.ledger.services import Actor

    return Actor.from_user(user)


def _require_user(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("请先登录。", code="login_required")


def create_upload(*, user, length: int, metadata: dict[str, str]) -> Upload:
    """A new upload of `length` bytes; metadata["purpose"] names its completion handler."""
    _require_user(user)
    if not isinstance(length, int) or length < 0:
        raise ValidationFailed("上传长度无效。", code="invalid_length")
    if length > max_size():
        raise TooLarge(
            f"文件过大：{length} 字节，超过上限 {max_size()} 字节。",
            details={"max_size": max_size()},
        )
    metadata = {str(k): str(v) for k, v in (metadata or {}).items()}
    purpose = metadata.get("purpose", "")
    if not purpose:
        raise ValidationFailed("上传元数据缺少用途（purpose）。", code="purpose_required")
    handler = _handler(purpose)
    if handler.validate is not None:
        handler.validate(metadata, user)
    directory = temp_dir()
    with transaction.atomic():
        upload = Upload(user=user, purpose=purpose, length=length, metadata=metadata)
        upload.temp_path = str(directory / f"{upload.id}.part")
        upload.save(force_insert=True)
        _append(
            events.UPLOAD_CREATED,
            upload,
            _actor(user),
            {"purpose": purpose, "length": length, "metadata": metadata},
        )
        Path(upload.temp_path).touch(exist_ok=False)
    return upload


def get_upload(user, upload_id, *, action: str = "view") -> Upload:
    """The user's own upload; someone else's is recorded as a denied access and reported as not found."""
    from zhifa.core.scoping import record_denied

    _require_user(user)
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None:
        raise NotFound("上传不存在。", code="upload_not_found")
    if upload.user_id != user.pk:
        record_denied(user, Upload, {"pk": upload_id}, action, "tus")
        raise NotFound("上传不存在。", code="upload_not_found")
    if upload.state in (Upload.State.TERMINATED, Upload.State.EXPIRED):
        raise Gone(f"该上传已{upload.get_state_display()}。")
    return upload


def current_offset(upload: Upload) -> int:
    """The offset a client should resume from (the durable offset, unless the file lost bytes since)."""
    if upload.state == Upload.State.FINISHED:
        return upload.length
    try:
        size = os.stat(upload.temp_path).st_size
    except FileNotFoundError:
        size = 0
    return min(upload.offset, size)


class _FileLock:
    """Exclusive, non-blocking flock on an upload's temporary file, which it opens (created if lost)."""

    def __init__(self, upload: Upload):
        self.upload = upload

    def __enter__(self):
        fd = os.open(self.upload.temp_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise Locked("该上传正在接收数据，请稍后重试。") from None
        self.file = os.fdopen(fd, "r+b", buffering=0)
        return self.file

    def __exit__(self, *exc):
        self.file.close()  # closing releases the lock


def _save_offset(upload: Upload, offset: int) -> None:
    now = timezone.now()
    Upload.objects.filter(pk=upload.pk).update(offset=offset, updated_at=now)
    upload.offset, upload.updated_at = offset, now


def _reconcile(upload: Upload, f) -> int:
    """Make the file's size the durable offset; returns it."""
    size = os.fstat(f.fileno()).st_size
    if size > upload.offset:  # bytes after the last sync: maybe not on disk, received again
        f.truncate(upload.offset)
        os.fsync(f.fileno())
    elif size < upload.offset:  # the file lost bytes the row says were synced (restored backup, disk fault)
        log.warning("upload %s: file has %d bytes, row says %d", upload.pk, size, upload.offset)
        _save_offset(upload, size)
    return upload.offset


def receive(upload: Upload, stream, *, offset: int, count: int, user) -> Upload:
    """Append `count` bytes read from `stream` (anything with read(n)) at `offset`; finish when complete.

    A stream that ends early (the client went away) keeps what arrived. Raises OffsetMismatch (409) when `offset`
    is not the upload's offset, TooLarge (413) past its length, Locked (423) while another request writes to it,
    and whatever the completion handler raises.
    """
    _require_user(user)
    if count < 0 or offset < 0:
        raise ValidationFailed("上传偏移量或长度无效。", code="invalid_offset")
    with _FileLock(upload) as f:
        upload.refresh_from_db()
        if upload.state in (Upload.State.TERMINATED, Upload.State.EXPIRED):
            raise Gone(f"该上传已{upload.get_state_display()}。")
        if upload.state == Upload.State.FINISHED:
            if offset == upload.length and count == 0:
                return upload
            raise OffsetMismatch("该上传已完成。", details={"offset": upload.length})
        durable = _reconcile(upload, f)
        if offset != durable:
            raise OffsetMismatch(
                f"上传偏移量不一致：服务器已接收 {durable} 字节，请求从 {offset} 开始。",
                details={"offset": durable},
            )
        if offset + count > upload.length:
            raise TooLarge(f"数据超出声明的上传长度 {upload.length} 字节。")
        if upload.sm3 and durable == upload.length:
            return _complete(upload, user)  # retrying a completion: digests are on the row
        digest = _LIVE.take(upload.pk, durable) or _rehash(f, durable)
        f.seek(durable)
        received = synced = durable
        consistent = True  # file and digest hold the same bytes (false only while a chunk is half-handled)
        try:
            remaining = count
            while remaining:
                chunk = stream.read(min(CHUNK, remaining))
                if not chunk:
                    break  # the client went away: keep what arrived
                consistent = False
                f.write(chunk)  # unbuffered file: one write(2), all or an exception
                digest.update(chunk)
                consistent = True
                received += len(chunk)
                remaining -= len(chunk)
                if received - synced >= sync_every():
                    os.fsync(f.fileno())
                    _save_offset(upload, received)
                    synced = received
        finally:
            if consistent:
                os.fsync(f.fileno())
                if received != synced:
                    _save_offset(upload, received)
                digest.pause()
                _LIVE.put(upload.pk, digest)
            else:  # a failed write: fall back to the last synced state, the digest is rebuilt next time
                digest.pause()
                f.truncate(synced)
                _save_offset(upload, synced)
        if received < upload.length:
            return upload
        upload.sm3, upload.sha256 = digest.hexdigests()
        Upload.objects.filter(pk=upload.pk).update(sm3=upload.sm3, sha256=upload.sha256)
        _LIVE.drop(upload.pk)
        return _complete(upload, user)


def _content_type(metadata: dict) -> str:
    return (metadata.get("filetype") or metadata.get("content_type") or "")[:100]


def _result_json(result) -> dict:
    """What the handler returned, as JSON for the row and the Upload-Result header."""
    if result is None:
        return {}
    if isinstance(result, models.Model):  # e.g. the Evidence row the handler created
        return {"model": result._meta.label_lower, "id": result.pk}
    if isinstance(result, dict):
        return json.loads(json.dumps(result, default=str))
    return {"value": str(result)}


def _complete(upload: Upload, user) -> Upload:
    """Content address, Blob row, handler, finished: all or nothing (see the module docstring)."""
    handler = _handler(upload.purpose)
    source = Path(upload.temp_path)
    blob = Blob.objects.filter(sm3=upload.sm3).first()
    if blob is None or not services.blob_path(blob).exists():
        services.place_file(source, upload.sm3)
    with transaction.atomic():
        if blob is None:
            blob = services.blob_row(
                sm3=upload.sm3,
                sha256=upload.sha256,
                size=upload.length,
                content_type=_content_type(upload.metadata),
            )
        result = _result_json(handler.complete(upload, blob, user))
        upload.state = Upload.State.FINISHED
        upload.blob = blob
        upload.result = result
        upload.offset = upload.length
        upload.finished_at = timezone.now()
        upload.save(update_fields=["state", "blob", "result", "offset", "finished_at"])
        _append(
            events.UPLOAD_FINISHED,
            upload,
            _actor(user),
            {
                "purpose": upload.purpose,
                "blob": blob.pk,
                "sm3": blob.sm3,
                "sha256": blob.sha256,
                "size": blob.size,
                "storage_key": blob.storage_key,
                "filename": upload.metadata.get("filename", ""),
            },
        )
    source.unlink(missing_ok=True)
    return upload


def terminate_upload(upload: Upload, *, user) -> None:
    """Cancel an unfinished upload and delete its bytes (tus termination)."""
    _require_user(user)
    with _FileLock(upload):
        upload.refresh_from_db()
        if upload.state == Upload.State.FINISHED:
            raise Conflict("该上传已完成并登记，不能删除。", code="upload_finished")
        if upload.state != Upload.State.RECEIVING:
            raise Gone(f"该上传已{upload.get_state_display()}。")
        with transaction.atomic():
            Upload.objects.filter(pk=upload.pk).update(state=Upload.State.TERMINATED, offset=0)
            _append(
                events.UPLOAD_TERMINATED,
                upload,
                _actor(user),
                {"purpose": upload.purpose, "received": upload.offset, "length": upload.length},
            )
        Path(upload.temp_path).unlink(missing_ok=True)
    _LIVE.drop(upload.pk)
    upload.state = Upload.State.TERMINATED


def expire_stale_uploads(now: dt.datetime | None = None) -> int:
    """Expire unfinished uploads idle for longer than ZHIFA_UPLOAD_EXPIRE_SECONDS and delete their bytes; also
    delete temporary files left behind by a crash. Returns the number of uploads expired."""
    from zhifa.ledger.services import SYSTEM

    now = now or timezone.now()
    cutoff = now - expire_after()
    expired = 0
    for upload in Upload.objects.filter(state=Upload.State.RECEIVING, updated_at__lt=cutoff).iterator():
        try:
            with _FileLock(upload):
                with transaction.atomic():
                    changed = Upload.objects.filter(
                        pk=upload.pk, state=Upload.State.RECEIVING, updated_at__lt=cutoff
                    ).update(state=Upload.State.EXPIRED)
                    if not changed:
                        continue
                    _append(
                        events.UPLOAD_EXPIRED,
                        upload,
                        SYSTEM,
                        {"purpose": upload.purpose, "received": upload.offset, "length": upload.length},
                    )
                Path(upload.temp_path).unlink(missing_ok=True)
                expired += 1
        except Locked:
            continue  # receiving right now: not stale
        _LIVE.drop(upload.pk)
    # Files whose upload is over (a crash between commit and unlink), or that have no upload row at all.
    receiving = {
        str(p)
        for p in Upload.objects.filter(state=Upload.State.RECEIVING).values_list("temp_path", flat=True)
    }
    grace = (now - dt.timedelta(hours=1)).timestamp()  # a row being created right now is not committed yet
    for path in temp_dir().glob("*.part"):
        if str(path) in receiving:
            continue
        try:
            if Upload.objects.filter(temp_path=str(path)).exclude(state=Upload.State.RECEIVING).exists():
                path.unlink(missing_ok=True)
            elif path.stat().st_mtime < grace:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue
    return expired
