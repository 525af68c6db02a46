"""Demo data of the 执法事项库: realistic published lists for a few agencies, through the real workflow.

    from zhifa.catalog import demo
    demo.load(agencies_by_short_name, users_by_username)   # idempotent

Agencies are recognised by sector or name: 市场监管, 生态环境, 住房和城乡建设, and the 司法局 (is_justice_bureau),
which keeps the 较大数额 table. Drafting and submitting is done by an officer or head of the agency (the system
actor drafts where the agency has neither). Legal review and publication are done only by the agency's own
reviewer and head, as in production: where the agency has no such user the list is left waiting at that step
(待法制审核 / 审核通过待发布). Lists are published from the day of loading (a publication cannot be backdated).
All steps are on the ledger. Citations of the four bundled statutes resolve to Citation rows; other laws stay as
text. The thresholds are synthetic (marked in their 备注). A list that already exists is left alone.
"""

from __future__ import annotations

from zhifa.catalog import services
from zhifa.catalog.models import CatalogList, Kind
from zhifa.core.roles import Role
from zhifa.registry.models import Jurisdiction

REMEDY = (
    "对处理决定不服的，可以自知道之日起六十日内依法申请行政复议，或者自知道之日起六个月内依法提起行政诉讼。"
)
PENALTY_PROCEDURE = "立案—调查取证—法制审核（重大案件）—告知陈述申辩及听证权利—决定—送达—执行—结案归档"
PENALTY_LIMIT = "自立案之日起九十日内作出处理决定（《中华人民共和国行政处罚法》第六十条）"
SYNTHETIC = "演示数据：为展示系统功能而虚构的标准，非正式公布的数值。"


def _profile(agency) -> str | None:
    text = f"{agency.sector}{agency.name}"
    if agency.is_justice_bureau or "司法" in text:
        return "justice"
    if "市场监" in text:
        return "market"
    if "生态环境" in text or "环保" in text:
        return "environment"
    if "住房" in text or "住建" in text or "城乡建设" in text:
        return "housing"
    return None


def _power(
    category, name, basis, *, sub="", unit="", days=None, limit="", procedure=PENALTY_PROCEDURE, note=""
):
    return {
        "权力类型": category,
        "事项名称": name,
        "子项名称": sub,
        "承办机构": unit,
        "执法依据": basis,
        "实施程序": procedure,
        "办理时限": limit,
        "法定期限（日）": days,
        "救济渠道": REMEDY,
        "备注": note,
    }


MARKET_POWER = [
    _power(
        "行政处罚",
        "对生产经营不符合食品安全标准的食品等行为的行政处罚",
        "《中华人民共和国食品安全法》第一百二十四条；《中华人民共和国行政处罚法》第二十八条",
        unit="食品经营安全监督管理科",
        days=90,
        limit=PENALTY_LIMIT,
    ),
    _power(
        "行政处罚",
        "对未取得食品生产经营许可从事食品生产经营活动的行政处罚",
        "《中华人民共和国食品安全法》第一百二十二条",
        unit="食品经营安全监督管理科",
        days=90,
        limit=PENALTY_LIMIT,
    ),
    _power(
        "行政强制",
        "查封、扣押不符合食品安全标准的食品、违法使用的食品原料",
        "《中华人民共和国食品安全法》第一百一十条第一款第（四）项；《中华人民共和国行政强制法》第二十五条",
        unit="综合行政执法大队",
        days=30,
        limit="查封、扣押期限不超过三十日；情况复杂的，经负责人批准可延长，延长期限不超过三十日",
        procedure="报告负责人批准—两名以上执法人员实施—出示证件—通知当事人到场—告知—制作现场笔录—交付决定书和清单",
    ),
    _power(
        "行政许可",
        "食品经营许可",
        "《中华人民共和国食品安全法》第三十五条；《中华人民共和国行政许可法》第四十二条",
        unit="行政审批服务科",
        days=20,
        limit="自受理之日起二十个工作日内作出决定；经负责人批准可延长十个工作日",
        procedure="申请—受理（当场或五日内一次告知补正）—审查—决定—十日内颁发证件",
    ),
    _power(
        "行政检查",
        "食品生产经营日常监督检查",
        "《中华人民共和国食品安全法》第一百一十条",
        unit="食品经营安全监督管理科",
        procedure="制定检查计划—两名以上执法人员出示证件—现场检查—制作检查记录—结果公示",
    ),
]

FINE_ROW = {
    "执法项目类别": "行政处罚",
    "审核的具体执法决定项目": "拟对公民处以1万元以上、对法人或者其他组织处以10万元以上的罚款",
    "应提交的审核资料": "案件调查终结报告、拟作出的处罚决定书、证据材料、当事人陈述申辩材料",
    "审核重点": "主体合法、程序合法、事实清楚、证据充分、适用法律准确、裁量适当",
    "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（四）项",
    "行为类型": "行政处罚",
    "处罚种类": "罚款",
    "对公民罚款达到（元）": 10000,
    "对法人或其他组织罚款达到（元）": 100000,
}
MAJOR_ROWS = [
    FINE_ROW,
    {
        "执法项目类别": "行政处罚",
        "审核的具体执法决定项目": "拟作出降低资质等级、吊销许可证件、责令停产停业、责令关闭、限制从业的行政处罚",
        "应提交的审核资料": "案件调查终结报告、拟作出的处罚决定书、证据材料、听证材料",
        "审核重点": "事实、证据、法律适用、程序、裁量",
        "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（四）项",
        "行为类型": "行政处罚",
        "处罚种类": "降低资质等级、吊销许可证件、责令停产停业、责令关闭、限制从业",
    },
    {
        "执法项目类别": "行政处罚",
        "审核的具体执法决定项目": "直接关系当事人或者第三人重大权益，经过听证程序的",
        "应提交的审核资料": "听证笔录、听证报告及全部案卷",
        "审核重点": "听证程序合法，听证意见是否采纳及理由",
        "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（二）项",
        "行为类型": "行政处罚",
        "经过听证": "是",
    },
    {
        "执法项目类别": "各类执法决定",
        "审核的具体执法决定项目": "涉及重大公共利益，可能造成重大社会影响或引发社会风险的",
        "应提交的审核资料": "案件材料、风险评估材料",
        "审核重点": "是否超越权限、社会风险评估、法律适用",
        "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（一）项",
        "其他情形": "涉及重大公共利益、可能造成重大社会影响或引发社会风险",
    },
    {
        "执法项目类别": "各类执法决定",
        "审核的具体执法决定项目": "案件情况疑难复杂、涉及多个法律关系的",
        "应提交的审核资料": "全部案卷及集体讨论记录",
        "审核重点": "定性是否准确、法律关系是否厘清",
        "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（三）项",
        "其他情形": "案件情况疑难复杂、涉及多个法律关系",
    },
    {
        "执法项目类别": "其他",
        "审核的具体执法决定项目": "法律、法规、规章规定应当进行法制审核的其他情形",
        "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（四）项",
    },
]


def _av(matter, step, requirement, process, basis=""):
    return {
        "执法事项": matter,
        "记录方式": "执法记录仪、摄像机全程音像记录"
        if requirement == "全程音像记录"
        else "文字记录，必要时执法记录仪录音录像",
        "记录人": "执法人员或专门记录人员",
        "记录过程": process,
        "记录要求": requirement,
        "执法环节": step,
        "依据": basis or "国办发〔2018〕118号",
    }


AV_COMMON = [
    _av(
        "查封、扣押财产",
        "查封扣押财产",
        "全程音像记录",
        "从执法人员到达现场开始，至查封扣押完毕、交付清单为止",
        "《中华人民共和国行政强制法》第十八条；国办发〔2018〕118号",
    ),
    _av("执法办案场所询问当事人", "执法办案场所询问", "全程音像记录", "询问开始至笔录签名确认完毕"),
    _av("现场执法", "现场执法", "根据需要音像记录", "出示证件、告知、检查、制作笔录等环节"),
    _av("调查取证", "调查取证", "根据需要音像记录", "抽样取证、先行登记保存等环节"),
    _av("听证", "听证", "根据需要音像记录", "听证开始至结束"),
    _av("留置送达", "留置送达", "根据需要音像记录", "送达人到达受送达人住所至留置文书完毕"),
    _av("公告送达", "公告送达", "根据需要音像记录", "张贴公告的过程"),
]
AV_DEMOLITION = _av(
    "强制拆除违法建筑物、构筑物、设施",
    "强制拆除",
    "全程音像记录",
    "公告、催告、实施拆除至清场完毕的全过程",
    "《中华人民共和国行政强制法》第四十四条；国办发〔2018〕118号",
)

DISCRETION = [
    {
        "事项名称": "对生产经营不符合食品安全标准的食品等行为的行政处罚",
        "违法行为": "生产经营不符合食品安全标准的食品，货值金额不足一万元",
        "裁量阶次": "从轻处罚",
        "适用情形": "初次违法、主动消除或者减轻危害后果、积极配合调查",
        "罚款下限（元）": 50000,
        "罚款上限（元）": 65000,
        "其他处罚": "没收违法所得和违法生产经营的食品",
        "裁量依据": "《中华人民共和国食品安全法》第一百二十四条；《中华人民共和国行政处罚法》第三十二条",
    },
    {
        "事项名称": "对生产经营不符合食品安全标准的食品等行为的行政处罚",
        "违法行为": "生产经营不符合食品安全标准的食品，货值金额不足一万元",
        "裁量阶次": "一般处罚",
        "适用情形": "不具有从轻、从重情节",
        "罚款下限（元）": 65000,
        "罚款上限（元）": 85000,
        "其他处罚": "没收违法所得和违法生产经营的食品",
        "裁量依据": "《中华人民共和国食品安全法》第一百二十四条",
    },
    {
        "事项名称": "对生产经营不符合食品安全标准的食品等行为的行政处罚",
        "违法行为": "生产经营不符合食品安全标准的食品，货值金额不足一万元",
        "裁量阶次": "从重处罚",
        "适用情形": "造成危害后果、拒不配合调查或一年内再次违法",
        "罚款下限（元）": 85000,
        "罚款上限（元）": 100000,
        "其他处罚": "没收违法所得和违法生产经营的食品；情节严重的吊销许可证",
        "裁量依据": "《中华人民共和国食品安全法》第一百二十四条",
    },
]

RANDOM = [
    {
        "抽查事项": "食品经营者监督检查",
        "抽查依据": "《中华人民共和国食品安全法》第一百一十条；《国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》",
        "抽查对象": "辖区内食品经营者",
        "抽查基数": "检查对象名录库内全部食品经营者",
        "抽查比例": "不低于5%",
        "抽查周期": "每年",
        "随机抽查方式": "定向抽查",
        "抽查主体": "",
        "实施日期": "2024-03-01",
    },
    {
        "抽查事项": "企业公示信息抽查",
        "抽查依据": "《企业信息公示暂行条例》第十二条",
        "抽查对象": "辖区内登记的企业",
        "抽查基数": "检查对象名录库内全部企业",
        "抽查比例": "不低于3%",
        "抽查周期": "每年",
        "随机抽查方式": "不定向抽查",
        "抽查主体": "",
        "实施日期": "2024-03-01",
    },
]

CERTIFICATION = [
    {
        "证明名称": "食品从业人员健康证明",
        "证明用途": "从事接触直接入口食品工作的食品生产经营人员上岗",
        "设定依据": "《中华人民共和国食品安全法》第四十五条",
        "依据条文及内容": "从事接触直接入口食品工作的食品生产经营人员应当每年进行健康检查，取得健康证明后方可上岗工作。",
        "索要单位": "食品生产经营者",
        "开具单位": "医疗卫生机构",
        "行使层级": "县级",
        "事项类型": "其他",
        "不能实行告知承诺及保留原因": "涉及公共卫生安全，需经体检确认",
    },
]

ENV_POWER = [
    _power(
        "行政处罚",
        "对超过大气污染物排放标准或者超过重点大气污染物排放总量控制指标排放大气污染物的行政处罚",
        "《中华人民共和国大气污染防治法》第九十九条",
        unit="生态环境保护综合行政执法队",
        days=90,
        limit=PENALTY_LIMIT,
    ),
    _power(
        "行政强制",
        "查封、扣押造成污染物排放的设施、设备",
        "《中华人民共和国环境保护法》第二十五条；《中华人民共和国行政强制法》第二十五条",
        unit="生态环境保护综合行政执法队",
        days=30,
        limit="查封、扣押期限不超过三十日，情况复杂的经负责人批准可延长三十日",
    ),
    _power(
        "行政检查",
        "对排污单位的现场检查",
        "《中华人民共和国环境保护法》第二十四条",
        unit="生态环境保护综合行政执法队",
    ),
]

HOUSING_POWER = [
    _power(
        "行政处罚",
        "对未取得施工许可证擅自施工的行政处罚",
        "《中华人民共和国建筑法》第六十四条；《建设工程质量管理条例》第五十七条",
        unit="建设工程管理科",
        days=90,
        limit=PENALTY_LIMIT,
    ),
    _power(
        "行政强制",
        "强制拆除违法建筑物、构筑物、设施",
        "《中华人民共和国行政强制法》第四十四条",
        unit="城市管理综合执法大队",
        procedure="责令限期拆除—公告—催告—当事人在法定期限内不申请复议或提起诉讼又不拆除的—强制拆除",
    ),
]

THRESHOLDS = [
    # (sector, jurisdiction code, natural, organisation, valid_from)
    ("市场监管", "65", 10000, 100000, "2021-07-15"),
    ("公安", "65", 2000, 10000, "2021-07-15"),
    ("生态环境", "65", 20000, 200000, "2021-07-15"),
    ("住房和城乡建设", "65", 3000, 50000, "2021-07-15"),
    ("市场监管", "6523", 10000, 100000, "2022-01-01"),
    ("生态环境", "6523", 20000, 150000, "2023-01-01"),
    ("住房和城乡建设", "6523", 5000, 50000, "2023-01-01"),
]


def _staff(agency, users) -> dict[str, object]:
    from zhifa.registry.models import User

    pool = [u for u in (users or {}).values() if getattr(u, "agency_id", None) == agency.pk]
    pool += list(User.objects.filter(agency=agency, is_active=True).order_by("pk"))
    found: dict[str, object] = {}
    for user in pool:
        found.setdefault(user.role, user)
    drafter = found.get(Role.OFFICER) or found.get(Role.HEAD) or services.SYSTEM_USER
    # No stand-in for the legal review or the publication: None leaves the list waiting at that step.
    return {"drafter": drafter, "reviewer": found.get(Role.REVIEWER), "head": found.get(Role.HEAD)}


def _build(agency, kind, rows, staff, *, publish=True):
    if CatalogList.objects.filter(agency=agency, kind=kind, versions__isnull=False).exists():
        return None
    version = services.create_draft(staff["drafter"], agency, kind)
    for row in rows:
        services.add_item(staff["drafter"], version, {k: v for k, v in row.items() if v not in (None, "")})
    if publish:
        services.submit(staff["drafter"], version)
        if staff["reviewer"] is None:
            return version
        services.approve(
            staff["reviewer"], version, opinion="经法制审核，清单事项、依据和程序准确，同意发布。"
        )
        if staff["head"] is not None:
            services.publish(staff["head"], version)
    return version


def _pending_revision(agency, staff):
    """A second version of the market power list, submitted and waiting for the legal reviewer."""
    catalog_list = CatalogList.objects.filter(agency=agency, kind=Kind.POWER).first()
    if catalog_list is None or catalog_list.current_version is None or catalog_list.versions.count() > 1:
        return None
    version = services.create_draft(
        staff["drafter"],
        agency,
        Kind.POWER,
        change_reason="根据《中华人民共和国食品安全法》（2021年修正）和机构职能调整，更新执法依据，增加网络食品交易检查事项",
    )
    services.add_item(
        staff["drafter"],
        version,
        {"执法主体": agency.name}
        | _power(
            "行政检查",
            "网络食品交易第三方平台提供者监督检查",
            "《中华人民共和国食品安全法》第六十二条、第一百三十一条",
            unit="网络交易监督管理科",
            procedure="制定检查计划—调取平台数据—现场或远程检查—制作检查记录—结果公示",
        ),
    )
    services.submit(staff["drafter"], version)
    return version


def load(agencies_by_short_name: dict, users_by_username: dict | None = None) -> dict[str, list]:
    """Create the demo lists for the given agencies; returns {agency short name: [versions created]}."""
    created: dict[str, list] = {}
    for short_name, agency in agencies_by_short_name.items():
        profile = _profile(agency)
        if profile is None:
            continue
        staff = _staff(agency, users_by_username)
        plan: list[tuple[str, list]] = []
        if profile == "market":
            plan = [
                (Kind.POWER, MARKET_POWER),
                (Kind.MAJOR_REVIEW, MAJOR_ROWS),
                (Kind.AV_RECORD, AV_COMMON),
                (Kind.DISCRETION, DISCRETION),
                (Kind.RANDOM_INSPECTION, [dict(r, 抽查主体=agency.name) for r in RANDOM]),
                (Kind.CERTIFICATION, CERTIFICATION),
            ]
        elif profile == "environment":
            plan = [(Kind.POWER, ENV_POWER), (Kind.MAJOR_REVIEW, MAJOR_ROWS), (Kind.AV_RECORD, AV_COMMON)]
        elif profile == "housing":
            plan = [
                (Kind.POWER, HOUSING_POWER),
                (Kind.MAJOR_REVIEW, MAJOR_ROWS),
                (Kind.AV_RECORD, [*AV_COMMON, AV_DEMOLITION]),
            ]
        elif profile == "justice":
            plan = [(Kind.LARGE_AMOUNT, _threshold_rows(agency))]
        bodies = {"执法主体": agency.name}
        versions = []
        for kind, rows in plan:
            if not rows:
                continue
            if kind == Kind.POWER:
                rows = [bodies | r for r in rows]
            version = _build(agency, kind, rows, staff)
            if version is not None:
                versions.append(version)
        if profile == "market":
            pending = _pending_revision(agency, staff)
            if pending is not None:
                versions.append(pending)
        created[short_name] = versions
    return created


def _threshold_rows(agency) -> list[dict]:
    """Rows for the bureau's own jurisdiction and those below it (a body sets standards only for its area)."""
    codes = dict.fromkeys(code for _, code, *_ in THRESHOLDS)
    area = {
        j.code: j
        for j in Jurisdiction.objects.filter(code__in=codes, path__startswith=agency.jurisdiction.path)
    }
    rows = []
    own = agency.jurisdiction
    for sector, code, natural, org, valid_from in THRESHOLDS:
        if code in area:
            target = code
        elif len(code) <= 2 and not any(t[0] == sector and t[1] in area for t in THRESHOLDS):
            target = own.code  # the regional standard, restated for the bureau's own area
        else:
            continue
        rows.append(
            {
                "行业领域": sector,
                "区划代码": target,
                "对公民（元）": natural,
                "对法人或其他组织（元）": org,
                "施行日期": valid_from,
                "设定依据": "《中华人民共和国行政处罚法》第六十三条",
                "备注": SYNTHETIC,
            }
        )
    return rows
