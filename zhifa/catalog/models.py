"""执法事项库: the published item lists of domain.md §4, versioned and reviewed before publication.

One `CatalogList` per (agency, kind). A list has `ListVersion`s (draft → submitted → approved | returned →
published → superseded); items belong to a version. Editing a published list means a new draft version that copies
the published items (copy-on-write); publishing it supersedes the old version, which stays readable with its reason.
Only zhifa.catalog.services writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.catalog.columns import Column
from zhifa.core.models import TimeStamped
from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedManager


class Kind(models.TextChoices):
    POWER = "power", "权责清单（执法事项清单）"
    RANDOM_INSPECTION = "random_inspection", "随机抽查事项清单"
    MAJOR_REVIEW = "major_review", "重大执法决定法制审核目录清单"
    AV_RECORD = "av_record", "音像记录事项清单"
    CERTIFICATION = "certification", "证明事项清单"
    DISCRETION = "discretion", "行政处罚裁量基准"
    LARGE_AMOUNT = "large_amount", "较大数额标准表"


class ActType(models.TextChoices):
    LICENSE = "license", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    INSPECTION = "inspection", "行政检查"
    EXPROPRIATION = "expropriation", "行政征收征用"
    OTHER = "other", "其他行政权力"


class PenaltyKind(models.TextChoices):
    """行政处罚法第九条."""

    WARNING = "warning", "警告"
    CIRCULATION = "circulation", "通报批评"
    FINE = "fine", "罚款"
    CONFISCATE_GAINS = "confiscate_gains", "没收违法所得"
    CONFISCATE_PROPERTY = "confiscate_property", "没收非法财物"
    SUSPEND_LICENCE = "suspend_licence", "暂扣许可证件"
    DOWNGRADE = "downgrade", "降低资质等级"
    REVOKE_LICENCE = "revoke_licence", "吊销许可证件"
    RESTRICT_BUSINESS = "restrict_business", "限制开展生产经营活动"
    SUSPEND_BUSINESS = "suspend_business", "责令停产停业"
    CLOSE = "close", "责令关闭"
    RESTRICT_PRACTICE = "restrict_practice", "限制从业"
    DETENTION = "detention", "行政拘留"
    OTHER = "other", "其他"


class PartyType(models.TextChoices):
    """行政相对人类别 as in the 信用中国 feed. 个体工商户 is a natural person doing business (民法典第五十四条)."""

    NATURAL = "natural", "自然人"
    ORGANISATION = "organisation", "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"


class ReviewFlag(models.TextChoices):
    """The review-scope criteria of 行政处罚法第五十八条 and 国办发〔2018〕118号 that are judgements, not numbers."""

    PUBLIC_INTEREST = "public_interest", "涉及重大公共利益"
    SOCIAL_IMPACT = "social_impact", "可能造成重大社会影响或引发社会风险"
    MAJOR_RIGHTS = "major_rights", "直接关系当事人或第三人重大权益"
    COMPLEX = "complex", "案件情况疑难复杂"
    MULTIPLE_RELATIONS = "multiple_relations", "涉及多个法律关系"


class AVRequirement(models.TextChoices):
    MANDATORY = "mandatory", "全程音像记录"
    AS_NEEDED = "as_needed", "根据需要音像记录"


class AVStep(models.TextChoices):
    SEIZURE = "seizure", "查封扣押财产"
    DEMOLITION = "demolition", "强制拆除"
    CASE_ROOM_INTERVIEW = "case_room_interview", "执法办案场所询问"
    ON_SITE = "on_site", "现场执法"
    EVIDENCE = "evidence", "调查取证"
    HEARING = "hearing", "听证"
    SERVICE_BY_LEAVING = "service_by_leaving", "留置送达"
    SERVICE_BY_NOTICE = "service_by_notice", "公告送达"
    INSPECTION = "inspection", "现场检查"
    RANDOM_CHECK = "random_check", "随机抽查"
    EVIDENCE_PRESERVATION = "evidence_preservation", "证据保全"
    COERCION = "coercion", "其他行政强制措施"
    OTHER = "other", "其他"


class Circumstance(models.TextChoices):
    NO_PENALTY = "no_penalty", "不予处罚"
    MITIGATED = "mitigated", "减轻处罚"
    LIGHTER = "lighter", "从轻处罚"
    ORDINARY = "ordinary", "一般处罚"
    HEAVIER = "heavier", "从重处罚"


def _c(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), str(label)) for v, label in choices.choices)


class CatalogList(TimeStamped):
    """The list an agency keeps of one kind. Its content lives in versions."""

    agency = models.ForeignKey(
        "registry.Agency", verbose_name="制定机关", on_delete=models.PROTECT, related_name="catalog_lists"
    )
    kind = models.CharField("清单类型", max_length=24, choices=Kind.choices)
    current_version = models.OneToOneField(
        "ListVersion",
        verbose_name="现行版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedManager()
    scope_agency_field = "agency"
    scope_edit_roles = {"edit": {Role.OFFICER, Role.HEAD}}

    class Meta:
        verbose_name = "执法事项清单"
        verbose_name_plural = "执法事项清单"
        ordering = ["agency__jurisdiction__path", "agency__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind"], name="catalog_list_per_agency_kind")
        ]

    @classmethod
    def scope_public_q(cls):
        return Q(current_version__isnull=False)

    def __str__(self) -> str:
        return f"{self.agency.name}{self.get_kind_display()}"

    @property
    def item_model(self):
        return ITEM_MODELS[self.kind]


class ListVersion(TimeStamped):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待法制审核"
        RETURNED = "returned", "已退回修改"
        APPROVED = "approved", "审核通过待发布"
        PUBLISHED = "published", "现行有效"
        SUPERSEDED = "superseded", "已被新版本替代"

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED)
    PUBLIC = (Status.PUBLISHED, Status.SUPERSEDED)

    catalog_list = models.ForeignKey(
        CatalogList, verbose_name="清单", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    change_reason = models.TextField(
        "修订原因", blank=True, help_text="第一版之后的每一版都必须说明，如法律修订"
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name="修订自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="法制审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_opinion = models.TextField("书面审核意见", blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    valid_from = models.DateField("施行日期", null=True, blank=True)
    valid_to = models.DateField("停止施行日期", null=True, blank=True, help_text="被新版本替代之日（不含）")
    superseded_at = models.DateTimeField("替代时间", null=True, blank=True)

    objects = ScopedManager()
    scope_agency_field = "catalog_list__agency"
    # Who may attempt each step inside their agency; the status rules are in services.
    # "review" and "publish" admit no administrator override (services.require_role, 118号: the agency's own legal
    # office reviews, its head publishes).
    scope_edit_roles = {
        "create": {Role.OFFICER, Role.HEAD},
        "edit": {Role.OFFICER, Role.HEAD},
        "submit": {Role.OFFICER, Role.HEAD},
        "review": {Role.REVIEWER},
        "publish": {Role.HEAD},
    }

    class Meta:
        verbose_name = "清单版本"
        verbose_name_plural = "清单版本"
        ordering = ["catalog_list", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["catalog_list", "number"], name="list_version_number_unique"),
        ]

    @classmethod
    def scope_public_q(cls):
        return Q(status__in=cls.PUBLIC)

    def __str__(self) -> str:
        return f"{self.catalog_list}（第{self.number}版）"

    @property
    def kind(self) -> str:
        return self.catalog_list.kind

    @property
    def item_model(self):
        return ITEM_MODELS[self.catalog_list.kind]

    def items(self):
        return self.item_model.objects.filter(version=self).order_by("seq", "pk")

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class ItemBase(models.Model):
    """Columns every list has: 序号, the basis as published and the citations resolved from it."""

    version = models.ForeignKey(ListVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField("序号")
    basis_text = models.TextField("依据", blank=True)
    citations = models.ManyToManyField("laws.Citation", verbose_name="法律依据", blank=True, related_name="+")

    objects = ScopedManager()
    scope_agency_field = "version__catalog_list__agency"
    COLUMNS: tuple[Column, ...] = ()
    KEY_FIELDS: tuple[str, ...] = ()  # what identifies "the same row" across versions (for the diff)
    TITLE_FIELD = "seq"

    class Meta:
        abstract = True
        ordering = ["version", "seq", "pk"]

    @classmethod
    def scope_public_q(cls):
        return Q(version__status__in=ListVersion.PUBLIC)

    def __str__(self) -> str:
        return f"{self.seq}. {getattr(self, self.TITLE_FIELD)}"

    @property
    def title(self) -> str:
        return str(getattr(self, self.TITLE_FIELD))

    @classmethod
    def related_fields(cls) -> list[str]:
        """The foreign-key columns (jurisdictions) to select_related when rows are displayed."""
        return [c.field for c in cls.COLUMNS if c.kind == "jurisdiction"]


_SEQ = Column("序号", "seq", "int", required=True)


class PowerItem(ItemBase):
    """权责清单 / 执法事项清单: 序号, 权力类型, 事项名称, 子项名称, 执法主体, 承办机构, 执法依据, 备注 (+ 118号 事前公示)."""

    code = models.CharField("事项编码", max_length=60, blank=True)
    category = models.CharField("权力类型", max_length=16, choices=ActType.choices)
    name = models.CharField("事项名称", max_length=300)
    sub_name = models.CharField("子项名称", max_length=300, blank=True)
    body = models.CharField("执法主体", max_length=200)
    handling_unit = models.CharField("承办机构", max_length=200, blank=True)
    note = models.TextField("备注", blank=True)
    procedure = models.TextField("实施程序", blank=True)
    time_limit_text = models.CharField("办理时限", max_length=200, blank=True)
    statutory_days = models.PositiveIntegerField("法定期限（日）", null=True, blank=True)
    remedy = models.TextField("救济渠道", blank=True)

    COLUMNS = (
        _SEQ,
        Column("权力类型", "category", "choice", required=True, choices=_c(ActType)),
        Column("事项名称", "name", required=True),
        Column("子项名称", "sub_name"),
        Column("执法主体", "body", required=True),
        Column("承办机构", "handling_unit"),
        Column("执法依据", "basis_text", "basis", required=True),
        Column("备注", "note"),
        Column("事项编码", "code"),
        Column("实施程序", "procedure"),
        Column("办理时限", "time_limit_text"),
        Column("法定期限（日）", "statutory_days", "int"),
        Column("救济渠道", "remedy"),
    )
    KEY_FIELDS = ("category", "name", "sub_name")
    TITLE_FIELD = "name"

    class Meta(ItemBase.Meta):
        verbose_name = "权责清单事项"
        verbose_name_plural = "权责清单事项"


class RandomInspectionItem(ItemBase):
    name = models.CharField("抽查事项", max_length=300)
    target = models.CharField("抽查对象", max_length=300)
    base = models.CharField("抽查基数", max_length=200, blank=True)
    ratio = models.CharField("抽查比例", max_length=200)
    cycle = models.CharField("抽查周期", max_length=100)
    method = models.CharField("随机抽查方式", max_length=200)
    body = models.CharField("抽查主体", max_length=200)
    start_date = models.DateField("实施日期", null=True, blank=True)
    initiator = models.CharField("发起部门", max_length=200, blank=True)
    partners = models.CharField("配合部门", max_length=300, blank=True)
    level = models.CharField("抽查层级", max_length=100, blank=True)

    COLUMNS = (
        _SEQ,
        Column("抽查事项", "name", required=True),
        Column("抽查依据", "basis_text", "basis", required=True),
        Column("抽查对象", "target", required=True),
        Column("抽查基数", "base"),
        Column("抽查比例", "ratio", required=True),
        Column("抽查周期", "cycle", required=True),
        Column("随机抽查方式", "method", required=True),
        Column("抽查主体", "body", required=True),
        Column("实施日期", "start_date", "date"),
        Column("发起部门", "initiator"),
        Column("配合部门", "partners"),
        Column("抽查层级", "level"),
    )
    KEY_FIELDS = ("name",)
    TITLE_FIELD = "name"

    class Meta(ItemBase.Meta):
        verbose_name = "随机抽查事项"
        verbose_name_plural = "随机抽查事项"


class MajorReviewItem(ItemBase):
    """A row of the 重大执法决定法制审核目录清单, with criteria the platform can evaluate.

    A row matches a proposed decision when every criterion it states holds; an empty criterion is no criterion.
    A row that states no criterion at all is published text only and is never matched automatically.
    """

    category = models.CharField("执法项目类别", max_length=200)
    decision_item = models.TextField("审核的具体执法决定项目")
    materials = models.TextField("应提交的审核资料", blank=True)
    focus = models.TextField("审核重点", blank=True)
    act_type = models.CharField("行为类型", max_length=16, choices=ActType.choices, blank=True)
    penalty_kinds = models.JSONField("处罚种类", default=list, blank=True)
    min_fine_natural = models.DecimalField(
        "对公民罚款达到（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_fine_org = models.DecimalField(
        "对法人或其他组织罚款达到（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    requires_hearing = models.BooleanField("经过听证", default=False)
    flags = models.JSONField("其他情形", default=list, blank=True)

    COLUMNS = (
        _SEQ,
        Column("执法项目类别", "category", required=True),
        Column("审核的具体执法决定项目", "decision_item", required=True),
        Column("应提交的审核资料", "materials"),
        Column("审核重点", "focus"),
        Column("职权来源", "basis_text", "basis"),
        Column("行为类型", "act_type", "choice", choices=_c(ActType)),
        Column("处罚种类", "penalty_kinds", "multi", choices=_c(PenaltyKind), help="多个用“、”分隔"),
        Column("对公民罚款达到（元）", "min_fine_natural", "decimal"),
        Column("对法人或其他组织罚款达到（元）", "min_fine_org", "decimal"),
        Column("经过听证", "requires_hearing", "bool"),
        Column("其他情形", "flags", "multi", choices=_c(ReviewFlag), help="多个用“、”分隔"),
    )
    KEY_FIELDS = ("category", "decision_item")
    TITLE_FIELD = "decision_item"

    class Meta(ItemBase.Meta):
        verbose_name = "重大执法决定法制审核目录"
        verbose_name_plural = "重大执法决定法制审核目录"

    @property
    def has_criteria(self) -> bool:
        return bool(
            self.act_type
            or self.penalty_kinds
            or self.min_fine_natural is not None
            or self.min_fine_org is not None
            or self.requires_hearing
            or self.flags
        )


class AVRecordItem(ItemBase):
    matter = models.CharField("执法事项", max_length=300)
    method = models.CharField("记录方式", max_length=200)
    recorder = models.CharField("记录人", max_length=200)
    process = models.TextField("记录过程")
    requirement = models.CharField("记录要求", max_length=16, choices=AVRequirement.choices)
    step = models.CharField("执法环节", max_length=32, choices=AVStep.choices)

    COLUMNS = (
        _SEQ,
        Column("执法事项", "matter", required=True),
        Column("记录方式", "method", required=True),
        Column("记录人", "recorder", required=True),
        Column("记录过程", "process", required=True),
        Column("记录要求", "requirement", "choice", required=True, choices=_c(AVRequirement)),
        Column("执法环节", "step", "choice", required=True, choices=_c(AVStep)),
        Column("依据", "basis_text", "basis"),
    )
    KEY_FIELDS = ("step", "matter")
    TITLE_FIELD = "matter"

    class Meta(ItemBase.Meta):
        verbose_name = "音像记录事项"
        verbose_name_plural = "音像记录事项"


class CertificationItem(ItemBase):
    name = models.CharField("证明名称", max_length=300)
    purpose = models.TextField("证明用途")
    article_text = models.TextField("依据条文及内容", blank=True)
    requesting_unit = models.CharField("索要单位", max_length=200)
    issuing_unit = models.CharField("开具单位", max_length=200)
    level = models.CharField("行使层级", max_length=100, blank=True)
    item_type = models.CharField("事项类型", max_length=100, blank=True)
    no_commitment_reason = models.TextField("不能实行告知承诺及保留原因", blank=True)

    COLUMNS = (
        _SEQ,
        Column("证明名称", "name", required=True),
        Column("证明用途", "purpose", required=True),
        Column("设定依据", "basis_text", "basis", required=True),
        Column("依据条文及内容", "article_text"),
        Column("索要单位", "requesting_unit", required=True),
        Column("开具单位", "issuing_unit", required=True),
        Column("行使层级", "level"),
        Column("事项类型", "item_type"),
        Column("不能实行告知承诺及保留原因", "no_commitment_reason"),
    )
    KEY_FIELDS = ("name",)
    TITLE_FIELD = "name"

    class Meta(ItemBase.Meta):
        verbose_name = "证明事项"
        verbose_name_plural = "证明事项"


class DiscretionItem(ItemBase):
    """裁量基准: for one power item and violation, the range for each circumstance."""

    item_code = models.CharField("事项编码", max_length=60, blank=True)
    item_name = models.CharField("事项名称", max_length=300)
    violation = models.TextField("违法行为")
    circumstance = models.CharField("裁量阶次", max_length=16, choices=Circumstance.choices)
    circumstance_detail = models.TextField("适用情形", blank=True)
    fine_min = models.DecimalField("罚款下限（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    fine_max = models.DecimalField("罚款上限（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    other_penalty = models.TextField("其他处罚", blank=True)

    COLUMNS = (
        _SEQ,
        Column("事项编码", "item_code"),
        Column("事项名称", "item_name", required=True),
        Column("违法行为", "violation", required=True),
        Column("裁量阶次", "circumstance", "choice", required=True, choices=_c(Circumstance)),
        Column("适用情形", "circumstance_detail"),
        Column("罚款下限（元）", "fine_min", "decimal"),
        Column("罚款上限（元）", "fine_max", "decimal"),
        Column("其他处罚", "other_penalty"),
        Column("裁量依据", "basis_text", "basis", required=True),
    )
    KEY_FIELDS = ("item_name", "violation", "circumstance")
    TITLE_FIELD = "violation"

    class Meta(ItemBase.Meta):
        verbose_name = "裁量基准"
        verbose_name_plural = "裁量基准"
        constraints = [
            models.CheckConstraint(
                condition=Q(fine_min__isnull=True)
                | Q(fine_max__isnull=True)
                | Q(fine_max__gte=models.F("fine_min")),
                name="discretion_fine_range_ordered",
            )
        ]


class ThresholdItem(ItemBase):
    """较大数额 (行政处罚法第六十三条): sector × jurisdiction × valid_from → amounts for persons and organisations."""

    sector = models.CharField("行业领域", max_length=40)
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", verbose_name="适用区划", on_delete=models.PROTECT, related_name="+"
    )
    amount_natural = models.DecimalField("对公民（元）", max_digits=14, decimal_places=2)
    amount_org = models.DecimalField("对法人或其他组织（元）", max_digits=14, decimal_places=2)
    valid_from = models.DateField("施行日期")
    valid_to = models.DateField("失效日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)

    COLUMNS = (
        _SEQ,
        Column("行业领域", "sector", required=True),
        Column("区划代码", "jurisdiction", "jurisdiction", required=True),
        Column("对公民（元）", "amount_natural", "decimal", required=True),
        Column("对法人或其他组织（元）", "amount_org", "decimal", required=True),
        Column("施行日期", "valid_from", "date", required=True),
        Column("失效日期", "valid_to", "date"),
        Column("设定依据", "basis_text", "basis", required=True),
        Column("备注", "note"),
    )
    KEY_FIELDS = ("sector", "jurisdiction", "valid_from")
    TITLE_FIELD = "sector"

    class Meta(ItemBase.Meta):
        verbose_name = "较大数额标准"
        verbose_name_plural = "较大数额标准"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="threshold_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sector} · {self.jurisdiction.name} · {self.valid_from}"


ITEM_MODELS: dict[str, type[ItemBase]] = {
    Kind.POWER: PowerItem,
    Kind.RANDOM_INSPECTION: RandomInspectionItem,
    Kind.MAJOR_REVIEW: MajorReviewItem,
    Kind.AV_RECORD: AVRecordItem,
    Kind.CERTIFICATION: CertificationItem,
    Kind.DISCRETION: DiscretionItem,
    Kind.LARGE_AMOUNT: ThresholdItem,
}
