"""Content-addressed file storage: every stored file is a Blob named by its SM3 digest.

Evidence, audio/video and issued documents all point to Blobs; ledger events carry the digest, size and storage
key, never the bytes (architecture.md "The ledger").
"""

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
