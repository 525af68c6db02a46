"""Synthetic demo data for the registry: the Changji jurisdiction chain, real agency names of 昌吉市 with
synthetic identifiers, ~300 synthetic officers with certificates, and one account per role.

Everything personal here is generated: names from common characters; no ID or phone numbers at all (any
valid-looking one could belong to a real person). Agency USCCs are synthetic, with a valid check character.
Township codes follow the 统计用区划代码 pattern and are illustrative.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from zhifa.core.roles import Role
from zhifa.registry import services
from zhifa.registry.models import Agency, Certificate, EnforcementDomain, Officer, User
from zhifa.registry.validators import USCC_CHARSET, uscc_check_char

DEMO_PASSWORD = "Demo@2026"

DOMAINS = [
    ("market", "市场监管"),
    ("ecology", "生态环境"),
    ("construction", "住房城乡建设"),
    ("urban", "城市管理综合执法"),
    ("transport", "交通运输"),
    ("resources", "自然资源"),
    ("emergency", "应急管理"),
    ("health", "卫生健康"),
    ("culture", "文化市场"),
    ("agriculture", "农业农村"),
    ("justice", "司法行政"),
    ("water", "水利"),
    ("labour", "人力资源社会保障"),
    ("education", "教育"),
    ("forestry", "林业草原"),
    ("medical_insurance", "医疗保障"),
    ("commerce", "商务"),
]

TOWNS = [
    ("652301001", "宁边路街道"),
    ("652301002", "延安北路街道"),
    ("652301003", "北京南路街道"),
    ("652301004", "建国路街道"),
    ("652301005", "中山路街道"),
    ("652301006", "绿洲路街道"),
    ("652301100", "榆树沟镇"),
    ("652301101", "硫磺沟镇"),
    ("652301102", "三工镇"),
    ("652301103", "佃坝镇"),
    ("652301104", "六工镇"),
    ("652301105", "二六工镇"),
    ("652301106", "大西渠镇"),
    ("652301107", "滨湖镇"),
    ("652301200", "阿什里哈萨克民族乡"),
]

# (name, 文书简称, domains, sector (as the 较大数额 standards name it), officers, is_justice_bureau)
CITY_AGENCIES = [
    ("昌吉市市场监督管理局", "昌市监", ["market"], "市场监管", 48, False),
    ("昌吉州生态环境局昌吉市分局", "昌环", ["ecology"], "生态环境", 22, False),
    ("昌吉市住房和城乡建设局", "昌建", ["construction"], "住房和城乡建设", 20, False),
    ("昌吉市综合行政执法局", "昌综执", ["urban"], "城市管理", 40, False),
    ("昌吉市交通运输局", "昌交", ["transport"], "交通运输", 22, False),
    ("昌吉市自然资源局", "昌自然资源", ["resources"], "自然资源", 18, False),
    ("昌吉市应急管理局", "昌应急", ["emergency"], "应急管理", 16, False),
    ("昌吉市卫生健康委员会", "昌卫健", ["health"], "卫生健康", 18, False),
    ("昌吉市文化体育广电和旅游局", "昌文旅", ["culture"], "文化旅游", 12, False),
    ("昌吉市农业农村局", "昌农", ["agriculture"], "农业农村", 16, False),
    ("昌吉市水利局", "昌水", ["water"], "水利", 8, False),
    ("昌吉市人力资源和社会保障局", "昌人社", ["labour"], "人力资源社会保障", 8, False),
    ("昌吉市教育局", "昌教", ["education"], "教育", 6, False),
    ("昌吉市林业和草原局", "昌林草", ["forestry"], "林业草原", 8, False),
    ("昌吉市医疗保障局", "昌医保", ["medical_insurance"], "医疗保障", 6, False),
    ("昌吉市商务和工业信息化局", "昌商工", ["commerce"], "商务", 6, False),
    ("昌吉市司法局", "昌司", ["justice"], "司法行政", 6, True),
]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国新疆天山雪莲博文思远晓东海燕春梅志刚红霞雅琴"
)
MINORITY_NAMES = [
    "阿依古丽",
    "艾尔肯",
    "古丽娜",
    "努尔兰",
    "热依拉",
    "叶尔江",
    "阿斯哈尔",
    "迪丽拜尔",
    "木拉提",
    "加娜尔",
]


def _uscc(rng: random.Random, region: str) -> str:
    body = "11" + region + "".join(rng.choice(USCC_CHARSET[:10]) for _ in range(9))  # 11 = 机关
    return body + uscc_check_char(body)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(MINORITY_NAMES) + "·" + rng.choice(["吐尔逊", "买买提", "沙吾提", "艾力", "阿布都"])
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def load(today: dt.date | None = None) -> dict:
    """Create the demo registry (idempotent: returns the existing one when loaded before)."""
    today = today or timezone.localdate()
    rng = random.Random(20190806)  # the date of 昌市政办发〔2019〕18号
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = services.create_user(
            username="admin", password=DEMO_PASSWORD, role=Role.ADMIN, display_name="系统管理员"
        )
    if Agency.objects.filter(short_name="昌市监").exists():
        return _result()

    xj = services.create_jurisdiction("65", "新疆维吾尔自治区", 1, user=admin)
    cj = services.create_jurisdiction("6523", "昌吉回族自治州", 2, xj, user=admin)
    city = services.create_jurisdiction("652301", "昌吉市", 3, cj, user=admin)
    towns = [services.create_jurisdiction(code, name, 4, city, user=admin) for code, name in TOWNS]
    domains = {
        code: EnforcementDomain.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in DOMAINS
    }

    remedy = "对本机关作出的行政执法决定不服的，可以自知道之日起六十日内向昌吉市人民政府申请行政复议，或者自知道之日起六个月内向昌吉市人民法院提起行政诉讼。"
    prefecture_justice = services.create_agency(
        user=admin,
        name="昌吉回族自治州司法局",
        short_name="昌州司",
        uscc=_uscc(rng, "652300"),
        jurisdiction=cj,
        sector="司法行政",
        is_justice_bureau=True,
        domains=[domains["justice"]],
        duties="负责全州行政执法协调监督工作。",
        address="昌吉市延安北路",
        remedy_channels=remedy,
    )
    agencies = {}
    for name, short, doms, sector, _count, is_justice in CITY_AGENCIES:
        agencies[short] = services.create_agency(
            user=admin,
            name=name,
            short_name=short,
            uscc=_uscc(rng, "652301"),
            jurisdiction=city,
            sector=sector,
            is_justice_bureau=is_justice,
            domains=[domains[d] for d in doms],
            remedy_channels=remedy,
            duties=f"依法承担{domains[doms[0]].name}领域行政执法职责。",
            address="新疆昌吉市（演示地址）",
            phone="0994-0000000",
        )
    township = services.create_agency(
        user=admin,
        name="昌吉市榆树沟镇人民政府",
        short_name="榆树沟镇",
        uscc=_uscc(rng, "652301"),
        jurisdiction=towns[6],
        sector="城市管理",
        domains=[domains["urban"]],
        remedy_channels=remedy,
        duties="依据赋权清单行使部分县级行政执法权（行政处罚法第二十四条）。",
    )
    agencies["榆树沟镇"] = township

    # Officers and certificates. Roughly: most valid; some expired, some expiring within 30 days,
    # some suspended; about one in ten exempt from the exam by 法律职业资格.
    serial = 0
    officers_by_agency: dict[str, list[Officer]] = {}
    for _agency_name, short, doms, _sector, count, _j in [
        *CITY_AGENCIES,
        ("", "榆树沟镇", ["urban"], "城市管理", 8, False),
    ]:
        agency = agencies[short]
        officers_by_agency[short] = []
        for i in range(count):
            qualified = rng.random() < 0.12 or (short == "昌市监" and i < 3)
            officer = services.create_officer(
                user=admin,
                agency=agency,
                name=_name(rng),
                gender=rng.choice("男女"),
                post=rng.choice(["执法一科", "执法二科", "稽查大队", "法规科", "综合科"]),
                domains=[domains[d] for d in doms],
                legal_qualification=qualified,
                legal_qualification_number=f"A{rng.randint(2010, 2024)}{rng.randint(0, 10**9):09d}"
                if qualified
                else "",
            )
            officers_by_agency[short].append(officer)
            serial += 1
            roll = rng.random()
            if roll < 0.06:
                valid_until = today - dt.timedelta(days=rng.randint(5, 300))  # expired
            elif roll < 0.12:
                valid_until = today + dt.timedelta(days=rng.randint(3, 28))  # about to expire
            else:
                valid_until = today + dt.timedelta(days=rng.randint(120, 1500))
            valid_from = valid_until - dt.timedelta(days=5 * 365)
            cert = services.issue_certificate(
                user=admin,
                officer=officer,
                number=f"6523010{serial:05d}",
                domains=[domains[d] for d in doms],
                issuer="新疆维吾尔自治区人民政府",
                valid_from=valid_from,
                valid_until=valid_until,
                qualification=Certificate.Qualification.EXEMPT
                if qualified
                else Certificate.Qualification.EXAM,
                exam_passed_on=None if qualified else valid_from - dt.timedelta(days=rng.randint(20, 90)),
            )
            if rng.random() < 0.015:
                services.change_certificate_status(
                    user=admin,
                    certificate=cert,
                    action="suspend",
                    reason="涉嫌违法违纪，立案调查期间暂扣（演示）",
                )
            if i % 5 == 0 and i:
                services.record_training(
                    user=admin,
                    officer=officer,
                    title=f"{today.year}年度行政执法人员公共法律知识培训",
                    organiser="昌吉市司法局",
                    hours="40",
                    completed_on=today - dt.timedelta(days=rng.randint(10, 200)),
                )

    # One account per role. The officer accounts are linked to officers with valid certificates.
    used: set[int] = set()

    def valid_officer(short: str, *, qualified: bool | None = None) -> Officer:
        """The next officer of the agency with a valid certificate not yet linked to an account."""
        candidates = [o for o in officers_by_agency[short] if o.pk not in used and o.valid_certificate(today)]
        if qualified is not None:
            candidates = [o for o in candidates if o.legal_qualification == qualified]
        used.add(candidates[0].pk)
        return candidates[0]

    market, env, housing, justice = agencies["昌市监"], agencies["昌环"], agencies["昌建"], agencies["昌司"]
    accounts = [
        ("officer", Role.OFFICER, market, valid_officer("昌市监", qualified=False)),
        ("officer2", Role.OFFICER, market, valid_officer("昌市监", qualified=False)),
        ("reviewer", Role.REVIEWER, market, valid_officer("昌市监", qualified=True)),
        ("head", Role.HEAD, market, valid_officer("昌市监")),
        ("officer_env", Role.OFFICER, env, valid_officer("昌环")),
        ("reviewer_env", Role.REVIEWER, env, valid_officer("昌环")),
        ("head_env", Role.HEAD, env, valid_officer("昌环")),
        ("officer_jian", Role.OFFICER, housing, valid_officer("昌建")),
        ("reviewer_jian", Role.REVIEWER, housing, valid_officer("昌建")),
        ("head_jian", Role.HEAD, housing, valid_officer("昌建")),
        ("officer_sfj", Role.OFFICER, justice, valid_officer("昌司")),
        ("reviewer_sfj", Role.REVIEWER, justice, valid_officer("昌司")),
        ("head_sfj", Role.HEAD, justice, valid_officer("昌司")),
    ]
    for username, role, agency, officer in accounts:
        services.create_user(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            display_name=officer.name,
            agency=agency,
            officer=officer,
            user=admin,
        )
    services.create_user(
        username="supervisor",
        password=DEMO_PASSWORD,
        role=Role.SUPERVISOR,
        display_name="市司法局执法监督科",
        agency=agencies["昌司"],
        user=admin,
    )
    # The prefecture's Justice Bureau keeps the prefecture's 较大数额 standards: staff to draft, review, publish.
    for username, role, display_name in [
        ("officer_zsfj", Role.OFFICER, "州司法局行政执法协调监督科"),
        ("reviewer_zsfj", Role.REVIEWER, "州司法局法制审核"),
        ("head_zsfj", Role.HEAD, "州司法局负责人"),
    ]:
        services.create_user(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            display_name=display_name,
            agency=prefecture_justice,
            user=admin,
        )
    services.create_user(
        username="supervisor_zhou",
        password=DEMO_PASSWORD,
        role=Role.SUPERVISOR,
        display_name="州司法局执法监督科",
        agency=prefecture_justice,
        user=admin,
    )
    services.create_user(
        username="upper_platform",
        password=None,
        role=Role.MACHINE,
        display_name="自治区行政执法监督平台",
        jurisdiction=cj,
        user=admin,
    )
    services.check_certificates(today)
    return _result()


def _result() -> dict:
    return {
        "agencies": {a.short_name: a for a in Agency.objects.all()},
        "users": {u.username: u for u in User.objects.all()},
    }


ACCOUNT_NOTES = [
    ("officer", "执法人员 · 昌吉市市场监督管理局"),
    ("officer2", "执法人员 · 昌吉市市场监督管理局"),
    ("reviewer", "法制审核人员 · 昌吉市市场监督管理局（具有法律职业资格）"),
    ("head", "执法机关负责人 · 昌吉市市场监督管理局"),
    ("officer_env", "执法人员 · 州生态环境局昌吉市分局（另有 reviewer_env、head_env）"),
    ("officer_jian", "执法人员 · 昌吉市住房和城乡建设局（另有 reviewer_jian、head_jian）"),
    ("head_sfj", "执法机关负责人 · 昌吉市司法局（另有 officer_sfj、reviewer_sfj）"),
    ("officer_zhj", "执法人员 · 昌吉市综合行政执法局（另有 reviewer_zhj、head_zhj）"),
    ("supervisor", "司法局监督人员 · 昌吉市司法局（昌吉市全域）"),
    ("supervisor_zhou", "司法局监督人员 · 昌吉州司法局（全州）"),
    ("admin", "系统管理员（/admin/）"),
]
