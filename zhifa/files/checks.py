"""The `zhifa verify` file checker: re-hash every Blob with SM3 and name each one missing or changed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from zhifa.files import services
from zhifa.files.models import Blob


def _sm3_of(path, size_hint: int) -> tuple[str, int]:
    digest = hashlib.new("sm3")
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(services.CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_blobs() -> Iterator:
    """Yield a ledger.verify.Problem for every stored file that is missing, or whose size or SM3 changed."""
    from zhifa.ledger.verify import Problem

    for blob in Blob.objects.order_by("pk").iterator(chunk_size=2000):
        path = services.blob_path(blob)
        try:
            sm3, size = _sm3_of(path, blob.size)
        except FileNotFoundError:
            yield Problem("file", blob.storage_key, "存储文件缺失 / file missing")
            continue
        except OSError as exc:
            yield Problem("file", blob.storage_key, f"存储文件无法读取 / unreadable: {exc}")
            continue
        if size != blob.size:
            yield Problem("file", blob.storage_key, f"大小 {size} ≠ 登记的 {blob.size} 字节 / size changed")
        elif sm3 != blob.sm3:
            yield Problem("file", blob.storage_key, f"SM3 {sm3} ≠ 登记的 {blob.sm3} / content changed")
