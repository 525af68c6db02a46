"""Public JSON of the 事前/事中 pages (no login): the officer roster and the procedure flowcharts, for the other
channels (微信, apps, hall screens) that publish from the same record. Mount: `zhifa.portal.prior.api.router`.

The certificate check itself is `GET /api/v1/registry/certificates/check?number=` (zhifa.registry.api); the
roster here has the same projection as the page: name, 证号, agency, domains, validity — nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhifa.api.auth import OPTIONAL
from zhifa.portal.prior import flowchart, queries

router = Router()


class RosterOut(Schema):
    name: str
    number: str
    agency: str
    agency_id: int
    domains: list[str]
    valid_from: dt.date
    valid_until: dt.date
    status: str
    status_label: str


class _RosterRows:
    """A lazily evaluated sequence for ninja's paginator: it counts and slices the queryset, and each slice is
    turned into public rows (the projection), never model instances."""

    def __init__(self, qs, today):
        self.qs, self.today = qs, today

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        return queries.rows(self.qs[item], self.today)


@router.get("/officers", response=list[RosterOut], auth=OPTIONAL, summary="执法人员名录（公开）")
@paginate(PageNumberPagination, page_size=100)
def roster(request: HttpRequest, body: int | None = None, q: str = "", valid: bool = False):
    today = timezone.localdate()
    return _RosterRows(queries.roster(agency_id=body, q=q[:40], valid_only=valid, today=today), today)


class NodeOut(Schema):
    key: str
    label: str
    steps: list[str]


class EdgeOut(Schema):
    source: str
    target: str
    label: str


class ProcedureOut(Schema):
    key: str
    title: str
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    shared_steps: dict[str, list[str]]
    description: str


@router.get("/procedures/{key}", response=ProcedureOut, auth=OPTIONAL, summary="执法流程（公开）")
def procedure(request: HttpRequest, key: str):
    """The procedure as data (states, transitions, in-state steps), as drawn in the 执法流程图."""
    if key not in ("ordinary", "simple", "coercion"):
        raise Http404
    chart = flowchart.procedure_chart(key)
    return ProcedureOut(
        key=chart.key,
        title=chart.title,
        nodes=[NodeOut(key=n.key, label=n.label, steps=n.steps) for n in chart.nodes],
        edges=[EdgeOut(source=e.source, target=e.target, label=e.label) for e in chart.edges],
        shared_steps=dict(chart.shared_steps),
        description=chart.describe(),
    )
