"""Fixtures of the deadlines tests: one jurisdiction, one agency, and a user of each role."""

import pytest

from zhifa.core.roles import Role
from zhifa.registry.models import Agency, Jurisdiction, User


@pytest.fixture
def jurisdiction(db):
    xinjiang = Jurisdiction.objects.create(code="65", name="新疆维吾尔自治区", level=1)
    changji = Jurisdiction.objects.create(code="6523", name="昌吉回族自治州", level=2, parent=xinjiang)
    return Jurisdiction.objects.create(code="652301", name="昌吉市", level=3, parent=changji)


@pytest.fixture
def agency(jurisdiction):
    return Agency.objects.create(
        name="昌吉市市场监督管理局", short_name="昌市监", uscc="11652301MB1234567X", jurisdiction=jurisdiction
    )


def _user(username, role, **extra):
    return User.objects.create_user(username, password="pw-for-tests-123", role=role, **extra)


@pytest.fixture
def officer(agency):
    return _user("officer", Role.OFFICER, agency=agency, display_name="张执法")


@pytest.fixture
def head(agency):
    return _user("head", Role.HEAD, agency=agency, display_name="李局长", is_staff=True)


@pytest.fixture
def supervisor(jurisdiction):
    return _user(
        "supervisor", Role.SUPERVISOR, jurisdiction=jurisdiction, display_name="王监督", is_staff=True
    )


@pytest.fixture
def admin_user(db):
    return _user("sysadmin", Role.ADMIN, display_name="系统管理员", is_staff=True)
