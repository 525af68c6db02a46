"""Demo data of the 办案平台: a year of synthetic cases across several agencies, in every state, through the services.

    from zhifa.cases import demo
    demo.load(registry_result)              # idempotent; registry_result as returned by zhifa.registry.demo.load
    demo.load(registry_result, count=20)    # fewer cases (tests); the first cases of the plan cover every state

Every row is written by zhifa.cases.services (and the 文书 by zhifa.documents.services through them), so every step
is on the ledger and every document is numbered, signed and verifiable. Nothing is written around the services.

Dates. The services stamp what they record themselves (ledger time, the documents' signing time and 文号 year)
with the real clock, and that cannot be backdated: a signature can only be made now. What a step *states* — the
案源 date, 立案日期, interview times, 告知 / 听证 / 决定 / 送达 / 缴款 / 结案 dates — is data the officer enters,
and the services accept past dates within their rules. The demo spreads those dates over the last twelve months.

Synthetic data only: parties are invented (“某某”-style names, organisations with USCCs of the form
91652301 0000 0nnnn + a valid check character — an all-zero organisation code no registration authority issues);
natural persons carry an “其他证件” number “DEMO-nnnn”, never a resident ID number. Evidence files are generated:
small PNG “photos”, UTF-8 text transcripts and a one-second WAV tone as the audio/video record.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import struct
import wave
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Case, CaseOfficer, Procedure, SourceType, State
from zhifa.core.roles import Role
from zhifa.files.services import store_bytes
from zhifa.registry.models import Officer
from zhifa.registry.validators import uscc_check_char

DEMO_TAG = "（演示数据）"


# --- the agencies and what their cases are about ---------------------------------------------------------------

AGENCIES = {
    # key: (agency short name, domain code, users (officer, reviewer, head), sector label for standards)
    "market": ("昌市监", "market", ("officer", "reviewer", "head")),
    "ecology": ("昌环", "ecology", ("officer_env", "reviewer_env", "head_env")),
    "construction": ("昌建", "construction", ("officer_jian", "reviewer_jian", "head_jian")),
    "urban": ("昌综执", "urban", ("officer_zhj", "reviewer_zhj", "head_zhj")),
}

# Synthetic 较大数额 standards (元: natural person, organisation), published only where none is found for the
# agency's sector (see _ensure_large_amount_standard).
STANDARDS = {
    "market": (10000, 100000),
    "ecology": (20000, 150000),
    "construction": (5000, 50000),
    "urban": (2000, 20000),
}


@dataclass(frozen=True)
class Matter:
    title: str
    facts: str
    basis: str
    kinds: tuple[str, ...]
    fine: int
    items: str = ""
    source: str = SourceType.INSPECTION
    org: bool = True


MATTERS = {
    "market": [
        Matter(
            "销售超过保质期的食品",
            "当事人在其经营场所销售超过保质期的“某某牌”酱牛肉12袋，货值金额456元，违法所得152元。",
            "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
            ("fine", "confiscate_property"),
            6000,
            "超过保质期的“某某牌”酱牛肉12袋",
        ),
        Matter(
            "不按规定明码标价",
            "当事人经营的超市内32种商品未标示价格，另有8种商品标价签与实际结算价格不符。",
            "《中华人民共和国价格法》第四十二条；《明码标价和禁止价格欺诈规定》第二十一条",
            ("warning", "fine"),
            3000,
            source=SourceType.COMPLAINT,
        ),
        Matter(
            "销售不合格电线电缆",
            "当事人销售的BV2.5平方毫米电线经抽样检验导体电阻不合格，共销售86卷，货值金额15480元。",
            "《中华人民共和国产品质量法》第四十九条",
            ("fine", "confiscate_property"),
            160000,
            "不合格BV2.5电线40卷",
        ),
        Matter(
            "未取得食品经营许可从事食品经营",
            "当事人未取得食品经营许可，在住所处从事熟食加工销售，违法所得2300元。",
            "《中华人民共和国食品安全法》第一百二十二条第一款",
            ("fine", "confiscate_gains"),
            50000,
            source=SourceType.COMPLAINT,
            org=False,
        ),
    ],
    "ecology": [
        Matter(
            "超过大气污染物排放标准排放大气污染物",
            "当事人燃煤锅炉烟气排放口颗粒物排放浓度为48mg/m³，超过《锅炉大气污染物排放标准》限值30mg/m³。",
            "《中华人民共和国大气污染防治法》第九十九条第（二）项",
            ("fine",),
            200000,
        ),
        Matter(
            "危险废物未设置识别标志",
            "当事人危险废物贮存场所未按规定设置危险废物识别标志，废矿物油桶露天堆放。",
            "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（一）项",
            ("fine",),
            100000,
        ),
    ],
    "construction": [
        Matter(
            "未取得施工许可证擅自施工",
            "当事人承建的某某小区3号楼工程未取得建筑工程施工许可证即开工建设，已完成基础施工，合同价款860万元。",
            "《建设工程质量管理条例》第五十七条",
            ("fine",),
            86000,
        ),
        Matter(
            "施工工地扬尘污染防治措施不到位",
            "当事人施工现场裸露土方未覆盖，出入口未设置车辆冲洗设施，现场扬尘明显。",
            "《中华人民共和国大气污染防治法》第一百一十五条第一款第（一）项",
            ("fine",),
            20000,
        ),
    ],
    "urban": [
        Matter(
            "未经批准设置大型户外广告",
            "当事人未经批准在临街建筑外墙设置大型户外广告牌一块，面积约24平方米。",
            "《城市市容和环境卫生管理条例》第三十六条第（二）项",
            ("fine",),
            3000,
        ),
        Matter(
            "随意倾倒建筑垃圾",
            "当事人运输车辆在某某路与某某街交叉口西侧空地倾倒建筑垃圾约6立方米。",
            "《城市建筑垃圾管理规定》第二十六条",
            ("fine",),
            15000,
            source=SourceType.COMPLAINT,
        ),
    ],
}

ONSITE = [
    ("urban", "占道经营", "当事人在延安北路人行道上摆摊销售水果，占用人行道约6平方米。",
     "《城市道路管理条例》第四十二条", 100),
    ("urban", "乱扔垃圾", "当事人在中山路步行街随地丢弃包装袋等垃圾。",
     "《城市市容和环境卫生管理条例》第三十四条", 50),
    ("market", "未公示营业执照", "当事人未在经营场所醒目位置公示营业执照。",
     "《中华人民共和国市场主体登记管理条例》第四十八条第一款", 200),
]  # fmt: skip

# The plan: (agency key, target, matter index, variant). The first entries cover every state (so `count` of ~20
# still shows all of them); then a year of ordinary traffic.
PLAN: list[tuple[str, str, int, str]] = [
    ("market", "archived", 0, "waiver"),
    ("market", "registered", 1, ""),
    ("ecology", "verifying", 0, ""),
    ("construction", "filing_review", 0, ""),
    ("market", "not_filed", 1, ""),
    ("urban", "investigating", 1, ""),
    ("ecology", "case_review", 1, ""),
    ("construction", "review_passed", 1, ""),
    ("market", "notified", 1, ""),
    ("ecology", "hearing", 0, "hearing_scheduled"),
    ("market", "collective", 2, "hearing"),
    ("construction", "decided", 0, "waiver"),
    ("market", "executing", 0, "statement"),
    ("urban", "overdue", 0, "waiver"),
    ("market", "closed", 2, "hearing"),
    ("market", "coercion_active", 0, ""),
    ("market", "coercion_closed", 0, ""),
    ("urban", "onsite", 0, ""),
    ("urban", "onsite_closed", 1, ""),
    ("market", "onsite_archived", 2, ""),
    # the rest of the year
    ("market", "archived", 1, "statement"),
    ("ecology", "archived", 1, "waiver"),
    ("construction", "archived", 1, "waiver"),
    ("urban", "archived", 0, "waiver"),
    ("market", "closed", 3, "late_paid"),
    ("market", "executing", 1, "installment"),
    ("ecology", "closed", 0, "hearing"),
    ("market", "archived", 0, "waiver"),
    ("urban", "closed", 1, "waiver"),
    ("construction", "executing", 1, "waiver"),
    ("market", "investigating", 0, "preserve"),
    ("market", "registered", 0, ""),
    ("ecology", "investigating", 1, ""),
    ("urban", "onsite", 0, ""),
    ("urban", "verifying", 0, ""),
    ("market", "decided", 1, "statement"),
    ("construction", "closed", 0, "waiver"),
    ("market", "not_filed", 0, ""),
    ("urban", "onsite_closed", 0, ""),
    ("market", "archived", 3, "waiver"),
    ("ecology", "notified", 1, ""),
    ("market", "case_review", 0, ""),
    ("urban", "investigating", 0, ""),
    ("market", "onsite_closed", 2, ""),
    ("construction", "registered", 1, ""),
    ("market", "closed", 1, "waiver"),
    ("urban", "archived", 1, "statement"),
    ("ecology", "executing", 1, "waiver"),
    ("market", "verifying", 3, ""),
    ("urban", "onsite", 1, ""),
    ("market", "archived", 2, "waiver_small"),
    ("construction", "investigating", 1, ""),
    ("market", "filing_review", 2, ""),
    ("ecology", "archived", 0, "hearing"),
    ("market", "executing", 3, "waiver"),
    ("urban", "closed", 0, "waiver"),
    ("market", "onsite_archived", 2, ""),
    ("construction", "archived", 0, "waiver"),
    ("market", "closed", 0, "statement"),
    ("urban", "notified", 1, ""),
]

# Days between the 案源 and the last step a target reaches (the source date is then placed so that the case's dates
# fall within the last twelve months and the last step is not in the future).
SPAN = {
    "registered": 0, "verifying": 1, "filing_review": 2, "not_filed": 2, "investigating": 6, "case_review": 10,
    "review_passed": 12, "notified": 14, "hearing": 18, "collective": 34, "decided": 30, "executing": 40,
    "overdue": 33, "closed": 50, "archived": 56, "coercion_active": 6, "coercion_closed": 40, "onsite": 0,
    "onsite_closed": 3, "onsite_archived": 8,
}  # fmt: skip
OPEN_TARGETS = {"registered", "verifying", "filing_review", "investigating", "case_review", "review_passed",
                "notified", "hearing", "collective", "decided", "executing", "coercion_active", "onsite"}  # fmt: skip


# --- synthetic files -------------------------------------------------------------------------------------------


def _png(seed: int, label: str) -> bytes:
    """A small synthetic “photo” (PNG): a coloured scene with a caption; nothing real in it."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (320, 240), (rng.randint(120, 200), rng.randint(120, 200), rng.randint(120, 200)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.randint(0, 260), rng.randint(0, 180)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle([x, y, x + rng.randint(20, 60), y + rng.randint(20, 60)], fill=colour)
    draw.rectangle([0, 210, 320, 240], fill=(0, 0, 0))
    draw.text((6, 216), f"DEMO {label} #{seed}", fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _wav(seed: int, seconds: float = 1.0) -> bytes:
    """A short synthetic audio record (WAV, 8 kHz mono): a tone whose pitch depends on `seed`."""
    rate, freq = 8000, 300 + (seed % 40) * 10
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(int(rate * seconds))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


# --- parties -----------------------------------------------------------------------------------------------------

SHOPS = [
    "鑫盛",
    "和顺",
    "天润",
    "金丰",
    "瑞祥",
    "宏达",
    "佳美",
    "福源",
    "恒通",
    "新泰",
    "丰茂",
    "嘉禾",
    "安康",
    "益民",
]
TRADES = {
    "market": ["食品经营部", "商贸有限公司", "超市有限公司", "电器经销部"],
    "ecology": ["热力有限公司", "建材有限公司", "化工有限公司"],
    "construction": ["建筑工程有限公司", "房地产开发有限公司", "建设有限公司"],
    "urban": ["广告传媒有限公司", "土方运输有限公司", "餐饮店"],
}
STREETS = ["延安北路", "北京南路", "建国路", "中山路", "宁边路", "绿洲路", "长宁路", "昌吉东路"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def _demo_uscc(n: int, kind: str = "91") -> str:
    body = f"{kind}6523010000{n:05d}"
    return body + uscc_check_char(body)


@dataclass
class Run:
    rng: random.Random
    today: dt.date
    staff: dict
    seq: int = 0
    counts: dict = field(default_factory=dict)


def _party(run: Run, key: str, matter: Matter, *, natural: bool = False):
    run.seq += 1
    n = run.seq
    officer = run.staff[key]["officer"]
    street = f"新疆昌吉市{run.rng.choice(STREETS)}{run.rng.randint(1, 300)}号（演示地址）"
    if natural or not matter.org:
        # 当场处罚 often meets passers-by whose address is not taken (第五十二条 does not require it)
        name = f"{run.rng.choice(SURNAMES)}某{'某' if n % 2 else ''}"
        return services.register_party(
            officer, kind="natural", name=name, id_type="other", id_number=f"DEMO-{n:04d}",
            address="" if natural and n % 3 == 0 else street,
        )  # fmt: skip
    trade = run.rng.choice(TRADES[key])
    if trade.endswith(("部", "店")):
        return services.register_party(
            officer, kind="individual_business", name=f"昌吉市{run.rng.choice(SHOPS)}{trade}",
            uscc=_demo_uscc(n, "92"), legal_representative=f"{run.rng.choice(SURNAMES)}某某", address=street,
        )  # fmt: skip
    return services.register_party(
        officer, kind="organisation", name=f"昌吉市{run.rng.choice(SHOPS)}{trade}（演示）",
        uscc=_demo_uscc(n), legal_representative=f"{run.rng.choice(SURNAMES)}某某", address=street,
    )  # fmt: skip


# --- staff -------------------------------------------------------------------------------------------------------


def _staff(key: str, agencies: dict, users: dict, today: dt.date) -> dict | None:
    from zhifa.registry import services as registry
    from zhifa.registry.demo import DEMO_PASSWORD
    from zhifa.registry.models import EnforcementDomain, User

    short, domain_code, (officer_name, reviewer_name, head_name) = AGENCIES[key]
    agency = agencies.get(short)
    domain = EnforcementDomain.objects.filter(code=domain_code).first()
    if agency is None or domain is None:
        return None
    linked = set(User.objects.filter(officer__isnull=False).values_list("officer_id", flat=True))
    pool = [
        o
        for o in Officer.objects.filter(agency=agency, status=Officer.Status.ACTIVE).order_by("pk")
        if o.valid_certificate(today, domain) is not None
    ]
    free = [o for o in pool if o.pk not in linked]
    accounts = {}
    for name, role in ((officer_name, Role.OFFICER), (reviewer_name, Role.REVIEWER), (head_name, Role.HEAD)):
        user = users.get(name) or User.objects.filter(username=name).first()
        if user is None:  # the agency has no demo account for this role yet: one for a certified officer
            officer = free.pop(0)
            user = registry.create_user(
                username=name, password=DEMO_PASSWORD, role=role, display_name=officer.name, agency=agency,
                officer=officer, user=users["admin"],
            )  # fmt: skip
        accounts[role] = user
    used = {u.officer_id for u in accounts.values()}
    partners = [o for o in free if o.pk not in used][:6]
    return {
        "agency": agency,
        "domain": domain,
        "officer": accounts[Role.OFFICER],
        "reviewer": accounts[Role.REVIEWER],
        "head": accounts[Role.HEAD],
        "partners": partners,
    }


def _ensure_large_amount_standard(staff: dict, key: str) -> None:
    """行政处罚法第六十三条: the 告知 needs the 较大数额 standard of the agency's sector. Where none is published
    for the agency's sector code, the agency publishes a synthetic one through the catalog workflow."""
    from zhifa.catalog import services as catalog
    from zhifa.catalog.models import Kind
    from zhifa.catalog.services import large_amount_threshold

    agency = staff["agency"]
    if large_amount_threshold(agency.sector, agency.jurisdiction) is not None:
        return
    natural, org = STANDARDS[key]
    version = catalog.create_draft(staff["officer"], agency, Kind.LARGE_AMOUNT)
    catalog.add_item(
        staff["officer"], version,
        {"行业领域": agency.sector, "区划代码": agency.jurisdiction.code, "对公民（元）": natural,
         "对法人或其他组织（元）": org, "施行日期": "2021-07-15",
         "设定依据": "《中华人民共和国行政处罚法》第六十三条", "备注": "演示数据：虚构的标准。"},
    )  # fmt: skip
    catalog.submit(staff["officer"], version)
    catalog.approve(staff["reviewer"], version, opinion="经法制审核，同意发布（演示）。")
    catalog.publish(staff["head"], version)


# --- running one case --------------------------------------------------------------------------------------------


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
    return min(moment, timezone.now() - dt.timedelta(minutes=30))


def _evidence(run: Run, st: dict, case: Case, day: dt.date, *, kind: str, n: int, audio: bool = False):
    seed = case.pk * 10 + n
    if audio:
        blob = store_bytes(_wav(seed), content_type="audio/wav")
        title, filename, device = (
            "执法记录仪同步录音录像（音频）",
            f"record-{seed}.wav",
            f"DSJ-{seed % 50:03d}",
        )
    elif kind == "documentary":
        text = f"{case.title}：进货单据及销售记录摘录（案件{case.pk}）。{DEMO_TAG}\n单据号 DEMO-{seed}\n"
        blob = store_bytes(text.encode("utf-8"), content_type="text/plain; charset=utf-8")
        title, filename, device = "进货单据及销售记录", f"documents-{seed}.txt", ""
    else:
        blob = store_bytes(_png(seed, "PHOTO"), content_type="image/png")
        title, filename, device = (
            "涉案物品照片" if kind == "physical" else f"现场照片{n}",
            f"photo-{seed}.png",
            "执法记录仪",
        )
    return services.add_evidence(
        st["officer"], case, kind=kind, title=title, recorded_at=_at(day, 10 + n), blob=blob, filename=filename,
        device=device, place="当事人经营场所", step="evidence",
    )  # fmt: skip


def _t(user, case: Case, action: str, **data) -> Case:
    return services.transition(user, case, action, channel="demo", **data)


def _open(run: Run, key: str, matter: Matter, start: dt.date, *, procedure=Procedure.ORDINARY, party=None):
    st = run.staff[key]
    party = party or _party(run, key, matter)
    case = services.create_case(
        st["officer"], title=matter.title, source_type=matter.source, source_received_on=start,
        domain=st["domain"], procedure=procedure, parties=[party],
        source_description=f"{SourceType(matter.source).label}：{matter.title}线索{DEMO_TAG}",
    )  # fmt: skip
    partner = st["partners"][run.seq % len(st["partners"])]
    services.assign_officer(st["officer"], case, st["officer"].officer, CaseOfficer.Role.LEAD)
    services.assign_officer(st["officer"], case, partner, CaseOfficer.Role.ASSIST)
    return case, party


def _ordinary(run: Run, key: str, target: str, matter: Matter, variant: str, start: dt.date) -> Case:
    st = run.staff[key]
    officer, reviewer, head = st["officer"], st["reviewer"], st["head"]
    d = lambda n: start + dt.timedelta(days=n)  # noqa: E731
    case, party = _open(run, key, matter, start)
    if target == "registered":
        return case
    _t(officer, case, "start_verification", note="安排两名执法人员现场核查")
    _t(officer, case, "record_interview", record_kind="on_site", person=party.legal_representative or party.name,
       held_at=_at(d(1), 9), place=party.address or "当事人住所",
       record=f"执法人员出示执法证件，表明身份，告知当事人依法享有的权利。经检查：{matter.facts}")  # fmt: skip
    if target == "verifying":
        return case
    if target == "not_filed":
        return _t(head, case, "decline_filing", reason="经核查，未发现违法事实，依法不予立案。")
    _t(officer, case, "request_filing", opinion=f"当事人涉嫌{matter.title}，违法事实基本清楚，建议立案调查。")
    if target == "filing_review":
        return case
    _t(head, case, "approve_filing", filed_on=d(2), opinion="同意立案，由承办人员依法调查。")
    _evidence(run, st, case, d(1), kind="physical", n=1)
    _evidence(run, st, case, d(1), kind="documentary", n=2)
    if variant == "preserve":
        _t(officer, case, "preserve_evidence", items=matter.items or "相关账册3本", started_on=min(d(3), run.today),
           head_approved=True, storage_place="当事人仓库（就地保存）")  # fmt: skip
    _t(officer, case, "record_interview", record_kind="inquiry", person=party.legal_representative or party.name,
       held_at=_at(d(4), 15), place=f"{st['agency'].name}询问室",
       record=f"问：我们是{st['agency'].name}的执法人员，你是否申请回避？答：不申请。"
              f"问：请说明有关情况。答：{matter.facts}问：你对上述事实有无异议？答：没有异议。")  # fmt: skip
    if target == "investigating":
        return case
    _t(officer, case, "submit_review", report=f"经调查，{matter.facts}建议依据{matter.basis}给予行政处罚。")
    if target == "case_review":
        return case
    _t(reviewer, case, "approve_review", opinion="事实清楚，证据确凿，程序合法，适用依据正确，同意。",
       collective_required=target == "collective")  # fmt: skip
    if target == "review_passed":
        return case
    fine = Decimal(matter.fine // 20 if variant == "waiver_small" else matter.fine)
    kinds = list(matter.kinds)
    money = {"fine_amount": fine} if "fine" in kinds else {}
    gains = Decimal(2300) if "confiscate_gains" in kinds else None
    notified = _t(officer, case, "notify", served_on=d(14), facts=matter.facts, basis=matter.basis, proposed_kinds=kinds,
                proposed_fine=money.get("fine_amount"), proposed_confiscation=gains)  # fmt: skip
    if target == "notified":
        return case
    decided_on = d(20)
    if notified.hearing_right and variant.startswith("hearing"):
        _t(officer, case, "request_hearing", received_on=d(15), content="要求举行听证")
        _t(officer, case, "schedule_hearing", notified_on=d(16), scheduled_for=d(28), place=f"{st['agency'].name}听证室",
           host_officer_id=reviewer.officer_id, public=True)  # fmt: skip
        if target == "hearing" or variant == "hearing_scheduled":
            return case
        _t(officer, case, "record_hearing", held_on=d(28), recorder=st["partners"][0].name,
           record="主持人宣布听证纪律，核对当事人身份，告知权利义务。\n调查人员提出违法事实、证据和处罚建议。\n"
                  "当事人进行申辩和质证，请求从轻处罚。\n当事人作最后陈述。")  # fmt: skip
        decided_on = d(30)
    elif variant == "statement" or (notified.hearing_right and variant != "waiver"):
        _t(officer, case, "record_statement", kind="statement", received_on=d(16),
           content="当事人称系初次违法，已积极整改，请求从轻处罚。")  # fmt: skip
        if notified.hearing_right:
            decided_on = max(decided_on, case.notices.first().reply_due_on + dt.timedelta(days=1))
    else:
        _t(
            officer,
            case,
            "record_statement",
            kind="waiver",
            received_on=d(15),
            content="当事人书面放弃陈述、申辩和听证权利",
        )
    if target == "hearing":
        return case
    if target == "collective":
        return _t(head, case, "refer_collective", note="案情复杂，提交负责人集体讨论")
    decision = {"penalty_kinds": kinds, "facts": matter.facts, "basis": matter.basis, **money}
    if gains:
        decision["confiscation_amount"] = gains
    from zhifa.reviews.demo import review_for_decision

    # 法制审核 (issue 4): a major decision is reviewed (代拟稿 → 材料 → 报送 → 同意) before the head decides.
    review_for_decision(case, {"outcome": "penalty", "decided_on": decided_on, **decision}, handler=officer)
    _t(head, case, "decide", outcome="penalty", decided_on=decided_on, **decision)
    if target == "decided":
        return case
    served = decided_on + dt.timedelta(days=2)
    _t(officer, case, "serve", method="direct", served_on=served, recipient=party.legal_representative or party.name,
       place=party.address or "本机关")  # fmt: skip
    case.refresh_from_db()
    ex = case.execution
    due = ex.due_on
    if target == "overdue":
        return case  # unpaid: 加处罚款 accrues from the day after the due date (第七十二条)
    if variant == "installment":
        _t(head, case, "approve_arrangement", arrangement="installment", new_due_on=due + dt.timedelta(days=90),
           note="当事人确有经济困难，申请分三期缴纳，经负责人批准。")  # fmt: skip
        _t(officer, case, "record_payment", paid_on=served + dt.timedelta(days=5), amount=ex.fine_amount / 3,
           receipt=f"DEMO-{case.pk}-1")  # fmt: skip
        return case
    if target == "executing" and variant != "statement":
        return case
    paid_on = served + dt.timedelta(days=8)
    if variant == "late_paid":
        paid_on = due + dt.timedelta(days=3)
    owed = services.execution_status(ex, paid_on).total_outstanding
    _t(officer, case, "record_payment", paid_on=paid_on, amount=owed, receipt=f"DEMO-{case.pk}")
    if set(kinds) - services.MONETARY:
        _t(officer, case, "record_performed", done_on=paid_on, note="没收的物品已依法处理")
    if target == "executing":
        return case
    closed = paid_on + dt.timedelta(days=3)
    _t(head, case, "close", closed_on=closed, summary="处罚决定已执行完毕，建议结案。")
    if target == "closed":
        return case
    return _t(officer, case, "archive", archived_on=closed + dt.timedelta(days=3))


def _coercion(run: Run, key: str, target: str, matter: Matter, start: dt.date) -> Case:
    """行政强制: 扣押 with its full audio/video record (行政强制法第十八条、118号); released, or still running."""
    st = run.staff[key]
    officer, head = st["officer"], st["head"]
    d = lambda n: start + dt.timedelta(days=n)  # noqa: E731
    case, party = _open(run, key, matter, start, procedure=Procedure.COERCION)
    _t(officer, case, "start_verification", note="接报后立即核查")
    _t(officer, case, "request_filing", opinion="涉嫌不符合食品安全标准的食品，需依法扣押。")
    _t(head, case, "approve_filing", filed_on=d(1), opinion="同意，依法实施扣押。")
    av = _evidence(run, st, case, d(1), kind="audiovisual", n=1, audio=True)
    _evidence(run, st, case, d(1), kind="physical", n=2)
    _t(officer, case, "seize", measure="seize", items=matter.items or "涉案物品", started_on=d(1), head_approved=True,
       av_evidence_id=av.pk, reason=f"当事人涉嫌{matter.title}，为防止证据损毁、危害扩大。",
       legal_basis="《中华人民共和国食品安全法》第一百一十条第一款第（四）项")  # fmt: skip
    case.refresh_from_db()
    if target == "coercion_active":
        return case
    measure = case.measures.get()
    _t(officer, case, "release_measure", measure_id=measure.pk, released_on=d(20),
       outcome="经检验涉案食品不符合食品安全标准，依法没收并监督销毁。")  # fmt: skip
    return _t(head, case, "close", closed_on=d(21), summary="行政强制措施已依法处理完毕，建议结案。")


def _onsite(run: Run, key: str, target: str, index: int, start: dt.date) -> Case:
    """简易程序: 当场处罚 (第五十一条) with its 当场处罚决定书, then payment, 结案, 归档."""
    _key, title, facts, basis, fine = ONSITE[index % len(ONSITE)]
    st = run.staff[key]
    officer, head = st["officer"], st["head"]
    matter = Matter(title, facts, basis, ("fine",), fine, org=False, source=SourceType.INSPECTION)
    case, party = _open(
        run, key, matter, start, procedure=Procedure.SIMPLE, party=_party(run, key, matter, natural=True)
    )
    place = f"新疆昌吉市{run.rng.choice(STREETS)}（演示地点）"
    _t(officer, case, "onsite_decide", penalty_kinds=["fine"], fine_amount=Decimal(fine), facts=facts, basis=basis,
       decided_at=_at(start, 11), place=place, party_informed=True, statement="当事人无异议")  # fmt: skip
    if target == "onsite":
        return case
    _t(officer, case, "record_payment", paid_on=start + dt.timedelta(days=1), amount=Decimal(fine),
       receipt=f"DEMO-{case.pk}")  # fmt: skip
    _t(head, case, "close", closed_on=start + dt.timedelta(days=2), summary="当事人已缴纳罚款，建议结案。")
    if target == "onsite_closed":
        return case
    return _t(officer, case, "archive", archived_on=start + dt.timedelta(days=5))


def _start_day(run: Run, target: str, i: int) -> dt.date:
    """Closed and archived cases spread over the last year; open ones recent; the overdue one served long ago."""
    span = SPAN[target]
    if target == "overdue":
        back = 80
    elif target == "coercion_active":
        back = 25  # the 30-day 扣押 ends within a week: it shows as due soon
    elif target in OPEN_TARGETS:
        back = span + run.rng.randint(3, 40)
    else:
        back = span + 10 + (i * 37) % max(1, 355 - span - 10)
    return run.today - dt.timedelta(days=back)


def demo_cases():
    return Case.objects.filter(source_description__endswith=DEMO_TAG)


def load(registry_result: dict, *, count: int | None = None, today: dt.date | None = None) -> dict:
    """Create the demo cases (idempotent: nothing is added once demo cases exist). Returns a summary:
    {"cases": n, "documents": n, "states": {state: n}, "created": bool}."""
    from zhifa.documents.models import IssuedDocument

    if not demo_cases().exists():
        today = today or timezone.localdate()
        agencies, users = registry_result["agencies"], registry_result["users"]
        staff = {}
        for key in AGENCIES:
            st = _staff(key, agencies, users, today)
            if st is not None and len(st["partners"]) >= 1:
                _ensure_large_amount_standard(st, key)
                staff[key] = st
        run = Run(rng=random.Random(20260101), today=today, staff=staff)
        plan = [p for p in PLAN if p[0] in staff]
        for i, (key, target, index, variant) in enumerate(plan[:count] if count else plan):
            start = _start_day(run, target, i)
            if variant == "preserve":  # the 先行登记保存 is a few days old: its 7-day decision is due soon
                start = today - dt.timedelta(days=5)
            if target.startswith("onsite"):
                _onsite(run, key, target, index, start)
            elif target.startswith("coercion"):
                _coercion(run, key, target, MATTERS[key][index % len(MATTERS[key])], start)
            else:
                matter = MATTERS[key][index % len(MATTERS[key])]
                _ordinary(run, key, target, matter, variant, start)
        created = True
    else:
        created = False
    cases = demo_cases()
    states: dict[str, int] = {}
    for state in cases.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    return {
        "cases": cases.count(),
        "documents": IssuedDocument.objects.filter(case_id__in=cases.values("pk")).count(),
        "states": states,
        "created": created,
        "missing_states": sorted(set(State.values) - set(states)),
    }
