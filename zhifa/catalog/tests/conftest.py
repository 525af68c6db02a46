"""Fixtures of the catalog tests: a small jurisdiction tree, two agencies and their staff, built directly."""

from __future__ import annotations

import pytest

from zhifa.catalog import services
from zhifa.catalog.models import Kind
from zhifa.catalog.tests.helpers import POWER_ROW, publish_through
from zhifa.core.roles import Role
from zhifa.registry.models import Agency, Jurisdiction, User


@pytest.fixture
def tree(db):
    xj = Jurisdiction.objects.create(code="65", name="新疆维吾尔自治区", level=1)
    cj = Jurisdiction.objects.create(code="6523", name="昌吉回族自治州", level=2, parent=xj)
    city = Jurisdiction.objects.create(code="652301", name="昌吉市", level=3, parent=cj)
    fk = Jurisdiction.objects.create(code="652302", name="阜康市", level=3, parent=cj)
    return {"xj": xj, "cj": cj, "city": city, "fk": fk}


@pytest.fixture
def agency_a(tree):
    return Agency.objects.create(
        name="昌吉市市场监督管理局",
        short_name="昌市监",
        uscc="11652301MB0000001A",
        jurisdiction=tree["city"],
        sector="市场监管",
    )


@pytest.fixture
def agency_b(tree):
    return Agency.objects.create(
        name="阜康市生态环境局",
        short_name="阜环",
        uscc="11652302MB0000002B",
        jurisdiction=tree["fk"],
        sector="生态环境",
    )


@pytest.fixture
def justice(tree):
    return Agency.objects.create(
        name="昌吉州司法局",
        short_name="昌州司",
        uscc="11652300MB0000003C",
        jurisdiction=tree["cj"],
        is_justice_bureau=True,
    )


def _user(username, role, agency=None, jurisdiction=None):
    return User.objects.create_user(
        username=username,
        password="test-pass-123",
        role=role,
        agency=agency,
        jurisdiction=jurisdiction,
        display_name=username,
    )


@pytest.fixture
def officer_a(agency_a):
    return _user("officer_a", Role.OFFICER, agency_a)


@pytest.fixture
def reviewer_a(agency_a):
    return _user("reviewer_a", Role.REVIEWER, agency_a)


@pytest.fixture
def head_a(agency_a):
    return _user("head_a", Role.HEAD, agency_a)


@pytest.fixture
def officer_b(agency_b):
    return _user("officer_b", Role.OFFICER, agency_b)


@pytest.fixture
def reviewer_b(agency_b):
    return _user("reviewer_b", Role.REVIEWER, agency_b)


@pytest.fixture
def supervisor_cj(tree, justice):
    return _user("supervisor_cj", Role.SUPERVISOR, justice, tree["cj"])


@pytest.fixture
def draft_a(officer_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.POWER)
    services.add_item(officer_a, version, POWER_ROW)
    return version


@pytest.fixture
def published_a(draft_a, officer_a, reviewer_a, head_a):
    return publish_through(draft_a, officer_a, reviewer_a, head_a)
