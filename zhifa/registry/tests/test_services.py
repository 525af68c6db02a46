import datetime as dt

import pytest
from django.utils import timezone

from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.core.models import Alert
from zhifa.core.testing import make_uscc
from zhifa.ledger.models import Event
from zhifa.registry import services
from zhifa.registry.models import Certificate, Officer
from zhifa.registry.validators import is_valid_id_number, is_valid_uscc, uscc_check_char

pytestmark = pytest.mark.django_db


def test_uscc_checksum():
    # 91350100M000100Y43 is the worked example of GB 32100-2015
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91350100M000100Y4")
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_id_number_checksum():
    assert is_valid_id_number("11010519491231002X")  # GB 11643 worked example
    assert not is_valid_id_number("110105194912310021")


def test_agency_with_bad_uscc_is_refused_and_nothing_written(world):
    before = Event.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.create_agency(
            user=world.admin, name="某局", short_name="某", uscc="11652301000000000X", jurisdiction=world.city
        )
    assert exc.value.code == "bad_uscc"
    assert Event.objects.count() == before


def test_entrusted_body_needs_its_entrusting_agency(world):
    with pytest.raises(ValidationFailed) as exc:
        services.create_agency(
            user=world.admin,
            name="某执法大队",
            short_name="某队",
            uscc=make_uscc(99),
            jurisdiction=world.city,
            kind="entrusted",
        )
    assert "第二十条" in exc.value.citation


def test_head_creates_officer_in_own_agency_with_ledger_event(world):
    officer = services.create_officer(
        user=world.head, agency=world.market, name="新人员", domains=[world.market_domain]
    )
    event = Event.objects.filter(event_type="registry.officer_created", subject_id=str(officer.pk)).get()
    assert event.actor_id == world.head.pk
    assert event.data["agency"] == world.market.pk


@pytest.mark.parametrize("who", ["officer", "reviewer", "officer_b"])
def test_officer_creation_denied_and_recorded(world, who):
    # given a user who is not the market agency's head (an officer, a reviewer, another agency's officer)
    user = getattr(world, who)
    # when they try to add an officer to the market agency
    with pytest.raises(PermissionDenied):
        services.create_officer(user=user, agency=world.market, name="冒名", domains=[world.market_domain])
    # then nothing is created and the attempt is on the ledger
    assert not Officer.objects.filter(name="冒名").exists()
    assert Event.objects.filter(event_type="access.denied", actor_id=user.pk).exists()


def test_head_of_other_agency_cannot_create_officer(world):
    other_head = services.create_user(
        username="eco_head", password=None, role="head", agency=world.ecology, user=world.admin
    )
    with pytest.raises(PermissionDenied):
        services.create_officer(
            user=other_head, agency=world.market, name="越权", domains=[world.market_domain]
        )


def test_officer_domain_must_belong_to_agency(world):
    with pytest.raises(ValidationFailed) as exc:
        services.create_officer(
            user=world.head, agency=world.market, name="某", domains=[world.ecology_domain]
        )
    assert exc.value.code == "domain_not_of_agency"


def _issue(world, user, **kw):
    today = timezone.localdate()
    args = dict(
        officer=world.market_officer,
        number="C-1",
        domains=[world.market_domain],
        issuer="自治区人民政府",
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
        exam_passed_on=today,
    )
    args.update(kw)
    return services.issue_certificate(user=user, **args)


def test_supervisor_issues_certificates_heads_cannot(world):
    cert = _issue(world, world.supervisor)
    assert cert.effective_status() == "valid"
    assert Event.objects.filter(event_type="registry.certificate_issued", subject_id=str(cert.pk)).exists()
    with pytest.raises(PermissionDenied):
        _issue(world, world.head, number="C-2")


def test_supervisor_of_other_jurisdiction_cannot_issue(world):
    fukang_justice = services.create_agency(
        user=world.admin,
        name="阜康市司法局",
        short_name="阜司",
        uscc=make_uscc(77),
        jurisdiction=world.other_county,
    )
    sup = services.create_user(
        username="fk_sup", password=None, role="supervisor", agency=fukang_justice, user=world.admin
    )
    with pytest.raises(PermissionDenied):
        _issue(world, sup, number="C-3")


def test_exam_exemption_requires_legal_qualification(world):
    with pytest.raises(ValidationFailed) as exc:
        _issue(world, world.supervisor, qualification="exempt", exam_passed_on=None)
    assert exc.value.code == "exemption_without_qualification"
    with pytest.raises(ValidationFailed):
        _issue(world, world.supervisor, exam_passed_on=None)  # neither exam nor exemption


def test_duplicate_certificate_number(world):
    _issue(world, world.supervisor)
    with pytest.raises(Conflict):
        _issue(world, world.supervisor)


def test_certificate_status_transitions(world):
    cert = _issue(world, world.supervisor)
    cert = services.change_certificate_status(
        user=world.supervisor, certificate=cert, action="suspend", reason="调查期间"
    )
    assert cert.effective_status() == "suspended"
    with pytest.raises(Conflict):
        services.change_certificate_status(
            user=world.supervisor, certificate=cert, action="suspend", reason="再次"
        )
    cert = services.change_certificate_status(
        user=world.supervisor, certificate=cert, action="reinstate", reason="调查结束"
    )
    cert = services.change_certificate_status(
        user=world.supervisor, certificate=cert, action="revoke", reason="调离执法岗位"
    )
    with pytest.raises(Conflict):
        services.change_certificate_status(
            user=world.supervisor, certificate=cert, action="reinstate", reason="x"
        )
    types = list(
        Event.objects.filter(subject_type="registry.certificate", subject_id=str(cert.pk)).values_list(
            "event_type", flat=True
        )
    )
    assert types == [
        "registry.certificate_issued",
        "registry.certificate_suspended",
        "registry.certificate_reinstated",
        "registry.certificate_revoked",
    ]


def test_head_cannot_suspend_certificates(world):
    cert = world.market_officer.certificates.get()
    with pytest.raises(PermissionDenied):
        services.change_certificate_status(user=world.head, certificate=cert, action="suspend", reason="x")
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.VALID


def test_effective_status_by_date(world):
    cert = world.market_officer.certificates.get()
    assert cert.effective_status(cert.valid_until) == "valid"
    assert cert.effective_status(cert.valid_until + dt.timedelta(days=1)) == "expired"
    assert cert.effective_status(cert.valid_from - dt.timedelta(days=1)) == "not_yet"


def test_certificate_alerts_raise_and_resolve(world):
    today = timezone.localdate()
    cert = world.market_officer.certificates.get()
    # given the certificate expires in 10 days
    Certificate.objects.filter(pk=cert.pk).update(valid_until=today + dt.timedelta(days=10))
    result = services.check_certificates(today)
    assert result["raised"] == 1
    alert = Alert.objects.open().get(kind="certificate_expiring")
    assert alert.agency == world.market
    assert Alert.objects.visible_to(world.head).filter(pk=alert.pk).exists()
    assert not Alert.objects.visible_to(world.officer_b).filter(pk=alert.pk).exists()
    assert Alert.objects.visible_to(world.supervisor).filter(pk=alert.pk).exists()
    # running again keeps one alert
    services.check_certificates(today)
    assert Alert.objects.open().filter(kind="certificate_expiring").count() == 1
    # when it has lapsed, the officer has no valid certificate: critical alert; the expiring one is resolved
    services.check_certificates(today + dt.timedelta(days=11))
    assert Alert.objects.open().filter(kind="officer_without_certificate").count() == 1
    assert not Alert.objects.open().filter(kind="certificate_expiring").exists()


def test_training_in_future_refused(world):
    with pytest.raises(ValidationFailed):
        services.record_training(
            user=world.head,
            officer=world.market_officer,
            title="培训",
            organiser="司法局",
            hours="8",
            completed_on=timezone.localdate() + dt.timedelta(days=1),
        )
    record = services.record_training(
        user=world.head,
        officer=world.market_officer,
        title="培训",
        organiser="司法局",
        hours="8",
        completed_on=timezone.localdate(),
    )
    assert Event.objects.filter(event_type="registry.training_recorded", subject_id=str(record.pk)).exists()


def test_reorganisation_needs_reason(world):
    with pytest.raises(ValidationFailed):
        services.reorganise([world.ecology], world.market, reason=" ", user=world.admin)
    services.reorganise([world.ecology], world.market, reason="机构改革方案", user=world.admin)
    world.ecology.refresh_from_db()
    assert world.ecology.status == "merged"
    assert list(world.market.predecessors.all()) == [world.ecology]


def test_certificate_alerts_go_to_heads_not_every_officer(world):
    today = timezone.localdate()
    cert = world.market_officer.certificates.get()
    Certificate.objects.filter(pk=cert.pk).update(valid_until=today + dt.timedelta(days=10))
    services.check_certificates(today)
    alert = Alert.objects.open().get(kind="certificate_expiring")
    assert Alert.objects.visible_to(world.head).filter(pk=alert.pk).exists()
    assert not Alert.objects.visible_to(world.officer).filter(pk=alert.pk).exists()
    assert not Alert.objects.visible_to(world.reviewer).filter(pk=alert.pk).exists()
    assert Alert.objects.visible_to(world.supervisor).filter(pk=alert.pk).exists()
