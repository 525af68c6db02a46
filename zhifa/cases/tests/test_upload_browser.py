"""The resumable evidence upload in headless Chromium: the tus widget (zhifa/files/static/files/tus-upload.js), the
tus server at /files/tus/ and the "evidence" completion handler (zhifa/cases/uploads.py), end to end.

A case officer (甲执法, logged in through the console) uploads a file of a few MB for a case in 调查取证 through the
widget, the page reports the progress, the evidence is then listed on the case page, and on the server the stored
blob, the evidence record and the ledger carry the source file's SHA-256 and SM3. A second upload loses two PATCH
requests on the way (one never reaches the server, the response of another is lost after the server stored its
bytes): the widget retries, asks the server for the offset (HEAD) and completes with the right digests.

The widget is the case page's 上传证据 panel (cases/case_detail.html); the browser server sends 1 MiB PATCHes
(ZHIFA_UPLOAD_CHUNK_SIZE in zhifa.core.browser) so that a few MB report progress several times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest

pytest.register_assert_rewrite("zhifa.core.browser")
pytest_plugins = ["zhifa.core.browser"]

from zhifa.core.browser import login  # noqa: E402

BROWSER_SETUP = ("zhifa.cases.tests.test_upload_browser:prepare",)  # run once in the server's setup process
SHANGHAI = ZoneInfo("Asia/Shanghai")
WIDGET = "#evidence-upload"
CHUNK = 1 << 20  # 1 MiB PATCHes, so that a file of a few MB reports progress several times on the way
SIZE = 5 * CHUNK + 123_457  # a few MB, not a multiple of the chunk size

# ----------------------------------------------------------------------------------------------------------------
# Run inside the server's environment (ZhifaServer.call)


def prepare() -> dict:
    """A second certified market officer and a case of 甲执法 in 调查取证 (filed by the head)."""
    from django.utils import timezone

    from zhifa.cases import services
    from zhifa.cases.models import CaseOfficer, SourceType
    from zhifa.core.roles import Role
    from zhifa.core.testing import make_uscc
    from zhifa.registry import services as registry
    from zhifa.registry.models import Agency, EnforcementDomain, Officer, User

    admin, officer, head = (User.objects.get(username=u) for u in ("t_admin", "t_officer", "t_head"))
    market = Agency.objects.get(short_name="昌市监")
    domain = EnforcementDomain.objects.get(code="market")
    today = timezone.localdate()
    o2 = registry.create_officer(user=admin, agency=market, name="庚上传", domains=[domain])
    registry.issue_certificate(
        user=admin, officer=o2, number=f"U{o2.pk:06d}", domains=[domain], issuer="新疆维吾尔自治区人民政府",
        valid_from=today - dt.timedelta(days=100), valid_until=today + dt.timedelta(days=700),
        qualification="exam", exam_passed_on=today - dt.timedelta(days=200),
    )  # fmt: skip
    registry.create_user(
        username="u_officer2", password="Pass-1234!", role=Role.OFFICER, user=admin, agency=market, officer=o2,
        display_name=o2.name,
    )  # fmt: skip
    party = services.register_party(
        officer, kind="organisation", name="昌吉市上传测试商贸有限公司", uscc=make_uscc(960),
        address="昌吉市延安北路3号",
    )  # fmt: skip
    case = services.create_case(
        officer, title="销售无中文标签的进口食品", source_type=SourceType.INSPECTION, source_description="日常检查发现",
        source_received_on=today - dt.timedelta(days=5), domain=domain, parties=[party],
    )  # fmt: skip
    services.assign_officer(officer, case, Officer.objects.get(name="甲执法"), CaseOfficer.Role.LEAD)
    services.assign_officer(officer, case, o2, CaseOfficer.Role.ASSIST)
    services.transition(officer, case, "start_verification")
    services.transition(officer, case, "request_filing", opinion="涉嫌违法，建议立案")
    services.transition(head, case, "approve_filing", filed_on=today - dt.timedelta(days=1))
    return {"case_id": case.pk}


def evidence_facts(case_id: int, title: str) -> dict:
    """The evidence of that title, its stored blob (digests recomputed from the file on disk), its uploads and
    the ledger events of the upload and the registration."""
    from zhifa.cases.models import Evidence
    from zhifa.files.models import Upload
    from zhifa.files.services import blob_path
    from zhifa.ledger.models import Event

    rows = list(Evidence.objects.filter(case_id=case_id, title=title).select_related("blob", "officer"))
    if len(rows) != 1:
        return {"count": len(rows)}
    ev = rows[0]
    sha256, sm3 = hashlib.sha256(), hashlib.new("sm3")
    with open(blob_path(ev.blob), "rb") as f:
        while chunk := f.read(1 << 20):
            sha256.update(chunk)
            sm3.update(chunk)
    uploads = [
        {"state": u.state, "offset": u.offset, "length": u.length, "sha256": u.sha256, "sm3": u.sm3,
         "blob": u.blob_id, "result": u.result, "user": u.user.username}
        for u in Upload.objects.filter(metadata__title=title).select_related("user")
    ]  # fmt: skip
    added = [e.data for e in Event.objects.filter(case_id=case_id, event_type="case.evidence_added")]
    finished = [e.data for e in Event.objects.filter(event_type="files.upload_finished")]
    return {
        "count": 1,
        "id": ev.pk,
        "kind": ev.kind,
        "filename": ev.filename,
        "device": ev.device,
        "place": ev.place,
        "step": ev.step,
        "officer": ev.officer.name if ev.officer else None,
        "recorded_at": ev.recorded_at.isoformat(),
        "blob": {"id": ev.blob.pk, "size": ev.blob.size, "sha256": ev.blob.sha256, "sm3": ev.blob.sm3},
        "stored": {
            "size": blob_path(ev.blob).stat().st_size,
            "sha256": sha256.hexdigest(),
            "sm3": sm3.hexdigest(),
        },
        "uploads": uploads,
        "evidence_added": [e for e in added if e.get("evidence") == ev.pk],
        "upload_finished": [e for e in finished if e.get("blob") == ev.blob.pk],
    }


# ----------------------------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module")
def case_id(zhifa_server):
    return zhifa_server.setup[BROWSER_SETUP[0]]["case_id"]


def source_file(path, seed: bytes):
    """A file of SIZE pseudo-random bytes (an MP4 header first); returns (path, sha256, sm3)."""
    data = b"\x00\x00\x00\x18ftypmp42" + b"".join(
        hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(SIZE // 32 + 1)
    )
    data = data[:SIZE]
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest(), hashlib.new("sm3", data).hexdigest()


def open_upload_panel(page, server, case_id: int) -> None:
    """The case page, whose 上传证据 panel holds the resumable upload widget."""
    page.goto(f"{server.url}/console/cases/{case_id}/")
    page.wait_for_function("() => !!document.querySelector('#evidence-upload').zhifaTus")  # the script ran
    # record what the widget shows: every change of the progress bar and of the status line
    page.evaluate(
        """() => {
            const w = document.querySelector('#evidence-upload');
            const bar = w.querySelector('.tus-upload__progress'), status = w.querySelector('.tus-upload__status');
            window.seen = [];
            window.uploaded = null;
            new MutationObserver(() => window.seen.push({hidden: bar.hidden, value: bar.value,
                                                         status: status.textContent}))
                .observe(w, {subtree: true, attributes: true, childList: true, characterData: true});
            w.addEventListener('zhifa:uploaded', (e) => { window.uploaded = e.detail.result; });
        }"""
    )


def upload(page, path, *, title: str, recorded_at: str) -> None:
    page.locator("[data-tus-meta='evidence_type']").select_option("audiovisual")
    page.locator("[data-tus-meta='title']").fill(title)
    page.locator("[data-tus-meta='recorded_at']").fill(recorded_at)
    page.locator("[data-tus-meta='device']").fill("DSJ-007")
    page.locator("[data-tus-meta='place']").fill("昌吉市延安北路3号")
    page.locator("[data-tus-meta='step']").select_option("evidence")
    widget = page.locator(WIDGET)
    widget.locator("input[type=file]").set_input_files(str(path))
    status = widget.locator(".tus-upload__status")
    assert re.search(r"已选择：.+（5\.1 MB）", status.inner_text()), status.inner_text()
    start = widget.get_by_role("button", name="开始上传")
    assert start.is_enabled()
    start.click()


def wait_done(page, timeout_ms: int = 60_000) -> dict:
    page.wait_for_function("() => window.uploaded !== null", timeout=timeout_ms)
    return page.evaluate("() => window.uploaded")


def progress_seen(page) -> list[int]:
    return [s["value"] for s in page.evaluate("() => window.seen") if not s["hidden"]]


def statuses_seen(page) -> list[str]:
    return [s["status"] for s in page.evaluate("() => window.seen")]


def local_now(minutes_ago: int) -> str:
    return (dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def assert_stored(facts: dict, *, sha256: str, sm3: str, title: str, filename: str) -> None:
    """The server's records of one uploaded evidence file agree with the source file."""
    assert facts["count"] == 1, facts
    assert facts["blob"] == {"id": facts["blob"]["id"], "size": SIZE, "sha256": sha256, "sm3": sm3}, facts[
        "blob"
    ]
    # the bytes at the content address are the source file's (recomputed from disk, not read from the row)
    assert facts["stored"] == {"size": SIZE, "sha256": sha256, "sm3": sm3}, facts["stored"]
    assert (facts["kind"], facts["filename"], facts["device"], facts["step"], facts["officer"]) == (
        "audiovisual", filename, "DSJ-007", "evidence", "甲执法",
    )  # fmt: skip
    # one upload, finished by the officer, its digests the source's, registered as this evidence
    assert len(facts["uploads"]) == 1, facts["uploads"]
    (up,) = facts["uploads"]
    assert up["state"] == "finished" and up["user"] == "t_officer", up
    assert (up["offset"], up["length"], up["sha256"], up["sm3"]) == (SIZE, SIZE, sha256, sm3), up
    assert up["blob"] == facts["blob"]["id"] and up["result"] == {
        "model": "cases.evidence",
        "id": facts["id"],
    }, up
    # on the ledger: the finished upload and the evidence registration, both with the digests
    assert len(facts["upload_finished"]) == 1 and len(facts["evidence_added"]) == 1, facts
    for event in (facts["upload_finished"][0], facts["evidence_added"][0]):
        assert (event["sha256"], event["sm3"], event["size"]) == (sha256, sm3, SIZE), event
    assert facts["evidence_added"][0]["channel"] == "upload" and facts["evidence_added"][0]["title"] == title


def assert_listed(page, server, case_id: int, *, title: str, sm3: str, source) -> None:
    """The case page lists the evidence with its SM3, and its download is the source file."""
    page.goto(f"{server.url}/console/cases/{case_id}/")
    row = page.locator("h2:text-is('证据') + ul li", has_text=title)
    assert row.count() == 1, page.locator("h2:text-is('证据') + ul").inner_text()
    text = row.inner_text()
    assert "视听资料" in text and "DSJ-007" in text and f"SM3 {sm3[:17]}" in text, text
    with page.expect_download() as download:
        row.get_by_role("link", name="下载").click()
    assert download.value.path().read_bytes() == source.read_bytes()


# ----------------------------------------------------------------------------------------------------------------


def test_evidence_upload_reports_progress_and_stores_the_source_digest(
    zhifa_server, new_context, case_id, tmp_path
):
    server = zhifa_server
    context, watch = new_context()
    page = login(context, server, "t_officer")
    source, sha256, sm3 = source_file(tmp_path / "执法记录仪-0001.mp4", b"first")

    # given the officer's upload panel of the case, when a 5 MB body-camera file is uploaded through the widget
    open_upload_panel(page, server, case_id)
    patches = []
    page.on("request", lambda r: r.method == "PATCH" and patches.append(r.headers.get("upload-offset")))
    upload(page, source, title="执法记录仪视频（现场检查）", recorded_at=local_now(90))
    result = wait_done(page)

    # then the page reported the progress on the way and the completion at the end
    values = progress_seen(page)
    assert values and values[-1] == 100, values
    assert values == sorted(values), values  # the bar only moves forward
    assert len({v for v in values if 0 < v < 100}) >= 3, values  # several intermediate steps were shown
    shown = statuses_seen(page)
    assert any(re.fullmatch(r"正在上传 \d{1,2}%（.+ / 5\.1 MB.*）", s) for s in shown), shown
    widget = page.locator(WIDGET)
    assert (
        widget.locator(".tus-upload__status").inner_text()
        == "上传完成，已登记：执法记录仪-0001.mp4（5.1 MB）"
    )
    assert widget.locator(".tus-upload__progress").evaluate("e => [e.hidden, e.value]") == [False, 100]
    assert (
        widget.locator(".tus-upload__pause").is_hidden() and widget.locator(".tus-upload__cancel").is_hidden()
    )
    # the file went up in 1 MiB PATCHes, each at the offset the previous one reached
    assert patches == [str(i * CHUNK) for i in range(SIZE // CHUNK + 1)], patches
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('zhifa-tus:'))") == []
    assert result["model"] == "cases.evidence", result

    # and the server stored exactly the source file, registered as evidence of the case, with its digests
    facts = server.call("zhifa.cases.tests.test_upload_browser:evidence_facts", case_id=case_id,
                        title="执法记录仪视频（现场检查）")  # fmt: skip
    assert facts.get("id") == result["id"], (facts, result)
    assert_stored(facts, sha256=sha256, sm3=sm3, title="执法记录仪视频（现场检查）", filename=source.name)
    # and the case page lists it; its download is the source file
    assert_listed(page, server, case_id, title="执法记录仪视频（现场检查）", sm3=sm3, source=source)
    watch.assert_clean()


def test_evidence_upload_resumes_after_dropped_connections(zhifa_server, new_context, case_id, tmp_path):
    server = zhifa_server
    context, watch = new_context()
    page = login(context, server, "t_officer")
    source, sha256, sm3 = source_file(tmp_path / "执法记录仪-0002.mp4", b"second")
    open_upload_panel(page, server, case_id)

    # the network drops two PATCH requests: the 2nd never reaches the server; the 4th reaches it, the server
    # stores its bytes, and the response is lost on the way back
    seen: list[tuple] = []

    def network(route):
        request = route.request
        if request.method != "PATCH":
            route.continue_()
            return
        n = sum(1 for s in seen if s[0] == "PATCH") + 1
        offset = int(request.headers["upload-offset"])
        if n == 2:
            seen.append(("PATCH", offset, "dropped before the server"))
            route.abort("connectionreset")
        elif n == 4:
            response = route.fetch()
            seen.append(
                ("PATCH", offset, "response lost", response.status, response.headers.get("upload-offset"))
            )
            route.abort("connectionreset")
        else:
            seen.append(("PATCH", offset, "sent"))
            route.continue_()

    page.route(f"{server.url}/files/tus/*", network)
    heads = []
    page.on("request", lambda r: r.method == "HEAD" and heads.append(r.url))

    upload(page, source, title="执法记录仪视频（断点续传）", recorded_at=local_now(80))
    result = wait_done(page)

    # the widget said the connection was lost and that it would retry, then went on and completed
    shown = statuses_seen(page)
    retries = [s for s in shown if s.startswith("网络连接中断，") and "秒后自动重试" in s]
    assert len(retries) >= 2, shown
    assert page.locator(f"{WIDGET} .tus-upload__status").inner_text().startswith("上传完成，已登记：")
    # after each drop it asked the server where it stood (HEAD) and resumed from there
    assert len(heads) >= 2, heads
    lost = [s for s in seen if s[2] == "response lost"]
    dropped = [s for s in seen if s[2] == "dropped before the server"]
    assert len(dropped) == 1 and len(lost) == 1, seen
    assert lost[0][3] == 204 and int(lost[0][4]) == lost[0][1] + CHUNK, (
        lost
    )  # the server did take those bytes
    sent_offsets = [s[1] for s in seen]
    # the dropped chunk was sent again from the same offset; the lost-response chunk was not sent again
    assert sent_offsets.count(dropped[0][1]) == 2, seen
    assert sent_offsets.count(lost[0][1]) == 1 and int(lost[0][4]) in sent_offsets, seen
    values = progress_seen(page)
    assert values[-1] == 100, values

    # the server has the source file, exactly once, with its digests
    facts = server.call("zhifa.cases.tests.test_upload_browser:evidence_facts", case_id=case_id,
                        title="执法记录仪视频（断点续传）")  # fmt: skip
    assert facts.get("id") == result["id"], (facts, result)
    assert_stored(facts, sha256=sha256, sm3=sm3, title="执法记录仪视频（断点续传）", filename=source.name)
    assert_listed(page, server, case_id, title="执法记录仪视频（断点续传）", sm3=sm3, source=source)
    # Chromium logs each of the two aborted requests as a failed load; nothing else went wrong
    reset = [
        m for m in watch.console_errors if m.startswith("Failed to load resource: net::ERR_CONNECTION_RESET")
    ]
    assert len(reset) == 2, watch.console_errors
    watch.console_errors[:] = [m for m in watch.console_errors if m not in reset]
    watch.assert_clean()
