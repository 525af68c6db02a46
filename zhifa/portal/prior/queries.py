"""Read-only queries of the 事前/事中 pages: what the public may see of the registry and the catalog.

Everything here answers an anonymous visitor:
- bodies, jurisdictions and the catalog start from `visible_to(AnonymousUser)` (their `scope_public_q`);
- officers and certificates have no public scope of their own (their rows carry ID and phone numbers), so the
  roster and the certificate check read a fixed projection — name, 证号, agency, domains, validity, and the post
  on the printable boards — selected with `.only()` so that no other column is even loaded.
Misses raise Http404 without a ledger record: an anonymous visitor is no actor, and recording every probe of the
public site would let anyone grow the append-only ledger at will (staff denials are recorded by the console/API).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from zhifa.catalog.models import ITEM_MODELS, CatalogList, Kind, ListVersion, PowerItem
from zhifa.laws.models import Citation
from zhifa.registry.models import Agency, Certificate, EnforcementDomain, Jurisdiction, Officer

PUBLIC = AnonymousUser()

ROSTER_FIELDS = (
    "number",
    "valid_from",
    "valid_until",
    "status",
    "officer__name",
    "officer__agency__name",
    "officer__agency__short_name",
)
BOARD_FIELDS = (*ROSTER_FIELDS, "officer__post")


def public(model):
    return model.objects.visible_to(PUBLIC)


# ----------------------------------------------------------------------------------------------------------------
# Jurisdictions


def home_jurisdiction() -> Jurisdiction | None:
    """The platform's jurisdiction: the setting ZHIFA_PORTAL_JURISDICTION (a GB/T 2260 code) when set, otherwise
    the deepest jurisdiction whose subtree holds every enforcement body (e.g. 昌吉回族自治州 when the bodies are
    the prefecture's Justice Bureau and the bodies of 昌吉市); the tree's root when there are no bodies yet."""
    code = (getattr(settings, "ZHIFA_PORTAL_JURISDICTION", "") or "").strip()
    if code:
        j = public(Jurisdiction).filter(code=code).first()
        if j is not None:
            return j
    paths = list(public(Agency).values_list("jurisdiction__path", flat=True).distinct())
    if not paths:
        return public(Jurisdiction).filter(parent__isnull=True).order_by("path").first()
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    if not common:
        return public(Jurisdiction).filter(parent__isnull=True).order_by("path").first()
    return public(Jurisdiction).get(code=common[-1])


def jurisdiction_by_code(code: str) -> Jurisdiction:
    j = public(Jurisdiction).filter(code=code).first()
    if j is None:
        raise Http404("未找到该行政区划。")
    return j


@dataclass
class BodyRow:
    agency: Agency
    valid_officers: int = 0
    lists: int = 0


@dataclass
class LevelGroup:
    level: int
    label: str
    rows: list[BodyRow] = field(default_factory=list)


def valid_counts(agency_ids, today: dt.date) -> dict[int, int]:
    """{agency pk: active officers holding a valid certificate on `today`}."""
    return dict(
        Certificate.objects.valid_on(today)
        .filter(officer__agency__in=agency_ids, officer__status=Officer.Status.ACTIVE)
        .order_by()
        .values("officer__agency")
        .annotate(n=Count("officer", distinct=True))
        .values_list("officer__agency", "n")
    )


def list_counts(agency_ids) -> dict[int, int]:
    return dict(
        public(CatalogList)
        .filter(agency__in=agency_ids)
        .order_by()
        .values("agency")
        .annotate(n=Count("pk"))
        .values_list("agency", "n")
    )


def jurisdiction_overview(j: Jurisdiction, today: dt.date | None = None) -> dict:
    """The bodies of `j`'s subtree grouped by the level of their jurisdiction, with counts (5 queries)."""
    today = today or timezone.localdate()
    agencies = list(
        public(Agency)
        .filter(jurisdiction__path__startswith=j.path)
        .select_related("jurisdiction")
        .order_by("jurisdiction__level", "jurisdiction__path", "-is_justice_bureau", "name")
    )
    ids = [a.pk for a in agencies]
    valid, lists = valid_counts(ids, today), list_counts(ids)
    levels: dict[int, LevelGroup] = {}
    for a in agencies:
        group = levels.setdefault(
            a.jurisdiction.level,
            LevelGroup(a.jurisdiction.level, Jurisdiction.Level(a.jurisdiction.level).label),
        )
        group.rows.append(BodyRow(a, valid.get(a.pk, 0), lists.get(a.pk, 0)))
    children = list(
        public(Jurisdiction)
        .filter(parent=j)
        .annotate(bodies=Count("agencies", distinct=True))
        .order_by("code")
    )
    return {
        "jurisdiction": j,
        "ancestors": j.ancestors()[:-1],
        "levels": sorted(levels.values(), key=lambda g: g.level),
        "children": children,
        "totals": {
            "bodies": len(agencies),
            "active_bodies": sum(1 for a in agencies if a.status == Agency.Status.ACTIVE),
            "valid_officers": sum(valid.values()),
            "lists": sum(lists.values()),
        },
    }


# ----------------------------------------------------------------------------------------------------------------
# Bodies


def body(pk: int) -> Agency:
    agency = (
        public(Agency)
        .select_related("jurisdiction", "entrusted_by")
        .prefetch_related(
            Prefetch("domains", queryset=EnforcementDomain.objects.order_by("code")),
            Prefetch("basis", queryset=Citation.objects.select_related("law")),
            Prefetch("predecessors", queryset=Agency.objects.only("pk", "name", "status")),
            Prefetch("successors", queryset=Agency.objects.only("pk", "name", "status")),
        )
        .filter(pk=pk)
        .first()
    )
    if agency is None:
        raise Http404("未找到该执法主体。")
    return agency


def remedy_bodies(agency: Agency) -> tuple[str, str]:
    """(复议机关, 人民法院): the case platform derives them for its 决定书; the portal shows the same."""
    from zhifa.cases.services import remedy_bodies as derive

    return derive(agency)


def power_items(agency: Agency, today: dt.date | None = None):
    """The published 权责清单 in force (its version and items), or (None, [])."""
    from zhifa.catalog.services import published_version

    version = published_version(agency, Kind.POWER, today)
    if version is None:
        return None, []
    return version, list(PowerItem.objects.visible_to(PUBLIC).filter(version=version).order_by("seq", "pk"))


def body_lists(agency: Agency):
    return list(public(CatalogList).filter(agency=agency).select_related("current_version").order_by("kind"))


# ----------------------------------------------------------------------------------------------------------------
# Officers and certificates


@dataclass
class RosterRow:
    name: str
    number: str
    agency: str
    agency_id: int
    domains: list[str]
    valid_from: dt.date
    valid_until: dt.date
    status: str
    status_label: str
    post: str = ""

    @property
    def is_valid(self) -> bool:
        return self.status == Certificate.Effective.VALID

    @property
    def badge(self) -> str:
        return badge(self.status)


def badge(status: str) -> str:
    """The CSS class of a status badge: ok (valid), warn (not yet valid), danger (anything else)."""
    return {"valid": "ok", "not_yet": "warn"}.get(status, "danger")


def _latest_only(qs):
    """Each officer's latest certificate only (a renewed officer appears once, with the new card)."""
    newer = Certificate.objects.filter(officer=OuterRef("officer"), valid_from__gt=OuterRef("valid_from"))
    return qs.filter(~Exists(newer))


def roster(*, agency_id: int | None = None, q: str = "", valid_only: bool = False, today=None):
    """Certificates of active officers (one per officer), in the roster's projection and order."""
    today = today or timezone.localdate()
    qs = Certificate.objects.filter(officer__status=Officer.Status.ACTIVE)
    if agency_id:
        qs = qs.filter(officer__agency_id=agency_id)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(officer__name__contains=q) | Q(number__icontains=q))
    if valid_only:
        qs = qs.valid_on(today)
    return (
        _latest_only(qs)
        .select_related("officer__agency")
        .only(*ROSTER_FIELDS, "officer__agency_id", "officer__agency__jurisdiction_id")
        .prefetch_related(Prefetch("domains", queryset=EnforcementDomain.objects.order_by("code")))
        .order_by("officer__agency__jurisdiction__path", "officer__agency__name", "officer__name", "number")
    )


def rows(certificates, today: dt.date | None = None, *, with_post: bool = False) -> list[RosterRow]:
    today = today or timezone.localdate()
    out = []
    for c in certificates:
        status = c.effective_status(today)
        out.append(
            RosterRow(
                name=c.officer.name,
                number=c.number,
                agency=c.officer.agency.name,
                agency_id=c.officer.agency_id,
                domains=[d.name for d in c.domains.all()],
                valid_from=c.valid_from,
                valid_until=c.valid_until,
                status=status,
                status_label=Certificate.Effective(status).label,
                post=c.officer.post if with_post else "",
            )
        )
    return out


def board_rows(agency: Agency, today: dt.date | None = None) -> list[RosterRow]:
    """Officers of `agency` on post: active, holding a valid certificate today (the 岗位信息公示牌)."""
    today = today or timezone.localdate()
    qs = (
        _latest_only(Certificate.objects.valid_on(today))
        .filter(officer__agency=agency, officer__status=Officer.Status.ACTIVE)
        .select_related("officer__agency")
        .only(*BOARD_FIELDS, "officer__agency_id")
        .prefetch_related(Prefetch("domains", queryset=EnforcementDomain.objects.order_by("code")))
        .order_by("officer__post", "officer__name")
    )
    return rows(qs, today, with_post=True)


def certificate(number: str, *, with_post: bool = False) -> Certificate | None:
    """The certificate with this 证号 (exactly, else in upper case: 证号 are printed in capitals), in the public
    projection; None when there is none. At most two indexed lookups."""
    number = (number or "").strip()
    if not number or len(number) > Certificate._meta.get_field("number").max_length:
        return None
    fields = BOARD_FIELDS if with_post else ROSTER_FIELDS
    qs = (
        Certificate.objects.select_related("officer__agency")
        .only(*fields, "issuer", "officer__agency_id", "officer__status")
        .prefetch_related(Prefetch("domains", queryset=EnforcementDomain.objects.order_by("code")))
    )
    for candidate in dict.fromkeys([number, number.upper()]):
        cert = qs.filter(number=candidate).first()
        if cert is not None:
            return cert
    return None


@dataclass
class CheckResult:
    number: str
    status: str  # valid | expired | suspended | revoked | not_yet | unknown
    label: str
    holder: str = ""
    agency: str = ""
    domains: list[str] = field(default_factory=list)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    @property
    def found(self) -> bool:
        return self.status != "unknown"

    @property
    def is_valid(self) -> bool:
        return self.status == Certificate.Effective.VALID

    @property
    def badge(self) -> str:
        return badge(self.status)


def check(number: str, today: dt.date | None = None) -> CheckResult:
    """The public certificate check (domain.md §7): the effective status by the registry's own rule
    (Certificate.effective_status: suspension and revocation by act, expiry by date), the holder's name, agency and
    domains. An unknown number says only that it is unknown."""
    number = (number or "").strip()
    cert = certificate(number)
    if cert is None:
        return CheckResult(number=number, status="unknown", label="查无此证")
    status = cert.effective_status(today or timezone.localdate())
    return CheckResult(
        number=cert.number,
        status=status,
        label=Certificate.Effective(status).label,
        holder=cert.officer.name,
        agency=cert.officer.agency.name,
        domains=[d.name for d in cert.domains.all()],
        valid_from=cert.valid_from,
        valid_until=cert.valid_until,
    )


# ----------------------------------------------------------------------------------------------------------------
# Lists


def public_lists(*, agency_id: int | None = None, kind: str = "", jurisdiction: Jurisdiction | None = None):
    qs = public(CatalogList).select_related("agency__jurisdiction", "current_version")
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if kind:
        qs = qs.filter(kind=kind)
    if jurisdiction is not None:
        qs = qs.filter(agency__jurisdiction__path__startswith=jurisdiction.path)
    return qs.order_by("agency__jurisdiction__path", "agency__name", "kind")


def catalog_list(pk: int) -> CatalogList:
    cl = public(CatalogList).select_related("agency__jurisdiction", "current_version").filter(pk=pk).first()
    if cl is None:
        raise Http404("未找到该清单，或该清单尚未发布。")
    return cl


def list_versions(cl: CatalogList):
    return list(public(ListVersion).filter(catalog_list=cl).order_by("-number"))


def version(pk: int) -> ListVersion:
    v = public(ListVersion).select_related("catalog_list__agency", "based_on").filter(pk=pk).first()
    if v is None:
        raise Http404("未找到该清单版本，或该版本尚未发布。")
    return v


def version_table(v: ListVersion) -> tuple[tuple, list[dict]]:
    """(columns, rows) of a public version: each row {"item", "cells"} with the cells as published."""
    from zhifa.catalog.validation import display_value

    model = ITEM_MODELS[v.catalog_list.kind]
    items = model.objects.visible_to(PUBLIC).filter(version=v).select_related(*model.related_fields())
    items = items.order_by("seq", "pk")
    return model.COLUMNS, [
        {"item": i, "cells": [display_value(c, getattr(i, c.field)) for c in model.COLUMNS]} for i in items
    ]


def version_changes(v: ListVersion):
    """The rows changed against the version it revised, when that one is public too; else None."""
    from zhifa.catalog.services import diff_versions

    base = v.based_on
    if base is None or base.status not in ListVersion.PUBLIC:
        return None
    return diff_versions(v, base)


def power_item(pk: int) -> PowerItem:
    item = (
        PowerItem.objects.visible_to(PUBLIC)
        .select_related("version__catalog_list__agency__jurisdiction")
        .prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("law")))
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("未找到该事项，或其所在清单尚未发布。")
    return item
