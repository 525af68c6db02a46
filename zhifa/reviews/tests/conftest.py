"""Review fixtures on top of the case world: the market agency's published 重大执法决定法制审核目录清单 and 较大数额
standard, and a case ready for its decision (告知 served, the party waived its rights)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import CaseWorld
from zhifa.cases.tests.test_lifecycle import publish_threshold
from zhifa.catalog import services as catalog
from zhifa.catalog.models import Kind
from zhifa.reviews import services
from zhifa.reviews.models import CheckPoint, CheckResult

FINE_ROW = {
    "执法项目类别": "行政处罚",
    "审核的具体执法决定项目": "拟对公民处以1万元以上、对法人或者其他组织处以10万元以上的罚款",
    "应提交的审核资料": "案件调查终结报告、拟作出的处罚决定书、证据材料、听证材料、风险评估报告",
    "审核重点": "事实、证据、法律适用、程序、裁量",
    "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（四）项",
    "行为类型": "行政处罚",
    "处罚种类": "罚款",
    "对公民罚款达到（元）": 10000,
    "对法人或其他组织罚款达到（元）": 100000,
}
REVOKE_ROW = {
    "执法项目类别": "行政处罚",
    "审核的具体执法决定项目": "拟吊销许可证件、责令停产停业、责令关闭",
    "行为类型": "行政处罚",
    "处罚种类": "吊销许可证件、责令停产停业、责令关闭",
}
ALL_OK = {p.value: {"result": CheckResult.OK, "note": ""} for p in CheckPoint}
TODAY = timezone.localdate


def publish_major_review(w, rows=(FINE_ROW, REVOKE_ROW)):
    version = catalog.create_draft(w.officer, w.market, Kind.MAJOR_REVIEW)
    for row in rows:
        catalog.add_item(w.officer, version, row)
    catalog.submit(w.officer, version)
    catalog.approve(w.reviewer, version, opinion="同意")
    return catalog.publish(w.head, version)


class ReviewWorld(CaseWorld):
    def __init__(self, world):
        super().__init__(world)
        publish_threshold(world)
        self.catalog = publish_major_review(world)

    def ready_case(self, *, party=None, fine=Decimal("150000"), kinds=("fine",)):
        """A case in 告知 with the party's written waiver: the decision may be made (the statutory gates pass)."""
        w = self.w
        case = self.filed_case(party=party)
        self.evidence(case, kind="documentary", content_type="image/jpeg")
        cases.transition(w.officer, case, "submit_review", report="经调查，当事人销售不合格产品，建议罚款。")
        cases.transition(w.reviewer, case, "approve_review", opinion="同意")
        day = TODAY() - dt.timedelta(days=10)
        cases.transition(w.officer, case, "notify", served_on=day, facts="当事人销售不合格产品",
                         proposed_kinds=list(kinds), proposed_fine=fine)  # fmt: skip
        cases.transition(w.officer, case, "record_statement", kind="waiver", received_on=day)
        case.refresh_from_db()
        return case

    def decision(self, fine=Decimal("150000"), kinds=("fine",)) -> dict:
        return {"outcome": "penalty", "penalty_kinds": list(kinds), "fine_amount": fine,
                "facts": "当事人销售不合格产品，货值金额15480元。", "basis": "《中华人民共和国产品质量法》第四十九条",
                "decided_on": TODAY()}  # fmt: skip

    def draft(self, case, user=None, change_note="", **overrides):
        data = {k: v for k, v in self.decision().items() if k != "decided_on"} | overrides
        return services.save_draft(user or self.w.officer, case, change_note=change_note, **data)

    def materials(self, case, user=None):
        """The materials the draft requires, from the case record and its evidence."""
        from zhifa.reviews import rules

        user = user or self.w.officer
        draft = services.latest_draft(case)
        for req in services.missing_materials(case, draft):
            code = req["code"]
            if code == rules.EVIDENCE:
                services.add_material(user, case, kind=code, evidence=case.evidence.first())
            elif code in (rules.REPORT, rules.STATEMENT):
                services.add_material(user, case, kind=code, from_case_record=True)
            else:
                services.add_material(user, case, kind=code, text=f"{req['label']}（测试）")

    def submitted(self, case=None):
        case = case or self.ready_case()
        self.draft(case)
        self.materials(case)
        return case, services.submit(self.w.officer, case)

    def approve(self, sub, reviewer=None):
        return services.issue_opinion(reviewer or self.w.reviewer, sub, conclusion="approve", checklist=ALL_OK,
                                      summary="事实清楚，证据确实充分，同意。")  # fmt: skip

    def problems(self, sub, reviewer=None):
        checklist = dict(ALL_OK) | {"law": {"result": "problem", "note": ""}}
        return services.issue_opinion(
            reviewer or self.w.reviewer, sub, conclusion="problems", checklist=checklist,
            problems=[{"point": "law", "description": "罚款数额偏离裁量基准，未说明理由。"}],
            summary="适用裁量基准不当，请修改后重新报送。",
        )  # fmt: skip


@pytest.fixture
def rw(world):
    return ReviewWorld(world)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c
