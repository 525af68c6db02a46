"""The counting rules of the 行政执法统计年报 (domain.md §5), in one place, each with its source.

    compute(year, agencies, manual=..., today=...) -> the snapshot of tables 一 to 五 stored in AnnualReport.tables

Rules (the references are in the RULE_* constants and shown under the published tables):
  - Period: the calendar year, 1 January – 31 December; an act counts in the year of its date (a decision by its
    决定日期, a measure by its 实施日期, a court application by its 申请日期).
  - 表一 行政处罚: a decision of outcome 给予行政处罚 counts once. 并处 (several kinds in one decision) counts once, in
    the column of its heaviest kind; the order of the kinds is data (PenaltySeverity rows, valid on 31 December of
    the year), default 警告 < 通报批评 < 罚款 < 没收 < 暂扣 < 降低资质 < 限制生产经营 < 停产停业 < 责令关闭/限制从业 <
    吊销 < 行政拘留, with 其他 lowest. 罚没金额 = 罚款 + 没收违法所得 as written in the 决定书 (Decision.fine_amount and
    confiscation_amount), not the payments.
  - Decisions later changed or revoked still count as acts of their year; the 附表 counts the corrections
    (纠错) by their date.
  - A 受委托组织 acts in the name of the agency that entrusted it (行政处罚法第二十条): its acts count for that agency.
  - "无相关职责" vs 0: a body whose 权责清单 has no item of the act type (行政处罚、行政许可、行政强制、行政检查、
    行政征收征用) reports "无相关职责"; with the duty and no act, 0. The list in force during the year decides; when
    none was, the list in force at generation (noted in the report); with no published list at all, the duty is
    unknown and the number is shown with that note.
  - Rows with no data source on the platform yet (行政许可, 行政检查, 征收征用, 冻结, most 强制执行 kinds) are entered by
    the body in the console; until entered they show "未填报（无数据来源）", never 0.
  - 表五 持证率: officers in post (status 在岗) at generation, holders of a certificate valid on 31 December of the year
    (or on the generation day during the year).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from zhifa.catalog.models import ActType, PenaltyKind
from zhifa.core.errors import ValidationFailed

RULE_PERIOD = "统计期间为当年1月1日至12月31日（行政执法统计年报制度，国办发〔2018〕118号“加强事后公开”）"
RULE_CONCURRENT = "并处的按最重的处罚种类计一次；处罚种类见《中华人民共和国行政处罚法》第九条，轻重顺序为统计口径（可由管理员调整）"
RULE_AMOUNT = (
    "罚没金额按行政处罚决定书载明的罚款和没收违法所得金额统计（《中华人民共和国行政处罚法》第五十九条）"
)
RULE_ENTRUSTED = (
    "受委托组织以委托行政机关名义实施的行政处罚，计入委托行政机关（《中华人民共和国行政处罚法》第二十条）"
)
RULE_DUTY = "权责清单中没有该类事项的，填“无相关职责”；有该类职责但未发生的，填0"
RULE_MANUAL = "平台尚无数据来源的项目由执法主体在工作台填报，未填报的显示“未填报（无数据来源）”"

# --------------------------------------------------------------------------------------------------------------
# 表一: the columns and which penalty kinds (行政处罚法第九条) fall in each, in the table's order.

T1_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("warning", "警告、通报批评", (PenaltyKind.WARNING, PenaltyKind.CIRCULATION)),
    ("fine", "罚款", (PenaltyKind.FINE,)),
    ("confiscate", "没收违法所得、没收非法财物", (PenaltyKind.CONFISCATE_GAINS, PenaltyKind.CONFISCATE_PROPERTY)),
    ("suspend", "暂扣许可证件、降低资质等级", (PenaltyKind.SUSPEND_LICENCE, PenaltyKind.DOWNGRADE)),
    ("revoke", "吊销许可证件", (PenaltyKind.REVOKE_LICENCE,)),
    ("restrict", "限制开展生产经营活动", (PenaltyKind.RESTRICT_BUSINESS,)),
    ("close", "责令停产停业、责令关闭、限制从业", (PenaltyKind.SUSPEND_BUSINESS, PenaltyKind.CLOSE, PenaltyKind.RESTRICT_PRACTICE)),
    ("detention", "行政拘留", (PenaltyKind.DETENTION,)),
    ("other", "其他", (PenaltyKind.OTHER,)),
]  # fmt: skip
KIND_GROUP = {str(kind): key for key, _label, kinds in T1_GROUPS for kind in kinds}
GROUP_INDEX = {key: i for i, (key, _l, _k) in enumerate(T1_GROUPS)}

# The default order of severity (domain.md §5), seeded as PenaltySeverity rows (zhifa.portal.annual.seed).
DEFAULT_SEVERITY: dict[str, int] = {
    PenaltyKind.OTHER: 0,
    PenaltyKind.WARNING: 10,
    PenaltyKind.CIRCULATION: 20,
    PenaltyKind.FINE: 30,
    PenaltyKind.CONFISCATE_GAINS: 40,
    PenaltyKind.CONFISCATE_PROPERTY: 40,
    PenaltyKind.SUSPEND_LICENCE: 50,
    PenaltyKind.DOWNGRADE: 60,
    PenaltyKind.RESTRICT_BUSINESS: 70,
    PenaltyKind.SUSPEND_BUSINESS: 80,
    PenaltyKind.CLOSE: 90,
    PenaltyKind.RESTRICT_PRACTICE: 90,
    PenaltyKind.REVOKE_LICENCE: 100,
    PenaltyKind.DETENTION: 110,
}


def period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def severity_ranks(on: dt.date) -> dict[str, int]:
    """The rank of every penalty kind valid on `on` (PenaltySeverity rows). A kind without a row is an error:
    the order is a rule, never a guess."""
    from zhifa.portal.annual.models import PenaltySeverity

    rows = (
        PenaltySeverity.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("kind", "-valid_from")
    )
    ranks: dict[str, int] = {}
    for row in rows:
        ranks.setdefault(row.kind, row.rank)
    missing = [PenaltyKind(k).label for k in PenaltyKind.values if k not in ranks]
    if missing:
        raise ValidationFailed(
            f"未设置{on}适用的处罚种类轻重顺序：{'、'.join(missing)}。请系统管理员在“并处计数的处罚轻重顺序”中补充。",
            code="annual_severity_missing",
            citation=RULE_CONCURRENT,
        )
    return ranks


def heaviest_kind(kinds, ranks: dict[str, int]) -> str:
    """The heaviest of a decision's kinds. Equal ranks are broken by the later 表一 column, then by the code,
    so the result never depends on the order the kinds were stored in. Unknown codes count as 其他."""
    known = [str(k) if str(k) in KIND_GROUP else PenaltyKind.OTHER for k in kinds] or [PenaltyKind.OTHER]
    return max(known, key=lambda k: (ranks.get(k, -1), GROUP_INDEX[KIND_GROUP[k]], k))


def penalty_group(kinds, ranks: dict[str, int]) -> str:
    """The 表一 column of a decision: the column of its heaviest kind (并处 counted once)."""
    return KIND_GROUP[heaviest_kind(kinds, ranks)]


# --------------------------------------------------------------------------------------------------------------
# The tables' columns. source: "case" (computed from the case data), "manual" (entered by the body), "registry"
# (from the 执法主体和人员库), "derived" (from the other columns). acts: the 权责清单 act types that make the column
# a duty of the body (empty: always a duty).


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    source: str
    acts: tuple[str, ...] = ()
    group: str = ""  # a header spanning several columns
    kind: str = "count"  # count | money (元, shown in 万元) | percent


P, L, C, INS, EXP, OTH = (
    ActType.PENALTY,
    ActType.LICENSE,
    ActType.COERCION,
    ActType.INSPECTION,
    ActType.EXPROPRIATION,
    ActType.OTHER,
)


@dataclass(frozen=True)
class TableSpec:
    code: str
    title: str
    unit: str
    columns: tuple[Col, ...]
    notes: tuple[str, ...] = ()


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "t1",
        "表一 行政处罚",
        "件",
        tuple(Col(key, label, "case", (P,), "行政处罚决定（件）") for key, label, _k in T1_GROUPS)
        + (
            Col("total", "合计", "derived", (P,), "行政处罚决定（件）"),
            Col("amount", "罚没金额(万元)", "case", (P,), kind="money"),
        ),
        (RULE_CONCURRENT, RULE_AMOUNT, RULE_ENTRUSTED),
    ),
    TableSpec(
        "t1b",
        "表一附 行政处罚办理情况",
        "件",
        (
            Col("simple", "简易程序（当场处罚）", "case", (P,)),
            Col("ordinary", "普通程序", "case", (P,)),
            Col("no_penalty", "不予行政处罚", "case", (P,)),
            Col("not_established", "违法事实不能成立", "case", (P,)),
            Col("transfer", "移送司法机关", "case", (P,)),
            Col("hearing", "举行听证", "case", (P,)),
            Col("preserve", "先行登记保存", "case", (P,)),
            Col("corrected", "决定被变更、撤销、确认违法或无效", "case", (P,)),
        ),
        (
            "简易程序与普通程序之和等于表一合计；不予行政处罚、违法事实不能成立和移送司法机关不计入表一"
            "（《中华人民共和国行政处罚法》第五十七条）",
            "先行登记保存依《中华人民共和国行政处罚法》第五十六条，不属于行政强制措施，单列",
            "决定被纠正的按纠正日期统计，原决定仍计入其作出年度",
        ),
    ),
    TableSpec(
        "t2",
        "表二 行政许可",
        "件",
        (
            Col("apply", "申请", "manual", (L,)),
            Col("accept", "受理", "manual", (L,)),
            Col("grant", "许可", "manual", (L,)),
            Col("refuse", "不予许可", "manual", (L,)),
            Col("revoke", "撤销", "manual", (L,)),
        ),
        ("平台尚未建立行政许可办理数据，本表由执法主体填报",),
    ),
    TableSpec(
        "t3",
        "表三 行政强制",
        "件",
        (
            Col("seal", "查封", "case", (C,), "行政强制措施"),
            Col("seize", "扣押", "case", (C,), "行政强制措施"),
            Col("freeze", "冻结", "manual", (C,), "行政强制措施"),
            Col("other_measure", "其他", "manual", (C,), "行政强制措施"),
            Col("late_fee", "加处罚款或者滞纳金", "case", (C, P), "行政强制执行"),
            Col("deduct", "划拨存款、汇款", "manual", (C,), "行政强制执行"),
            Col("auction", "拍卖或者依法处理查封、扣押的场所、设施或者财物", "manual", (C,), "行政强制执行"),
            Col("restore", "排除妨碍、恢复原状", "manual", (C,), "行政强制执行"),
            Col("substitute", "代履行", "manual", (C,), "行政强制执行"),
            Col("other_enforcement", "其他", "manual", (C,), "行政强制执行"),
            Col("court", "申请人民法院强制执行", "case", (C, P)),
        ),
        (
            "行政强制措施种类见《中华人民共和国行政强制法》第九条，行政强制执行方式见第十二条",
            "查封、扣押按实施日期统计；加处罚款按登记缴纳加处罚款的案件统计（《中华人民共和国行政处罚法》第七十二条）",
        ),
    ),
    TableSpec(
        "t4",
        "表四 其他行政执法行为",
        "件",
        (
            Col("inspection", "行政检查（次）", "manual", (INS,)),
            Col("expropriation", "行政征收征用", "manual", (EXP,)),
            Col("other", "其他行政执法行为", "manual", (OTH,)),
        ),
        ("行政检查以有完整记录的检查对象计，同一对象计一次；平台尚未建立检查数据，本表由执法主体填报",),
    ),
    TableSpec(
        "t5",
        "表五 行政执法证持证率",
        "人",
        (
            Col("officers", "执法人员（人）", "registry"),
            Col("certified", "持有效执法证（人）", "registry"),
            Col("rate", "持证率", "derived", kind="percent"),
        ),
        ("执法人员按生成时在岗人员统计，执法证按统计年度末（年度内生成时为生成日）有效统计",),
    ),
)
TABLE_BY_CODE = {t.code: t for t in TABLES}
MANUAL_KEYS: tuple[str, ...] = tuple(
    f"{t.code}.{c.key}" for t in TABLES for c in t.columns if c.source == "manual"
)
DUTY_ACTS = (P, L, C, INS, EXP, OTH)


# --------------------------------------------------------------------------------------------------------------
# Collecting the facts per reporting body


@dataclass
class Facts:
    """What was counted for one reporting body: {table code: {column key: value}} plus the basis of its duties."""

    agency_id: int
    name: str
    values: dict[str, dict[str, object]] = field(default_factory=lambda: defaultdict(dict))
    duties: dict[str, str] = field(default_factory=dict)  # act type -> "yes" | "no" | "unknown"
    duty_note: str = ""


def _duties(agency, year: int) -> tuple[dict[str, str], str]:
    """Act types of the 权责清单 in force during the year (else at generation); "unknown" with no list at all."""
    from zhifa.catalog.models import Kind, ListVersion, PowerItem

    start, end = period(year)
    versions = ListVersion.objects.filter(
        catalog_list__agency=agency, catalog_list__kind=Kind.POWER, status__in=ListVersion.PUBLIC
    )
    during = versions.filter(valid_from__lte=end).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start))
    note = ""
    chosen = list(during.values_list("pk", flat=True))
    if not chosen:
        # the body's current list (the one published last), whatever date the generation is stamped with
        chosen = list(versions.filter(status=ListVersion.Status.PUBLISHED).values_list("pk", flat=True))
        if chosen:
            note = f"{year}年度内无施行中的权责清单，按生成时现行的权责清单判断职责"
    if not chosen:
        return {a: "unknown" for a in DUTY_ACTS}, "未发布权责清单，无法判断是否具有相关职责"
    present = set(PowerItem.objects.filter(version_id__in=chosen).values_list("category", flat=True))
    return {a: ("yes" if a in present else "no") for a in DUTY_ACTS}, note


def reporting_agencies(*, agency=None, jurisdiction=None, year: int):
    """The bodies that report: one agency, or every body of a jurisdiction subtree except 受委托组织 (their acts
    count for the entrusting agency), and bodies no longer active only if they had acts in the year."""
    from zhifa.cases.models import Case
    from zhifa.registry.models import Agency

    if agency is not None:
        return [agency]
    start, end = period(year)
    qs = Agency.objects.filter(jurisdiction__path__startswith=jurisdiction.path).exclude(
        kind=Agency.Kind.ENTRUSTED
    )
    acted = set(
        Case.objects.filter(agency__in=qs)
        .filter(Q(decided_on__range=(start, end)) | Q(measures__started_on__range=(start, end)))
        .values_list("agency_id", flat=True)
    )
    return [
        a
        for a in qs.order_by("jurisdiction__path", "name")
        if a.status == Agency.Status.ACTIVE or a.pk in acted
    ]


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def collect(agencies, year: int, *, today: dt.date, ranks: dict[str, int]) -> list[Facts]:
    """Count the case and registry data of each reporting body (with its entrusted bodies) for the year."""
    from zhifa.cases.models import Decision, Execution, Hearing, Measure, Payment
    from zhifa.registry.models import Agency, Certificate, Officer

    start, end = period(year)
    facts = {a.pk: Facts(a.pk, a.name) for a in agencies}
    owner = {a.pk: a.pk for a in agencies}
    for entrusted in Agency.objects.filter(entrusted_by__in=list(facts), kind=Agency.Kind.ENTRUSTED):
        owner[entrusted.pk] = entrusted.entrusted_by_id
    case_agencies = list(owner)

    for f in facts.values():
        t1 = f.values["t1"]
        for key, _l, _k in T1_GROUPS:
            t1[key] = 0
        t1["amount"] = Decimal("0")
        for key in ("simple", "ordinary", "no_penalty", "not_established", "transfer", "hearing", "preserve",
                    "corrected"):  # fmt: skip
            f.values["t1b"][key] = 0
        for key in ("seal", "seize", "late_fee", "court"):
            f.values["t3"][key] = 0

    decisions = Decision.objects.filter(case__agency_id__in=case_agencies, decided_on__range=(start, end))
    for agency_id, outcome, kinds, fine, confiscation, onsite in decisions.values_list(
        "case__agency_id", "outcome", "penalty_kinds", "fine_amount", "confiscation_amount", "onsite"
    ):
        f = facts[owner[agency_id]]
        if outcome == Decision.Outcome.PENALTY:
            f.values["t1"][penalty_group(kinds or [], ranks)] += 1
            f.values["t1"]["amount"] += (fine or Decimal(0)) + (confiscation or Decimal(0))
            f.values["t1b"]["simple" if onsite else "ordinary"] += 1
        elif outcome == Decision.Outcome.NO_PENALTY:
            f.values["t1b"]["no_penalty"] += 1
        elif outcome == Decision.Outcome.NOT_ESTABLISHED:
            f.values["t1b"]["not_established"] += 1
        elif outcome == Decision.Outcome.TRANSFER:
            f.values["t1b"]["transfer"] += 1
    if _has_field(Decision, "revision"):
        corrected = Decision.objects.filter(
            case__agency_id__in=case_agencies, revised_on__range=(start, end)
        ).exclude(revision="")
        for (agency_id,) in corrected.values_list("case__agency_id"):
            facts[owner[agency_id]].values["t1b"]["corrected"] += 1
    for (agency_id,) in Hearing.objects.filter(
        case__agency_id__in=case_agencies, held_on__range=(start, end)
    ).values_list("case__agency_id"):
        facts[owner[agency_id]].values["t1b"]["hearing"] += 1
    measures = Measure.objects.filter(case__agency_id__in=case_agencies, started_on__range=(start, end))
    for agency_id, kind in measures.values_list("case__agency_id", "kind"):
        key = {Measure.Kind.SEAL: ("t3", "seal"), Measure.Kind.SEIZE: ("t3", "seize")}.get(
            kind, ("t1b", "preserve")
        )
        facts[owner[agency_id]].values[key[0]][key[1]] += 1
    late = (
        Payment.objects.filter(
            execution__case__agency_id__in=case_agencies, paid_on__range=(start, end), late_fee_part__gt=0
        )
        .values_list("execution__case__agency_id", "execution__case_id")
        .distinct()
    )
    for agency_id, _case_id in late:
        facts[owner[agency_id]].values["t3"]["late_fee"] += 1
    court = Execution.objects.filter(
        case__agency_id__in=case_agencies, court_applied_on__range=(start, end)
    ).values_list("case__agency_id", flat=True)
    for agency_id in court:
        facts[owner[agency_id]].values["t3"]["court"] += 1

    on = min(today, end)
    officers = Officer.objects.filter(agency_id__in=case_agencies, status=Officer.Status.ACTIVE)
    certified = set(
        Certificate.objects.valid_on(on).filter(officer__in=officers).values_list("officer_id", flat=True)
    )
    for officer_id, agency_id in officers.values_list("pk", "agency_id"):
        v = facts[owner[agency_id]].values["t5"]
        v["officers"] = v.get("officers", 0) + 1
        v["certified"] = v.get("certified", 0) + (1 if officer_id in certified else 0)

    for a in agencies:
        facts[a.pk].duties, facts[a.pk].duty_note = _duties(a, year)
    return [facts[a.pk] for a in agencies]


# --------------------------------------------------------------------------------------------------------------
# Cells and tables


def _cell(col: Col, value, duties: dict[str, str]) -> dict:
    """One cell: {"v": value, "s": state}. States: case/manual/registry/derived (a value), missing (no data source
    and nothing entered), no_duty (no such item in the 权责清单 and nothing counted)."""
    duty = _duty(col, duties)
    zero = value in (None, 0, Decimal(0), "0")
    if duty == "no" and zero:
        return {"v": None, "s": "no_duty"}
    if value is None:
        return {"v": None, "s": "missing"}
    cell = {"v": _plain(value), "s": col.source}
    if duty == "no":
        cell["flag"] = "权责清单中无此类事项"
    elif duty == "unknown":
        cell["flag"] = "职责未知"
    return cell


def _duty(col: Col, duties: dict[str, str]) -> str:
    if not col.acts:
        return "yes"
    states = {duties.get(a, "unknown") for a in col.acts}
    if "yes" in states:
        return "yes"
    if "unknown" in states:
        return "unknown"
    return "no"


def _plain(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return value


def _rate(officers, certified) -> str | None:
    if not officers:
        return None
    return str((Decimal(certified) * 100 / Decimal(officers)).quantize(Decimal("0.01")))


def _row_values(spec: TableSpec, f: Facts, manual: dict) -> dict[str, object]:
    values: dict[str, object] = {}
    counted = f.values.get(spec.code, {})
    for col in spec.columns:
        if col.source in ("case", "registry"):
            values[col.key] = counted.get(col.key, 0)
        elif col.source == "manual":
            entered = manual.get(f"{spec.code}.{col.key}")
            values[col.key] = None if entered in (None, "") else int(entered)
    if spec.code == "t1":
        values["total"] = sum(values[k] for k, _l, _k in T1_GROUPS)
    if spec.code == "t5":
        values["rate"] = _rate(values["officers"], values["certified"])
    return values


def _total_row(spec: TableSpec, rows: list[dict], duties_rows: list[dict[str, str]]) -> dict:
    cells = []
    merged_duties = {}
    for act in DUTY_ACTS:
        states = {d.get(act, "unknown") for d in duties_rows}
        merged_duties[act] = "yes" if "yes" in states else ("unknown" if "unknown" in states else "no")
    sums: dict[str, object] = {}
    for i, col in enumerate(spec.columns):
        raw = [r["cells"][i] for r in rows]
        values = [c["v"] for c in raw if c["v"] is not None]
        if col.kind == "money":
            sums[col.key] = sum((Decimal(v) for v in values), Decimal(0))
        elif col.kind == "percent":
            continue
        else:
            sums[col.key] = sum(values) if values or col.source != "manual" else None
    if spec.code == "t5":
        sums["rate"] = _rate(sums.get("officers"), sums.get("certified"))
    for i, col in enumerate(spec.columns):
        cell = _cell(col, sums.get(col.key), merged_duties)
        if cell["s"] not in ("no_duty", "missing"):
            cell["s"] = "derived" if col.source != "manual" else "manual"
            if any(
                r["cells"][i]["s"] == "missing" and _duty(col, d) != "no"
                for r, d in zip(rows, duties_rows, strict=True)
            ):
                cell["flag"] = "部分主体未填报"
        cells.append(cell)
    return {"label": "合计", "cells": cells}


def compute(year: int, agencies, *, manual: dict[int, dict], today: dt.date | None = None) -> dict:
    """The tables of the report of `agencies` for `year` (one body, or every body of a jurisdiction).

    `manual`: {agency id: {"t2.apply": n, ...}} — the values the bodies entered where there is no data source.
    Returns the JSON snapshot stored in AnnualReport.tables."""
    from zhifa.portal.annual.models import PenaltySeverity

    today = today or timezone.localdate()
    start, end = period(year)
    ranks = severity_ranks(end)
    facts = collect(agencies, year, today=today, ranks=ranks)
    tables = []
    for spec in TABLES:
        rows, duties_rows = [], []
        for f in facts:
            values = _row_values(spec, f, manual.get(f.agency_id, {}))
            rows.append(
                {
                    "label": f.name,
                    "agency_id": f.agency_id,
                    "cells": [_cell(c, values.get(c.key), f.duties) for c in spec.columns],
                }
            )
            duties_rows.append(f.duties)
        tables.append(
            {
                "code": spec.code,
                "title": spec.title,
                "unit": spec.unit,
                "columns": [
                    {"key": c.key, "label": c.label, "source": c.source, "group": c.group, "kind": c.kind}
                    for c in spec.columns
                ],
                "rows": rows,
                "total": _total_row(spec, rows, duties_rows) if len(rows) > 1 else None,
                "notes": list(spec.notes),
            }
        )
    severity = PenaltySeverity.objects.filter(valid_from__lte=end).order_by("-valid_from").first()
    return {
        "year": year,
        "period": [start.isoformat(), end.isoformat()],
        "generated_on": today.isoformat(),
        "bodies": [
            {"id": f.agency_id, "name": f.name, "duties": f.duties, "duty_note": f.duty_note} for f in facts
        ],
        "tables": tables,
        "rules": {
            "period": RULE_PERIOD,
            "concurrent": RULE_CONCURRENT,
            "severity": {k: ranks[k] for k in sorted(ranks, key=lambda k: (ranks[k], k))},
            "severity_citation": severity.citation if severity else "",
            "amount": RULE_AMOUNT,
            "entrusted": RULE_ENTRUSTED,
            "duty": RULE_DUTY,
            "manual": RULE_MANUAL,
        },
    }


# --------------------------------------------------------------------------------------------------------------
# Reading a snapshot (pages, Excel, API)

STATE_TEXT = {"no_duty": "无相关职责", "missing": "未填报（无数据来源）"}


def display(cell: dict, kind: str = "count") -> str:
    """The text of a cell as published."""
    if cell["s"] in STATE_TEXT:
        return STATE_TEXT[cell["s"]]
    v = cell["v"]
    if v is None:
        return "—"
    if kind == "money":
        return f"{(Decimal(v) / 10000).quantize(Decimal('0.0001'))}"
    if kind == "percent":
        return f"{v}%"
    return str(v)


def table(snapshot: dict, code: str) -> dict:
    return next(t for t in snapshot.get("tables", []) if t["code"] == code)


def value(snapshot: dict, code: str, key: str, *, agency_id: int | None = None):
    """A cell's raw value: of one body's row, or of the report's only row / its 合计 row."""
    t = table(snapshot, code)
    i = [c["key"] for c in t["columns"]].index(key)
    if agency_id is not None:
        row = next(r for r in t["rows"] if r["agency_id"] == agency_id)
    else:
        row = t["total"] or t["rows"][0]
    return row["cells"][i]


def kind_label(kind: str) -> str:
    return dict(PenaltyKind.choices).get(kind, kind)


def severity_text(snapshot: dict) -> str:
    """The order used, lightest first, e.g. "其他＜警告＜…＜行政拘留"."""
    return "＜".join(kind_label(k) for k in snapshot["rules"]["severity"])
