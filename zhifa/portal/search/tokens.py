"""Tokenisation shared by indexing and querying (pure Python, no database).

Text is NFKC-normalised (full-width letters and digits become ASCII) and lower-cased, then split into runs:
- a run of CJK ideographs becomes its overlapping bigrams (食品安全 → 食品 品安 安全); a run of one ideograph is
  kept as that unigram. The last ideograph of every run of two or more goes to a separate "ends" list, so that a
  one-character query also finds a character that only ends a run (it starts no bigram);
- a run of other letters/digits is one word (GB2760, 2024, abc);
- everything else (punctuation, spaces, symbols) separates runs and is dropped.

A query is split on whitespace into terms; each term is tokenised the same way and becomes a phrase of its tokens
(all terms must match). A term that is a single ideograph matches any bigram starting with it, the unigram, or a
run end. Inside a longer term a lone ideograph (e.g. 元 in "5000元") matches as a prefix at its position.

The index strings built here are stored verbatim (FTS5) or as a tsvector literal (PostgreSQL), so the same
functions serve both databases. Changing them requires `services.rebuild()`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from operator import add

# CJK Unified Ideographs, Extension A, Compatibility Ideographs, Extensions B-H (supplementary planes), and 〇.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")

TOKENIZER_VERSION = 1


# Full-width ASCII (！ to ～) and the ideographic space: the common non-NFKC characters of Chinese text, mapped
# cheaply so that the full NFKC pass is only needed for rarer compatibility characters.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise(text: str) -> str:
    text = (text or "").translate(_FULLWIDTH)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


@dataclass(frozen=True)
class Token:
    text: str
    prefix: bool = False  # a lone ideograph inside a query term: matches tokens starting with it


@dataclass(frozen=True)
class Analysed:
    tokens: list[str]  # positional tokens: bigrams, lone-ideograph unigrams, words
    ends: list[str]  # the last ideograph of each run of two or more (no position), deduplicated, in order


def analyse(text: str) -> Analysed:
    tokens: list[str] = []
    ends: dict[str, None] = {}
    for cjk, word in _RUN.findall(normalise(text)):
        if word:
            tokens.append(word)
        elif len(cjk) == 1:
            tokens.append(cjk)
        else:
            tokens += map(add, cjk, cjk[1:])  # overlapping bigrams
            ends[cjk[-1]] = None
    return Analysed(tokens, list(ends))


@dataclass(frozen=True)
class Term:
    """One whitespace-separated query term: a phrase of tokens, or a single ideograph (`single`)."""

    raw: str
    tokens: tuple[Token, ...]

    @property
    def single(self) -> str | None:
        if len(self.tokens) == 1 and self.tokens[0].prefix:
            return self.tokens[0].text
        return None


def parse_query(q: str) -> list[Term]:
    terms: list[Term] = []
    seen = set()
    for raw in normalise(q).split():
        tokens: list[Token] = []
        for m in _RUN.finditer(raw):
            cjk, word = m.groups()
            if word:
                tokens.append(Token(word))
            elif len(cjk) == 1:
                tokens.append(Token(cjk, prefix=True))
            else:
                tokens.extend(Token(cjk[i : i + 2]) for i in range(len(cjk) - 1))
        key = tuple(tokens)
        if tokens and key not in seen:
            seen.add(key)
            terms.append(Term(raw, key))
    return terms


def highlight_needles(q: str) -> list[str]:
    """The normalised strings to mark in a snippet: each term's text without separators."""
    needles = []
    for term in parse_query(q):
        for m in _RUN.finditer(term.raw):
            needles.append(m.group(0))
    return sorted(set(needles), key=len, reverse=True)


# ----------------------------------------------------------------------------------------------------------------
# Filter tokens: the filters are part of the same index (column `meta` in FTS5, '#'-lexemes in the tsvector), so a
# selective filter and a common term are intersected inside the index and the date walk stays in the index.


def _hex(value: str) -> str:
    return value.encode().hex()


def agency_token(agency_id: int) -> str:
    return f"a{int(agency_id)}"


def category_token(category: str) -> str:
    return f"c{_hex(category)}"


def kind_token(kind: str) -> str:
    return f"k{_hex(kind)}"


def jurisdiction_codes(path: str) -> list[str]:
    return [c for c in (path or "").strip("/").split("/") if c]


def jurisdiction_token(path: str) -> str | None:
    """The token of a subtree: "/65/6523/" → "j65x6523" (every prefix of a document's path is indexed)."""
    codes = jurisdiction_codes(path)
    return "j" + "x".join(_hex(c) for c in codes) if codes else None


def meta_tokens(
    *, agency_id: int, jurisdiction_path: str, category: str, penalty_kinds: list[str]
) -> list[str]:
    codes = jurisdiction_codes(jurisdiction_path)
    tokens = [agency_token(agency_id), category_token(category)]
    tokens += ["j" + "x".join(_hex(c) for c in codes[: i + 1]) for i in range(len(codes))]
    tokens += [kind_token(k) for k in dict.fromkeys(penalty_kinds or ())]
    return tokens
