"""Publications API (/api/v1/portal/).

Public (no login): published items per body and per category, one item (a withdrawn one: only its withdrawal),
the takedown log. Staff: approve (reviewer of the agency). Machine clients: the signed feed the upper-level platform
pulls — canonical JSON signed with the platform's Ed25519 key (the ledger's key) and carrying the latest signed
ledger checkpoint.
"""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from zhifa.api.auth import OPTIONAL, REQUIRED
from zhifa.core.errors import NotFound, PermissionDenied
from zhifa.core.roles import Role
from zhifa.core.scoping import get_visible, record_denied, user_role
from zhifa.portal import services
from zhifa.portal.models import Category, Publication, Takedown

router = Router()

FEED_KIND = "zhifa-portal-feed/v1"
FEED_MAX = 500


class PublicationOut(Schema):
    id: int
    status: str
    category: str
    category_label: str
    agency_id: int
    agency_name: str
    published_on: dt.date | None
    expires_on: dt.date | None
    url: str
    fields: dict

    @staticmethod
    def resolve_category_label(obj):
        return obj.get_category_display()

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name

    @staticmethod
    def resolve_url(obj):
        return f"/decisions/{obj.pk}/"

    @staticmethod
    def resolve_fields(obj):
        return public_fields(obj)


class WithdrawalOut(Schema):
    id: int
    status: str
    agency_name: str
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name


class TakedownOut(Schema):
    id: int
    publication_id: int
    agency_id: int
    agency_name: str
    category: str
    title: str
    document_number: str
    revision: str
    revision_label: str
    revised_by_label: str
    revised_on: dt.date | None
    reason: str
    due_on: dt.date | None
    withdrawn_on: dt.date
    on_time: bool

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name


class ApproveIn(Schema):
    fields: dict | None = None


def public_fields(pub: Publication) -> dict:
    """The approved redacted version only (never the original)."""
    if pub.status != Publication.Status.PUBLISHED or pub.current is None:
        return {}
    return dict(pub.current.fields)


def _published(agency: int | None = None, category: str = "", date_from=None, date_to=None):
    qs = Publication.objects.filter(status=Publication.Status.PUBLISHED).select_related("agency", "current")
    if agency:
        qs = qs.filter(agency_id=agency)
    if category:
        if category not in Category.values:
            raise NotFound(f"未知的执法类别“{category}”。", code="category_unknown")
        qs = qs.filter(category=category)
    if date_from:
        qs = qs.filter(published_on__gte=date_from)
    if date_to:
        qs = qs.filter(published_on__lte=date_to)
    return qs.order_by("-published_on", "-pk")


@router.get("/publications", response=list[PublicationOut], auth=OPTIONAL, summary="已公示的执法决定")
@paginate(PageNumberPagination, page_size=50)
def list_publications(
    request: HttpRequest,
    agency: int | None = None,
    category: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    return _published(agency, category, date_from, date_to)


@router.get("/agencies/{agency_id}/publications", response=list[PublicationOut], auth=OPTIONAL,
            summary="某执法主体已公示的执法决定")  # fmt: skip
@paginate(PageNumberPagination, page_size=50)
def agency_publications(request: HttpRequest, agency_id: int):
    return _published(agency=agency_id)


@router.get("/categories/{category}/publications", response=list[PublicationOut], auth=OPTIONAL,
            summary="某执法类别已公示的执法决定")  # fmt: skip
@paginate(PageNumberPagination, page_size=50)
def category_publications(request: HttpRequest, category: str):
    return _published(category=category)


@router.get("/publications/{pub_id}", response={200: PublicationOut, 410: WithdrawalOut}, auth=OPTIONAL,
            summary="一条公示信息（已撤回的只返回撤回信息，HTTP 410）")  # fmt: skip
def get_publication(request: HttpRequest, pub_id: int):
    pub = (
        Publication.objects.filter(Publication.public_q(), pk=pub_id)
        .select_related("agency", "current")
        .first()
    )
    if pub is None:
        raise NotFound("未找到该公示信息。", code="not_found")
    if pub.status == Publication.Status.WITHDRAWN:
        return Status(410, pub)
    return pub


@router.get("/takedowns", response=list[TakedownOut], auth=OPTIONAL, summary="撤销公示记录")
@paginate(PageNumberPagination, page_size=50)
def list_takedowns(request: HttpRequest, agency: int | None = None):
    qs = Takedown.objects.select_related("agency").order_by("-withdrawn_at", "-pk")
    return qs.filter(agency_id=agency) if agency else qs


@router.post("/publications/{pub_id}/approve", response=PublicationOut, auth=REQUIRED,
             summary="审核脱敏内容并公示（本机关法制审核人员）")  # fmt: skip
def approve(request: HttpRequest, pub_id: int, body: ApproveIn):
    pub = get_visible(Publication, request.user, channel="api", pk=pub_id)
    return services.approve(request.user, pub, fields=body.fields, channel="api")


# --- the signed feed for the upper-level platform -----------------------------------------------------------


def feed_document(user, *, since: dt.datetime | None = None, limit: int = FEED_MAX) -> dict:
    """Changes since `since` in the user's jurisdiction: published items (redacted fields) and withdrawn or
    expired ones (tombstones the receiver must take down), oldest change first, plus the latest checkpoint."""
    from zhifa.ledger.hashing import time_text
    from zhifa.ledger.services import create_checkpoint, latest_checkpoint

    qs = (
        Publication.objects.visible_to(user)
        .exclude(status=Publication.Status.PENDING)
        .filter(published_at__isnull=False)
        .select_related("agency", "current")
    )
    if since is not None:
        qs = qs.filter(updated_at__gt=since)
    items = []
    for pub in qs.order_by("updated_at", "pk")[:limit]:
        item = {
            "id": pub.pk,
            "status": pub.status,
            "category": pub.category,
            "agency": {"id": pub.agency_id, "name": pub.agency.name, "uscc": pub.agency.uscc},
            "updated_at": time_text(pub.updated_at),
            "url": f"/decisions/{pub.pk}/",
        }
        if pub.status == Publication.Status.PUBLISHED:
            item |= {
                "version": pub.current.number,
                "published_on": pub.published_on.isoformat(),
                "expires_on": pub.expires_on.isoformat() if pub.expires_on else None,
                "fields": {
                    k: str(v) if not isinstance(v, list) else v for k, v in pub.current.fields.items()
                },
            }
        elif pub.status == Publication.Status.WITHDRAWN:
            item |= {"withdrawn_at": time_text(pub.withdrawn_at), "reason": pub.withdrawal_reason}
        else:
            item |= {"expired_at": time_text(pub.expired_at) if pub.expired_at else None}
        items.append(item)
    checkpoint = latest_checkpoint() or create_checkpoint()
    cp = None
    if checkpoint is not None:
        cp = {
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hex,
            "alg": checkpoint.alg,
            "time": time_text(checkpoint.created_at),
            "key_id": checkpoint.key_id,
            "signature": checkpoint.signature_hex,
            "statement": checkpoint.statement().decode(),
        }
    return {
        "kind": FEED_KIND,
        "generated_at": time_text(timezone.now()),
        "since": time_text(since) if since else None,
        "items": items,
        "next_since": items[-1]["updated_at"] if items else (time_text(since) if since else None),
        "checkpoint": cp,
    }


@router.get("/upper/feed", auth=REQUIRED, summary="上级平台拉取（签名数据包，附最新签名检查点）")
def upper_feed(request: HttpRequest, since: dt.datetime | None = None, limit: int = FEED_MAX):
    """`since`: the previous pull's `next_since` (UTC). Body: canonical JSON (sorted keys, no spaces, UTF-8). Headers: X-Zhifa-Signature (hex Ed25519 signature over
    the body bytes with the platform key), X-Zhifa-Key-Id, X-Zhifa-Signature-Alg. The public key is at
    /api/v1/ledger/public-key; the checkpoint inside verifies against it too."""
    from zhifa.ledger import hashing, signing

    role = user_role(request.user)
    if role not in (Role.MACHINE, Role.SUPERVISOR, Role.ADMIN):
        record_denied(request.user, Publication, {"feed": "upper"}, "view", "api")
        raise PermissionDenied("上级平台数据包仅供机器客户端和司法局使用。", code="permission_denied")
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)  # the feed's own times (next_since) are UTC without an offset
    body = hashing.canonical_json(
        feed_document(request.user, since=since, limit=max(1, min(limit, FEED_MAX)))
    )
    signature, key_id, _pem = signing.sign(body)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["X-Zhifa-Signature"] = signature.hex()
    response["X-Zhifa-Signature-Alg"] = "Ed25519"
    response["X-Zhifa-Key-Id"] = key_id
    return response
