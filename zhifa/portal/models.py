"""Publications (事后公示). See zhifa/portal/__init__.py.

A Publication is what the portal shows of one enforcement act (a penalty decision, a 查封/扣押, a licence, a check
result …). It holds a snapshot of what it needs, taken when it is created: the portal never reads case tables to
show it. Each text the public sees is a PublicationVersion: the unredacted original (internal, never rendered on a
public page, feed or export) and the redacted fields a reviewer of the agency approved. A correction is a new
version; earlier versions stay (corrections keep history). Withdrawals (行政处罚法第四十八条第二款) are public in the
takedown log (Takedown).

Rules are data with citations: which acts are published (PublicationScopeRule: per sector, category, procedure),
the publication window (a deadlines PeriodRule code per scope rule: publicity.*), how long a publication stays
(ExpiryRule) and extra redaction patterns (RedactionRule; the built-in ones are in zhifa.portal.redaction).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import TimeStamped
from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedManager, ScopedQuerySet


class Category(models.TextChoices):
    """执法类别 (国办发〔2018〕118号: 行政处罚、行政强制、行政检查、行政征收征用、行政许可)."""

    PENALTY = "penalty", "行政处罚"
    LICENSING = "licensing", "行政许可"
    COERCION = "coercion", "行政强制"
    INSPECTION = "inspection", "行政检查"
    EXPROPRIATION = "expropriation", "行政征收征用"
    OTHER = "other", "其他"


class PartyKind(models.TextChoices):
    """行政相对人类别 as in the 信用中国 双公示 feed (values match cases.PartyKind and catalog.PartyType)."""

    ORGANISATION = "organisation", "法人及非法人组织"
    NATURAL = "natural", "自然人"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"


NATURAL_KINDS = (PartyKind.NATURAL, PartyKind.INDIVIDUAL_BUSINESS)


class RuleValidity(models.Model):
    valid_from = models.DateField("适用起始日", default=dt.date(2019, 1, 3))
    valid_to = models.DateField("适用截止日", null=True, blank=True, help_text="空 = 现行有效")
    citation = models.CharField("依据", max_length=300)
    note = models.TextField("说明", blank=True)

    class Meta:
        abstract = True

    @classmethod
    def in_force(cls, on: dt.date):
        return cls.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))


class PublicationScopeRule(RuleValidity):
    """Whether an act is published and within which window. The most specific row in force wins (sector over
    “all sectors”, procedure over “any procedure”, act over “any act”)."""

    sector = models.CharField(
        "行业领域", max_length=40, blank=True, help_text="与执法主体的行业领域对应；空 = 所有行业"
    )
    category = models.CharField("执法类别", max_length=16, choices=Category.choices)
    procedure = models.CharField(
        "程序",
        max_length=16,
        blank=True,
        help_text="ordinary 普通程序 / simple 简易程序 / coercion 行政强制；空 = 任何程序",
    )
    act = models.CharField(
        "来源环节",
        max_length=40,
        blank=True,
        help_text="如 decide、onsite_decide、seize、preserve_evidence；空 = 任何",
    )
    publish = models.BooleanField("公示", default=True)
    excluded_kinds_only = models.JSONField(
        "仅含下列处罚种类时不公示", default=list, blank=True, help_text='如 ["warning"]：仅给予警告的不公示'
    )
    period_code = models.CharField(
        "公示期限规则代码", max_length=60, blank=True, help_text="deadlines 期限规则代码"
    )

    class Meta:
        verbose_name = "公示范围规则"
        verbose_name_plural = "公示范围规则"
        ordering = ["category", "sector", "procedure", "act"]

    def __str__(self) -> str:
        where = self.sector or "所有行业"
        return f"{self.get_category_display()} · {where} · {self.procedure or '任何程序'} · {self.act or '任何环节'}"

    @property
    def specificity(self) -> int:
        return 4 * bool(self.sector) + 2 * bool(self.procedure) + bool(self.act)


class ExpiryRule(RuleValidity):
    """How long a publication stays public. Rows are tried by `order`; the first that matches applies."""

    order = models.PositiveSmallIntegerField("顺序", default=100)
    sector = models.CharField("行业领域", max_length=40, blank=True, help_text="空 = 所有行业")
    category = models.CharField("执法类别", max_length=16, choices=Category.choices, blank=True)
    only_kinds = models.JSONField(
        "处罚种类限于", default=list, blank=True, help_text="处罚种类都在此列表内时适用；空 = 不限"
    )
    max_fine = models.DecimalField(
        "罚款不超过（元）", max_digits=14, decimal_places=2, null=True, blank=True, help_text="空 = 不限"
    )
    months = models.PositiveSmallIntegerField("公示期（月）")

    class Meta:
        verbose_name = "公示期限规则"
        verbose_name_plural = "公示期限规则"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_category_display() or '所有类别'} {self.months}个月"


class RedactionRule(TimeStamped):
    """An extra redaction pattern an administrator adds (the built-in ones live in zhifa.portal.redaction)."""

    name = models.CharField("名称", max_length=60)
    pattern = models.CharField("正则表达式", max_length=500)
    replacement = models.CharField("替换为", max_length=20, default="***")
    natural_only = models.BooleanField("仅对自然人（含个体工商户）适用", default=False)
    active = models.BooleanField("启用", default=True)
    citation = models.CharField("依据", max_length=300, default="《中华人民共和国个人信息保护法》第二十五条")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "脱敏规则"
        verbose_name_plural = "脱敏规则"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PublicationQuerySet(ScopedQuerySet):
    def public(self):
        return self.filter(Publication.public_q())


class Publication(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", "待脱敏审核"
        PUBLISHED = "published", "已公示"
        WITHDRAWN = "withdrawn", "已撤回"
        EXPIRED = "expired", "已到期"

    agency = models.ForeignKey(
        "registry.Agency", verbose_name="执法机关", on_delete=models.PROTECT, related_name="publications"
    )
    category = models.CharField("执法类别", max_length=16, choices=Category.choices, db_index=True)
    source_type = models.CharField(
        "来源", max_length=40, help_text="如 cases.decision、cases.measure、manual"
    )
    source_id = models.CharField("来源编号", max_length=64, blank=True)
    # Internal references (never displayed publicly): the case and the issued 决定书 (zhifa.documents).
    case_id = models.BigIntegerField("案件", null=True, blank=True, db_index=True)
    document_id = models.BigIntegerField("决定书", null=True, blank=True, db_index=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    # Snapshot fields used for filters and exports (the full snapshot is on the versions).
    party_kind = models.CharField("行政相对人类别", max_length=24, choices=PartyKind.choices, blank=True)
    penalty_kinds = models.JSONField("处罚种类", default=list, blank=True)
    fine_amount = models.DecimalField("罚款（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    procedure = models.CharField("程序", max_length=16, blank=True)
    decided_on = models.DateField("决定日期", db_index=True)
    # The publication window (from the deadlines engine).
    scope_citation = models.CharField("公示依据", max_length=300, blank=True)
    rule_code = models.CharField("期限规则代码", max_length=60, blank=True)
    rule_valid_from = models.DateField("期限规则版本", null=True, blank=True)
    due_on = models.DateField("公示期限", null=True, blank=True)
    due_explanation = models.TextField("期限计算说明", blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    published_on = models.DateField("公示日期", null=True, blank=True, db_index=True)
    late_working_days = models.PositiveIntegerField("逾期工作日数", null=True, blank=True)
    expires_on = models.DateField("公示截止日期", null=True, blank=True)
    expiry_citation = models.CharField("公示期依据", max_length=300, blank=True)
    expired_at = models.DateTimeField("到期下线时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawal_reason = models.TextField("撤回理由（公开）", blank=True)
    correctable = models.BooleanField("可更正后重新公示", default=False)
    current = models.ForeignKey(
        "PublicationVersion", verbose_name="公示版本", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager.from_queryset(PublicationQuerySet)()
    scope_agency_field = "agency"
    scope_edit_roles = {
        "create": {Role.OFFICER, Role.HEAD},
        "correct": {Role.OFFICER, Role.HEAD},
        "approve": {Role.REVIEWER},
        "withdraw": {Role.HEAD},
    }

    class Meta:
        verbose_name = "公示信息"
        verbose_name_plural = "公示信息"
        ordering = ["-published_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "-published_on", "-id"], name="portal_pub_public_idx"),
            models.Index(fields=["agency", "status", "-published_on"], name="portal_pub_agency_idx"),
            models.Index(fields=["status", "due_on"], name="portal_pub_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=~Q(source_id=""),
                name="portal_pub_source_unique",
            )
        ]

    @classmethod
    def public_q(cls) -> Q:
        """What the public may open: published items, and withdrawn items that were published (their page then
        shows only the withdrawal). Pending and expired ones are not public."""
        return Q(status=cls.Status.PUBLISHED) | Q(status=cls.Status.WITHDRAWN, published_at__isnull=False)

    @classmethod
    def scope_public_q(cls) -> Q:
        return cls.public_q()

    def __str__(self) -> str:
        return f"{self.get_category_display()}公示 #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED or (
            self.status == self.Status.WITHDRAWN and self.published_at is not None
        )


class PublicationVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "待审核"
        APPROVED = "approved", "已审核公示"
        SUPERSEDED = "superseded", "已被更正"
        WITHDRAWN = "withdrawn", "已撤回"
        DISCARDED = "discarded", "未公示即作废"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    original = models.JSONField("原文（内部，不公开）", default=dict)
    fields = models.JSONField("脱敏后公示内容", default=dict)
    redaction = models.JSONField("脱敏记录", default=list, blank=True)
    reason = models.TextField("更正理由", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_edited = models.BooleanField("审核人修改了脱敏文本", default=False)

    class Meta:
        verbose_name = "公示版本"
        verbose_name_plural = "公示版本"
        ordering = ["publication", "number"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "number"], name="portal_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.publication} v{self.number}"


class Takedown(models.Model):
    """One public entry of the takedown log (撤回记录): what was withdrawn, why, when, and whether on time."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="takedowns")
    version = models.ForeignKey(PublicationVersion, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("registry.Agency", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("执法类别", max_length=16, choices=Category.choices)
    title = models.CharField("公示标题（脱敏）", max_length=300)
    document_number = models.CharField("决定书文号", max_length=100, blank=True)
    revision = models.CharField("变更情况", max_length=20, blank=True)
    revision_label = models.CharField("变更情况", max_length=40, blank=True)
    revised_by_label = models.CharField("作出机关", max_length=60, blank=True)
    revised_on = models.DateField("变更/撤销日期", null=True, blank=True)
    reason = models.TextField("撤回理由（脱敏）")
    due_on = models.DateField("撤回期限", null=True, blank=True)
    due_explanation = models.TextField("期限计算说明", blank=True)
    withdrawn_at = models.DateTimeField("撤回时间")
    withdrawn_on = models.DateField("撤回日期", db_index=True)
    on_time = models.BooleanField("按期撤回", default=True)
    citation = models.CharField("依据", max_length=200, blank=True)

    objects = ScopedManager()
    scope_agency_field = "agency"

    class Meta:
        verbose_name = "撤回记录"
        verbose_name_plural = "撤回记录"
        ordering = ["-withdrawn_at", "-pk"]

    @classmethod
    def scope_public_q(cls) -> Q:
        return Q()  # the takedown log is public

    def __str__(self) -> str:
        return f"撤回 {self.title}"
