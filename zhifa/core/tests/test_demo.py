"""`zhifa demo` builds the whole synthetic Changji data set, idempotently."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhifa.catalog.models import ListVersion
from zhifa.catalog.services import is_large_amount
from zhifa.core.models import Alert
from zhifa.deadlines.services import missing_years
from zhifa.registry.models import Agency, Certificate, Officer, User

pytestmark = pytest.mark.django_db


def test_demo_data(capsys):
    call_command(
        "demo", cases=12
    )  # the full year (~60 cases) is `zhifa demo`; cases have their own demo test
    out = capsys.readouterr().out
    assert "演示账号" in out and "Bearer zf_" in out
    today = timezone.localdate()
    # the jurisdiction chain and 15-20 real agency names of 昌吉市
    city_agencies = Agency.objects.filter(jurisdiction__code="652301")
    assert 15 <= city_agencies.count() <= 20
    assert city_agencies.filter(name="昌吉市市场监督管理局").exists()
    # ~300 synthetic officers, certificates in every state
    assert 280 <= Officer.objects.count() <= 330
    certs = Certificate.objects.all()
    assert certs.filter(valid_until__lt=today).count() > 5
    assert certs.expiring_within(today, 30).count() > 5
    assert certs.filter(qualification="exempt").count() > 10
    # an account per role, officers linked to officers with valid certificates
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {"officer", "reviewer", "head", "supervisor", "admin", "machine"}
    assert User.objects.get(username="officer").officer.valid_certificate(today) is not None
    # published lists and one draft waiting for review
    assert ListVersion.objects.filter(status="published").exists()
    assert ListVersion.objects.filter(status="submitted").exists()
    # every list of the demo agencies is reviewed and published by that agency's own staff, including the
    # Justice Bureaus' 较大数额 tables: 市场监管 in 昌吉市 reaches the standard at 10,000元 for a natural person
    published = ListVersion.objects.filter(status="published", catalog_list__kind="large_amount")
    assert {"昌司", "昌州司"} <= set(published.values_list("catalog_list__agency__short_name", flat=True))
    city = Agency.objects.get(short_name="昌市监").jurisdiction
    assert is_large_amount(
        sector="市场监管", jurisdiction=city, amount=Decimal("10000"), party_type="natural"
    )
    assert not is_large_amount(
        sector="市场监管", jurisdiction=city, amount=Decimal("9999"), party_type="natural"
    )
    # the alerts a supervisor should see: expiring certificates, and (late 2026) 2027 missing from the calendar
    supervisor = User.objects.get(username="supervisor")
    kinds = set(Alert.objects.visible_to(supervisor).open().values_list("kind", flat=True))
    assert "certificate_expiring" in kinds
    assert ("calendar_missing" in kinds) == bool(missing_years(today))
    # running it again changes nothing
    counts = (Officer.objects.count(), Certificate.objects.count(), ListVersion.objects.count())
    call_command("demo", cases=12)
    assert (Officer.objects.count(), Certificate.objects.count(), ListVersion.objects.count()) == counts
