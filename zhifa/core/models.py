"""Shared base models: timestamps and the alert every part of the platform can raise."""

from django.db import models
from django.utils import timezone

from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedQuerySet, _territory_q, user_role


class TimeStamped(models.Model):
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AlertQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Agency alerts follow the agency's scope; jurisdiction-wide and global alerts go to supervisors."""
        role = user_role(user)
        if role is None:
            return self.none()
        if role == Role.ADMIN:
            return self.all()
        q = models.Q(agency__isnull=False) & _territory_q(Alert, user)
        if role != Role.SUPERVISOR:
            # Within an agency an alert may be meant for some roles only (e.g. heads, not every officer).
            q &= models.Q(audience="") | models.Q(audience__contains=f",{role},")
        jurisdiction = getattr(user, "scope_jurisdiction", None)
        if role == Role.SUPERVISOR:
            q |= models.Q(agency__isnull=True, jurisdiction__isnull=True)
            if jurisdiction is not None:
                q |= models.Q(agency__isnull=True, jurisdiction__path__startswith=jurisdiction.path)
        return self.filter(q)

    def open(self):
        return self.filter(resolved_at__isnull=True)


class Alert(TimeStamped):
    """Something a person must look at: a missing calendar year, an expiring certificate, an overdue step.

    Raised by services (never by views); shown on the home page of the roles it concerns. `key` makes raising
    idempotent: raising the same open alert twice keeps one row.
    """

    class Severity(models.TextChoices):
        INFO = "info", "提示"
        WARNING = "warning", "预警"
        CRITICAL = "critical", "严重"

    key = models.CharField("去重键", max_length=200, db_index=True)
    kind = models.CharField("类型", max_length=64)
    severity = models.CharField("级别", max_length=16, choices=Severity.choices, default=Severity.WARNING)
    title = models.CharField("标题", max_length=200)
    detail = models.TextField("详情", blank=True)
    citation = models.CharField("依据", max_length=200, blank=True)
    # Whom it concerns: an agency (its staff and the supervisors above it), or a whole jurisdiction's supervisors
    # when agency is empty (jurisdiction empty too: every supervisor and the administrators).
    agency = models.ForeignKey(
        "registry.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Agency roles that should see it, as ",head,reviewer," (empty: all of the agency's staff). Supervisors see
    # every alert of their jurisdiction whatever the audience.
    audience = models.CharField("提醒对象", max_length=100, blank=True)
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    resolved_at = models.DateTimeField("解除时间", null=True, blank=True)

    objects = AlertQuerySet.as_manager()
    scope_agency_field = "agency"

    class Meta:
        verbose_name = "预警提示"
        verbose_name_plural = "预警提示"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["resolved_at", "kind"])]

    def __str__(self) -> str:
        return self.title
