"""法律法规库: laws (one row per version), their articles, and the `Citation` every rule elsewhere points to."""

from __future__ import annotations

import re

from django.db import models

from zhifa.core.models import TimeStamped
from zhifa.core.scoping import ScopedManager
from zhifa.laws.parsing import int_to_cn

ITEM_RE = re.compile(r"^（[一二三四五六七八九十]+）")


class Law(TimeStamped):
    class Level(models.TextChoices):
        LAW = "law", "法律"
        ADMIN_REGULATION = "admin_regulation", "行政法规"
        LOCAL_REGULATION = "local_regulation", "地方性法规"
        DEPARTMENT_RULE = "department_rule", "部门规章"
        LOCAL_RULE = "local_rule", "地方政府规章"
        NORMATIVE_DOCUMENT = "normative_document", "规范性文件"

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "现行有效"
        AMENDED = "amended", "已被修改"
        REPEALED = "repealed", "已废止"
        NOT_YET = "not_yet", "尚未生效"

    code = models.SlugField("标识", max_length=100, help_text="同一法规各版本共用")
    title = models.CharField("名称", max_length=200)
    short_title = models.CharField("简称", max_length=60, blank=True)
    level = models.CharField("效力级别", max_length=32, choices=Level.choices)
    issuer = models.CharField("制定机关", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True)
    version_date = models.DateField("版本日期（通过/修订/修正）")
    effective_from = models.DateField("施行日期", null=True, blank=True)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    status = models.CharField("时效性", max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    history = models.TextField("制定修改沿革", blank=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name="上一版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    jurisdiction_code = models.CharField(
        "适用区域代码", max_length=12, blank=True, help_text="地方性法规/规章"
    )

    objects = ScopedManager()
    scope_agency_field = None

    class Meta:
        verbose_name = "法律法规"
        verbose_name_plural = "法律法规"
        ordering = ["level", "code", "-version_date"]
        constraints = [models.UniqueConstraint(fields=["code", "version_date"], name="law_version_unique")]

    @classmethod
    def scope_public_q(cls):
        return models.Q()  # legislation is public

    def __str__(self) -> str:
        return f"{self.title}（{self.version_date:%Y}年版）"

    @property
    def name(self) -> str:
        return self.short_title or self.title


class Article(models.Model):
    law = models.ForeignKey(Law, verbose_name="法规", on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveIntegerField("条号")
    chapter = models.CharField("章", max_length=100, blank=True)
    section = models.CharField("节", max_length=100, blank=True)
    text = models.TextField("条文")

    objects = ScopedManager()
    scope_agency_field = None

    class Meta:
        verbose_name = "条文"
        verbose_name_plural = "条文"
        ordering = ["law", "number"]
        constraints = [models.UniqueConstraint(fields=["law", "number"], name="article_number_unique")]

    @classmethod
    def scope_public_q(cls):
        return models.Q()

    @property
    def label(self) -> str:
        return f"第{int_to_cn(self.number)}条"

    @property
    def paragraphs(self) -> list[list[str]]:
        """The article's 款, each a list of lines: the paragraph's own text, then its 项 ("（一）…")."""
        groups: list[list[str]] = []
        for line in self.text.split("\n"):
            if ITEM_RE.match(line) and groups:
                groups[-1].append(line)
            else:
                groups.append([line])
        return groups

    def __str__(self) -> str:
        return f"《{self.law.name}》{self.label}"


class Citation(models.Model):
    """Law + article, optionally paragraph (款) and item (项). Rules elsewhere cite through this row."""

    law = models.ForeignKey(Law, verbose_name="法规", on_delete=models.PROTECT, related_name="citations")
    article_number = models.PositiveIntegerField("条")
    paragraph = models.PositiveIntegerField("款", default=0, help_text="0 = 不指定款")
    item = models.PositiveIntegerField("项", default=0, help_text="0 = 不指定项")

    objects = ScopedManager()
    scope_agency_field = None

    class Meta:
        verbose_name = "法律依据"
        verbose_name_plural = "法律依据"
        constraints = [
            models.UniqueConstraint(
                fields=["law", "article_number", "paragraph", "item"],
                name="citation_unique",
            )
        ]

    @classmethod
    def scope_public_q(cls):
        return models.Q()

    def __str__(self) -> str:
        text = f"《{self.law.name}》第{int_to_cn(self.article_number)}条"
        if self.paragraph:
            text += f"第{int_to_cn(self.paragraph)}款"
        if self.item:
            text += f"第（{int_to_cn(self.item)}）项"
        return text

    @property
    def article(self) -> Article | None:
        return self.law.articles.filter(number=self.article_number).first()

    @property
    def quoted_text(self) -> str:
        """The cited words: the paragraph when one is named, otherwise the whole article."""
        article = self.article
        if article is None:
            return ""
        groups = article.paragraphs
        if self.paragraph and self.paragraph > len(groups):
            return ""
        lines = groups[self.paragraph - 1] if self.paragraph else [line for g in groups for line in g]
        if self.item:
            marker = f"（{int_to_cn(self.item)}）"
            return next((line for line in lines if line.startswith(marker)), "")
        return "\n".join(lines)
