"""Home-page sections of the registry: my certificates, my agency, certificate problems in my scope."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zhifa.core.console import Row, Section
from zhifa.core.roles import Role
from zhifa.core.scoping import user_role
from zhifa.registry.models import Agency, Certificate, Officer
from zhifa.registry.services import CERT_EXPIRY_WARNING_DAYS


def _certificate_rate(officers) -> tuple[int, int]:
    today = timezone.localdate()
    active = officers.filter(status=Officer.Status.ACTIVE)
    total = active.count()
    holding = active.filter(certificates__in=Certificate.objects.valid_on(today)).distinct().count()
    return holding, total


def home_sections(user) -> list[Section]:
    role = user_role(user)
    today = timezone.localdate()
    sections: list[Section] = []
    if user.officer_id:
        tone = {
            "valid": "ok",
            "expired": "danger",
            "suspended": "danger",
            "revoked": "danger",
            "not_yet": "warn",
        }
        rows = []
        for cert in user.officer.certificates.all():
            status = cert.effective_status(today)
            left = (cert.valid_until - today).days
            if status == "valid" and left <= CERT_EXPIRY_WARNING_DAYS:
                rows.append(
                    Row(
                        f"{cert.number}：{left}天后到期（{cert.valid_until:%Y-%m-%d}）",
                        badge="即将到期",
                        tone="warn",
                        url=reverse("registry:officer", args=[user.officer_id]),
                    )
                )
            else:
                rows.append(
                    Row(
                        f"{cert.number}：有效期至{cert.valid_until:%Y-%m-%d}",
                        badge=cert.get_effective_status_display(today),
                        tone=tone.get(status, ""),
                        url=reverse("registry:officer", args=[user.officer_id]),
                    )
                )
        sections.append(Section("我的执法证", rows, empty_text="您没有执法证，不得从事执法活动。"))
    if user.agency_id and role in (Role.OFFICER, Role.REVIEWER, Role.HEAD):
        agency = user.agency
        holding, total = _certificate_rate(Officer.objects.visible_to(user).filter(agency=agency))
        sections.append(
            Section(
                "我的机关",
                [
                    Row(
                        agency.name,
                        url=reverse("registry:agency", args=[agency.pk]),
                        note=agency.get_kind_display(),
                    ),
                    Row(
                        f"在岗执法人员 {total} 人，持有效执法证 {holding} 人",
                        note=f"持证率 {holding * 100 // max(total, 1)}%",
                    ),
                ],
            )
        )
    if role in (Role.HEAD, Role.SUPERVISOR, Role.ADMIN):
        certs = Certificate.objects.visible_to(user)
        expiring = certs.expiring_within(today, CERT_EXPIRY_WARNING_DAYS).count()
        expired = certs.filter(status=Certificate.Status.VALID, valid_until__lt=today).count()
        rows = []
        if expiring:
            rows.append(
                Row(
                    f"{expiring} 个执法证将在{CERT_EXPIRY_WARNING_DAYS}日内到期",
                    tone="warn",
                    url=reverse("registry:certificates") + "?state=expiring",
                )
            )
        if expired:
            rows.append(
                Row(
                    f"{expired} 个执法证已过期",
                    tone="danger",
                    url=reverse("registry:certificates") + "?state=expired",
                )
            )
        sections.append(Section("执法证提醒", rows, attention=True, empty_text="执法证均在有效期内"))
    if role in (Role.SUPERVISOR, Role.ADMIN):
        jurisdiction = user.scope_jurisdiction
        agencies = Agency.objects.visible_to(user)
        if jurisdiction is not None:
            agencies = agencies.filter(jurisdiction__path__startswith=jurisdiction.path)
        holding, total = _certificate_rate(Officer.objects.visible_to(user))
        sections.append(
            Section(
                f"辖区概况{'（' + jurisdiction.name + '）' if jurisdiction else ''}",
                [
                    Row(f"执法主体 {agencies.count()} 个", url=reverse("registry:agencies")),
                    Row(
                        f"在岗执法人员 {total} 人，持证 {holding} 人",
                        note=f"持证率 {holding * 100 // max(total, 1)}%",
                    ),
                ],
            )
        )
    return sections
