"""The tamper-evident record (执法全过程记录, 防删改): events, their log positions (leaves) and signed checkpoints.

A sequencer, the way Trillian integrates a queue:

- `Event`: what happened. The business transaction only INSERTs event rows (no shared lock); each gets an insertion
  id (`id`) from the database. An AFTER INSERT trigger also queues the id in `Pending`.
- `Leaf`: the event's place in the log. A short *integrate* step (services.integrate) takes committed, queued events
  in insertion-id order under the integrator lock and INSERTs one leaf each: a gapless `index` from 0, the event (unique),
  the leaf hash over every event column plus the index (see `hashing.entry_text`) and the algorithm.
- `LedgerHead`: the number of leaves; written only by the integrator, never by the business transaction.

Events, leaves and checkpoints are append-only: database triggers (migration 0003) refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL) on SQLite and PostgreSQL. `Pending` is a work queue (rows are deleted when integrated); losing
a row of it loses nothing, since `zhifa verify` integrates every event without a leaf, queued or not.
"""

from __future__ import annotations

import json

from django.db import models
from django.db.models import F
from django.utils import timezone

from zhifa.ledger import hashing


class EventQuerySet(models.QuerySet):
    def order_by(self, *field_names):
        """`order_by("index")` orders by log position: integrated events by their leaf index, then the pending
        ones by insertion id (an `index` in Python is `Event.index`, None while pending)."""
        mapped = []
        for name in field_names:
            if name == "index":
                mapped += [F("leaf__index").asc(nulls_last=True), "id"]
            elif name == "-index":
                mapped += [F("leaf__index").desc(nulls_first=True), "-id"]
            else:
                mapped.append(name)
        return super().order_by(*mapped)


class Event(models.Model):
    id = models.BigAutoField("写入号", primary_key=True)  # insertion id: unique, increasing, not gapless
    recorded_at = models.DateTimeField("时间", default=timezone.now)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor_name = models.CharField("操作人", max_length=100, blank=True)
    actor_role = models.CharField("角色", max_length=32, blank=True)
    actor_agency_id = models.BigIntegerField("所属机关ID", null=True, blank=True)
    # indexed in Meta (a plain btree: db_index=True would add a varchar_pattern_ops index for LIKE on PostgreSQL,
    # which no query uses and every append would pay for)
    event_type = models.CharField("事件类型", max_length=64)
    subject_type = models.CharField("对象类型", max_length=64)
    subject_id = models.CharField("对象ID", max_length=64)
    case_id = models.BigIntegerField("案件ID", null=True, blank=True, db_index=True)
    payload = models.TextField("内容")  # canonical JSON

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "全过程记录事件"
        verbose_name_plural = "全过程记录事件"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["actor_id", "recorded_at"]),
            models.Index(fields=["event_type"], name="ledger_event_type_idx"),
        ]

    def __str__(self) -> str:
        where = "pending" if self.index is None else f"#{self.index}"
        return f"{where} {self.event_type} {self.subject_type}:{self.subject_id}"

    @property
    def data(self):
        return json.loads(self.payload)

    def _leaf(self):
        try:
            return self.leaf
        except Leaf.DoesNotExist:
            return None

    @property
    def index(self) -> int | None:
        """The log index, None while the event is pending (committed but not integrated yet)."""
        leaf = self._leaf()
        return None if leaf is None else leaf.index

    @property
    def integrated(self) -> bool:
        return self._leaf() is not None

    def columns(self, index: int, alg: str) -> tuple:
        """The column values in entry order (see hashing.entry_text), at log position `index`."""
        return (
            index,
            self.id,
            hashing.time_text(self.recorded_at),
            self.actor_id,
            self.actor_name,
            self.actor_role,
            self.actor_agency_id,
            self.event_type,
            self.subject_type,
            self.subject_id,
            self.case_id,
            alg,
            self.payload,
        )

    def entry_bytes(self) -> bytes:
        """The bytes its leaf hashes (integrated events only)."""
        leaf = self._leaf()
        if leaf is None:
            raise ValueError(f"event {self.id} is not integrated yet")
        return hashing.entry_bytes(*self.columns(leaf.index, leaf.alg))

    def entry(self) -> list:
        """The hashed entry, decoded (see hashing.entry_text for the order)."""
        return json.loads(self.entry_bytes())

    def compute_leaf_hash(self) -> bytes:
        return hashing.leaf_hash(self.leaf.alg, self.entry_bytes())


class Leaf(models.Model):
    """An event's position in the log: gapless index from 0, in integration order (append-only)."""

    index = models.BigIntegerField("序号", primary_key=True)
    # No foreign-key constraint in the database: only the integrator writes leaves, of events it has just read, and
    # events cannot be deleted (trigger); the constraint's check would lock each event row (FOR KEY SHARE: a write
    # to the event's page) at every integration. `zhifa verify` names a leaf whose event row is missing.
    event = models.OneToOneField(
        Event, on_delete=models.PROTECT, related_name="leaf", verbose_name="事件", db_constraint=False
    )
    leaf_hash = models.BinaryField("叶子摘要", max_length=64)
    alg = models.CharField("摘要算法", max_length=16)

    class Meta:
        verbose_name = "记录序号"
        verbose_name_plural = "记录序号"
        ordering = ["index"]

    def __str__(self) -> str:
        return f"#{self.index} event {self.event_id}"


class Pending(models.Model):
    """Queue of events not integrated yet, filled by a trigger on ledger_event (migration 0003)."""

    event_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = "待排序事件"
        verbose_name_plural = "待排序事件"

    def __str__(self) -> str:
        return f"pending event {self.event_id}"


class LedgerHead(models.Model):
    """One row holding the log size (number of leaves); written only by the integrator (under its lock)."""

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
