"""Parse a statute's text (Markdown as published in shared/docs/laws) into chapters and articles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(text: str) -> int:
    """'八十五' → 85, '一百零三' → 103, '十' → 10, '二十' → 20. Arabic digits pass through."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in DIGITS:
            current = DIGITS[ch]
        elif ch in UNITS:
            total += (current or 1) * UNITS[ch]
            current = 0
        else:
            raise ValueError(f"不是中文数字：{text}")
    return total + current


def int_to_cn(n: int) -> str:
    """85 → '八十五', 103 → '一百零三', 10 → '十', 110 → '一百一十'."""
    if n <= 0 or n >= 10000:
        raise ValueError(n)
    names = "零一二三四五六七八九"
    parts, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            if zero:
                parts.append("零")
                zero = False
            parts.append(names[digit] + unit)
        elif parts:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


ARTICLE_RE = re.compile(r"^第([零〇一二两三四五六七八九十百千\d]+)条[\s　]+(.*)$")
CHAPTER_RE = re.compile(r"^##\s+(第.+章.*)$")
SECTION_RE = re.compile(r"^###\s+(第.+节.*)$")


@dataclass
class ParsedArticle:
    number: int
    chapter: str
    section: str
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class ParsedLaw:
    title: str
    history: list[str]
    articles: list[ParsedArticle]


def parse_statute(text: str) -> ParsedLaw:
    lines = [line.rstrip() for line in text.splitlines()]
    title = next(line[2:].strip() for line in lines if line.startswith("# "))
    history: list[str] = []
    body_start = 0
    for i, line in enumerate(lines):
        if line.strip() == "<!-- INFO END -->":
            body_start = i + 1
            break
        if line.strip() and not line.startswith("#"):
            history.append(line.strip())
    articles: list[ParsedArticle] = []
    chapter = section = ""
    for line in lines[body_start:]:
        stripped = line.strip()
        if not stripped:
            continue
        if m := CHAPTER_RE.match(stripped):
            chapter, section = m.group(1).strip(), ""
            continue
        if m := SECTION_RE.match(stripped):
            section = m.group(1).strip()
            continue
        if stripped.startswith("#"):
            continue
        if m := ARTICLE_RE.match(stripped):
            number = cn_to_int(m.group(1))
            if articles and number != articles[-1].number + 1:
                raise ValueError(f"{title}: 条文序号不连续（第{articles[-1].number}条之后为第{number}条）")
            articles.append(ParsedArticle(number, chapter, section, [m.group(2).strip()]))
        elif articles:
            articles[-1].paragraphs.append(stripped)
    return ParsedLaw(title=title, history=history, articles=articles)
