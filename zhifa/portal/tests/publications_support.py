"""Helpers and fixtures of the publication tests (imported by test_publications*.py, test_redaction*.py,
test_feeds*.py; kept out of conftest.py, which the portal's other parts share)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from zhifa.cases.tests.conftest import CaseWorld
from zhifa.core.roles import Role
from zhifa.portal import services
from zhifa.portal.models import Category, Publication
from zhifa.registry import services as registry

CONSOLE_URLS = "zhifa.portal.tests.publications_urls"


@pytest.fixture
def pw(world):
    """The case world plus a reviewer of another agency (阜康 market)."""
    cw = CaseWorld(world)
    cw.other_reviewer = registry.create_user(
        username="t_other_reviewer", password="Pass-1234!", role=Role.REVIEWER, user=world.admin,
        agency=world.other_market, display_name="他局审核",
    )  # fmt: skip
    return cw


def manual(world, *, agency=None, decided_on=None, user=None, **kw) -> Publication:
    """A penalty publication entered through create_publication (as a source module would)."""
    data = {
        "category": Category.PENALTY,
        "title": "销售过期食品",
        "party_name": "昌吉市某某食品有限公司",
        "party_kind": "organisation",
        "party_uscc": "91652301000000123X",
        "legal_representative": "张三",
        "facts": "当事人销售超过保质期的食品。",
        "basis": "《中华人民共和国食品安全法》第一百二十四条",
        "content": "罚款人民币5,000.00元",
        "penalty_kinds": ["fine"],
        "fine_amount": "5000",
        "document_number": "昌市监罚〔2026〕1号",
        "procedure": "ordinary",
        "act": "decide",
    }
    data.update(kw)
    return services.create_publication(
        user or world.officer,
        agency=agency or world.market,
        source_type=data.pop("source_type", "test"),
        source_id=data.pop("source_id", ""),
        decided_on=decided_on or timezone.localdate() - dt.timedelta(days=1),
        **data,
    )


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


# Independent scanners (not the redactor's own patterns): anything that looks like an ID number, a phone number or
# a bank account, after removing separators.
ID18 = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
ID15 = re.compile(r"(?<!\d)[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)")
MOBILE = re.compile(r"(?<!\d)(?:0086|86)?1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[2-9]\d{6,7}\d{0,4}(?!\d)")  # an extension may follow the number
LOCAL = re.compile(r"(?:电话|座机|联系方式|传真)[:：\s]*[2-9]\d{6,7}(?!\d)")  # a number without its area code
# UnionPay, Visa and Mastercard card or account numbers
BANK = re.compile(r"(?<!\d)(?:62|4\d|5[1-5])\d{14,17}(?!\d)")
# Hashes, signatures and key ids (hex, at least 32 characters, at least one letter): their digit runs are not
# numbers anybody wrote, and a run like "093482824283" inside a signature must not count as a phone number.
HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")


def _squeeze(text: str) -> str:
    """Remove the separators people put into numbers, so that '138 0013 8000' is scanned as 13800138000."""
    text = re.sub(r"(?<=\d)[\s\-－()（）+]+(?=\d)", "", text)
    return re.sub(r"[(（]\s*(0\d{2,3})\s*[)）]\s*", r"\1", text)


def scan(text: str, names=()) -> list[str]:
    """Findings of personal data in `text` (empty list: clean)."""
    found = []
    flat = _squeeze(HEX_TOKEN.sub(" ", text))
    patterns = (
        ("id18", ID18), ("id15", ID15), ("mobile", MOBILE), ("landline", LANDLINE), ("local", LOCAL), ("bank", BANK)
    )  # fmt: skip
    for label, regex in patterns:
        found += [f"{label}:{m.group(0)}" for m in regex.finditer(flat)]
    for name in names:
        if name in text:
            found.append(f"name:{name}")
    return found
