"""案卷 export: a closed case as a BagIt package that verifies with the standard library alone, and fails on any
changed byte, naming the file."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.cases import archive, archive_verifier, services
from zhifa.cases.models import EvidenceKind
from zhifa.cases.tests.conftest import client_for
from zhifa.core.errors import Conflict, NotFound
from zhifa.documents import kinds
from zhifa.documents import services as documents
from zhifa.files.services import store_bytes
from zhifa.ledger import merkle
from zhifa.ledger.models import Event

VERIFIER = Path(archive_verifier.__file__)
BARE_PYTHON = [sys.executable, "-I", "-S"]
STAGE_DIRS = ("01-立案", "02-调查", "03-审查", "04-决定", "05-送达", "06-执行")


def run_verifier(target, *extra, script=VERIFIER):
    """The verifier in a bare interpreter: isolated mode (-I) without site-packages (-S; a venv's would still be on
    the path under -I alone), no environment: only the standard library is importable."""
    out = subprocess.run(
        [*BARE_PYTHON, str(script), str(target), *extra],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
        timeout=120,
    )
    return out.returncode, out.stdout.decode() + out.stderr.decode()


def issue(cw, case, kind):
    w = cw.w
    return documents.issue_document(
        user=w.officer, agency=w.market, kind=kind, context=kinds.sample_context(kind), case_id=case.pk
    )


def closed_case(cw):
    """A 简易程序 case walked to 结案 through the services, with evidence files and issued 文书."""
    w = cw.w
    case = cw.new_case(procedure="simple", party=cw.person, title="占道经营")
    cw.evidence(case, kind=EvidenceKind.AUDIOVISUAL, data=b"\x00\x00\x00\x18ftypmp42 body-camera " * 50)
    photo = store_bytes(
        b"\x89PNG\r\n\x1a\n photo of the stall" + str(case.pk).encode(), content_type="image/png"
    )
    services.add_evidence(
        w.officer, case, kind=EvidenceKind.DOCUMENTARY, title="现场照片", blob=photo, filename="照片1.PNG",
        recorded_at=timezone.now() - dt.timedelta(days=3), place="昌吉市延安路",
    )  # fmt: skip
    services.add_evidence(
        w.officer, case, kind=EvidenceKind.PHYSICAL, title="占道摆放的货架",
        recorded_at=timezone.now() - dt.timedelta(days=3),
    )  # fmt: skip
    services.transition(
        w.officer, case, "onsite_decide", penalty_kinds=["fine"], fine_amount="200", facts="占道经营",
        basis="《某条例》第十条", decided_at=timezone.now().isoformat(), place="昌吉市延安路",
        party_informed=True, statement="无异议",
    )  # fmt: skip
    from zhifa.documents.models import IssuedDocument

    if not IssuedDocument.objects.filter(case_id=case.pk, kind__code="penalty_decision").exists():
        issue(cw, case, "penalty_decision")  # (the decision service may issue it already)
    issue(cw, case, "case_filing")
    services.transition(w.officer, case, "record_payment", paid_on=str(timezone.localdate()), amount="200")
    services.transition(w.head, case, "close", closed_on=str(timezone.localdate()), summary="当场缴纳")
    case.refresh_from_db()
    return case


def extract(data: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(into)
    (bag,) = [p for p in into.iterdir() if p.is_dir()]
    return bag


def flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def rebag(bag: Path) -> None:
    """What a forger would do after editing payload files: recompute every manifest so that they agree again."""
    files = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    rel = [p.relative_to(bag).as_posix() for p in files]
    for alg in ("sha256", "sm3"):
        lines = [
            f"{hashlib.new(alg, p.read_bytes()).hexdigest()}  {r}\n" for p, r in zip(files, rel, strict=True)
        ]
        (bag / f"manifest-{alg}.txt").write_text("".join(lines), encoding="utf-8")
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    oxum = f"{sum(p.stat().st_size for p in files)}.{len(files)}"
    (bag / "bag-info.txt").write_text(
        re.sub(r"Payload-Oxum: .*", f"Payload-Oxum: {oxum}", info), encoding="utf-8"
    )
    tags = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sm3.txt", "verify.py"]
    lines = [f"{hashlib.sha256((bag / t).read_bytes()).hexdigest()}  {t}\n" for t in tags]
    (bag / "tagmanifest-sha256.txt").write_text("".join(lines), encoding="utf-8")


def fresh(bag: Path, tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name / bag.name
    shutil.copytree(bag, copy)
    return copy


@pytest.mark.django_db
def test_closed_case_exports_a_package_that_verifies_and_fails_on_any_changed_byte(cw, tmp_path):
    # given a closed case with documents, evidence files and physical evidence
    case = closed_case(cw)
    events_before = Event.objects.filter(case_id=case.pk).count()

    # when it is exported
    data = archive.build_archive(cw.w.officer, case)
    bag = extract(data, tmp_path / "intact")

    # then the package has the BagIt layout, the stage folders in order and the ledger part
    top = sorted(p.name for p in bag.iterdir())
    assert top == [
        "bag-info.txt", "bagit.txt", "data", "manifest-sha256.txt", "manifest-sm3.txt", "tagmanifest-sha256.txt",
        "verify.py",
    ]  # fmt: skip
    assert (bag / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    assert (bag / "verify.py").read_bytes() == VERIFIER.read_bytes()
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert (
        f"External-Identifier: {case.number}" in info and "Source-Organization: 昌吉市市场监督管理局" in info
    )
    assert "Party: 李四（自然人" in info and f"Closed-Date: {case.closed_on}" in info
    index = json.loads((bag / "data/index.json").read_text(encoding="utf-8"))
    stages = [i["stage"] for i in index["items"]]
    assert stages == sorted(stages, key=archive.STAGES.index)  # 立案 → 调查 → 审查 → 决定 → 送达 → 执行
    assert {"立案", "调查", "决定"} <= set(stages)
    doc_paths = [i["path"] for i in index["items"] if i["type"] == "document"]
    assert doc_paths[0].startswith("data/01-立案/001-立案审批表-昌市监立〔")
    assert any(p.startswith("data/04-决定/") and "昌市监罚〔" in p for p in doc_paths)
    assert all(i["pages"] and i["pages"] >= 1 for i in index["items"] if i["type"] == "document")
    physical = [i for i in index["items"] if i["path"] is None]
    assert len(physical) == 1 and "物证" in physical[0]["title"]
    toc = (bag / "data/卷内目录.txt").read_text(encoding="utf-8")
    assert toc.index("一、立案") < toc.index("二、调查") < toc.index("四、决定") < toc.index("六、执行")
    assert "序号 | 文书/证据名称 | 文号 | 日期 | 页数/大小" in toc and "实物，无电子文件" in toc
    lines = (bag / "data/ledger/events.jsonl").read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line)["event"] for line in lines]
    assert len(lines) == events_before + 1  # every event of the case, plus the 调阅 of this export
    assert (
        exported[-1]["event_type"] == "case.viewed" and exported[-1]["payload"]["purpose"] == "archive_export"
    )
    # … and the export itself is on the ledger with the zip's digest
    export = Event.objects.filter(case_id=case.pk, event_type=archive.EXPORTED).get()
    assert export.data["sha256"] == hashlib.sha256(data).hexdigest() and export.data["events"] == len(lines)

    # then the package's own verify.py, in a bare interpreter, passes and prints the key fingerprint
    code, out = run_verifier(bag, script=bag / "verify.py")
    assert code == 0, out
    assert (
        "核验通过" in out and json.loads((bag / "data/ledger/checkpoint.json").read_text())["key_id"] in out
    )
    code, out = run_verifier(bag.parent)  # the folder holding the bag, and the zip itself, work too
    assert code == 0, out
    (tmp_path / "case.zip").write_bytes(data)
    code, out = run_verifier(tmp_path / "case.zip")
    assert code == 0, out

    # when one byte of any file is flipped (each in a fresh copy) then the verifier fails naming that file
    evidence_path = next(i["path"] for i in index["items"] if i["type"] == "evidence" and i["path"])
    targets = [
        doc_paths[0], evidence_path, "data/ledger/events.jsonl", "data/ledger/checkpoint.json",
        "data/ledger/public-key.pem", "data/index.json", "data/卷内目录.txt", "bag-info.txt", "verify.py",
        "manifest-sha256.txt", "manifest-sm3.txt", "bagit.txt",
    ]  # fmt: skip
    for n, target in enumerate(targets):
        copy = fresh(bag, tmp_path, f"flip{n}")
        flip(copy / target)
        code, out = run_verifier(copy)
        assert code == 1, (target, out)
        assert "核验失败" in out and target in out, (target, out)

    # a removed file and an added file are named too
    copy = fresh(bag, tmp_path, "missing")
    (copy / evidence_path).unlink()
    code, out = run_verifier(copy)
    assert code == 1 and evidence_path in out and "缺失" in out, out
    copy = fresh(bag, tmp_path, "extra")
    (copy / "data/02-调查/999-补充.txt").write_text("后加的文件")
    code, out = run_verifier(copy)
    assert code == 1 and "data/02-调查/999-补充.txt" in out and "多余" in out, out

    # a changed byte inside the zip (a stored member) is caught as well
    damaged = bytearray(data)
    damaged[damaged.index(b"body-camera") + 3] ^= 0x01
    (tmp_path / "damaged.zip").write_bytes(bytes(damaged))
    code, out = run_verifier(tmp_path / "damaged.zip")
    assert code == 1 and "核验失败" in out, out


@pytest.mark.django_db
def test_forgeries_with_recomputed_manifests_fail_on_the_signed_ledger(cw, tmp_path):
    case = closed_case(cw)
    bag = extract(archive.build_archive(cw.w.head, case), tmp_path / "intact")
    index = json.loads((bag / "data/index.json").read_text(encoding="utf-8"))
    platform_key_id = json.loads((bag / "data/ledger/checkpoint.json").read_text())["key_id"]

    # a forged checkpoint signature
    copy = fresh(bag, tmp_path, "sig")
    cp_path = copy / "data/ledger/checkpoint.json"
    cp = json.loads(cp_path.read_text())
    cp["signature"] = cp["signature"][:-2] + ("00" if cp["signature"][-2:] != "00" else "01")
    cp_path.write_text(json.dumps(cp, ensure_ascii=False, indent=2))
    rebag(copy)
    code, out = run_verifier(copy)
    assert code == 1 and "data/ledger/checkpoint.json" in out and "签名无效" in out, out

    # a replaced evidence file (manifests recomputed): its digest is not the one on the ledger
    copy = fresh(bag, tmp_path, "evidence")
    target = next(i["path"] for i in index["items"] if i["type"] == "evidence" and i["path"])
    flip(copy / target)
    rebag(copy)
    code, out = run_verifier(copy)
    assert code == 1 and target in out and "证据登记记录" in out, out

    # a replaced document
    copy = fresh(bag, tmp_path, "document")
    target = next(i["path"] for i in index["items"] if i["type"] == "document")
    flip(copy / target, at=200)
    rebag(copy)
    code, out = run_verifier(copy)
    assert code == 1 and target in out and "签发记录" in out, out

    # an edited event (its readable part, or its entry): the leaf hash or the readable check fails, with the line
    for what in ("event", "entry"):
        copy = fresh(bag, tmp_path, what)
        events_path = copy / "data/ledger/events.jsonl"
        lines = events_path.read_text(encoding="utf-8").splitlines()
        item = json.loads(lines[1])
        if what == "event":
            item["event"]["actor_name"] = "他人"
        else:
            item["entry"] = item["entry"].replace(item["event"]["actor_name"], "他人", 1)
        lines[1] = json.dumps(item, ensure_ascii=False)
        events_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rebag(copy)
        code, out = run_verifier(copy)
        assert code == 1 and "data/ledger/events.jsonl 第2行" in out, (what, out)

    # a dropped event: the 卷内目录 item that relied on it is named
    copy = fresh(bag, tmp_path, "dropped")
    events_path = copy / "data/ledger/events.jsonl"
    lines = events_path.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if json.loads(ln)["event"]["event_type"] != "document.issued"]
    events_path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    rebag(copy)
    code, out = run_verifier(copy)
    assert code == 1 and "data/index.json" in out, out

    # a whole re-signed package under another key verifies internally, but not against the published key id
    copy = fresh(bag, tmp_path, "rekey")
    forger = Ed25519PrivateKey.generate()
    raw = forger.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = forger.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (copy / "data/ledger/public-key.pem").write_bytes(pem)
    cp_path = copy / "data/ledger/checkpoint.json"
    cp = json.loads(cp_path.read_text())
    cp["key_id"] = hashlib.sha256(raw).hexdigest()[:32]
    statement = archive_verifier.canonical_json(
        {k: cp[k] for k in ("kind", "tree_size", "root_hash", "alg", "time", "key_id")}
    )
    cp["statement"], cp["signature"] = statement.decode(), forger.sign(statement).hex()
    cp_path.write_text(json.dumps(cp, ensure_ascii=False, indent=2))
    rebag(copy)
    code, out = run_verifier(copy)
    assert code == 0 and cp["key_id"] in out and platform_key_id not in out, (
        out
    )  # the printed id gives it away
    code, out = run_verifier(copy, "--expect-key", platform_key_id)
    assert code == 1 and "data/ledger/public-key.pem" in out and platform_key_id in out, out
    code, out = run_verifier(bag, "--expect-key", platform_key_id)
    assert code == 0, out


@pytest.mark.django_db
def test_without_native_sm3_the_verifier_says_so_and_still_catches_changes(cw, tmp_path):
    case = closed_case(cw)
    bag = extract(archive.build_archive(cw.w.officer, case), tmp_path / "intact")
    code, out = run_verifier(bag, "--no-native-sm3")
    assert code == 0 and "SM3 not available, checked SHA-256" in out and "核验通过" in out, out
    copy = fresh(bag, tmp_path, "flip")
    target = next(p for p in (copy / "data/02-调查").iterdir())
    flip(target)
    code, out = run_verifier(copy, "--no-native-sm3")
    assert code == 1 and target.relative_to(copy).as_posix() in out, out


@pytest.mark.django_db
def test_open_case_is_refused_and_nothing_is_recorded(cw):
    case = cw.filed_case()
    before = Event.objects.count()
    with pytest.raises(Conflict) as exc:
        archive.build_archive(cw.w.officer, case)
    assert exc.value.code == "case_not_closed" and "结案或归档后" in exc.value.message
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_another_agencys_user_is_denied_and_the_attempt_recorded(cw):
    case = closed_case(cw)
    with pytest.raises(NotFound):
        archive.build_archive(cw.w.officer_b, case)
    denied = Event.objects.filter(
        event_type="access.denied", subject_type="cases.case", subject_id=str(case.pk)
    )
    assert denied.filter(actor_id=cw.w.officer_b.pk).count() == 1
    # through the API as well
    r = client_for(cw.w.officer_b).get(f"/api/v1/cases/{case.pk}/archive")
    assert r.status_code == 404
    assert denied.filter(actor_id=cw.w.officer_b.pk).count() == 2
    assert not Event.objects.filter(event_type=archive.EXPORTED).exists()


@pytest.mark.django_db
def test_api_and_console_download(cw, tmp_path):
    case = closed_case(cw)
    # the API returns the zip; the download is on the ledger with its digest and shows in the 调阅 report
    r = client_for(cw.w.head).get(f"/api/v1/cases/{case.pk}/archive")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert "attachment" in r["Content-Disposition"]
    data = b"".join(r.streaming_content)
    export = Event.objects.get(case_id=case.pk, event_type=archive.EXPORTED)
    assert export.data["sha256"] == hashlib.sha256(data).hexdigest() and export.data["channel"] == "api"
    report = services.access_report(cw.w.head, case=case)
    assert any(row["event_type"] == "case.viewed" and row["channel"] == "api" for row in report)
    code, out = run_verifier(extract(data, tmp_path / "api"))
    assert code == 0, out

    # the console shows the button on the closed case and serves the same kind of package
    console = client_for(cw.w.officer)
    page = console.get(f"/console/cases/{case.pk}/").content.decode()
    assert "导出案卷" in page and f"/console/cases/{case.pk}/archive/" in page
    r = console.get(f"/console/cases/{case.pk}/archive/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    code, out = run_verifier(extract(b"".join(r.streaming_content), tmp_path / "console"))
    assert code == 0, out

    # an open case has no button, and a direct request is refused with the Chinese message
    open_case = cw.filed_case()
    page = console.get(f"/console/cases/{open_case.pk}/").content.decode()
    assert "导出案卷" not in page
    r = console.get(f"/console/cases/{open_case.pk}/archive/", follow=True)
    assert "结案或归档后才能导出案卷" in r.content.decode()
    r = client_for(cw.w.officer).get(f"/api/v1/cases/{open_case.pk}/archive")
    assert r.status_code == 409 and r.json()["error"]["code"] == "case_not_closed"


# --- the standard-library primitives of the verifier -----------------------------------------------------------

RFC8032 = [  # RFC 8032 §7.1, TEST 1–3: (public key, message, signature)
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("public", "message", "signature"), RFC8032)
def test_ed25519_rfc8032_vectors(public, message, signature):
    pk, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert archive_verifier.ed25519_verify(pk, msg, sig)
    assert not archive_verifier.ed25519_verify(pk, msg + b"\x00", sig)
    bad = bytearray(sig)
    bad[0] ^= 1
    assert not archive_verifier.ed25519_verify(pk, msg, bytes(bad))
    s = int.from_bytes(sig[32:], "little") + archive_verifier._Q  # a malleated S (S ≥ L) is refused
    assert not archive_verifier.ed25519_verify(pk, msg, sig[:32] + s.to_bytes(32, "little"))


@settings(max_examples=25, deadline=None)
@given(message=st.binary(max_size=300), seed=st.binary(min_size=32, max_size=32), flip_at=st.integers(0, 63))
def test_ed25519_agrees_with_cryptography(message, seed, flip_at):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = key.sign(message)
    assert archive_verifier.ed25519_verify(public, message, signature)
    bad = bytearray(signature)
    bad[flip_at] ^= 0x40
    assert not archive_verifier.ed25519_verify(public, message, bytes(bad))
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert archive_verifier.public_key_from_pem(pem.decode()) == public


def test_sm3_pure_python_matches_the_standard_and_openssl():
    assert archive_verifier.sm3_pure(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 example 1
    )
    assert archive_verifier.sm3_pure(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"  # GB/T 32905 example 2
    )


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=400))
def test_sm3_pure_python_agrees_with_hashlib(data):
    if not archive_verifier.native_sm3_available():
        pytest.skip("OpenSSL without SM3")
    assert archive_verifier.sm3_pure(data) == hashlib.new("sm3", data).digest()


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 70), data=st.data(), alg=st.sampled_from(["sm3", "sha256"]))
def test_inclusion_verification_agrees_with_the_ledger(size, data, alg):
    leaves = [merkle.leaf_hash(alg, str(i).encode()) for i in range(size)]
    tree = merkle.ListTree(alg, leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index)
    root = tree.root()
    assert archive_verifier.root_from_inclusion(alg, index, size, leaves[index], proof) == root
    assert archive_verifier.leaf_hash(alg, b"x") == merkle.leaf_hash(alg, b"x")
    if proof:  # any changed proof step leads elsewhere
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes(b ^ 1 for b in bad[k])
        assert archive_verifier.root_from_inclusion(alg, index, size, leaves[index], bad) != root
    other = data.draw(st.integers(0, size - 1))
    if other != index:
        assert archive_verifier.root_from_inclusion(alg, other, size, leaves[index], proof) != root


def test_verifier_uses_only_the_standard_library():
    source = VERIFIER.read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:import|from) (\w+)", source, flags=re.M))
    assert imported <= {"base64", "hashlib", "json", "os", "struct", "sys", "zipfile"}, imported
    assert os.access(VERIFIER, os.R_OK)


def test_the_bare_interpreter_has_no_django():
    out = subprocess.run([*BARE_PYTHON, "-c", "import django"], capture_output=True, env={}, cwd="/")
    assert out.returncode == 1 and b"No module named 'django'" in out.stderr
