"""Services of the laws library: importing statutes and resolving citations."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from zhifa.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhifa.core.roles import Role
from zhifa.core.scoping import record_denied, user_role
from zhifa.laws.models import Article, Citation, Law
from zhifa.laws.parsing import parse_statute
from zhifa.laws.statutes import BUNDLED, DATA_DIR
from zhifa.ledger.services import SYSTEM, Actor, append


def current_version(code: str) -> Law:
    law = Law.objects.filter(code=code, status=Law.Status.IN_FORCE).order_by("-version_date").first()
    if law is None:
        raise NotFound(f"法律法规库中没有现行有效的“{code}”。", code="law_not_found")
    return law


def cite(code: str, article: int, paragraph: int = 0, item: int = 0) -> Citation:
    """The Citation of the law's current version, article (and paragraph/item); the article must exist."""
    law = current_version(code)
    if not law.articles.filter(number=article).exists():
        raise ValidationFailed(f"《{law.name}》没有第{article}条。", code="article_not_found")
    citation, _ = Citation.objects.get_or_create(
        law=law, article_number=article, paragraph=paragraph or 0, item=item or 0
    )
    return citation


def import_statute(
    text: str,
    *,
    code: str,
    level: str,
    issuer: str,
    version_date: dt.date,
    effective_from: dt.date | None = None,
    short_title: str = "",
    user=None,
) -> Law:
    """Import one version of a statute with its articles. A newer version supersedes the current one.

    `user` None is the platform itself (bundled statutes); people need the administrator or supervisor role:
    the Justice Bureau maintains the library for its jurisdiction.
    """
    if user is not None and user_role(user) not in (Role.ADMIN, Role.SUPERVISOR):
        record_denied(user, Law, {"code": code}, "create")
        raise PermissionDenied("仅系统管理员和司法局可维护法律法规库。", code="permission_denied")
    actor = Actor.from_user(user) if user is not None else SYSTEM
    parsed = parse_statute(text)
    if not parsed.articles:
        raise ValidationFailed("未能从文本中识别出任何条文（应为“第X条 ……”格式）。", code="no_articles")
    with transaction.atomic():
        if Law.objects.filter(code=code, version_date=version_date).exists():
            raise ValidationFailed(f"{parsed.title}（{version_date}版）已在库中。", code="law_exists")
        previous = Law.objects.filter(code=code, status=Law.Status.IN_FORCE).order_by("-version_date").first()
        law = Law.objects.create(
            code=code,
            title=parsed.title,
            short_title=short_title,
            level=level,
            issuer=issuer,
            version_date=version_date,
            effective_from=effective_from,
            history="\n".join(parsed.history),
            supersedes=previous if previous and previous.version_date < version_date else None,
        )
        Article.objects.bulk_create(
            Article(law=law, number=a.number, chapter=a.chapter, section=a.section, text=a.text)
            for a in parsed.articles
        )
        if law.supersedes:
            previous.status = Law.Status.AMENDED
            previous.effective_to = effective_from or version_date
            previous.save(update_fields=["status", "effective_to", "updated_at"])
        append(
            "laws.law_imported",
            actor=actor,
            subject=law,
            payload={
                "code": code,
                "title": law.title,
                "version_date": version_date,
                "articles": len(parsed.articles),
                "supersedes": previous.pk if law.supersedes else None,
            },
        )
    return law


def import_bundled() -> list[Law]:
    """Load the national statutes shipped in zhifa/laws/data that are not yet in the library."""
    loaded = []
    for spec in BUNDLED:
        version_date = dt.date.fromisoformat(spec["version_date"])
        if Law.objects.filter(code=spec["code"], version_date=version_date).exists():
            continue
        loaded.append(
            import_statute(
                (DATA_DIR / spec["file"]).read_text(encoding="utf-8"),
                code=spec["code"],
                level=spec["level"],
                issuer=spec["issuer"],
                version_date=version_date,
                effective_from=dt.date.fromisoformat(spec["effective_from"]),
                short_title=spec["short_title"],
            )
        )
    return loaded
