"""Console pages of the 办案平台. Queries start from visible_to(user); writes call the services."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.cases import archive, services
from zhifa.cases.models import (
    Case,
    CaseOfficer,
    EvidenceKind,
    Party,
    PartyKind,
    Procedure,
    SourceType,
    State,
)
from zhifa.cases.transitions import TRANSITIONS
from zhifa.catalog.models import AVStep
from zhifa.core.errors import DomainError, NotFound
from zhifa.core.scoping import get_visible
from zhifa.documents.models import IssuedDocument
from zhifa.files.services import open_blob, store_stream
from zhifa.registry.models import EnforcementDomain, Officer


def _case_or_404(user, pk):
    try:
        return services.view_case(user, pk, channel="console")
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _visible_or_404(qs, user, pk):
    try:
        return get_visible(qs, user, channel="console", pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def case_list(request):
    scope = request.GET.get("scope", "mine")
    qs = services.my_cases(request.user) if scope == "mine" else Case.objects.visible_to(request.user)
    state = request.GET.get("state", "")
    if state:
        qs = qs.filter(state=state)
    return render(
        request,
        "cases/case_list.html",
        {"cases": qs.select_related("agency")[:200], "scope": scope, "state": state, "states": State.choices},
    )


@login_required
def case_create(request):
    agency = request.user.agency
    domains = agency.domains.all() if agency else EnforcementDomain.objects.none()
    if request.method == "POST":
        p = request.POST
        try:
            party = services.register_party(
                request.user, kind=p.get("party_kind", ""), name=p.get("party_name", ""),
                uscc=p.get("party_uscc", ""), id_type=p.get("party_id_type", ""),
                id_number=p.get("party_id_number", ""), address=p.get("party_address", ""),
            )  # fmt: skip
            domain = domains.filter(pk=p.get("domain") or 0).first()
            if domain is None:
                raise DomainError("请选择执法领域。", code="domain_required")
            case = services.create_case(
                request.user, title=p.get("title", ""), procedure=p.get("procedure", Procedure.ORDINARY),
                source_type=p.get("source_type", ""), source_description=p.get("source_description", ""),
                source_received_on=p.get("source_received_on") or timezone.localdate(), domain=domain,
                parties=[party],
            )  # fmt: skip
            if request.user.officer_id:
                services.assign_officer(request.user, case, request.user.officer, CaseOfficer.Role.LEAD)
            messages.success(request, "案源已登记。")
            return redirect("cases:detail", pk=case.pk)
        except DomainError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "cases/case_form.html",
        {
            "domains": domains,
            "procedures": Procedure.choices,
            "sources": SourceType.choices,
            "party_kinds": PartyKind.choices,
            "today": timezone.localdate(),
            "form": request.POST,
        },
    )


@login_required
def case_detail(request, pk: int):
    case = _case_or_404(request.user, pk)
    actions = services.allowed_actions(request.user, case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "parties": [cp.party for cp in case.case_parties.select_related("party")],
            "officers": services.active_officers(case),
            "agency_officers": Officer.objects.visible_to(request.user).filter(
                agency=case.agency, status=Officer.Status.ACTIVE
            ),
            "deadlines": case.deadlines.all(),
            "actions": actions,
            "evidence": case.evidence.select_related("blob", "officer"),
            "documents": IssuedDocument.objects.visible_to(request.user)
            .filter(case_id=case.pk)
            .select_related("kind")
            .order_by("signed_at"),
            "measures": case.measures.all(),
            "timeline": services.timeline(case),
            "evidence_kinds": EvidenceKind.choices,
            "av_steps": AVStep.choices,
            # the resumable upload widget (zhifa.files tus): the case is fixed metadata, the form fields are added
            "upload_metadata": {"case_id": case.pk},
            "chunk_size": settings.ZHIFA_UPLOAD_CHUNK_SIZE,
            "today": timezone.localdate(),
            "decision": getattr(case, "decision", None),
            "can_report": services.access_report_allowed(request.user),
            "archive_ready": archive.is_exportable(case),
        },
    )


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    case = _visible_or_404(Case, request.user, pk)
    t = TRANSITIONS.get(action)
    if t is None:
        raise Http404("未知的办案操作")
    data = {}
    for f in t.fields:
        data[f.name] = (
            request.POST.getlist(f.name) if f.kind == "multichoice" else request.POST.get(f.name, "")
        )
    try:
        services.transition(request.user, case, action, channel="console", **data)
        messages.success(request, f"已办理：{t.label}")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def officer_add(request, pk: int):
    case = _visible_or_404(Case, request.user, pk)
    try:
        officer = get_visible(
            Officer, request.user, channel="console", pk=request.POST.get("officer_id") or 0
        )
        services.assign_officer(
            request.user, case, officer, request.POST.get("role", CaseOfficer.Role.ASSIST)
        )
        messages.success(request, "已指派执法人员。")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def party_add(request, pk: int):
    case = _visible_or_404(Case, request.user, pk)
    p = request.POST
    try:
        party = services.register_party(
            request.user, kind=p.get("kind", ""), name=p.get("name", ""), uscc=p.get("uscc", ""),
            id_type=p.get("id_type", ""), id_number=p.get("id_number", ""), address=p.get("address", ""),
        )  # fmt: skip
        services.add_party(request.user, case, party)
        messages.success(request, "已添加当事人。")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def evidence_add(request, pk: int):
    """Plain (non-resumable) upload of a small evidence file; large audio/video use the /files/ uploader."""
    case = _visible_or_404(Case, request.user, pk)
    p, f = request.POST, request.FILES.get("file")
    try:
        services._require_case_worker(request.user, case, "登记证据", "console")
        blob = store_stream(f.chunks(), content_type=f.content_type or "") if f else None
        services.add_evidence(
            request.user, case, kind=p.get("kind", ""), title=p.get("title", ""),
            recorded_at=p.get("recorded_at") or timezone.now(), blob=blob, filename=f.name if f else "",
            device=p.get("device", ""), place=p.get("place", ""), step=p.get("step", ""),
            description=p.get("description", ""), channel="console",
        )  # fmt: skip
        messages.success(request, "证据已登记。")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("cases:detail", pk=pk)


@login_required
def evidence_download(request, pk: int):
    try:
        ev = services.evidence_for_download(request.user, pk, channel="console")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not ev.blob_id:
        raise Http404("该证据没有文件")
    return FileResponse(open_blob(ev.blob), as_attachment=True, filename=ev.filename or f"evidence-{ev.pk}")


@login_required
def access_report(request, pk: int):
    case = _visible_or_404(Case, request.user, pk)
    try:
        rows = services.access_report(request.user, case=case, channel="console")
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("cases:detail", pk=pk)
    return render(request, "cases/access_report.html", {"case": case, "rows": rows})


@login_required
def party_detail(request, pk: int):
    party = _visible_or_404(Party, request.user, pk)
    return render(
        request,
        "cases/party_detail.html",
        {"party": party, "cases": services.party_cases(request.user, party)},
    )


@login_required
def case_archive(request, pk: int):
    """导出案卷: the self-verifying zip of a closed or archived case (a 调阅 on record)."""
    case = _visible_or_404(Case, request.user, pk)
    out = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # closed by FileResponse
    try:
        archive.write_archive(request.user, case, out, channel="console")
    except DomainError as exc:
        out.close()
        messages.error(request, str(exc))
        return redirect("cases:detail", pk=pk)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=archive.archive_filename(case), content_type="application/zip"
    )
