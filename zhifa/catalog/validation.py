"""Reading one row of a list (from Excel, a console form or the API) into field values, with Chinese errors.

The same code checks every entry path, so an Excel import and a console edit refuse the same things.
Citations like 《中华人民共和国行政处罚法》第五十一条 are resolved against the laws library where the law is there;
citations of laws the library does not hold stay as text (the published 执法依据 column is kept verbatim).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.backends.base.operations import BaseDatabaseOperations

from zhifa.catalog.columns import Column
from zhifa.core.errors import DomainError
from zhifa.laws.models import Article, Citation, Law
from zhifa.laws.parsing import cn_to_int

CN_NUM = "零〇一二两三四五六七八九十百千"
BOOK_RE = re.compile(r"《([^》]+)》")
ARTICLE_RE = re.compile(rf"第([{CN_NUM}\d]+)条(?:第([{CN_NUM}\d]+)款)?(?:第[（(]([{CN_NUM}\d]+)[)）]项)?")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MULTI_SPLIT_RE = re.compile(r"[、,，;；/\n]+")
TRUE_WORDS = {"是", "需", "需要", "要求", "√", "1", "true", "yes", "y"}
FALSE_WORDS = {"否", "不", "无", "", "0", "false", "no", "n", "×"}


@dataclass(frozen=True)
class CitationRef:
    law_code: str
    article: int
    paragraph: int = 0
    item: int = 0


@dataclass
class CleanRow:
    values: dict = field(default_factory=dict)
    citations: list[CitationRef] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, reason)
    resolved: list[Citation] = field(
        default_factory=list
    )  # laws.Citation rows of `citations` (services._clean)


class LawIndex:
    """The in-force laws by every name a list may use: full title, title without 中华人民共和国, short title."""

    def __init__(self):
        self.by_name: dict[str, Law] = {}
        for law in Law.objects.filter(status=Law.Status.IN_FORCE).order_by("version_date"):
            for name in {law.title, law.title.removeprefix("中华人民共和国"), law.short_title}:
                if name:
                    self.by_name[name] = law
        self._articles: dict[int, set[int]] = {}

    def law(self, name: str) -> Law | None:
        name = name.strip()
        return self.by_name.get(name) or self.by_name.get(name.removeprefix("中华人民共和国"))

    def has_article(self, law: Law, number: int) -> bool:
        if law.pk not in self._articles:
            self._articles[law.pk] = set(Article.objects.filter(law=law).values_list("number", flat=True))
        return number in self._articles[law.pk]


def parse_citations(text: str, laws: LawIndex) -> tuple[list[CitationRef], list[str]]:
    """Citations of library laws found in `text`, and the errors (an article the law does not have)."""
    refs: list[CitationRef] = []
    errors: list[str] = []
    books = list(BOOK_RE.finditer(text))
    for i, book in enumerate(books):
        law = laws.law(book.group(1))
        if law is None:
            continue  # not in the library: kept as text
        end = books[i + 1].start() if i + 1 < len(books) else len(text)
        for m in ARTICLE_RE.finditer(text, book.end(), end):
            try:
                number = cn_to_int(m.group(1))
                paragraph = cn_to_int(m.group(2)) if m.group(2) else 0
                item = cn_to_int(m.group(3)) if m.group(3) else 0
            except ValueError:
                errors.append(f"无法识别条文序号“{m.group(0)}”")
                continue
            if not laws.has_article(law, number):
                errors.append(f"《{law.name}》没有{m.group(0)[: m.group(0).index('条') + 1]}")
                continue
            ref = CitationRef(law.code, number, paragraph, item)
            if ref not in refs:
                refs.append(ref)
    return refs, errors


def citations_for(refs: list[CitationRef]) -> tuple[list[Citation], list[str]]:
    """The laws.Citation rows of `refs` (through zhifa.laws.services.cite), and the refusals as Chinese reasons."""
    from zhifa.laws.services import cite

    citations: list[Citation] = []
    errors: list[str] = []
    for ref in refs:
        try:
            citations.append(cite(ref.law_code, ref.article, ref.paragraph, ref.item))
        except DomainError as exc:
            errors.append(exc.message)
    return citations, errors


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not m:
        raise ValueError
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _parse_decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    text = _text(value).replace(",", "").replace("，", "").removesuffix("元")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError from exc
    if not number.is_finite() or number < 0:
        raise ValueError
    return number.quantize(Decimal("0.01"))


def _parse_int(value) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        value = int(value)
    number = int(_text(value))
    if number < 0:
        raise ValueError
    return number


def _choice(column: Column, value) -> str | None:
    label = _text(value)
    return column.value_of(label) or column.value_of("行政" + label)


def clean_row(model, raw: dict, *, laws: LawIndex, agency=None, partial: bool = False) -> CleanRow:
    """Check a row given as {header or field: value}. With `partial`, absent columns are left alone."""
    from zhifa.registry.models import Jurisdiction

    row = CleanRow()
    for column in model.COLUMNS:
        if column.header in raw:
            value = raw[column.header]
        elif column.field in raw:
            value = raw[column.field]
        elif partial:
            continue
        else:
            value = None
        if _is_blank(value):
            if column.required:
                row.errors.append((column.header, "必填，不能为空"))
            else:
                row.values[column.field] = _empty(column)
            continue
        try:
            row.values[column.field] = _read(model, column, value, row, laws, agency, Jurisdiction)
        except ValueError as exc:
            row.errors.append((column.header, str(exc) or _expected(column)))
    return row


def int_range(model, column: Column) -> tuple[int, int]:
    """The values an integer column accepts: what the field's column holds on every supported database (the
    portable ranges; SQLite itself would store 64 bits and PostgreSQL refuse them), 序号 from 1."""
    internal = model._meta.get_field(column.field).get_internal_type()
    low, high = BaseDatabaseOperations.integer_field_ranges[internal]
    if column.field == "seq":
        low = max(low, 1)
    return low, high


def _empty(column: Column):
    if column.kind in ("text", "basis", "choice"):
        return ""
    if column.kind == "multi":
        return []
    if column.kind == "bool":
        return False
    return None


def _expected(column: Column) -> str:
    return {
        "int": "应为非负整数",
        "decimal": "应为非负数字（金额，单位：元）",
        "date": "应为日期，如 2024-01-01 或 2024年1月1日",
        "choice": "应为以下之一：" + "、".join(label for _, label in column.choices),
        "multi": "每项应为以下之一：" + "、".join(label for _, label in column.choices),
        "bool": "应填“是”或“否”",
        "jurisdiction": "应为已登记的行政区划代码",
    }.get(column.kind, "格式不正确")


def _read(model, column: Column, value, row: CleanRow, laws: LawIndex, agency, Jurisdiction):
    kind = column.kind
    if kind in ("text", "basis"):
        text = _text(value)
        if CONTROL_RE.search(text):
            raise ValueError("含有不可见的控制字符")
        max_length = getattr(model._meta.get_field(column.field), "max_length", None)
        if max_length and len(text) > max_length:
            raise ValueError(f"超过{max_length}个字")
        if kind == "basis":
            refs, errors = parse_citations(text, laws)
            if errors:
                raise ValueError("；".join(errors))
            row.citations = refs
        return text
    if kind == "int":
        number = _parse_int(value)
        low, high = int_range(model, column)
        if not low <= number <= high:
            raise ValueError(f"应为{low}至{high}之间的整数")
        return number
    if kind == "decimal":
        number = _parse_decimal(value)
        if number >= Decimal("1e12"):
            raise ValueError("金额过大")
        return number
    if kind == "date":
        return _parse_date(value)
    if kind == "choice":
        choice = _choice(column, value)
        if choice is None:
            raise ValueError(f"“{_text(value)}”不是有效值；{_expected(column)}")
        return choice
    if kind == "multi":
        parts = value if isinstance(value, list | tuple) else MULTI_SPLIT_RE.split(_text(value))
        chosen: list[str] = []
        for part in parts:
            if _is_blank(part):
                continue
            choice = _choice(column, part)
            if choice is None:
                raise ValueError(f"“{_text(part)}”不是有效值；{_expected(column)}")
            if choice not in chosen:
                chosen.append(choice)
        return chosen
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = _text(value).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_expected(column))
    if kind == "jurisdiction":
        if isinstance(value, Jurisdiction):
            jurisdiction = value
        else:
            jurisdiction = Jurisdiction.objects.filter(code=_text(value)).first()
        if jurisdiction is None:
            raise ValueError(f"区划代码“{_text(value)}”未登记")
        if agency is not None and not jurisdiction.path.startswith(agency.jurisdiction.path):
            raise ValueError(f"{jurisdiction.name}不在本机关（{agency.jurisdiction.name}）的管辖区域内")
        return jurisdiction
    raise ValueError("未知的列类型")


def cross_checks(model, values: dict) -> list[tuple[str, str]]:
    """Rules between columns of one row."""
    errors = []
    lo, hi = values.get("fine_min"), values.get("fine_max")
    if lo is not None and hi is not None and hi < lo:
        errors.append(("罚款上限（元）", "罚款上限不能低于罚款下限"))
    start, end = values.get("valid_from"), values.get("valid_to")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end <= start:
        errors.append(("失效日期", "失效日期应晚于施行日期"))
    return errors


def display_value(column: Column, value) -> str:
    """The cell as published (labels, not codes)."""
    if value is None:
        return ""
    if column.kind == "choice":
        return column.label_of(value) if value else ""
    if column.kind == "multi":
        return "、".join(column.label_of(v) for v in value)
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "jurisdiction":
        return value.code
    if column.kind == "date":
        return value.isoformat()
    if column.kind == "decimal":
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)
