"""办案 API (/api/v1/cases/). Authentication required; every query starts from visible_to(user); every write
is a service call (refusals come back as structured errors with the article they enforce)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from ninja import Body, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from zhifa.cases import archive, services
from zhifa.cases.models import Case, CaseOfficer, Party, Recusal
from zhifa.core.errors import ValidationFailed
from zhifa.core.scoping import get_visible
from zhifa.files.services import store_stream
from zhifa.registry.models import EnforcementDomain, Officer, User

router = Router()


class PartyIn(Schema):
    kind: str
    name: str
    uscc: str = ""
    id_type: str = ""
    id_number: str = ""
    legal_representative: str = ""
    address: str = ""
    phone: str = ""


class PartyOut(Schema):
    id: int
    kind: str
    name: str
    uscc: str
    id_type: str
    id_number: str
    legal_representative: str
    address: str


class CaseIn(Schema):
    title: str
    source_type: str
    source_received_on: dt.date
    domain: str
    procedure: str = "ordinary"
    source_description: str = ""
    party_ids: list[int] = []


class OfficerLink(Schema):
    officer_id: int
    name: str
    role: str


class DeadlineOut(Schema):
    key: str
    label: str
    rule_code: str
    rule_valid_from: dt.date
    start: dt.date
    due_on: dt.date
    explanation: str
    status: str


class CaseOut(Schema):
    id: int
    agency_id: int
    number: str
    title: str
    procedure: str
    source_type: str
    source_description: str
    source_received_on: dt.date
    domain: str
    state: str
    state_label: str
    filed_on: dt.date | None
    decided_on: dt.date | None
    closed_on: dt.date | None
    archived_on: dt.date | None
    hearing_right: bool

    @staticmethod
    def resolve_domain(obj):
        return obj.domain.code

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()


class CaseDetail(CaseOut):
    parties: list[PartyOut]
    officers: list[OfficerLink]
    deadlines: list[DeadlineOut]
    next_actions: list[str] = []

    @staticmethod
    def resolve_parties(obj):
        return [cp.party for cp in obj.case_parties.select_related("party")]

    @staticmethod
    def resolve_officers(obj):
        return [
            {"officer_id": link.officer_id, "name": link.officer.name, "role": link.role}
            for link in services.active_officers(obj)
        ]

    @staticmethod
    def resolve_deadlines(obj):
        return list(obj.deadlines.all())


class EvidenceOut(Schema):
    id: int
    case_id: int
    kind: str
    kind_label: str
    title: str
    filename: str
    step: str
    recorded_at: dt.datetime
    device: str
    officer_id: int | None
    place: str
    sm3: str | None
    sha256: str | None
    size: int | None

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_sm3(obj):
        return obj.blob.sm3 if obj.blob_id else None

    @staticmethod
    def resolve_sha256(obj):
        return obj.blob.sha256 if obj.blob_id else None

    @staticmethod
    def resolve_size(obj):
        return obj.blob.size if obj.blob_id else None


class TimelineOut(Schema):
    id: int
    index: int | None
    at: dt.datetime
    event_type: str
    label: str
    actor: str
    actor_role: str
    payload: dict
    case_id: int


class AccessOut(Schema):
    id: int
    index: int | None
    at: dt.datetime
    event_type: str
    label: str
    actor_id: int | None
    actor: str
    case_id: int | None
    channel: str


class PartyRef(Schema):
    party_id: int


class OfficerIn(Schema):
    officer_id: int
    role: str = CaseOfficer.Role.ASSIST


class RecusalIn(Schema):
    officer_id: int
    requested_by: str
    reason: str


class RecusalDecisionIn(Schema):
    grant: bool
    note: str = ""


class RecusalOut(Schema):
    id: int
    case_id: int
    officer_id: int
    requested_by: str
    reason: str
    status: str


def _case(request, case_id: int) -> Case:
    return get_visible(
        Case.objects.select_related("agency", "domain"), request.user, channel="api", pk=case_id
    )


def _party(request, party_id: int) -> Party:
    return get_visible(Party, request.user, channel="api", pk=party_id)


@router.get("/", response=list[CaseOut])
def list_cases(request, state: str = "", mine: bool = False):
    qs = services.my_cases(request.user) if mine else Case.objects.visible_to(request.user)
    if state:
        qs = qs.filter(state=state)
    return list(qs.select_related("domain")[:500])


@router.post("/", response={201: CaseOut})
def create_case(request, payload: CaseIn):
    domain = EnforcementDomain.objects.filter(code=payload.domain).first()
    if domain is None:
        raise ValidationFailed(f"未知的执法领域“{payload.domain}”。", code="domain_unknown")
    parties = [_party(request, pk) for pk in payload.party_ids]
    case = services.create_case(
        request.user,
        title=payload.title,
        procedure=payload.procedure,
        source_type=payload.source_type,
        source_description=payload.source_description,
        source_received_on=payload.source_received_on,
        domain=domain,
        parties=parties,
    )
    return Status(201, case)


@router.get("/{int:case_id}", response=CaseDetail)
def case_detail(request, case_id: int):
    case = services.view_case(request.user, case_id, channel="api")
    detail = CaseDetail.from_orm(case)
    detail.next_actions = [t.action for t in services.allowed_actions(request.user, case)]
    return detail


@router.post("/parties", response={200: PartyOut, 201: PartyOut})
def register_party(request, payload: PartyIn):
    existed = services.find_party(uscc=payload.uscc, id_type=payload.id_type, id_number=payload.id_number)
    party = services.register_party(request.user, **payload.dict())
    return Status(200 if existed else 201, party)


@router.get("/parties/{int:party_id}")
def party_page(request, party_id: int):
    party = _party(request, party_id)
    return {
        "party": PartyOut.from_orm(party).dict(),
        "cases": [CaseOut.from_orm(c).dict() for c in services.party_cases(request.user, party)],
    }


@router.post("/{int:case_id}/parties", response={201: PartyOut})
def add_party(request, case_id: int, payload: PartyRef):
    case = _case(request, case_id)
    party = _party(request, payload.party_id)
    services.add_party(request.user, case, party)
    return Status(201, party)


@router.post("/{int:case_id}/officers", response={201: OfficerLink})
def assign_officer(request, case_id: int, payload: OfficerIn):
    case = _case(request, case_id)
    officer = get_visible(Officer, request.user, channel="api", pk=payload.officer_id)
    link = services.assign_officer(request.user, case, officer, payload.role)
    return Status(201, {"officer_id": officer.pk, "name": officer.name, "role": link.role})


@router.post("/{int:case_id}/recusals", response={201: RecusalOut})
def request_recusal(request, case_id: int, payload: RecusalIn):
    case = _case(request, case_id)
    officer = get_visible(Officer, request.user, channel="api", pk=payload.officer_id)
    r = services.request_recusal(
        request.user, case, officer, requested_by=payload.requested_by, reason=payload.reason
    )
    return Status(201, r)


@router.post("/recusals/{int:recusal_id}/decision", response=RecusalOut)
def decide_recusal(request, recusal_id: int, payload: RecusalDecisionIn):
    recusal = get_object_or_404(
        Recusal.objects.filter(case__in=Case.objects.visible_to(request.user)), pk=recusal_id
    )
    return services.decide_recusal(request.user, recusal, grant=payload.grant, note=payload.note)


@router.post("/{int:case_id}/transitions/{action}", response=dict)
def take_transition(request, case_id: int, action: str, payload: dict = Body(...)):  # noqa: B008
    case = _case(request, case_id)
    case = services.transition(request.user, case, action, channel="api", **payload)
    from zhifa.ledger.models import Event

    event = Event.objects.filter(case_id=case.pk).order_by("-index").first()
    return CaseOut.from_orm(case).dict() | {"event": event.data}


@router.get("/{int:case_id}/deadlines", response=list[DeadlineOut])
def deadlines(request, case_id: int):
    return list(_case(request, case_id).deadlines.all())


@router.get("/{int:case_id}/evidence", response=list[EvidenceOut])
def evidence_list(request, case_id: int):
    return list(_case(request, case_id).evidence.select_related("blob"))


@router.post("/{int:case_id}/evidence", response={201: EvidenceOut})
def evidence_upload(
    request,
    case_id: int,
    kind: str = Form(...),
    title: str = Form(...),
    recorded_at: dt.datetime = Form(...),  # noqa: B008
    device: str = Form(""),
    place: str = Form(""),
    step: str = Form(""),
    description: str = Form(""),
    file: UploadedFile = File(None),  # noqa: B008
):
    """A small file in one multipart request (large audio/video go through the resumable /files/ uploads)."""
    case = _case(request, case_id)
    services._require_case_worker(request.user, case, "登记证据", "api")
    blob = store_stream(file.chunks(), content_type=file.content_type or "") if file is not None else None
    ev = services.add_evidence(
        request.user, case, kind=kind, title=title, recorded_at=recorded_at, blob=blob,
        filename=file.name if file is not None else "", device=device, place=place, step=step,
        description=description, channel="api",
    )  # fmt: skip
    return Status(201, ev)


@router.get("/evidence/{int:evidence_id}", response=EvidenceOut)
def evidence_detail(request, evidence_id: int):
    return services.get_evidence(request.user, evidence_id, channel="api")


@router.get("/{int:case_id}/timeline", response=list[TimelineOut])
def case_timeline(request, case_id: int):
    case = _case(request, case_id)
    return [TimelineOut(**e, case_id=case.pk) for e in services.timeline(case)]


@router.get("/{int:case_id}/access-report", response=list[AccessOut])
def case_access_report(request, case_id: int):
    case = _case(request, case_id)
    return [AccessOut(**e) for e in services.access_report(request.user, case=case, channel="api")]


@router.get("/access-report/users/{int:user_id}", response=list[AccessOut])
def user_access_report(request, user_id: int):
    target = get_object_or_404(User, pk=user_id)
    return [AccessOut(**e) for e in services.access_report(request.user, target=target, channel="api")]


@router.get("/{int:case_id}/archive")
def case_archive(request, case_id: int):
    """案卷 of a closed or archived case: a self-verifying BagIt zip (see zhifa.cases.archive); a 调阅 on record."""
    case = _case(request, case_id)
    out = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # closed by FileResponse
    archive.write_archive(request.user, case, out, channel="api")
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=archive.archive_filename(case), content_type="application/zip"
    )
