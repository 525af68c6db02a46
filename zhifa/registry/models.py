"""执法主体和人员库: jurisdictions, enforcement bodies, officers, certificates, training, users and roles."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from zhifa.core.models import TimeStamped
from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedManager, ScopedQuerySet


class Jurisdiction(models.Model):
    """A node of the administrative division tree (GB/T 2260 codes; 9/12-digit codes for 乡镇/街道)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, "自治区/省"
        PREFECTURE = 2, "州/市"
        COUNTY = 3, "县/市/区"
        TOWNSHIP = 4, "乡镇/街道"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes, "/65/6523/652301/": a subtree is `path__startswith`.
    path = models.CharField("路径", max_length=255, unique=True, editable=False)

    objects = ScopedManager()
    scope_agency_field = None

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    @classmethod
    def scope_public_q(cls):
        return models.Q()

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent else "/") + self.code + "/"
        super().save(*args, **kwargs)

    def ancestors(self) -> list[Jurisdiction]:
        codes = [c for c in self.path.strip("/").split("/")]
        by_code = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def subtree(self):
        return Jurisdiction.objects.filter(path__startswith=self.path)

    @property
    def full_name(self) -> str:
        return "".join(j.name for j in self.ancestors())


class EnforcementDomain(models.Model):
    """执法领域/执法类别 (市场监管, 生态环境 …): what a certificate covers and a body enforces."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)

    class Meta:
        verbose_name = "执法领域"
        verbose_name_plural = "执法领域"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Agency(TimeStamped):
    """An enforcement body (执法主体)."""

    class Kind(models.TextChoices):
        STATUTORY = "statutory", "法定行政机关"
        AUTHORIZED = "authorized", "法律法规授权组织"
        ENTRUSTED = "entrusted", "受委托组织"

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        MERGED = "merged", "已合并/撤并"
        ABOLISHED = "abolished", "已撤销"

    name = models.CharField("名称", max_length=120)
    short_name = models.CharField("文书简称", max_length=20, help_text="文书编号用，如“昌市监”")
    kind = models.CharField("主体类别", max_length=16, choices=Kind.choices, default=Kind.STATUTORY)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="所属区划", on_delete=models.PROTECT, related_name="agencies"
    )
    sector = models.CharField("行业领域", max_length=40, blank=True, help_text="与较大数额标准表的行业对应")
    domains = models.ManyToManyField(
        EnforcementDomain, verbose_name="执法领域", blank=True, related_name="agencies"
    )
    is_justice_bureau = models.BooleanField("司法行政部门（执法监督机构）", default=False)
    entrusted_by = models.ForeignKey(
        "self",
        verbose_name="委托机关",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entrusted_bodies",
    )
    predecessors = models.ManyToManyField(
        "self", verbose_name="前身机构", symmetrical=False, blank=True, related_name="successors"
    )
    basis = models.ManyToManyField(
        "laws.Citation", verbose_name="设立及职权依据", blank=True, related_name="+"
    )
    duties = models.TextField("职责", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    remedy_channels = models.TextField("救济渠道", blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()
    scope_agency_field = ""  # the row is the agency
    scope_edit_roles = {"change": {Role.HEAD, Role.SUPERVISOR}}

    class Meta:
        verbose_name = "执法主体"
        verbose_name_plural = "执法主体"
        ordering = ["jurisdiction__path", "name"]

    @classmethod
    def scope_public_q(cls):
        return models.Q()  # 事前公示: bodies are public information

    def __str__(self) -> str:
        return self.name


class Officer(TimeStamped):
    """An enforcement officer (执法人员). Personal identifiers stay internal; the portal shows name and 证号."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在岗"
        TRANSFERRED = "transferred", "调离"
        RETIRED = "retired", "退休"

    agency = models.ForeignKey(
        Agency, verbose_name="所属机关", on_delete=models.PROTECT, related_name="officers"
    )
    name = models.CharField("姓名", max_length=40)
    gender = models.CharField("性别", max_length=2, blank=True, choices=[("男", "男"), ("女", "女")])
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    post = models.CharField("岗位", max_length=60, blank=True)
    domains = models.ManyToManyField(
        EnforcementDomain, verbose_name="执法领域", blank=True, related_name="officers"
    )
    legal_qualification = models.BooleanField("具有法律职业资格", default=False)
    legal_qualification_number = models.CharField("法律职业资格证书编号", max_length=40, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()
    scope_agency_field = "agency"
    scope_edit_roles = {"change": {Role.HEAD, Role.SUPERVISOR}, "create": {Role.HEAD, Role.SUPERVISOR}}

    class Meta:
        verbose_name = "执法人员"
        verbose_name_plural = "执法人员"
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.agency.short_name}）"

    def valid_certificate(self, on: dt.date | None = None, domain: EnforcementDomain | None = None):
        on = on or timezone.localdate()
        qs = self.certificates.valid_on(on)
        if domain is not None:
            qs = qs.filter(domains=domain)
        return qs.first()


class CertificateQuerySet(ScopedQuerySet):
    def valid_on(self, on: dt.date):
        return self.filter(status=Certificate.Status.VALID, valid_from__lte=on, valid_until__gte=on)

    def expiring_within(self, on: dt.date, days: int):
        return self.valid_on(on).filter(valid_until__lte=on + dt.timedelta(days=days))


class Certificate(TimeStamped):
    """行政执法证 (司办通〔2020〕78号 national format). Expiry is by date; suspension/revocation by act."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        SUSPENDED = "suspended", "暂扣"
        REVOKED = "revoked", "注销/吊销"

    class Effective(models.TextChoices):
        VALID = "valid", "有效"
        EXPIRED = "expired", "已过期"
        SUSPENDED = "suspended", "暂扣"
        REVOKED = "revoked", "注销/吊销"
        NOT_YET = "not_yet", "尚未生效"

    class Qualification(models.TextChoices):
        EXAM = "exam", "考试合格"
        EXEMPT = "exempt", "免考（具有法律职业资格）"

    number = models.CharField("证号", max_length=40, unique=True)
    officer = models.ForeignKey(
        Officer, verbose_name="持证人", on_delete=models.PROTECT, related_name="certificates"
    )
    domains = models.ManyToManyField(EnforcementDomain, verbose_name="执法领域", related_name="certificates")
    issuer = models.CharField("发证机关", max_length=120)
    valid_from = models.DateField("有效期自")
    valid_until = models.DateField("有效期至")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField("状态变更原因", max_length=200, blank=True)
    qualification = models.CharField(
        "取得方式", max_length=16, choices=Qualification.choices, default=Qualification.EXAM
    )
    exam_passed_on = models.DateField("考试合格日期", null=True, blank=True)

    objects = ScopedManager.from_queryset(CertificateQuerySet)()
    scope_agency_field = "officer__agency"
    scope_edit_roles = {"change": {Role.SUPERVISOR}, "create": {Role.SUPERVISOR}}

    class Meta:
        verbose_name = "行政执法证"
        verbose_name_plural = "行政执法证"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="certificate_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def effective_status(self, on: dt.date | None = None) -> str:
        on = on or timezone.localdate()
        if self.status != self.Status.VALID:
            return self.status
        if on < self.valid_from:
            return self.Effective.NOT_YET
        if on > self.valid_until:
            return self.Effective.EXPIRED
        return self.Effective.VALID

    def get_effective_status_display(self, on: dt.date | None = None) -> str:
        return self.Effective(self.effective_status(on)).label


class TrainingRecord(TimeStamped):
    officer = models.ForeignKey(
        Officer, verbose_name="执法人员", on_delete=models.CASCADE, related_name="trainings"
    )
    title = models.CharField("培训名称", max_length=200)
    organiser = models.CharField("组织单位", max_length=120)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    completed_on = models.DateField("完成日期")
    passed = models.BooleanField("考核合格", default=True)

    objects = ScopedManager()
    scope_agency_field = "officer__agency"
    scope_edit_roles = {"create": {Role.HEAD, Role.SUPERVISOR}}

    class Meta:
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        ordering = ["-completed_on"]

    def __str__(self) -> str:
        return self.title


class ZhifaUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person (or machine client) who signs in. Officers' users are linked to their Officer record."""

    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.OFFICER)
    display_name = models.CharField("姓名", max_length=40, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name="所属机关", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="监督区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="司法局监督人员和上级平台：可见该区域及其下级；为空时取所属机关的区划",
    )
    officer = models.OneToOneField(
        Officer,
        verbose_name="对应执法人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    objects = ZhifaUserManager()
    scope_agency_field = "agency"
    scope_edit_roles = {"change": {Role.HEAD}}

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def scope_jurisdiction(self) -> Jurisdiction | None:
        if self.jurisdiction_id:
            return self.jurisdiction
        return self.agency.jurisdiction if self.agency_id else None

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role in Role.values else self.role


class ApiToken(TimeStamped):
    """A bearer token for machine clients. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
