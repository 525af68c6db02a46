"""Case benchmark: a full 普通程序 case lifecycle through zhifa.cases.services, in cases per second.

One case = 案源登记 with a party, two officers, 核查, 立案 (head's approval, 案号, 90-day deadline), one evidence file,
a 询问笔录, 调查终结, 审核, 告知 (no hearing right), written waiver, 决定 (罚款), 送达, 缴款, 结案, 归档: 17 service
calls, each one transaction with its guards and ledger event. Measured:
- with documents: the six 文书 the steps issue (立案审批表, 询问笔录, 告知书, 决定书, 送达回证, 结案审批表), each
  rendered by WeasyPrint, signed with pyHanko and stored — the real cost of a case;
- without documents: the same calls with `zhifa.cases.services._issue` replaced by a no-op for the run (bench only:
  the platform has no switch to skip documents), i.e. the case logic, guards, deadlines and ledger alone;
- baseline: plain ORM inserts of the same rows a lifecycle leaves in the case tables (Case, CaseParty, 2 CaseOfficer,
  Evidence, Interview, Notice, Statement, Decision, Service, Execution, Payment, 3 CaseDeadline), one transaction per
  case, no checks, no ledger — what storing a case costs at the least.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from benchmarks import Context, Result, bench


def _world():
    from zhifa.catalog import services as catalog
    from zhifa.catalog.models import Kind
    from zhifa.core.testing import build_world
    from zhifa.registry import services as registry

    w = build_world()
    today = timezone.localdate()
    o2 = registry.create_officer(user=w.admin, agency=w.market, name="戊协办", domains=[w.market_domain])
    registry.issue_certificate(
        user=w.admin, officer=o2, number="B000002", domains=[w.market_domain], issuer="新疆维吾尔自治区人民政府",
        valid_from=today - dt.timedelta(days=100), valid_until=today + dt.timedelta(days=700),
        qualification="exam", exam_passed_on=today - dt.timedelta(days=200),
    )  # fmt: skip
    version = catalog.create_draft(w.officer, w.market, Kind.LARGE_AMOUNT)
    catalog.add_item(
        w.officer, version,
        {"行业领域": "market", "区划代码": "652301", "对公民（元）": 10000, "对法人或其他组织（元）": 100000,
         "施行日期": "2021-07-15", "设定依据": "《中华人民共和国行政处罚法》第六十三条"},
    )  # fmt: skip
    catalog.submit(w.officer, version)
    catalog.approve(w.reviewer, version, opinion="同意")
    catalog.publish(w.head, version)
    w.o2 = o2
    return w


def _lifecycle(w, party, i: int) -> None:
    from zhifa.cases import services as s
    from zhifa.files.services import store_bytes

    today = timezone.localdate()
    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    case = s.create_case(
        w.officer, title="销售超过保质期的食品", source_type="inspection", source_received_on=day(40),
        domain=w.market_domain, parties=[party], source_description=f"日常检查发现（基准测试{i}）",
    )  # fmt: skip
    s.assign_officer(w.officer, case, w.market_officer, "lead")
    s.assign_officer(w.officer, case, w.o2, "assist")
    s.transition(w.officer, case, "start_verification")
    s.transition(w.officer, case, "request_filing", opinion="涉嫌违法，建议立案")
    s.transition(w.head, case, "approve_filing", filed_on=day(38))
    blob = store_bytes(f"进货单据（基准测试{i}）".encode(), content_type="text/plain")
    s.add_evidence(w.officer, case, kind="documentary", title="进货单据", blob=blob, filename="a.txt",
                   recorded_at=timezone.now() - dt.timedelta(days=37))  # fmt: skip
    s.transition(w.officer, case, "record_interview", person="张某某", held_at=timezone.now() - dt.timedelta(days=36),
                 place="询问室", record="问：何时开始销售？答：二月。")  # fmt: skip
    s.transition(w.officer, case, "submit_review", report="调查终结")
    s.transition(w.reviewer, case, "approve_review", opinion="同意")
    s.transition(w.officer, case, "notify", served_on=day(20), facts="销售过期食品", basis="《食品安全法》第一百二十四条",
                 proposed_kinds=["fine"], proposed_fine="5000")  # fmt: skip
    s.transition(w.officer, case, "record_statement", kind="waiver", received_on=day(19))
    s.transition(w.head, case, "decide", outcome="penalty", penalty_kinds=["fine"], fine_amount="5000",
                 facts="销售过期食品", basis="《食品安全法》第一百二十四条", decided_on=day(18))  # fmt: skip
    s.transition(w.officer, case, "serve", method="direct", served_on=day(17), recipient="张某某")
    s.transition(w.officer, case, "record_payment", paid_on=day(10), amount="5000")
    s.transition(w.head, case, "close", closed_on=day(5), summary="已缴清")
    s.transition(w.officer, case, "archive", archived_on=day(4))


def _plain(w, party, deadline_rule, i: int) -> None:
    """The rows of one lifecycle, inserted with the ORM in one transaction (no guards, no ledger, no files)."""
    from zhifa.cases import models as m

    today = timezone.localdate()
    now = timezone.now()
    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    with transaction.atomic():
        case = m.Case.objects.create(
            agency=w.market, title="销售超过保质期的食品", source_type="inspection", source_received_on=day(40),
            domain=w.market_domain, state="archived", number=f"昌市监立〔{today.year}〕B{i}号",
            filed_on=day(38), decided_on=day(18), closed_on=day(5), archived_on=day(4), created_by=w.officer,
        )  # fmt: skip
        m.CaseParty.objects.create(case=case, party=party)
        m.CaseOfficer.objects.create(case=case, officer=w.market_officer, role="lead")
        m.CaseOfficer.objects.create(case=case, officer=w.o2, role="assist")
        m.Evidence.objects.create(case=case, kind="documentary", title="进货单据", recorded_at=now)
        m.Interview.objects.create(case=case, person="张某某", held_at=now, place="询问室", record="问：答：")
        notice = m.Notice.objects.create(
            case=case, served_on=day(20), facts="销售过期食品", proposed_kinds=["fine"], proposed_fine=Decimal(5000),
            reply_due_on=day(13),
        )  # fmt: skip
        m.Statement.objects.create(case=case, notice=notice, kind="waiver", received_on=day(19))
        m.Decision.objects.create(case=case, outcome="penalty", penalty_kinds=["fine"], fine_amount=Decimal(5000),
                                  facts="销售过期食品", basis="b", decided_on=day(18), decided_by=w.head)  # fmt: skip
        m.Service.objects.create(case=case, method="direct", served_on=day(17), recipient="张某某")
        ex = m.Execution.objects.create(case=case, fine_amount=Decimal(5000), due_on=day(2))
        m.Payment.objects.create(execution=ex, paid_on=day(10), amount=Decimal(5000))
        for key in ("decide", "service", "payment"):
            m.CaseDeadline.objects.create(
                case=case, key=key, label=key, rule=deadline_rule, rule_code=deadline_rule.code,
                rule_valid_from=deadline_rule.valid_from, start=day(38), due_on=day(1), explanation="基准测试",
                status="met",
            )  # fmt: skip


def _rate(fn, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - started)


@bench("cases.lifecycle")
def lifecycle(ctx: Context) -> list[Result]:
    from zhifa.cases import services
    from zhifa.cases.models import Case
    from zhifa.deadlines.models import PeriodRule
    from zhifa.documents.models import IssuedDocument

    w = _world()
    party = services.register_party(
        w.officer,
        kind="organisation",
        name="昌吉市某某食品有限公司（基准）",
        uscc=_uscc(),
        address="昌吉市北京南路1号",
    )
    rule = PeriodRule.objects.filter(code="penalty.decide").first()
    with_docs_n, plain_n = (2, 10) if ctx.quick else (4, 30)

    _lifecycle(w, party, -1)  # warm-up: the platform CA and the agency's signing key are made on first use
    docs_before = IssuedDocument.objects.count()
    with_docs = _rate(lambda i: _lifecycle(w, party, i), with_docs_n)
    issued = (IssuedDocument.objects.count() - docs_before) // with_docs_n

    real_issue = services._issue
    services._issue = lambda ctx, kind, context: None  # bench only: the lifecycle without rendering/signing
    try:
        without_docs = _rate(lambda i: _lifecycle(w, party, 1000 + i), plain_n)
    finally:
        services._issue = real_issue
    plain = _rate(lambda i: _plain(w, party, rule, i), plain_n)
    assert Case.objects.filter(state="archived").count() == 1 + with_docs_n + 2 * plain_n
    return [
        Result(f"case lifecycle, 17 service calls + {issued} signed 文书", "cases/s", with_docs,
               "plain ORM inserts of the case rows", plain,
               note=f"({with_docs_n} cases; {issued} PDFs rendered, signed, stored per case)"),
        Result("case lifecycle, 17 service calls, no 文书", "cases/s", without_docs,
               "plain ORM inserts of the case rows", plain, note=f"({plain_n} cases)"),
    ]  # fmt: skip


def _uscc() -> str:
    from zhifa.registry.validators import uscc_check_char

    body = "91652301000009999"
    return body + uscc_check_char(body)
