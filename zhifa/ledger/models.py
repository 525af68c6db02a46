"""The tamper-evident record (执法全过程记录, 防删改): an append-only table of events.

The events table is append-only: database triggers (migration 0002) refuse UPDATE and DELETE on SQLite and
PostgreSQL. Each event's leaf hash covers every column (see `Event.entry_bytes`), so altering a row after dropping
the trigger is caught by `zhifa verify`; signed checkpoints catch a rewrite of the whole history.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import models
from django.utils import timezone

from zhifa.ledger import hashing


class Event(models.Model):
    index = models.BigIntegerField("序号", primary_key=True)  # gapless, from 0
    recorded_at = models.DateTimeField("时间", default=timezone.now)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor_name = models.CharField("操作人", max_length=100, blank=True)
    actor_role = models.CharField("角色", max_length=32, blank=True)
    actor_agency_id = models.BigIntegerField("所属机关ID", null=True, blank=True)
    event_type = models.CharField("事件类型", max_length=64, db_index=True)
    subject_type = models.CharField("对象类型", max_length=64)
    subject_id = models.CharField("对象ID", max_length=64)
    case_id = models.BigIntegerField("案件ID", null=True, blank=True, db_index=True)
    payload = models.TextField("内容")  # canonical JSON
    hash_alg = models.CharField("摘要算法", max_length=16)
    leaf_hash = models.BinaryField("叶子摘要", max_length=64)

    class Meta:
        verbose_name = "全过程记录事件"
        verbose_name_plural = "全过程记录事件"
        ordering = ["index"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["actor_id", "recorded_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.event_type} {self.subject_type}:{self.subject_id}"

    @property
    def data(self):
        return json.loads(self.payload)

    def entry(self) -> dict:
        """Every column but the hash itself, as the structure that is hashed."""
        return {
            "index": self.index,
            "time": self.recorded_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": {
                "id": self.actor_id,
                "name": self.actor_name,
                "role": self.actor_role,
                "agency": self.actor_agency_id,
            },
            "type": self.event_type,
            "subject": [self.subject_type, self.subject_id],
            "case": self.case_id,
            "payload": json.loads(self.payload),
            "alg": self.hash_alg,
        }

    def entry_bytes(self) -> bytes:
        return hashing.canonical_json(self.entry())

    def compute_leaf_hash(self) -> bytes:
        return hashing.leaf_hash(self.hash_alg, self.entry_bytes())


class LedgerHead(models.Model):
    """One row holding the log size; locking it serialises appends so that indexes stay gapless."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "记录头"

    def __str__(self) -> str:
        return f"ledger size {self.size}"
