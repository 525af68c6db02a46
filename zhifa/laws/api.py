"""Laws API: the public library of laws, articles and citations; importing a statute (administrators and
Justice Bureau supervisors maintain the library)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from zhifa.api.auth import OPTIONAL
from zhifa.core.scoping import get_visible
from zhifa.laws import services
from zhifa.laws.models import Article, Citation, Law

router = Router()


class LawOut(Schema):
    id: int
    code: str
    title: str
    short_title: str
    level: str
    level_label: str = Field(..., alias="get_level_display")
    issuer: str
    version_date: dt.date
    effective_from: dt.date | None
    status: str
    supersedes_id: int | None
    article_count: int

    @staticmethod
    def resolve_article_count(obj):
        return obj.articles.count()


class ArticleOut(Schema):
    number: int
    label: str
    chapter: str
    section: str
    text: str


class CitationOut(Schema):
    id: int
    law_id: int
    article_number: int
    paragraph: int
    item: int
    text: str
    quoted_text: str

    @staticmethod
    def resolve_text(obj):
        return str(obj)


class LawImportIn(Schema):
    code: str
    text: str = Field(..., description="法规全文（“第X条 ……”格式，可含 ## 章、### 节 标题）")
    level: str
    issuer: str
    version_date: dt.date
    effective_from: dt.date | None = None
    short_title: str = ""


@router.get("/", response=list[LawOut], auth=OPTIONAL, summary="法律法规")
@paginate(PageNumberPagination, page_size=50)
def list_laws(
    request: HttpRequest, level: str | None = None, status: str | None = None, q: str | None = None
):
    qs = Law.objects.visible_to(request.user)
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title__contains=q)
    return qs


@router.get("/citations/{citation_id}", response=CitationOut, auth=OPTIONAL, summary="法律依据")
def get_citation(request: HttpRequest, citation_id: int):
    return get_visible(Citation.objects.select_related("law"), request.user, channel="api", pk=citation_id)


@router.get("/{law_id}", response=LawOut, auth=OPTIONAL, summary="法规详情")
def get_law(request: HttpRequest, law_id: int):
    return get_visible(Law, request.user, channel="api", pk=law_id)


@router.get("/{law_id}/articles", response=list[ArticleOut], auth=OPTIONAL, summary="条文")
def list_articles(request: HttpRequest, law_id: int, number: int | None = None):
    law = get_visible(Law, request.user, channel="api", pk=law_id)
    qs = Article.objects.filter(law=law)
    if number is not None:
        qs = qs.filter(number=number)
    return qs


@router.post("/", response={201: LawOut}, summary="导入法规（系统管理员、司法局）")
def import_law(request: HttpRequest, data: LawImportIn):
    law = services.import_statute(
        data.text,
        code=data.code,
        level=data.level,
        issuer=data.issuer,
        version_date=data.version_date,
        effective_from=data.effective_from,
        short_title=data.short_title,
        user=request.user,
    )
    return Status(201, law)
