"""办案平台: a case from 案源 to 归档, its parties, officers, evidence, measures, notices, decision and execution.

Only zhifa.cases.services writes these rows; every change is one transaction with its ledger event (case_id set),
and the state changes follow the declared table in zhifa.cases.transitions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.catalog.models import AVStep, PenaltyKind
from zhifa.core.models import TimeStamped
from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedManager, ScopedQuerySet, user_role, visible_q


class State(models.TextChoices):
    REGISTERED = "registered", "案源登记"
    VERIFYING = "verifying", "核查"
    FILING_REVIEW = "filing_review", "立案审批"
    NOT_FILED = "not_filed", "不予立案"
    INVESTIGATING = "investigating", "调查取证"
    CASE_REVIEW = "case_review", "案件审核"
    REVIEW_PASSED = "review_passed", "审核通过"
    NOTIFIED = "notified", "告知（陈述申辩）"
    HEARING = "hearing", "听证"
    COLLECTIVE = "collective", "集体讨论"
    DECIDED = "decided", "决定"
    EXECUTING = "executing", "送达执行"
    CLOSED = "closed", "结案"
    ARCHIVED = "archived", "归档"


class Procedure(models.TextChoices):
    ORDINARY = "ordinary", "普通程序"
    SIMPLE = "simple", "简易程序（当场处罚）"
    COERCION = "coercion", "行政强制"


class SourceType(models.TextChoices):
    COMPLAINT = "complaint", "投诉举报"
    INSPECTION = "inspection", "检查发现"
    ASSIGNED = "assigned", "上级交办"
    TRANSFERRED = "transferred", "移送"
    OTHER = "other", "其他"


class PartyKind(models.TextChoices):
    """Values match catalog.PartyType (较大数额 and 当场处罚 limits are read with them)."""

    NATURAL = "natural", "自然人"
    ORGANISATION = "organisation", "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    OTHER = "other", "其他证件"


class Case(TimeStamped):
    agency = models.ForeignKey(
        "registry.Agency", verbose_name="办案机关", on_delete=models.PROTECT, related_name="cases"
    )
    number = models.CharField("案号", max_length=60, blank=True, db_index=True)
    number_year = models.PositiveSmallIntegerField("案号年度", null=True, blank=True)
    number_seq = models.PositiveIntegerField("案号序号", null=True, blank=True)
    title = models.CharField("案由", max_length=200)
    procedure = models.CharField("程序", max_length=16, choices=Procedure.choices, default=Procedure.ORDINARY)
    source_type = models.CharField("案源类型", max_length=16, choices=SourceType.choices)
    source_description = models.TextField("案源描述", blank=True)
    source_received_on = models.DateField("案源登记日期")
    domain = models.ForeignKey(
        "registry.EnforcementDomain", verbose_name="执法领域", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REGISTERED)
    filed_on = models.DateField("立案日期", null=True, blank=True)
    not_filed_reason = models.TextField("不予立案理由", blank=True)
    hearing_right = models.BooleanField("当事人享有听证权利", default=False)
    collective_required = models.BooleanField("须经集体讨论", default=False)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    archived_on = models.DateField("归档日期", null=True, blank=True)
    # Issued 文书 (zhifa.documents IssuedDocument.pk; no FK so that documents does not depend on cases).
    filing_document_id = models.BigIntegerField("立案审批表", null=True, blank=True)
    closing_document_id = models.BigIntegerField("结案审批表", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_agency_field = "agency"
    scope_edit_roles = {
        "create": {Role.OFFICER, Role.HEAD},
        "change": {Role.OFFICER, Role.HEAD, Role.REVIEWER},
    }

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "number_year", "number_seq"],
                condition=Q(number_seq__isnull=False),
                name="case_number_unique_per_agency_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number or '（未立案）'} {self.title}"

    @property
    def display_number(self) -> str:
        return self.number or f"案源{self.pk}"


class CaseNumberCounter(models.Model):
    """The last 案号 sequence number an agency issued in a year; locked while the next one is issued."""

    agency = models.ForeignKey("registry.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="case_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last}"


class PartyQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """A party is seen by whoever sees one of its cases, and by the agency that registered it."""
        role = user_role(user)
        if role is None:
            return self.none()
        if role == Role.ADMIN:
            return self.all()
        cases = Case.objects.filter(visible_q(Case, user))
        q = Q(pk__in=CaseParty.objects.filter(case__in=cases).values("party_id"))
        if getattr(user, "agency_id", None) and role in (Role.OFFICER, Role.HEAD, Role.REVIEWER):
            q |= Q(registered_by_id=user.agency_id)
        return self.filter(q)


class Party(TimeStamped):
    """One 执法对象, identified by its USCC or ID number, reused by every case about it."""

    kind = models.CharField("当事人类型", max_length=24, choices=PartyKind.choices)
    name = models.CharField("名称/姓名", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    id_type = models.CharField("证件类型", max_length=16, choices=IdType.choices, blank=True)
    id_number = models.CharField("证件号码", max_length=40, blank=True)
    legal_representative = models.CharField("法定代表人/负责人/经营者", max_length=60, blank=True)
    address = models.CharField("住所/地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    registered_by = models.ForeignKey(
        "registry.Agency", verbose_name="登记机关", on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager.from_queryset(PartyQuerySet)()
    scope_agency_field = "registered_by"
    scope_edit_roles = {"create": {Role.OFFICER, Role.HEAD}}

    class Meta:
        verbose_name = "执法对象"
        verbose_name_plural = "执法对象"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="party_uscc_unique"),
            models.UniqueConstraint(
                fields=["id_type", "id_number"], condition=~Q(id_number=""), name="party_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        return self.uscc or self.id_number

    @property
    def is_natural(self) -> bool:
        # 个体工商户 is a natural person doing business (民法典第五十四条): the 公民 limits apply.
        return self.kind in (PartyKind.NATURAL, PartyKind.INDIVIDUAL_BUSINESS)


class CaseParty(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_parties")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="case_links")
    added_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "party"], name="case_party_unique")]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.party_id}"


class CaseOfficer(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSIST = "assist", "协办"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_officers")
    officer = models.ForeignKey("registry.Officer", on_delete=models.PROTECT, related_name="case_links")
    role = models.CharField("分工", max_length=8, choices=Role.choices)
    assigned_at = models.DateTimeField("指派时间", auto_now_add=True)
    removed_at = models.DateTimeField("撤出时间", null=True, blank=True)
    removed_reason = models.CharField("撤出原因", max_length=200, blank=True)

    class Meta:
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "officer"], condition=Q(removed_at__isnull=True), name="case_officer_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer_id}（{self.get_role_display()}）"


class Recusal(TimeStamped):
    """回避 (行政处罚法第四十三条): the officer withdraws or the party applies; the agency head decides."""

    class By(models.TextChoices):
        OFFICER = "officer", "执法人员自行回避"
        PARTY = "party", "当事人申请回避"

    class Status(models.TextChoices):
        PENDING = "pending", "待决定"
        GRANTED = "granted", "决定回避"
        REJECTED = "rejected", "驳回申请"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    officer = models.ForeignKey("registry.Officer", on_delete=models.PROTECT, related_name="+")
    requested_by = models.CharField("提出方", max_length=8, choices=By.choices)
    reason = models.TextField("理由")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_note = models.TextField("决定意见", blank=True)

    class Meta:
        ordering = ["-created_at"]


class EvidenceKind(models.TextChoices):
    """行政处罚法第四十六条."""

    DOCUMENTARY = "documentary", "书证"
    PHYSICAL = "physical", "物证"
    AUDIOVISUAL = "audiovisual", "视听资料"
    ELECTRONIC = "electronic", "电子数据"
    WITNESS = "witness", "证人证言"
    PARTY_STATEMENT = "party_statement", "当事人的陈述"
    EXPERT_OPINION = "expert_opinion", "鉴定意见"
    INSPECTION_RECORD = "inspection_record", "勘验笔录"
    ONSITE_RECORD = "onsite_record", "现场笔录"


AV_KINDS = frozenset({EvidenceKind.AUDIOVISUAL, EvidenceKind.ELECTRONIC})


class Evidence(TimeStamped):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField("证据种类", max_length=20, choices=EvidenceKind.choices)
    title = models.CharField("名称", max_length=200)
    description = models.TextField("说明", blank=True)
    blob = models.ForeignKey(
        "files.Blob", verbose_name="文件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField("文件名", max_length=200, blank=True)
    step = models.CharField("执法环节", max_length=32, choices=AVStep.choices, blank=True)
    recorded_at = models.DateTimeField("记录时间")
    device = models.CharField("记录设备", max_length=100, blank=True)
    officer = models.ForeignKey(
        "registry.Officer",
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField("地点", max_length=200, blank=True)

    class Meta:
        verbose_name = "证据"
        verbose_name_plural = "证据"
        ordering = ["recorded_at", "pk"]

    @property
    def is_av(self) -> bool:
        if self.kind in AV_KINDS:
            return True
        ct = self.blob.content_type if self.blob_id else ""
        return ct.startswith(("video/", "audio/"))


class Measure(TimeStamped):
    """查封、扣押 (行政强制法第二十五条) and 先行登记保存 (行政处罚法第五十六条)."""

    class Kind(models.TextChoices):
        SEAL = "seal", "查封"
        SEIZE = "seize", "扣押"
        PRESERVE = "preserve", "先行登记保存"

    class Status(models.TextChoices):
        ACTIVE = "active", "实施中"
        RELEASED = "released", "已解除/已处理"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField("措施", max_length=10, choices=Kind.choices)
    items = models.TextField("财物/证据清单")
    started_on = models.DateField("实施日期")
    due_on = models.DateField("期限届满日")
    extended = models.BooleanField("已批准延长", default=False)
    extension_reason = models.TextField("延长理由", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    released_on = models.DateField("解除/处理日期", null=True, blank=True)
    outcome = models.TextField("处理结果", blank=True)
    av_evidence = models.ForeignKey(
        Evidence, verbose_name="音像记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_id = models.BigIntegerField("先行登记保存通知书/查封扣押决定书", null=True, blank=True)

    class Meta:
        ordering = ["started_on", "pk"]


class Interview(TimeStamped):
    """询问笔录 / 现场检查: the record of a step (118号: 执法办案场所询问 needs full audio/video)."""

    class RecordKind(models.TextChoices):
        INQUIRY = "inquiry", "询问笔录"
        ON_SITE = "on_site", "现场笔录"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interviews")
    record_kind = models.CharField("笔录种类", max_length=10, choices=RecordKind.choices, default="inquiry")
    in_case_room = models.BooleanField("在执法办案场所", default=False)
    person = models.CharField("被询问人", max_length=100)
    held_at = models.DateTimeField("时间")
    place = models.CharField("地点", max_length=200)
    record = models.TextField("笔录内容")
    av_evidence = models.ForeignKey(
        Evidence, verbose_name="音像记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_id = models.BigIntegerField("笔录文书", null=True, blank=True)


class Notice(TimeStamped):
    """事先告知 (行政处罚法第四十四条) including the 听证告知 when the party has the hearing right (第六十三条)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    served_on = models.DateField("告知送达日期")
    facts = models.TextField("违法事实、理由及依据")
    proposed_kinds = models.JSONField("拟处罚种类", default=list)
    proposed_fine = models.DecimalField(
        "拟罚款金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    proposed_confiscation = models.DecimalField(
        "拟没收金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    hearing_right = models.BooleanField("告知听证权利", default=False)
    reply_due_on = models.DateField("陈述申辩（听证申请）期限")
    document_id = models.BigIntegerField("行政处罚告知书", null=True, blank=True)
    hearing_document_id = models.BigIntegerField("听证告知书", null=True, blank=True)

    class Meta:
        ordering = ["-served_on", "-pk"]


class Statement(TimeStamped):
    class Kind(models.TextChoices):
        STATEMENT = "statement", "陈述、申辩"
        WAIVER = "waiver", "放弃陈述、申辩和听证"
        HEARING_REQUEST = "hearing_request", "要求听证"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="statements")
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="statements")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    received_on = models.DateField("收到日期")
    content = models.TextField("内容", blank=True)
    adopted = models.BooleanField("意见被采纳", null=True, blank=True)


class Hearing(TimeStamped):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    scheduled_for = models.DateField("举行日期")
    notified_on = models.DateField("通知日期")
    place = models.CharField("地点", max_length=200)
    public = models.BooleanField("公开举行", default=True)
    host = models.ForeignKey(
        "registry.Officer", verbose_name="主持人", on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField("实际举行日期", null=True, blank=True)
    record = models.TextField("听证笔录", blank=True)
    document_id = models.BigIntegerField("听证笔录文书", null=True, blank=True)


class CollectiveDiscussion(TimeStamped):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="discussions")
    held_on = models.DateField("讨论日期")
    participants = models.TextField("参加人员")
    conclusion = models.TextField("讨论结论")


class Decision(TimeStamped):
    """行政处罚法第五十七条 outcomes; penalties with 第九条 kinds and amounts."""

    class Revision(models.TextChoices):
        CHANGED = "changed", "变更"
        REVOKED = "revoked", "撤销"
        CONFIRMED_ILLEGAL = "confirmed_illegal", "确认违法"
        CONFIRMED_VOID = "confirmed_void", "确认无效"
        REMADE = "remade", "责令重新作出"

    class RevisedBy(models.TextChoices):
        SELF = "self", "本机关（自行纠正）"
        RECONSIDERATION = "reconsideration", "行政复议机关"
        COURT = "court", "人民法院"
        SUPERVISION = "supervision", "上级行政机关/执法监督机关"

    class Outcome(models.TextChoices):
        PENALTY = "penalty", "给予行政处罚"
        NO_PENALTY = "no_penalty", "不予行政处罚"
        NOT_ESTABLISHED = "not_established", "违法事实不能成立，不予行政处罚"
        TRANSFER = "transfer", "移送司法机关"

    class NoPenaltyGround(models.TextChoices):
        """行政处罚法第三十三条."""

        MINOR_CORRECTED = "minor_corrected", "违法行为轻微并及时改正，没有造成危害后果（第三十三条第一款）"
        FIRST_MINOR = "first_minor", "初次违法且危害后果轻微并及时改正（第三十三条第一款）"
        NO_FAULT = "no_fault", "有证据足以证明没有主观过错（第三十三条第二款）"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField("处理结果", max_length=20, choices=Outcome.choices)
    penalty_kinds = models.JSONField("处罚种类", default=list)
    fine_amount = models.DecimalField("罚款（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    confiscation_amount = models.DecimalField(
        "没收违法所得（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    no_penalty_ground = models.CharField(
        "不予处罚理由", max_length=20, choices=NoPenaltyGround.choices, blank=True
    )
    transfer_to = models.CharField("移送机关", max_length=120, blank=True)
    facts = models.TextField("违法事实和证据")
    basis = models.TextField("处罚依据", blank=True)
    decided_on = models.DateField("决定日期")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    onsite = models.BooleanField("当场处罚", default=False)
    # The issued 行政处罚决定书 / 当场处罚决定书 (zhifa.documents IssuedDocument.pk).
    document_id = models.BigIntegerField("决定书", null=True, blank=True)
    # A decision changed, revoked, confirmed illegal or void, or remade after it was made (by the agency itself, a
    # 复议机关 or a court). The portal withdraws its publication within 3 working days (domain.md §3.4).
    revision = models.CharField("决定变更情况", max_length=20, choices=Revision.choices, blank=True)
    revised_on = models.DateField("变更/撤销日期", null=True, blank=True)
    revised_by = models.CharField("作出变更/撤销的机关", max_length=16, choices=RevisedBy.choices, blank=True)
    revision_reason = models.TextField("变更/撤销理由", blank=True)

    @property
    def kinds_display(self) -> str:
        labels = dict(PenaltyKind.choices)
        return "、".join(labels.get(k, k) for k in self.penalty_kinds)


class Service(TimeStamped):
    """送达 (行政处罚法第六十一条)."""

    class Method(models.TextChoices):
        ON_SPOT = "on_spot", "当场交付"
        DIRECT = "direct", "直接送达"
        LEAVING = "leaving", "留置送达"
        MAIL = "mail", "邮寄送达"
        ELECTRONIC = "electronic", "电子送达（经当事人同意）"
        ENTRUSTED = "entrusted", "委托送达"
        NOTICE = "notice", "公告送达"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    document = models.CharField("送达文书", max_length=100, default="行政处罚决定书")
    method = models.CharField("送达方式", max_length=12, choices=Method.choices)
    served_on = models.DateField("送达日期")
    recipient = models.CharField("受送达人", max_length=100)
    av_evidence = models.ForeignKey(
        Evidence, verbose_name="音像记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_id = models.BigIntegerField("送达回证", null=True, blank=True)


class Execution(TimeStamped):
    """执行: payment within 15 days (第六十七条), 加处罚款 (第七十二条), 延期/分期 (第六十六条), court enforcement."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="execution")
    fine_amount = models.DecimalField("应缴罚没款（元）", max_digits=14, decimal_places=2, default=0)
    due_on = models.DateField("缴纳期限", null=True, blank=True)
    arrangement = models.CharField(
        "延期/分期",
        max_length=12,
        blank=True,
        choices=[("deferral", "延期缴纳"), ("installment", "分期缴纳")],
    )
    arrangement_note = models.TextField("延期/分期说明", blank=True)
    court_applied_on = models.DateField("申请法院强制执行日期", null=True, blank=True)
    court = models.CharField("受理法院", max_length=120, blank=True)
    non_monetary_done_on = models.DateField("其他处罚执行完毕日期", null=True, blank=True)


class Payment(TimeStamped):
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField("缴款日期")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    late_fee_part = models.DecimalField("其中加处罚款（元）", max_digits=14, decimal_places=2, default=0)
    receipt = models.CharField("票据号", max_length=60, blank=True)


class CaseDeadline(TimeStamped):
    """A step's due date from the deadlines engine, with the rule version and the explanation it gave."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        MET = "met", "已完成"
        CANCELLED = "cancelled", "已撤销"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    key = models.CharField("环节", max_length=40)
    label = models.CharField("事项", max_length=100)
    rule = models.ForeignKey("deadlines.PeriodRule", on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField("规则代码", max_length=60)
    rule_valid_from = models.DateField("规则版本")
    start = models.DateField("起算日")
    due_on = models.DateField("届满日")
    explanation = models.TextField("计算说明")
    extensions = models.PositiveSmallIntegerField("延长次数", default=0)
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]


class StatutoryLimit(models.Model):
    """A statutory amount or rate, versioned, with the article that sets it (seeded by zhifa.cases.seed)."""

    code = models.CharField("代码", max_length=60)
    name = models.CharField("名称", max_length=100)
    value = models.DecimalField("数值", max_digits=14, decimal_places=2)
    citation = models.ForeignKey("laws.Citation", on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField("适用起始日")
    valid_to = models.DateField("适用截止日", null=True, blank=True)

    class Meta:
        verbose_name = "法定数额"
        verbose_name_plural = "法定数额"
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="statutory_limit_version")]

    def __str__(self) -> str:
        return f"{self.name}：{self.value}"
