"""The tamper-evident record (执法全过程记录, 防删改): an append-only table of events and signed checkpoints.

Both tables are append-only: database triggers (migration 0004) refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) on SQLite and PostgreSQL. Each event's leaf hash covers every column (see `hashing.entry_text`), so
altering a row after dropping the trigger is caught by `zhifa verify`; signed checkpoints catch a rewrite of the
whole history, including recomputed leaf hashes.
"""

from __future__ import annotations

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

    def columns(self) -> tuple:
        """The column values in entry order (see hashing.entry_text)."""
        return (
            self.index,
            hashing.time_text(self.recorded_at),
            self.actor_id,
            self.actor_name,
            self.actor_role,
            self.actor_agency_id,
            self.event_type,
            self.subject_type,
            self.subject_id,
            self.case_id,
            self.hash_alg,
            self.payload,
        )

    def entry_bytes(self) -> bytes:
        return hashing.entry_bytes(*self.columns())

    def entry(self) -> list:
        """The hashed entry, decoded: [index, actor_id, agency_id, case_id, time, name, role, type, subject_type,
        subject_id, alg, payload]."""
        return json.loads(self.entry_bytes())

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


class Checkpoint(models.Model):
    """A signed tree head: (tree size, root hash, algorithm, time), signed with the platform's Ed25519 key.

    `statement()` is the exact byte string that is signed. `compact_range` holds the perfect-subtree hashes of the
    tree at `tree_size` (not signed, derivable from the leaves) so the next checkpoint only hashes the new leaves;
    it is checked against `root_hash` before use.
    """

    STATEMENT_KIND = "zhifa-ledger-checkpoint/v1"

    tree_size = models.BigIntegerField("记录数", unique=True)
    root_hash = models.BinaryField("根摘要", max_length=64)
    alg = models.CharField("摘要算法", max_length=16)
    created_at = models.DateTimeField("签名时间", default=timezone.now)
    signature = models.BinaryField("签名", max_length=128)
    key_id = models.CharField("密钥标识", max_length=64)
    public_key_pem = models.TextField("公钥")
    compact_range = models.BinaryField("子树摘要", blank=True, default=b"")

    class Meta:
        verbose_name = "签名检查点"
        verbose_name_plural = "签名检查点"
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {bytes(self.root_hash).hex()[:16]}"

    @property
    def root_hex(self) -> str:
        return bytes(self.root_hash).hex()

    @property
    def signature_hex(self) -> str:
        return bytes(self.signature).hex()

    def statement(self) -> bytes:
        return self.make_statement(
            self.tree_size, bytes(self.root_hash), self.alg, self.created_at, self.key_id
        )

    @classmethod
    def make_statement(cls, tree_size: int, root_hash: bytes, alg: str, created_at, key_id: str) -> bytes:
        """Canonical JSON of what the signature vouches for."""
        return hashing.canonical_json(
            {
                "kind": cls.STATEMENT_KIND,
                "tree_size": tree_size,
                "root_hash": root_hash.hex(),
                "alg": alg,
                "time": hashing.time_text(created_at),
                "key_id": key_id,
            }
        )
