"""案卷: a closed case as a self-verifying package (BagIt 1.0, zipped).

    build_archive(user, case, *, channel="service") -> bytes          the .zip in memory (small cases, tests)
    write_archive(user, case, out, *, channel="service") -> dict      the .zip into a seekable binary file
    is_exportable(case) -> bool                                        结案 or 归档

Layout (one top folder, named after the case):

    bagit.txt                    BagIt-Version 1.0, UTF-8
    bag-info.txt                 agency, 案号, case id, 案由, parties, dates, checkpoint, Payload-Oxum
    manifest-sha256.txt          digest of every file under data/ (`sha256sum -c` works from the bag root)
    manifest-sm3.txt             the same with SM3
    tagmanifest-sha256.txt       digests of the tag files above and of verify.py
    verify.py                    zhifa/cases/archive_verifier.py: runs with Python's standard library alone
    data/卷内目录.txt             the index, in the standard order 立案 → 调查 → 审查 → 决定 → 送达 → 执行
    data/index.json              the same, machine-readable, each item linked to its ledger event
    data/案件信息.json             the case's particulars (parties, officers, decision, service, execution)
    data/01-立案/ … data/06-执行/  every issued document (signed PDF) and every evidence file, numbered as indexed
    data/ledger/events.jsonl     the case's ledger events: exact entry bytes, leaf hash, inclusion proof
    data/ledger/checkpoint.json  the signed checkpoint all proofs lead to
    data/ledger/public-key.pem   the platform's Ed25519 public key

Exporting is a 调阅 (a `case.viewed` event with purpose "archive_export", inside the package) and, once the zip is
written, a `case.archive_exported` event with the zip's digests (which no package can contain about itself).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhifa.cases import archive_verifier, events
from zhifa.cases.models import Case, State
from zhifa.core.errors import Conflict, DomainError
from zhifa.core.scoping import get_visible
from zhifa.files.services import open_blob
from zhifa.ledger import hashing, merkle
from zhifa.ledger import services as ledger
from zhifa.ledger.models import Checkpoint, Event

EXPORTED = "case.archive_exported"
ARCHIVABLE = (State.CLOSED, State.ARCHIVED)
STAGES = ("立案", "调查", "审查", "决定", "送达", "执行")
CN_ORDINALS = "一二三四五六"
# 文书 kinds (zhifa/documents/kinds.py codes) by stage of the 案卷; unknown kinds go with 调查.
DOCUMENT_STAGE = {
    "case_filing": "立案",
    "on_site_record": "调查",
    "inquiry_record": "调查",
    "evidence_preservation_notice": "调查",
    "seizure_decision": "调查",
    "penalty_notice": "审查",
    "hearing_notice": "审查",
    "hearing_record": "审查",
    "penalty_decision": "决定",
    "service_receipt": "送达",
    "case_closing": "执行",
}
EVIDENCE_STEP_STAGE = {"hearing": "审查", "service_by_leaving": "送达", "service_by_notice": "送达"}
CHUNK = 1024 * 1024
LEAF_CHUNK = 256  # ranges of at most this many leaves are hashed from the stored leaf hashes directly
CONTENT_SUFFIX = {
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/plain": ".txt",
}


class ArchiveFailed(DomainError):
    status = 500
    code = "archive_failed"


def is_exportable(case: Case) -> bool:
    return case.state in ARCHIVABLE


# --- the items of the 卷内目录 ----------------------------------------------------------------------------------


@dataclass
class Item:
    stage: str
    type: str  # "document" | "evidence"
    title: str
    number: str
    date: str
    sort_key: tuple
    blob: object | None
    event_id: int | None
    ref: dict = field(default_factory=dict)
    suffix: str = ""
    seq: int = 0
    path: str | None = None
    pages: int | None = None
    sha256: str = ""
    sm3: str = ""


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|%]+')


def _safe(text: str, limit: int = 60) -> str:
    return _UNSAFE.sub("_", text).strip(" ._")[:limit] or "文件"


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def _event_ids(event_type: str, subject_type: str, ids) -> dict[str, int]:
    rows = Event.objects.filter(
        event_type=event_type, subject_type=subject_type, subject_id__in=[str(i) for i in ids]
    ).values_list("subject_id", "id")
    return {sid: eid for sid, eid in rows}


def _documents(case: Case) -> list[Item]:
    from zhifa.documents.models import IssuedDocument

    docs = list(IssuedDocument.objects.filter(case_id=case.pk).select_related("kind", "blob", "corrects"))
    ids = _event_ids("document.issued", "documents.issueddocument", [d.pk for d in docs])
    items = []
    for d in docs:
        title = (
            d.title if d.corrects_id is None else f"{d.title}（更正{d.corrects.number or d.corrects.title}）"
        )
        items.append(
            Item(
                stage=DOCUMENT_STAGE.get(d.kind.code, "调查"),
                type="document",
                title=title,
                # the 立案审批表 has no number of its own: it carries the case's 案号
                number=d.number or (case.number if d.kind.code == "case_filing" else ""),
                date=_local(d.issued_at),
                sort_key=(d.issued_at, 0, d.pk),
                blob=d.blob,
                event_id=ids.get(str(d.pk)),
                ref={"document_id": d.pk, "kind": d.kind.code},
                suffix=".pdf",
            )
        )
    return items


def _evidence_stage(ev, case: Case) -> str:
    if ev.step in EVIDENCE_STEP_STAGE:
        return EVIDENCE_STEP_STAGE[ev.step]
    day = timezone.localtime(ev.recorded_at).date()
    served = max((s.served_on for s in case.services.all()), default=None)
    if served and day > served:
        return "执行"
    if case.decided_on and day > case.decided_on:
        return "送达"
    return "调查"


def _evidence(case: Case) -> list[Item]:
    evidence = list(case.evidence.select_related("blob"))
    ids = _event_ids(events.EVIDENCE_ADDED, "cases.evidence", [e.pk for e in evidence])
    items = []
    for ev in evidence:
        suffix = Path(ev.filename).suffix.lower() if ev.filename else ""
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
            suffix = CONTENT_SUFFIX.get(ev.blob.content_type if ev.blob_id else "", "")
        items.append(
            Item(
                stage=_evidence_stage(ev, case),
                type="evidence",
                title=f"{ev.title}（{ev.get_kind_display()}）",
                number="",
                date=_local(ev.recorded_at),
                sort_key=(ev.recorded_at, 1, ev.pk),
                blob=ev.blob if ev.blob_id else None,
                event_id=ids.get(str(ev.pk)),
                ref={"evidence_id": ev.pk, "kind": ev.kind, "filename": ev.filename},
                suffix=suffix,
            )
        )
    return items


def _pdf_pages(path_or_file) -> int | None:
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        with open_blob(path_or_file) as fh:
            return int(PdfFileReader(fh, strict=False).root["/Pages"]["/Count"])
    except Exception:  # a page count is a courtesy; the size is always given
        return None


def collect_items(case: Case) -> list[Item]:
    """Documents and evidence in the standard order: by stage, then by date; numbered from 1."""
    items = _documents(case) + _evidence(case)
    items.sort(key=lambda i: (STAGES.index(i.stage), i.sort_key))
    for seq, item in enumerate(items, start=1):
        item.seq = seq
        if item.blob is not None:
            stage_no = STAGES.index(item.stage) + 1
            number = f"-{_safe(item.number, 40)}" if item.number else ""
            item.path = f"data/{stage_no:02d}-{item.stage}/{seq:03d}-{_safe(item.title)}{number}{item.suffix}"
            if item.suffix == ".pdf":
                item.pages = _pdf_pages(item.blob)
    return items


# --- the ledger part -----------------------------------------------------------------------------------------


def case_events_q(case: Case) -> Q:
    """The case's events, and denied attempts to open it (recorded without a case id)."""
    return Q(case_id=case.pk) | Q(
        event_type="access.denied", subject_type="cases.case", subject_id=str(case.pk)
    )


class _Tree:
    """MTH of leaf ranges of the tree of `size`, memoised, seeded with the perfect subtrees held by checkpoints
    (each range checked against its signed root first), so proofs for a case's events read few leaves."""

    def __init__(self, alg: str, size: int):
        self.alg = alg
        self.memo: dict[tuple[int, int], bytes] = {}
        for cp in Checkpoint.objects.filter(alg=alg, tree_size__lte=size).exclude(compact_range=b""):
            try:
                compact = merkle.CompactRange.from_bytes(alg, cp.tree_size, bytes(cp.compact_range))
            except ValueError:
                continue
            if compact.root() != bytes(cp.root_hash):
                continue
            start, nodes = 0, iter(compact.nodes)
            for h in reversed(range(cp.tree_size.bit_length())):
                if cp.tree_size >> h & 1:
                    self.memo[(start, start + (1 << h))] = next(nodes)
                    start += 1 << h

    def subtree(self, start: int, end: int) -> bytes:
        key = (start, end)
        found = self.memo.get(key)
        if found is None:
            n = end - start
            if n <= LEAF_CHUNK:
                found = ledger.subtree_hash(self.alg, start, end)
            else:
                k = merkle.split_point(n)
                found = merkle.node_hash(
                    self.alg, self.subtree(start, start + k), self.subtree(start + k, end)
                )
            self.memo[key] = found
        return found


def _covering_checkpoint(case: Case) -> tuple[list[Event], Checkpoint]:
    ledger.integrate()
    evs = list(Event.objects.filter(case_events_q(case)).select_related("leaf").order_by("index"))
    if any(e.index is None for e in evs):
        ledger.integrate(full=True)
        evs = list(Event.objects.filter(case_events_q(case)).select_related("leaf").order_by("index"))
    if not evs or any(e.index is None for e in evs):
        raise ArchiveFailed("本案的全过程记录尚未全部入账，请稍后再导出。", code="archive_pending_events")
    last = max(e.index for e in evs)
    algs = {e.leaf.alg for e in evs}
    cp = ledger.latest_checkpoint()
    if cp is None or cp.tree_size <= last or {cp.alg} != algs:
        cp = ledger.create_checkpoint()
    if cp is None or cp.tree_size <= last or {cp.alg} != algs:
        raise ArchiveFailed("未能取得覆盖本案全部记录的签名检查点。", code="archive_no_checkpoint")
    return evs, cp


def ledger_lines(evs: list[Event], cp: Checkpoint) -> list[bytes]:
    """One canonical JSON line per event: entry bytes, leaf hash and inclusion proof against `cp`."""
    tree = _Tree(cp.alg, cp.tree_size)
    root = bytes(cp.root_hash)
    lines = []
    for e in evs:
        entry = e.entry_bytes()
        leaf = hashing.leaf_hash(e.leaf.alg, entry)
        if leaf != bytes(e.leaf.leaf_hash):
            raise ArchiveFailed(
                f"第{e.index}条记录与其叶子摘要不符，请先运行 zhifa verify 排查。",
                code="archive_ledger_damaged",
            )
        proof = merkle.inclusion_proof(e.index, cp.tree_size, tree.subtree)
        if not merkle.verify_inclusion(cp.alg, e.index, cp.tree_size, leaf, proof, root):
            raise ArchiveFailed(f"第{e.index}条记录的包含证明无法验证。", code="archive_proof_failed")
        fields = dict(zip(archive_verifier.ENTRY_FIELDS, json.loads(entry), strict=True))
        readable = {k: v for k, v in fields.items() if k not in ("index", "alg", "event_id")}
        readable["id"] = fields["event_id"]
        lines.append(
            hashing.canonical_json(
                {
                    "index": e.index,
                    "alg": e.leaf.alg,
                    "leaf_hash": leaf.hex(),
                    "entry": entry.decode(),
                    "proof": [p.hex() for p in proof],
                    "event": readable,
                }
            )
        )
    return lines


def checkpoint_json(cp: Checkpoint) -> dict:
    return {
        "kind": Checkpoint.STATEMENT_KIND,
        "tree_size": cp.tree_size,
        "root_hash": cp.root_hex,
        "alg": cp.alg,
        "time": hashing.time_text(cp.created_at),
        "key_id": cp.key_id,
        "signature": cp.signature_hex,
        "statement": cp.statement().decode(),
    }


# --- writing the bag -----------------------------------------------------------------------------------------


class _Bag:
    def __init__(self, zf: zipfile.ZipFile, top: str):
        self.zf, self.top = zf, top
        self.sha256: dict[str, str] = {}
        self.sm3: dict[str, str] = {}
        self.payload_bytes = 0

    def put(self, path: str, data: bytes) -> None:
        self.zf.writestr(f"{self.top}/{path}", data, compress_type=zipfile.ZIP_DEFLATED)
        if path.startswith("data/"):
            self.sha256[path] = hashlib.sha256(data).hexdigest()
            self.sm3[path] = hashlib.new("sm3", data).hexdigest()
            self.payload_bytes += len(data)

    def put_blob(self, path: str, blob) -> tuple[str, str]:
        """Copy a stored file into the bag, hashing it on the way; refuses a file that no longer matches."""
        sha, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
        info = zipfile.ZipInfo(f"{self.top}/{path}", date_time=timezone.localtime().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED
        with open_blob(blob) as src, self.zf.open(info, "w", force_zip64=True) as dst:
            while chunk := src.read(CHUNK):
                sha.update(chunk)
                sm3.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        if sha.hexdigest() != blob.sha256 or sm3.hexdigest() != blob.sm3 or size != blob.size:
            raise ArchiveFailed(
                f"存储的文件 {blob.sm3[:16]}… 与其登记的摘要不符，请先运行 zhifa verify 排查。",
                code="archive_blob_damaged",
            )
        self.sha256[path], self.sm3[path] = blob.sha256, blob.sm3
        self.payload_bytes += size
        return blob.sha256, blob.sm3

    def manifest(self, digests: dict[str, str]) -> bytes:
        return "".join(f"{d}  {p}\n" for p, d in sorted(digests.items())).encode()


def _size_text(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def _one_line(text) -> str:
    return " ".join(str(text or "").split())


def _parties(case: Case) -> list:
    return [cp.party for cp in case.case_parties.select_related("party")]


def index_text(case: Case, items: list[Item], cp: Checkpoint, event_count: int) -> str:
    parties = "、".join(p.name for p in _parties(case))
    lines = [
        "卷内目录",
        "",
        f"办案机关：{case.agency.name}",
        f"案号：{case.number or '（无）'}    案由：{case.title}    程序：{case.get_procedure_display()}",
        f"当事人：{parties}",
        f"立案日期：{case.filed_on or '—'}    决定日期：{case.decided_on or '—'}    "
        f"结案日期：{case.closed_on or '—'}    归档日期：{case.archived_on or '—'}",
        "",
        "序号 | 文书/证据名称 | 文号 | 日期 | 页数/大小 | 文件",
    ]
    for n, stage in enumerate(STAGES):
        lines.append(f"{CN_ORDINALS[n]}、{stage}")
        rows = [i for i in items if i.stage == stage]
        for i in rows:
            size = i.blob.size if i.blob is not None else None
            extent = (
                f"{i.pages}页" if i.pages else (_size_text(size) if size is not None else "实物，无电子文件")
            )
            where = i.path[len("data/") :] if i.path else "—"
            lines.append(f"{i.seq} | {i.title} | {i.number or '—'} | {i.date} | {extent} | {where}")
        if not rows:
            lines.append("（无）")
    lines += [
        "",
        f"附：全过程记录 {event_count} 条（ledger/events.jsonl），每条附包含证明；",
        f"    签名检查点：记录数 {cp.tree_size}，根摘要（{cp.alg}）{cp.root_hex}（ledger/checkpoint.json）；",
        f"    平台公钥（ledger/public-key.pem），密钥标识 {cp.key_id}。",
        "核验：在案卷目录中运行 python3 verify.py（仅需Python标准库）。",
        "",
    ]
    return "\n".join(lines)


def case_particulars(case: Case) -> dict:
    from zhifa.cases.services import active_officers

    def d(value):
        return value.isoformat() if value else None

    decision = getattr(case, "decision", None)
    execution = getattr(case, "execution", None)
    return {
        "case_id": case.pk,
        "number": case.number,
        "agency": case.agency.name,
        "title": case.title,
        "procedure": case.get_procedure_display(),
        "source": case.get_source_type_display(),
        "source_description": case.source_description,
        "source_received_on": d(case.source_received_on),
        "domain": case.domain.name,
        "state": case.get_state_display(),
        "filed_on": d(case.filed_on),
        "decided_on": d(case.decided_on),
        "closed_on": d(case.closed_on),
        "archived_on": d(case.archived_on),
        "parties": [
            {"name": p.name, "kind": p.get_kind_display(), "identifier": p.identifier, "address": p.address}
            for p in _parties(case)
        ],
        "officers": [
            {"name": link.officer.name, "role": link.get_role_display()} for link in active_officers(case)
        ],
        "decision": None
        if decision is None
        else {
            "outcome": decision.get_outcome_display(),
            "kinds": decision.kinds_display,
            "fine": str(decision.fine_amount) if decision.fine_amount is not None else None,
            "confiscation": str(decision.confiscation_amount)
            if decision.confiscation_amount is not None
            else None,
            "facts": decision.facts,
            "basis": decision.basis,
            "decided_on": d(decision.decided_on),
            "onsite": decision.onsite,
        },
        "services": [
            {
                "document": s.document,
                "method": s.get_method_display(),
                "served_on": d(s.served_on),
                "recipient": s.recipient,
            }
            for s in case.services.all()
        ],  # fmt: skip
        "execution": None
        if execution is None
        else {
            "amount_due": str(execution.fine_amount),
            "due_on": d(execution.due_on),
            "arrangement": execution.get_arrangement_display() if execution.arrangement else "",
            "court_applied_on": d(execution.court_applied_on),
            "payments": [
                {
                    "paid_on": d(p.paid_on),
                    "amount": str(p.amount),
                    "late_fee_part": str(p.late_fee_part),
                    "receipt": p.receipt,
                }
                for p in execution.payments.all()
            ],  # fmt: skip
        },
    }


def _bag_info(case: Case, user, cp: Checkpoint, bag: _Bag, count: int) -> bytes:
    from zhifa.ledger.services import Actor

    rows = [
        ("Source-Organization", case.agency.name),
        ("Organization-Address", case.agency.jurisdiction.full_name),
        ("External-Identifier", case.number or f"案源{case.pk}"),
        ("External-Description", f"案卷：{case.title}（{case.get_procedure_display()}）"),
        ("Case-Id", str(case.pk)),
        ("Case-Title", case.title),
        ("Procedure", case.get_procedure_display()),
        *[
            ("Party", f"{p.name}（{p.get_kind_display()}，{p.identifier or '无证件号'}）")
            for p in _parties(case)
        ],
        ("Source-Received-Date", str(case.source_received_on or "")),
        ("Filed-Date", str(case.filed_on or "")),
        ("Decided-Date", str(case.decided_on or "")),
        ("Closed-Date", str(case.closed_on or "")),
        ("Archived-Date", str(case.archived_on or "")),
        ("Bagging-Date", timezone.localdate().isoformat()),
        ("Exported-By", Actor.from_user(user).name),
        ("Bag-Software-Agent", f"zhifa ({archive_verifier.FORMAT})"),
        ("Ledger-Checkpoint", f"{cp.tree_size} {cp.alg} {cp.root_hex}"),
        ("Ledger-Key-Id", cp.key_id),
        ("Payload-Oxum", f"{bag.payload_bytes}.{count}"),
        ("Bag-Size", _size_text(bag.payload_bytes)),
    ]
    return "".join(f"{label}: {_one_line(value)}\n" for label, value in rows).encode()


def write_archive(user, case: Case, out, *, channel: str = "service") -> dict:
    """Write the 案卷 zip of a visible, closed case into `out` (seekable, binary). Returns a summary."""
    case = get_visible(Case.objects.select_related("agency", "domain"), user, channel=channel, pk=case.pk)
    if not is_exportable(case):
        raise Conflict(
            f"案件当前处于“{case.get_state_display()}”，结案或归档后才能导出案卷。", code="case_not_closed"
        )
    with transaction.atomic():  # 调阅: inside the package, as one of the case's events
        ledger.append(
            events.VIEWED,
            actor=ledger.Actor.from_user(user),
            subject=case,
            payload={"channel": channel, "purpose": "archive_export"},
            case_id=case.pk,
        )
    evs, cp = _covering_checkpoint(case)
    items = collect_items(case)
    missing = [i for i in items if i.event_id is None or i.event_id not in {e.pk for e in evs}]
    if missing:
        raise ArchiveFailed(
            f"“{missing[0].title}”没有对应的全过程记录，无法组卷。", code="archive_item_unrecorded"
        )
    top = _safe(f"案卷-{case.number or case.pk}", 80)
    start = out.tell()
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        bag = _Bag(zf, top)
        for item in items:
            if item.path:
                item.sha256, item.sm3 = bag.put_blob(item.path, item.blob)
        bag.put("data/ledger/events.jsonl", b"".join(line + b"\n" for line in ledger_lines(evs, cp)))
        bag.put(
            "data/ledger/checkpoint.json",
            json.dumps(checkpoint_json(cp), ensure_ascii=False, indent=2).encode(),
        )
        bag.put("data/ledger/public-key.pem", cp.public_key_pem.encode())
        index = {
            "format": archive_verifier.FORMAT,
            "case_id": case.pk,
            "number": case.number,
            "stages": list(STAGES),
            "items": [
                {"seq": i.seq, "stage": i.stage, "type": i.type, "title": i.title, "number": i.number,
                 "date": i.date, "pages": i.pages, "size": i.blob.size if i.blob is not None else None,
                 "path": i.path, "sha256": i.sha256 or None, "sm3": i.sm3 or None, "event_id": i.event_id, **i.ref}
                for i in items
            ],
        }  # fmt: skip
        bag.put("data/index.json", json.dumps(index, ensure_ascii=False, indent=1).encode())
        bag.put("data/卷内目录.txt", index_text(case, items, cp, len(evs)).encode())
        bag.put(
            "data/案件信息.json", json.dumps(case_particulars(case), ensure_ascii=False, indent=1).encode()
        )
        count = len(bag.sha256)
        tags = {
            "bagit.txt": "".join(f"{line}\n" for line in archive_verifier.BAGIT_LINES).encode(),
            "bag-info.txt": _bag_info(case, user, cp, bag, count),
            "manifest-sha256.txt": bag.manifest(bag.sha256),
            "manifest-sm3.txt": bag.manifest(bag.sm3),
            "verify.py": Path(archive_verifier.__file__).read_bytes(),
        }
        for name, data in tags.items():
            bag.put(name, data)
        tagmanifest = "".join(
            f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(tags.items())
        )
        bag.put("tagmanifest-sha256.txt", tagmanifest.encode())
    end = out.tell()
    out.seek(start)
    sha, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
    while size < end - start:
        chunk = out.read(min(CHUNK, end - start - size))
        if not chunk:
            break
        sha.update(chunk)
        sm3.update(chunk)
        size += len(chunk)
    out.seek(end)
    summary = {
        "channel": channel,
        "folder": top,
        "size": size,
        "sha256": sha.hexdigest(),
        "sm3": sm3.hexdigest(),
        "files": count,
        "documents": sum(1 for i in items if i.type == "document"),
        "evidence": sum(1 for i in items if i.type == "evidence"),
        "events": len(evs),
        "checkpoint_size": cp.tree_size,
        "root_hash": cp.root_hex,
    }
    with transaction.atomic():
        ledger.append(
            EXPORTED, actor=ledger.Actor.from_user(user), subject=case, payload=summary, case_id=case.pk
        )
    return summary


def build_archive(user, case: Case, *, channel: str = "service") -> bytes:
    """The 案卷 zip in memory (see write_archive)."""
    buffer = io.BytesIO()
    write_archive(user, case, buffer, channel=channel)
    return buffer.getvalue()


def archive_filename(case: Case) -> str:
    return f"{_safe(f'案卷-{case.number or case.pk}', 80)}.zip"
