"""法制审核: the legal review of major enforcement decisions before they are made (行政处罚法第五十八条).

A case's handlers write a versioned 决定书代拟稿 (DraftDecision); saving a version evaluates the agency's
重大执法决定法制审核目录清单 and 第五十八条 and stores the result with its reasons. An in-scope draft is submitted
(Submission) with the materials the catalog row requires (Material); a reviewer of the agency's review body — the
agency's own reviewers or legal advisors / 公职律师 the Justice Bureau assigned from its pool (Advisor,
AdvisorAssignment) — fills the checklist and issues an Opinion (同意 / 存在问题 / 建议修改后提交, each Problem tied to a
checklist point), signed as a 法制审核意见书. The handler answers each problem (Answer) and resubmits, or contests
the opinion (Contest: agency head → 集体讨论 or the Justice Bureau). The decision gate (services.decision_gate) lets a
decision through only on the current draft approved by the latest opinion. Only zhifa.reviews.services writes these.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import TimeStamped
from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedManager, ScopedQuerySet, user_role, visible_q

DEFAULT_PERIOD_CODE = "review.legal_review"


class Conclusion(models.TextChoices):
    APPROVE = "approve", "同意"
    PROBLEMS = "problems", "存在问题"
    REVISE = "revise", "建议修改后提交"


class CheckPoint(models.TextChoices):
    """The review contents of 国办发〔2018〕118号 (审核内容)."""

    SUBJECT = "subject", "主体与人员资格"
    PROCEDURE = "procedure", "程序"
    FACTS = "facts", "事实与证据"
    LAW = "law", "法律适用与裁量"
    AUTHORITY = "authority", "权限"
    DOCUMENTS = "documents", "文书"
    CRIME = "crime", "是否涉嫌犯罪需移送"


class CheckResult(models.TextChoices):
    OK = "ok", "符合"
    PROBLEM = "problem", "存在问题"
    NA = "na", "不适用"


def _advisor_agencies(user):
    """Agencies a pooled advisor (by their user) is currently assigned to."""
    return AdvisorAssignment.objects.filter(
        advisor__user=user, advisor__active=True, end_on__isnull=True
    ).values("agency_id")


class ReviewQuerySet(ScopedQuerySet):
    """Agency scope (core.scoping), plus the agencies a pooled advisor is assigned to."""

    def visible_to(self, user):
        q = visible_q(self.model, user)
        if user_role(user) == Role.REVIEWER:
            field = self.model.scope_agency_field
            q |= Q(**{f"{field}__in": _advisor_agencies(user)})
        return self.filter(q)


ReviewManager = ScopedManager.from_queryset(ReviewQuerySet)


class ReviewBody(TimeStamped):
    """An agency's 法制审核机构 and its settings (the review period rule is configurable per agency)."""

    agency = models.OneToOneField(
        "registry.Agency", verbose_name="执法机关", on_delete=models.PROTECT, related_name="review_body"
    )
    name = models.CharField("法制审核机构名称", max_length=100, default="法制审核机构")
    period_rule_code = models.CharField(
        "审核期限规则代码",
        max_length=60,
        default=DEFAULT_PERIOD_CODE,
        help_text="期限规则（deadlines）的代码；默认 review.legal_review：7个工作日，经负责人批准可延长3个工作日",
    )
    note = models.TextField("说明", blank=True)

    objects = ScopedManager()
    scope_agency_field = "agency"
    scope_edit_roles = {"change": {Role.HEAD, Role.SUPERVISOR}}

    class Meta:
        verbose_name = "法制审核机构"
        verbose_name_plural = "法制审核机构"

    def __str__(self) -> str:
        return f"{self.agency.name}{self.name}"


class Advisor(TimeStamped):
    """A legal advisor or 公职律师 of a Justice Bureau's shared pool (国办发〔2018〕118号: 统筹调用)."""

    class Kind(models.TextChoices):
        PUBLIC_LAWYER = "public_lawyer", "公职律师"
        LEGAL_ADVISOR = "legal_advisor", "法律顾问"
        OTHER = "other", "其他法律专业人员"

    pool_owner = models.ForeignKey(
        "registry.Agency", verbose_name="所属司法局", on_delete=models.PROTECT, related_name="advisor_pool"
    )
    name = models.CharField("姓名", max_length=40)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    organisation = models.CharField("工作单位", max_length=120, blank=True)
    legal_qualification = models.BooleanField("具有法律职业资格", default=False)
    qualification_number = models.CharField("法律职业资格证书编号", max_length=40, blank=True)
    licence_number = models.CharField("执业证号", max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="advisor",
    )
    active = models.BooleanField("在库", default=True)

    objects = ScopedManager()
    scope_agency_field = "pool_owner"
    scope_edit_roles = {"create": {Role.SUPERVISOR}, "change": {Role.SUPERVISOR}}

    class Meta:
        verbose_name = "法律顾问/公职律师"
        verbose_name_plural = "法律顾问/公职律师"
        ordering = ["pool_owner", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class AdvisorAssignment(TimeStamped):
    advisor = models.ForeignKey(
        Advisor, verbose_name="人员", on_delete=models.PROTECT, related_name="assignments"
    )
    agency = models.ForeignKey(
        "registry.Agency",
        verbose_name="派驻机关",
        on_delete=models.PROTECT,
        related_name="advisor_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="指派人", on_delete=models.PROTECT, related_name="+"
    )
    start_on = models.DateField("起始日期")
    end_on = models.DateField("终止日期", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=200, blank=True)

    objects = ScopedManager()
    scope_agency_field = "agency"

    class Meta:
        verbose_name = "法律顾问派驻"
        verbose_name_plural = "法律顾问派驻"
        ordering = ["-start_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["advisor", "agency"], condition=Q(end_on__isnull=True), name="advisor_assignment_open"
            )
        ]


class ReviewerExperience(TimeStamped):
    """A reviewer who did legal review work before the qualification rule applied is not 初次从事 (第五十八条第二款)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="审核人员", on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField("开始从事法制审核工作日期")
    evidence = models.TextField("证明材料")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()
    scope_agency_field = "user__agency"

    class Meta:
        verbose_name = "法制审核从业经历"
        verbose_name_plural = "法制审核从业经历"


class DraftDecision(TimeStamped):
    """One version of a case's 决定书代拟稿, with the scope evaluation made when it was saved. Never changed."""

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="review_drafts"
    )
    version = models.PositiveIntegerField("版本")
    outcome = models.CharField("处理结果", max_length=20)
    penalty_kinds = models.JSONField("处罚种类", default=list, blank=True)
    fine_amount = models.DecimalField("罚款（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    confiscation_amount = models.DecimalField(
        "没收违法所得（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    no_penalty_ground = models.CharField("不予处罚理由", max_length=20, blank=True)
    transfer_to = models.CharField("移送机关", max_length=120, blank=True)
    facts = models.TextField("违法事实和证据")
    basis = models.TextField("依据", blank=True)
    flags = models.JSONField("承办人认定的情形", default=list, blank=True)
    change_note = models.TextField("修改说明", blank=True)
    # Scope, evaluated when the version was saved (catalog version in force that day, 第五十八条 from the flags).
    party_types = models.JSONField("当事人类型", default=list, blank=True)
    hearing_held = models.BooleanField("经过听证", default=False)
    in_scope = models.BooleanField("属于法制审核范围", default=False)
    scope_matches = models.JSONField("审核范围依据", default=list, blank=True)
    scope_version = models.ForeignKey(
        "catalog.ListVersion",
        verbose_name="目录清单版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_on = models.DateField("评估日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拟稿人", on_delete=models.PROTECT, related_name="+"
    )

    objects = ReviewManager()
    scope_agency_field = "case__agency"

    class Meta:
        verbose_name = "决定书代拟稿"
        verbose_name_plural = "决定书代拟稿"
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="draft_version_unique")]

    def __str__(self) -> str:
        return f"{self.case} 代拟稿第{self.version}版"

    @property
    def kinds_display(self) -> str:
        from zhifa.catalog.models import PenaltyKind

        labels = dict(PenaltyKind.choices)
        return "、".join(labels.get(k, k) for k in self.penalty_kinds)

    @property
    def outcome_display(self) -> str:
        from zhifa.cases.models import Decision

        return dict(Decision.Outcome.choices).get(self.outcome, self.outcome)


class Material(TimeStamped):
    """A submitted material: a reference to the case's evidence or issued 文书, an uploaded file, or a text taken
    from the case record (调查终结报告, 陈述申辩, 集体讨论). Withdrawn materials stay on record."""

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("材料类别", max_length=80)
    title = models.CharField("名称", max_length=200)
    evidence = models.ForeignKey(
        "cases.Evidence",
        verbose_name="证据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name="文书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    blob = models.ForeignKey(
        "files.Blob", verbose_name="文件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField("文件名", max_length=200, blank=True)
    text = models.TextField("内容", blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    objects = ReviewManager()
    scope_agency_field = "case__agency"

    class Meta:
        verbose_name = "审核材料"
        verbose_name_plural = "审核材料"
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def blob_ref(self):
        if self.blob_id:
            return self.blob
        if self.evidence_id and self.evidence.blob_id:
            return self.evidence.blob
        if self.document_id:
            return self.document.blob
        return None


class Submission(TimeStamped):
    """One submission (报送审核) of a draft version, with its materials and its review period."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        REVIEWED = "reviewed", "已出具意见"

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="review_submissions"
    )
    draft = models.ForeignKey(
        DraftDecision, verbose_name="代拟稿版本", on_delete=models.PROTECT, related_name="submissions"
    )
    round = models.PositiveIntegerField("报送次数")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.TextField("报送说明", blank=True)
    requirements = models.JSONField("应提交材料", default=list)
    materials = models.JSONField("已提交材料", default=list)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField("报送日期")
    rule = models.ForeignKey("deadlines.PeriodRule", on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField("期限规则", max_length=60)
    rule_valid_from = models.DateField("规则版本")
    period_start = models.DateField("期限起算日")
    due_on = models.DateField("审核期限届满日")
    due_explanation = models.TextField("期限计算说明")
    extensions = models.PositiveSmallIntegerField("延长次数", default=0)
    extension_reason = models.TextField("延长理由", blank=True)

    objects = ReviewManager()
    scope_agency_field = "case__agency"

    class Meta:
        verbose_name = "法制审核报送"
        verbose_name_plural = "法制审核报送"
        ordering = ["-submitted_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="submission_round_unique")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.case} 第{self.round}次报送审核"


class Opinion(TimeStamped):
    """A written review opinion (书面审核意见) with its checklist, signed as a 法制审核意见书."""

    submission = models.ForeignKey(
        Submission, verbose_name="报送", on_delete=models.PROTECT, related_name="opinions"
    )
    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, related_name="+"
    )
    advisor = models.ForeignKey(
        Advisor,
        verbose_name="法律顾问/公职律师",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer_name = models.CharField("审核人姓名", max_length=60)
    qualification = models.CharField("审核资格", max_length=200)
    conclusion = models.CharField("审核结论", max_length=10, choices=Conclusion.choices)
    checklist = models.JSONField("审核要点", default=dict)
    summary = models.TextField("具体意见")
    issued_on = models.DateField("出具日期")
    document = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name="法制审核意见书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    working_days = models.PositiveIntegerField("用时（工作日）", default=0)
    calendar_days = models.PositiveIntegerField("用时（自然日）", default=0)
    overdue = models.BooleanField("超过审核期限", default=False)
    set_aside = models.BooleanField("已撤销（异议处理）", default=False)
    set_aside_reason = models.TextField("撤销理由", blank=True)

    objects = ReviewManager()
    scope_agency_field = "case__agency"

    class Meta:
        verbose_name = "法制审核意见"
        verbose_name_plural = "法制审核意见"
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_conclusion_display()}"


class Problem(models.Model):
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="problems")
    seq = models.PositiveSmallIntegerField("序号")
    point = models.CharField("审核要点", max_length=12, choices=CheckPoint.choices)
    description = models.TextField("问题")

    class Meta:
        ordering = ["opinion", "seq"]

    def __str__(self) -> str:
        return f"{self.seq}. {self.get_point_display()}：{self.description}"


class Answer(TimeStamped):
    """The handler's answer to one problem, carried by the resubmission."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="answers")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField("处理情况")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["problem__seq", "pk"]


class Contest(TimeStamped):
    """异议: the handling unit disagrees with an opinion; the agency head decides, or refers it to 集体讨论 or the
    Justice Bureau. A set-aside opinion sends the submission back to review; an upheld one stands."""

    class Status(models.TextChoices):
        HEAD = "head", "待机关负责人决定"
        COLLECTIVE = "collective", "待集体讨论"
        BUREAU = "bureau", "待司法局决定"
        RESOLVED = "resolved", "已处理"

    class Outcome(models.TextChoices):
        UPHOLD = "uphold", "维持审核意见"
        REREVIEW = "rereview", "撤销审核意见，重新审核"

    opinion = models.ForeignKey(
        Opinion, verbose_name="审核意见", on_delete=models.PROTECT, related_name="contests"
    )
    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("异议理由")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.HEAD)
    head_note = models.TextField("负责人意见", blank=True)
    head_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    head_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField("处理结果", max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField("处理意见", blank=True)
    participants = models.TextField("集体讨论参加人员", blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    resolved_by_level = models.CharField("决定层级", max_length=12, choices=Status.choices, blank=True)

    objects = ReviewManager()
    scope_agency_field = "case__agency"

    class Meta:
        verbose_name = "审核意见异议"
        verbose_name_plural = "审核意见异议"
        ordering = ["-created_at"]


class GateCheck(TimeStamped):
    """What the decision gate found when a decision was made (the supervision list of in-scope decisions)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="review_gate")
    decided_on = models.DateField("决定日期")
    in_scope = models.BooleanField("属于法制审核范围")
    matches = models.JSONField("审核范围依据", default=list)
    draft = models.ForeignKey(
        DraftDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.ForeignKey(Opinion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ReviewManager()
    scope_agency_field = "case__agency"

    class Meta:
        verbose_name = "决定前法制审核核验"
        verbose_name_plural = "决定前法制审核核验"
        ordering = ["-decided_on", "-pk"]
