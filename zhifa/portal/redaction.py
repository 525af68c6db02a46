"""Redaction of personal data before publication (domain.md §3.4).

Natural persons' names are masked (张三 → 张某, 欧阳娜娜 → 欧阳某); ID numbers, phone numbers, bank accounts, e-mail
addresses and home addresses of natural persons are replaced by "***". What is removed:

- the names known from the snapshot (the party, if a natural person or 个体工商户 operator, and the legal
  representative) wherever they occur, and names found by context (当事人张三、员工王五，男，… 姓名：…);
- the known home address of a natural-person party, and addresses introduced by 住址/住所/居住地 … for natural
  persons, plus room numbers (3号楼2单元501室);
- the built-in number patterns (BUILTIN) and the active RedactionRule rows administrators add.

`redact()` returns the redacted text and what was replaced; `leaks()` says which patterns still match a text (used
to refuse a reviewer's edited text that would publish personal data). Both are pure functions of their inputs plus
the RedactionRule rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PIPL = "《中华人民共和国个人信息保护法》第二十五条"
PIPL_SENSITIVE = "《中华人民共和国个人信息保护法》第二十五条、第二十八条"
GUIDELINE_118 = "国办发〔2018〕118号（涉及个人隐私的信息作适当处理后公开）"
SAMR_45 = "《市场监督管理行政处罚信息公示规定》（总局令第45号）；domain.md §3.4"
MASK = "***"

COMPOUND_SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 钟离 闻人 澹台 公冶 太史 申屠 "
    "端木 濮阳 独孤 南宫 西门 呼延 万俟 赫连 第五 百里 东郭 淳于 单于 仲孙 宗政 公羊 拓跋 左丘 谷梁 段干 梁丘"
).split()
SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安"
    "齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛"
    "靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚"
    "皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦"
    "戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信"
    "展阴昝智幸奉植衡富尧闭由"
)
_SURNAME_RE = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SINGLE_SURNAMES + "])"
_GIVEN = "[\u4e00-\u9fa5]"
# What ends a name in running text: punctuation, a sex, or a common following word.
_NAME_END = (
    r"(?=[，,。；;：:（(、\s）)”\"]|男|女|于|在|系|是|的|将|未|等|称|向|从|所|驾驶|经营|销售|无|因|已|对|自|现|曾|拒|"
    r"承认|表示|供述|陈述|签字|签名|持有|生产|加工|存放|购进|擅自|私自|$)"
)
_NAME_LABELS = (
    "当事人|法定代表人|负责人|经营者|业主|店主|老板|户主|员工|店员|雇员|职工|工作人员|收银员|厨师|证人|举报人|投诉人|"
    "被询问人|被检查人|驾驶员|驾驶人|司机|船员|见证人|委托代理人|代理人|联系人|租户|房东|姓名"
)
NAME_IN_CONTEXT = re.compile(rf"(?:{_NAME_LABELS})[:：\s]*(?P<name>{_SURNAME_RE}{_GIVEN}{{1,2}}?){_NAME_END}")
NAME_BEFORE_SEX = re.compile(rf"(?P<name>{_SURNAME_RE}{_GIVEN}{{1,2}}?)(?=[，,（(]\s*[男女])")

# Common words that begin with a surname character and may stand after a label (当事人应当…, 负责人于是…).
NOT_NAMES = frozenset(
    "应当 于是 于此 于当 何时 何处 曾经 曾多 全部 全体 全面 明知 明显 成立 连续 连日 高于 高价 安全 "
    "经营 经查 万元 时间 时任 向其 平时 宁可 常年 和其 文件 原因 原来 原料 国家 江边 路边".split()
)

DIGIT_SEP = r"[ \u00a0\-－]?"


@dataclass(frozen=True)
class Pattern:
    code: str
    label: str
    regex: re.Pattern
    citation: str
    replacement: str = MASK
    natural_only: bool = False
    group: str | int = 0  # the part of the match that is replaced


def _p(code, label, regex, citation, **kw) -> Pattern:
    return Pattern(code, label, re.compile(regex, re.IGNORECASE), citation, **kw)


_DATE8 = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"

BUILTIN: tuple[Pattern, ...] = (
    _p(
        "id18",
        "18位身份证号码",
        rf"(?<![0-9A-Za-z])[1-9]\d{{5}}{DIGIT_SEP}{_DATE8}{DIGIT_SEP}\d{{3}}[0-9Xx](?![0-9A-Za-z])",
        PIPL_SENSITIVE,
    ),
    _p(
        "id15",
        "15位身份证号码",
        rf"(?<![0-9A-Za-z])[1-9]\d{{5}}{_DATE6}\d{{3}}(?![0-9A-Za-z])",
        PIPL_SENSITIVE,
    ),
    _p(
        "bank",
        "银行账号",
        r"(?<![0-9A-Za-z])\d(?:[ \u00a0\-－]?\d){15,18}(?![0-9A-Za-z])",
        PIPL_SENSITIVE,
    ),
    _p(
        "mobile",
        "手机号码",
        r"(?<![0-9A-Za-z])(?:(?:\+|00)\s?86[\s\-－]?)?1[3-9]\d(?:[ \u00a0\-－]?\d){8}(?![0-9])",
        PIPL,
    ),
    _p(
        "landline",
        "固定电话号码",
        r"(?<![0-9A-Za-z])(?:(?:\+|00)\s?86[\s\-－]?)?(?:[(（]\s*0\d{2,3}\s*[)）]|0\d{2,3})[\s\-－]?[2-9]\d{2,3}[\s\-－]?\d{4}"
        r"(?:\s*(?:转|分机|ext\.?|x|#|-|－)\s*\d{1,6})?(?![0-9])",
        PIPL,
    ),
    _p(
        "phone_labelled",
        "电话号码（标注）",
        r"(?:电话|手机|联系方式|tel|phone|微信)[号码]*\s*[:：为是]?\s*(?P<num>\+?[\d][\d\s\-－()（）转#]{5,}\d)",
        PIPL,
        group="num",
    ),
    _p("email", "电子邮箱", r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", PIPL),
    _p(
        "home_address",
        "自然人住址",
        r"(?:家庭住址|家庭地址|现住址|住址|户籍地址|户籍所在地|户籍地|居住地址|居住地|住所地|住所|现住)\s*[:：为是在]?\s*"
        r"(?P<addr>[^，,。；;\n）)]{2,60})",
        GUIDELINE_118,
        natural_only=True,
        group="addr",
    ),
    _p(
        "room",
        "门牌（户）号",
        r"\d+\s*(?:号楼|栋|幢|号院)\s*(?:\d+\s*单元)?\s*\d+\s*(?:室|号|户)",
        GUIDELINE_118,
        natural_only=True,
    ),
)


def mask_name(name: str) -> str:
    """张三 → 张某; 欧阳娜娜 → 欧阳某; an already masked name (王某某) stays."""
    name = (name or "").strip()
    if not name or is_masked(name):
        return name
    for compound in COMPOUND_SURNAMES:
        if name.startswith(compound) and len(name) > 2:
            return compound + "某"
    return name[0] + "某"


def is_masked(name: str) -> bool:
    return "某" in (name or "")[1:3]


@dataclass
class Hit:
    code: str
    label: str
    text: str
    citation: str

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "citation": self.citation}


@dataclass
class Result:
    text: str
    hits: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class Known:
    """What the snapshot tells about the persons involved."""

    names: tuple[str, ...] = ()  # natural persons' full names (party, legal representative, operator)
    addresses: tuple[str, ...] = ()  # home addresses of natural persons
    natural: bool = False  # the party is a natural person or 个体工商户

    @classmethod
    def build(cls, *, names=(), addresses=(), natural=False) -> Known:
        clean_names = tuple(sorted({n.strip() for n in names if n and len(n.strip()) >= 2 and not is_masked(n)},
                                   key=len, reverse=True))  # fmt: skip
        clean_addresses = tuple(sorted({a.strip() for a in addresses if a and len(a.strip()) >= 4}, key=len,
                                       reverse=True))  # fmt: skip
        return cls(clean_names, clean_addresses, natural)


def _custom_patterns() -> list[Pattern]:
    from zhifa.portal.models import RedactionRule

    out = []
    for rule in RedactionRule.objects.filter(active=True).order_by("pk"):
        try:
            regex = re.compile(rule.pattern)
        except re.error:
            continue  # refused on save; a row changed around the service is skipped rather than crash publishing
        out.append(
            Pattern(
                f"rule{rule.pk}", rule.name, regex, rule.citation, rule.replacement or MASK, rule.natural_only
            )
        )
    return out


def patterns(custom: list[Pattern] | None = None) -> list[Pattern]:
    return list(BUILTIN) + (custom if custom is not None else _custom_patterns())


def _apply(pattern: Pattern, text: str, hits: list[Hit]) -> str:
    def repl(m: re.Match) -> str:
        group = pattern.group
        start, end = m.span(group)
        if start < 0:
            return m.group(0)
        hits.append(Hit(pattern.code, pattern.label, m.group(group), pattern.citation))
        whole_start = m.start(0)
        s = m.group(0)
        return s[: start - whole_start] + pattern.replacement + s[end - whole_start :]

    return pattern.regex.sub(repl, text)


def redact(text: str, known: Known = Known(), *, custom: list[Pattern] | None = None) -> Result:
    """Redact one text. Order: known addresses, number patterns, known names, names by context."""
    hits: list[Hit] = []
    out = text or ""
    for address in known.addresses:
        if address in out:
            out = out.replace(address, MASK)
            hits.append(Hit("known_address", "当事人住址", address, GUIDELINE_118))
    for pattern in patterns(custom):
        if pattern.natural_only and not known.natural:
            continue
        out = _apply(pattern, out, hits)
    for name in known.names:
        if name in out:
            out = out.replace(name, mask_name(name))
            hits.append(Hit("known_name", "自然人姓名", name, SAMR_45))
    for regex in (NAME_IN_CONTEXT, NAME_BEFORE_SEX):
        out = _mask_context_names(regex, out, hits)
    return Result(out, hits)


def _mask_context_names(regex: re.Pattern, text: str, hits: list[Hit]) -> str:
    def repl(m: re.Match) -> str:
        name = m.group("name")
        if is_masked(name) or name in NOT_NAMES:
            return m.group(0)
        hits.append(Hit("context_name", "自然人姓名", name, SAMR_45))
        start = m.start("name") - m.start(0)
        s = m.group(0)
        return s[:start] + mask_name(name) + s[start + len(name) :]

    return regex.sub(repl, text)


def leaks(text: str, known: Known = Known(), *, custom: list[Pattern] | None = None) -> list[Hit]:
    """What a would-be public text still contains: every pattern that matches and every known name or address."""
    found: list[Hit] = []
    text = text or ""
    for address in known.addresses:
        if address in text:
            found.append(Hit("known_address", "当事人住址", address, GUIDELINE_118))
    for pattern in patterns(custom):
        if pattern.natural_only and not known.natural:
            continue
        for m in pattern.regex.finditer(text):
            if m.start(pattern.group) >= 0 and m.group(pattern.group) != pattern.replacement:
                found.append(Hit(pattern.code, pattern.label, m.group(pattern.group), pattern.citation))
    for name in known.names:
        if name in text:
            found.append(Hit("known_name", "自然人姓名", name, SAMR_45))
    for regex in (NAME_IN_CONTEXT, NAME_BEFORE_SEX):
        for m in regex.finditer(text):
            if not is_masked(m.group("name")) and m.group("name") not in NOT_NAMES:
                found.append(Hit("context_name", "自然人姓名", m.group("name"), SAMR_45))
    return found


def validate_pattern(pattern: str) -> str | None:
    """An error text when the pattern does not compile or matches the empty string."""
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        return f"正则表达式有误：{exc}"
    if regex.search("") is not None:
        return "该表达式可匹配空文本，会破坏公示内容。"
    return None
