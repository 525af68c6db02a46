"""Content-addressed file storage: every stored file is a Blob named by its SM3 digest.

Evidence, audio/video and issued documents all point to Blobs; ledger events carry the digest, size and storage
key, never the bytes (architecture.md "The ledger").

An Upload is a resumable (tus 1.0) upload in progress: its bytes go to a temporary file, and when the last byte
has arrived the file becomes a Blob and the upload's purpose handler registers it (zhifa/files/uploads.py).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Blob(models.Model):
    sm3 = models.CharField("SM3摘要", max_length=64, unique=True)
    sha256 = models.CharField("SHA-256摘要", max_length=64, db_index=True)
    size = models.BigIntegerField("字节数")
    storage_key = models.CharField("存储键", max_length=200, unique=True)
    content_type = models.CharField("类型", max_length=100, blank=True)
    created_at = models.DateTimeField("入库时间", default=timezone.now)

    class Meta:
        verbose_name = "存储文件"
        verbose_name_plural = "存储文件"

    def __str__(self) -> str:
        return f"{self.sm3[:16]}… ({self.size} B)"


class Upload(models.Model):
    class State(models.TextChoices):
        RECEIVING = "receiving", "接收中"
        FINISHED = "finished", "已完成"
        TERMINATED = "terminated", "已取消"
        EXPIRED = "expired", "已过期"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField("用途", max_length=64)
    length = models.BigIntegerField("总字节数")
    # Bytes received *and synced to disk*: the temporary file may hold more after a crash; they are cut off and
    # received again (uploads.py "Durability").
    offset = models.BigIntegerField("已接收字节数", default=0)
    metadata = models.JSONField("元数据", default=dict, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.RECEIVING)
    temp_path = models.CharField("临时文件", max_length=500)
    # The digests of the whole upload, set once every byte has arrived (so a refused completion can be retried
    # without hashing again). The state of a digest in progress cannot be persisted (uploads.py "Digests").
    sm3 = models.CharField("SM3摘要", max_length=64, blank=True)
    sha256 = models.CharField("SHA-256摘要", max_length=64, blank=True)
    blob = models.ForeignKey(
        Blob, verbose_name="存储文件", null=True, blank=True, on_delete=models.PROTECT, related_name="uploads"
    )
    result = models.JSONField("登记结果", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("最后接收时间", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "上传"
        verbose_name_plural = "上传"
        indexes = [models.Index(fields=["state", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} {self.id} ({self.offset}/{self.length})"
