"""Fixtures of the 年报 tests: cases run to their decisions through the real case services, in a past year.

`Cases(cw, year)` drives zhifa.cases.services.transition step by step (立案, 调查, 告知, 决定, 送达, 缴款, 强制 …) with
dates inside `year`, so that the 年报 of that year counts them. Nothing is written around the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Case, CaseOfficer, Procedure, SourceType
from zhifa.cases.tests.conftest import CaseWorld, make_id_number
from zhifa.cases.tests.test_lifecycle import publish_threshold
from zhifa.catalog import services as catalog
from zhifa.catalog.models import Kind

YEAR = timezone.localdate().year - 1


class Cases:
    def __init__(self, cw: CaseWorld, year: int = YEAR):
        self.cw, self.w, self.year = cw, cw.w, year
        self.n = 0

    def d(self, month: int, day: int) -> dt.date:
        return dt.date(self.year, month, day)

    def party(self, natural: bool = False):
        self.n += 1
        if natural:
            return services.register_party(
                self.w.officer, kind="natural", name=f"王某{self.n}", id_type="resident_id",
                id_number=make_id_number(100 + self.n),
            )  # fmt: skip
        return self.cw.company

    def open(self, on: dt.date, *, procedure=Procedure.ORDINARY, party=None, title="销售过期食品") -> Case:
        w = self.w
        case = services.create_case(
            w.officer, title=title, procedure=procedure, source_type=SourceType.INSPECTION,
            source_description="检查发现", source_received_on=on, domain=w.market_domain,
            parties=[party or self.cw.company],
        )  # fmt: skip
        services.assign_officer(w.officer, case, w.market_officer, CaseOfficer.Role.LEAD)
        services.assign_officer(w.officer, case, self.cw.officer2_record, CaseOfficer.Role.ASSIST)
        return case

    def filed(self, on: dt.date, **kw) -> Case:
        w = self.w
        case = self.open(on, **kw)
        services.transition(w.officer, case, "start_verification")
        services.transition(w.officer, case, "request_filing", opinion="涉嫌违法，建议立案")
        return services.transition(w.head, case, "approve_filing", filed_on=on)

    def av(self, case):
        return self.cw.evidence(case, data=f"av-{case.pk}-{self.n}".encode())

    def decide(
        self,
        on: dt.date,
        *,
        outcome: str = "penalty",
        kinds=(),
        fine=None,
        confiscation=None,
        ground: str = "",
        transfer_to: str = "",
        preserve: bool = False,
        party=None,
    ) -> Case:
        """An ordinary-procedure case filed 20 days before `on` and decided on `on`."""
        w = self.w
        start = on - dt.timedelta(days=20)
        case = self.filed(start, party=party)
        video = self.av(case)
        if preserve:
            services.transition(w.officer, case, "preserve_evidence", items="账册3本", started_on=start,
                                head_approved=True, av_evidence_id=video.pk)  # fmt: skip
            services.transition(w.officer, case, "release_measure", measure_id=case.measures.get().pk,
                                released_on=start + dt.timedelta(days=3), outcome="已作出处理决定")  # fmt: skip
        services.transition(w.officer, case, "submit_review", report="调查终结报告")
        services.transition(w.reviewer, case, "approve_review", opinion="事实清楚，同意")
        data = {"outcome": outcome, "facts": "经查明的违法事实", "decided_on": on}
        if outcome == "penalty":
            services.transition(
                w.officer, case, "notify", served_on=on - dt.timedelta(days=5), facts="违法事实",
                proposed_kinds=list(kinds), proposed_fine=fine, proposed_confiscation=confiscation,
            )  # fmt: skip
            services.transition(
                w.officer, case, "record_statement", kind="waiver", received_on=on - dt.timedelta(days=4),
                content="放弃陈述、申辩和听证",
            )  # fmt: skip
            data |= {"penalty_kinds": list(kinds), "basis": "《中华人民共和国食品安全法》第一百二十四条"}
            if fine is not None:
                data["fine_amount"] = Decimal(fine)
            if confiscation is not None:
                data["confiscation_amount"] = Decimal(confiscation)
        elif outcome == "no_penalty":
            data["no_penalty_ground"] = ground or "first_minor"
        elif outcome == "transfer":
            data["transfer_to"] = transfer_to or "昌吉市公安局"
        return services.transition(w.head, case, "decide", **data)

    def serve(self, case: Case, on: dt.date) -> Case:
        return services.transition(
            self.w.officer, case, "serve", method="direct", served_on=on, recipient="张三"
        )

    def pay_late(self, case: Case, days_late: int = 5) -> Case:
        """Pay after the 15-day period, with the 加处罚款 accrued (行政处罚法第七十二条)."""
        case.refresh_from_db()
        ex = case.execution
        paid_on = ex.due_on + dt.timedelta(days=days_late)
        owed = services.execution_status(ex, paid_on).total_outstanding
        return services.transition(self.w.officer, case, "record_payment", paid_on=paid_on, amount=owed)

    def apply_court(self, case: Case, days_late: int = 10) -> Case:
        case.refresh_from_db()
        return services.transition(
            self.w.head, case, "apply_court", applied_on=case.execution.due_on + dt.timedelta(days=days_late),
            court="昌吉市人民法院",
        )  # fmt: skip

    def onsite(self, on: dt.date, *, kinds=("fine",), fine="200") -> Case:
        case = self.open(on, procedure=Procedure.SIMPLE, party=self.party(natural=True), title="占道经营")
        moment = timezone.make_aware(dt.datetime.combine(on, dt.time(10, 0)))
        return services.transition(
            self.w.officer, case, "onsite_decide", penalty_kinds=list(kinds),
            fine_amount=Decimal(fine) if "fine" in kinds else None, facts="占道经营", basis="《城市道路管理条例》第四十二条",
            decided_at=moment, place="昌吉市延安路", party_informed=True, statement="无异议",
        )  # fmt: skip

    def coercion(self, on: dt.date, *, measure: str = "seize", release: bool = True) -> Case:
        w = self.w
        case = self.open(on, procedure=Procedure.COERCION)
        services.transition(w.officer, case, "start_verification")
        services.transition(w.officer, case, "request_filing", opinion="需依法扣押")
        services.transition(w.head, case, "approve_filing", filed_on=on)
        video = self.av(case)
        services.transition(
            w.officer, case, "seize", measure=measure, items="涉案物品",
            started_on=on, head_approved=True, av_evidence_id=video.pk, reason="防止证据灭失",
            legal_basis="《中华人民共和国食品安全法》第一百一十条",
        )  # fmt: skip
        if release:
            services.transition(w.officer, case, "release_measure", measure_id=case.measures.get().pk,
                                released_on=on + dt.timedelta(days=10), outcome="依法处理")  # fmt: skip
        return case


def publish_power_list(w, categories=("penalty", "coercion", "inspection")):
    """The market agency's 权责清单 with items of the given act types (published today)."""
    version = catalog.create_draft(w.officer, w.market, Kind.POWER)
    for i, category in enumerate(categories, start=1):
        catalog.add_item(
            w.officer, version,
            {"序号": i, "权力类型": category, "事项名称": f"事项{i}", "执法主体": w.market.name,
             "执法依据": "《中华人民共和国食品安全法》第一百二十四条"},
        )  # fmt: skip
    catalog.submit(w.officer, version)
    catalog.approve(w.reviewer, version, opinion="同意")
    catalog.publish(w.head, version)
    return version


@pytest.fixture
def cw(world):
    return CaseWorld(world)


@pytest.fixture
def cases(cw):
    publish_threshold(cw.w)
    return Cases(cw)
