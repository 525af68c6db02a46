"""Atom feeds of the published decisions (all, per body, per category), built with django.utils.feedgenerator.

Only published items with their approved redacted version; a withdrawn or expired item leaves the feed.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from zhifa.portal.models import Category, Publication
from zhifa.portal.services import public_text, public_title
from zhifa.registry.models import Agency

FEED_SIZE = 50


def _feed(request, *, title: str, link: str, qs) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    feed = Atom1Feed(
        title=title,
        link=base + link,
        description=title,
        language="zh-cn",
        feed_url=request.build_absolute_uri(),
        feed_guid=request.build_absolute_uri(),
    )
    items = list(
        qs.filter(status=Publication.Status.PUBLISHED)
        .select_related("agency", "current")
        .order_by("-published_at", "-pk")[:FEED_SIZE]
    )
    for pub in items:
        f = pub.current.fields
        url = f"{base}/decisions/{pub.pk}/"
        updated = pub.current.approved_at or pub.published_at
        feed.add_item(
            title=public_title(f),
            link=url,
            description=public_text(f),
            unique_id=url,
            pubdate=pub.published_at,
            updateddate=updated,
            author_name=pub.agency.name,
            categories=[pub.get_category_display()],
        )
    if not items:
        feed.latest_post_date = lambda: timezone.make_aware(dt.datetime(2019, 1, 3))  # stable for empty feeds
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


def all_feed(request):
    return _feed(request, title="行政执法决定公示", link="/decisions/", qs=Publication.objects.all())


def agency_feed(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    return _feed(
        request,
        title=f"{agency.name} 行政执法决定公示",
        link=f"/decisions/?agency={agency.pk}",
        qs=Publication.objects.filter(agency=agency),
    )


def category_feed(request, category: str):
    if category not in Category.values:
        raise Http404
    return _feed(
        request,
        title=f"{Category(category).label}决定公示",
        link=f"/decisions/?category={category}",
        qs=Publication.objects.filter(category=category),
    )
