"""行政执法统计年报: the counting-rule data (并处 severity order, due date) and the reports with their versions.

Only zhifa.portal.annual.services writes these rows (each change with its ledger event). The counting rules
themselves are in zhifa.portal.annual.counting; the rows here are the parts of them that administrators may change
(architecture.md "Rules are data with citations").
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.catalog.models import PenaltyKind
from zhifa.core.models import TimeStamped
from zhifa.core.roles import AGENCY_ROLES, JURISDICTION_ROLES, Role
from zhifa.core.scoping import NOTHING, ScopedManager, ScopedQuerySet, user_role


class PenaltySeverity(TimeStamped):
    """The rank of one penalty kind for the 并处 rule: a decision imposing several kinds is counted once, in the
    表一 column of its heaviest kind. Versioned by valid_from/valid_to; a report uses the ranks valid on the last
    day of its year and stores them in its snapshot."""

    kind = models.CharField("处罚种类", max_length=24, choices=PenaltyKind.choices)
    rank = models.PositiveSmallIntegerField("轻重顺序", help_text="数值越大越重；并处时按最重的种类计一次")
    valid_from = models.DateField("适用起始日")
    valid_to = models.DateField("适用截止日", null=True, blank=True, help_text="空 = 现行有效")
    citation = models.CharField("依据", max_length=300)
    note = models.TextField("说明", blank=True)

    objects = ScopedManager()
    scope_agency_field = None  # platform rule data: staff read it, administrators change it
    scope_edit_roles: dict = {}

    class Meta:
        verbose_name = "并处计数的处罚轻重顺序"
        verbose_name_plural = "并处计数的处罚轻重顺序"
        ordering = ["-valid_from", "-rank", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "valid_from"], name="annual_severity_version")]

    @classmethod
    def scope_public_q(cls):
        return Q()  # the counting rules of a published statistic are public

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.rank}（{self.valid_from}起）"


class DueRule(TimeStamped):
    """The date by which the report of a year must be public: `month`/`day` of the following year (国办发〔2018〕118号:
    每年1月31日前公开本机关上年度行政执法总体情况有关数据). Versioned by the report years it applies to."""

    first_year = models.PositiveSmallIntegerField("适用起始年度（统计年度）")
    last_year = models.PositiveSmallIntegerField(
        "适用截止年度", null=True, blank=True, help_text="空 = 现行有效"
    )
    month = models.PositiveSmallIntegerField("次年截止月")
    day = models.PositiveSmallIntegerField("次年截止日")
    citation = models.CharField("依据", max_length=300)
    note = models.TextField("说明", blank=True)

    objects = ScopedManager()
    scope_agency_field = None
    scope_edit_roles: dict = {}

    class Meta:
        verbose_name = "年报公开期限"
        verbose_name_plural = "年报公开期限"
        ordering = ["-first_year"]
        constraints = [models.UniqueConstraint(fields=["first_year"], name="annual_due_rule_version")]

    @classmethod
    def scope_public_q(cls):
        return Q()

    def __str__(self) -> str:
        return f"{self.first_year}年度起：次年{self.month}月{self.day}日前（{self.citation}）"

    def due_for(self, year: int) -> dt.date:
        return dt.date(year + 1, self.month, self.day)


class AnnualReportQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The public sees published reports (and the versions they replaced); an agency's staff their agency's
        reports in every state; supervisors and machine clients every report of their jurisdiction subtree
        (agency and jurisdiction reports alike); administrators everything."""
        public = Q(status__in=AnnualReport.PUBLIC)
        role = user_role(user)
        if role is None:
            return self.filter(public)
        if role == Role.ADMIN:
            return self.all()
        if role in AGENCY_ROLES:
            agency_id = getattr(user, "agency_id", None)
            return self.filter(public | (Q(agency_id=agency_id) if agency_id else NOTHING))
        if role in JURISDICTION_ROLES:
            jurisdiction = getattr(user, "scope_jurisdiction", None)
            if jurisdiction is None:
                return self.filter(public)
            return self.filter(public | Q(jurisdiction__path__startswith=jurisdiction.path))
        return self.filter(public)


class AnnualReport(TimeStamped):
    """One version of the 年报 of a body (scope agency) or of a jurisdiction (scope jurisdiction: every reporting
    body of its subtree) for a calendar year.

    Draft → submitted → approved (by the head; for a jurisdiction report by the supervisor) → published. A draft is
    recomputed from the case data on regeneration; from publication on, `tables` is a frozen snapshot. A correction
    of a published report is a new version (`based_on`), which replaces it when it is published in turn."""

    class Scope(models.TextChoices):
        AGENCY = "agency", "执法主体年报"
        JURISDICTION = "jurisdiction", "区域汇总年报"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待负责人审批"
        APPROVED = "approved", "已审批待公开"
        PUBLISHED = "published", "已公开"
        SUPERSEDED = "superseded", "已被更正版本替代"

    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)
    PUBLIC = (Status.PUBLISHED, Status.SUPERSEDED)

    year = models.PositiveSmallIntegerField("统计年度")
    scope = models.CharField("类型", max_length=16, choices=Scope.choices)
    agency = models.ForeignKey(
        "registry.Agency",
        verbose_name="执法主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", verbose_name="区划", on_delete=models.PROTECT, related_name="annual_reports"
    )
    number = models.PositiveIntegerField("版本号", default=1)
    based_on = models.ForeignKey(
        "self",
        verbose_name="更正自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_reason = models.TextField("更正原因", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The computed tables (counting.compute): recomputed while open, frozen from publication on.
    tables = models.JSONField("统计表", default=dict)
    # Values entered by hand where the platform has no data source yet ({"t2.apply": 12, ...}).
    manual = models.JSONField("人工填报数据", default=dict, blank=True)
    narrative = models.TextField("文字说明", blank=True)
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    due_on = models.DateField("公开期限")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_opinion = models.TextField("审批意见", blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    published_on = models.DateField("公开日期", null=True, blank=True)
    superseded_at = models.DateTimeField("被替代时间", null=True, blank=True)

    objects = ScopedManager.from_queryset(AnnualReportQuerySet)()
    scope_agency_field = "agency"

    class Meta:
        verbose_name = "行政执法统计年报"
        verbose_name_plural = "行政执法统计年报"
        ordering = ["-year", "jurisdiction__path", "scope", "agency__name", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "number"],
                condition=Q(scope="agency"),
                name="annual_agency_version_unique",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "number"],
                condition=Q(scope="jurisdiction"),
                name="annual_jurisdiction_version_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(scope="agency", agency__isnull=False) | Q(scope="jurisdiction", agency__isnull=True)
                ),
                name="annual_scope_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name}{self.year}年度行政执法统计年报（第{self.number}版）"

    @property
    def subject_name(self) -> str:
        return self.agency.name if self.agency_id else self.jurisdiction.name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC


class NarrativeRevision(models.Model):
    """Each saved text of a report's 文字说明 (the ledger records the same edit)."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="narrative_revisions")
    number = models.PositiveIntegerField("修订序号")
    text = models.TextField("文字说明")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField("修改人", max_length=60)
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="annual_narrative_rev_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}：第{self.number}次修改"
