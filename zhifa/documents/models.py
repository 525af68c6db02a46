"""执法文书: kinds, templates per agency, gapless numbering, issued (signed) documents and agencies' signing keys.

An issued document never changes: its PDF is a content-addressed Blob, its digests are on the ledger, and a
correction is a new IssuedDocument whose `corrects` points to the original.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedManager, ScopedQuerySet, _territory_q, user_role


class DocumentKind(models.Model):
    """A kind of 文书 (立案审批表, 行政处罚决定书 …). Rows are data an administrator may edit (prefix, fields)."""

    code = models.SlugField("代码", max_length=60, unique=True)
    name = models.CharField("文书名称", max_length=60)
    number_prefix = models.CharField(
        "文号前缀", max_length=10, blank=True, help_text="接在机关文书简称之后，如“罚”；为空则不编号"
    )
    number_format = models.CharField(
        "文号格式",
        max_length=60,
        default="{short}{prefix}〔{year}〕{n}号",
        help_text="可用 {short} {prefix} {year} {n}",
    )
    required_fields = models.JSONField(
        "必备内容",
        default=list,
        blank=True,
        help_text='[{"key": "party_name", "label": "当事人", "item": 1}, …]',
    )
    citation = models.ForeignKey(
        "laws.Citation",
        verbose_name="内容依据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "文书种类"
        verbose_name_plural = "文书种类"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def numbered(self) -> bool:
        return bool(self.number_prefix)


class TemplateQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Platform defaults (agency empty) are visible to all staff; agency templates follow the agency scope."""
        if user_role(user) is None:
            return self.none()
        return self.filter(models.Q(agency__isnull=True) | _territory_q(DocumentTemplate, user))


class DocumentTemplate(models.Model):
    """A template of one kind for one agency (agency empty: a platform default overriding the shipped file).

    HTML templates use the Django template language in a sandbox (only the document's context, no tags or filters
    beyond the built-ins, no includes except the shipped layout). Word templates (.docx, docxtpl placeholders) are
    rendered to .docx for editing and printing; the issued, signed document is always the HTML → PDF path.
    """

    class Format(models.TextChoices):
        HTML = "html", "HTML（签章PDF）"
        DOCX = "docx", "Word（docxtpl）"

    agency = models.ForeignKey(
        "registry.Agency", verbose_name="执法主体", null=True, blank=True, on_delete=models.PROTECT,
        related_name="document_templates",
    )  # fmt: skip
    kind = models.ForeignKey(
        DocumentKind, verbose_name="文书种类", on_delete=models.PROTECT, related_name="templates"
    )
    version = models.PositiveIntegerField("版本")
    name = models.CharField("名称", max_length=100)
    format = models.CharField("格式", max_length=8, choices=Format.choices, default=Format.HTML)
    body = models.TextField("HTML模板", blank=True)
    docx = models.ForeignKey(
        "files.Blob",
        verbose_name="Word模板文件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = ScopedManager.from_queryset(TemplateQuerySet)()
    scope_agency_field = "agency"
    scope_edit_roles = {"create": {Role.HEAD}, "change": {Role.HEAD}}

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"
        ordering = ["kind__order", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "format", "version"], name="document_template_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class DocumentNumberSequence(models.Model):
    """The next 文号 number per agency, kind and year. Taken under a row lock inside the issuing transaction, so
    numbers are gapless: a failed issue rolls the increment back with everything else."""

    agency = models.ForeignKey("registry.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.ForeignKey(DocumentKind, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    next_number = models.PositiveIntegerField("下一个编号", default=1)

    class Meta:
        verbose_name = "文书编号"
        verbose_name_plural = "文书编号"
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind", "year"], name="document_number_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.kind_id}/{self.year}: {self.next_number}"


class AgencySigningKey(models.Model):
    """An agency's ECDSA P-256 signing key, certified by the platform CA. The private key is a file under
    settings.ZHIFA_AGENCY_KEY_DIR (default var/keys/agencies/), never in the database."""

    agency = models.ForeignKey(
        "registry.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="signing_keys"
    )
    certificate_pem = models.TextField("证书（PEM）")
    fingerprint = models.CharField("证书指纹（SHA-256）", max_length=64, unique=True)
    serial = models.CharField("证书序列号", max_length=64)
    key_file = models.CharField("私钥文件", max_length=200, help_text="相对于机关密钥目录")
    valid_from = models.DateTimeField("有效期自")
    valid_until = models.DateTimeField("有效期至")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField("吊销原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = ScopedManager()
    scope_agency_field = "agency"

    class Meta:
        verbose_name = "机关签章密钥"
        verbose_name_plural = "机关签章密钥"
        ordering = ["agency", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.agency} {self.fingerprint[:16]}…"


class ImmutableError(Exception):
    pass


class IssuedDocument(models.Model):
    """A signed 文书. Never updated nor deleted; a correction is a new document with `corrects` set."""

    agency = models.ForeignKey(
        "registry.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="issued_documents"
    )
    kind = models.ForeignKey(
        DocumentKind, verbose_name="文书种类", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("标题", max_length=100)
    number = models.CharField("文号", max_length=60, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("序号", null=True, blank=True)
    case_id = models.BigIntegerField("案件", null=True, blank=True, db_index=True)
    blob = models.ForeignKey("files.Blob", verbose_name="签章PDF", on_delete=models.PROTECT, related_name="+")
    sm3 = models.CharField("SM3摘要", max_length=64)
    sha256 = models.CharField("SHA-256摘要", max_length=64)
    size = models.BigIntegerField("字节数")
    signed_at = models.DateTimeField("签章时间")
    signing_key = models.ForeignKey(
        AgencySigningKey, verbose_name="签章密钥", on_delete=models.PROTECT, related_name="documents"
    )
    signer_fingerprint = models.CharField("签章证书指纹", max_length=64)
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name="模板",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    template_label = models.CharField("模板版本", max_length=120, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name="更正的文书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    context = models.JSONField("内容快照", encoder=DjangoJSONEncoder, default=dict)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("签发时间", default=timezone.now)

    objects = ScopedManager()
    scope_agency_field = "agency"
    scope_edit_roles = {"create": {Role.OFFICER, Role.HEAD}}

    class Meta:
        verbose_name = "已签发文书"
        verbose_name_plural = "已签发文书"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="issued_document_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("已签发的文书不可修改，请以更正文书的方式处理。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("已签发的文书不可删除。")
