"""Console pages of the 年报 (/console/annual/): generate, fill in, write the 文字说明, submit, approve, publish,
correct. Reads start from AnnualReport.objects.visible_to; every write calls zhifa.portal.annual.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core.errors import DomainError, NotFound
from zhifa.core.roles import AGENCY_ROLES, Role
from zhifa.core.scoping import user_role
from zhifa.ledger.models import Event
from zhifa.portal.annual import charts, events, excel, presentation, services
from zhifa.portal.annual.models import AnnualReport
from zhifa.registry.models import Jurisdiction


def _report(request, pk: int) -> AnnualReport:
    try:
        return services.visible_report(request.user, pk, channel="console")
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _jurisdictions(user):
    """The jurisdictions a supervisor may make a report of (own and below)."""
    mine = getattr(user, "scope_jurisdiction", None)
    if user_role(user) == Role.ADMIN:
        return Jurisdiction.objects.order_by("path")
    if user_role(user) != Role.SUPERVISOR or mine is None:
        return Jurisdiction.objects.none()
    return Jurisdiction.objects.filter(path__startswith=mine.path).order_by("path")


@login_required
def index(request):
    user = request.user
    reports = (
        AnnualReport.objects.visible_to(user)
        .select_related("agency", "jurisdiction")
        .order_by("-year", "jurisdiction__path", "-scope", "agency__name", "-number")
    )
    role = user_role(user)
    today = timezone.localdate()
    can_agency = role in AGENCY_ROLES and getattr(user, "agency_id", None)
    return render(
        request,
        "annual/console_index.html",
        {
            "reports": reports[:300],
            "can_agency": can_agency,
            "jurisdictions": _jurisdictions(user),
            "years": list(range(today.year, today.year - 5, -1)),
            "default_year": today.year - 1,
            "due": services.due_status(user.agency, today) if can_agency else None,
        },
    )


@login_required
@require_POST
def generate(request):
    user = request.user
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, "请选择年度。")
        return redirect("annual_console:index")
    code = request.POST.get("jurisdiction", "")
    try:
        if code:
            jurisdiction = Jurisdiction.objects.filter(code=code).first()
            if jurisdiction is None:
                raise Http404("未找到该区划。")
            report = services.generate(user, year=year, jurisdiction=jurisdiction, channel="console")
        else:
            agency = getattr(user, "agency", None)
            if agency is None:
                messages.error(request, "您不属于任何执法主体，请选择区划生成区域汇总年报。")
                return redirect("annual_console:index")
            report = services.generate(user, year=year, agency=agency, channel="console")
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("annual_console:index")
    messages.success(request, f"已生成{report}。")
    return redirect("annual_console:detail", pk=report.pk)


EVENT_LABELS = events.LABELS


@login_required
def detail(request, pk: int):
    report = _report(request, pk)
    user = request.user
    scope_agency = report.agency if report.scope == AnnualReport.Scope.AGENCY else None
    can_edit = services.may(user, "edit", agency=scope_agency, jurisdiction=report.jurisdiction)
    can_approve = services.may(user, "approve", agency=scope_agency, jurisdiction=report.jurisdiction)
    history = AnnualReport.objects.visible_to(user).filter(
        scope=report.scope, agency=report.agency, jurisdiction=report.jurisdiction, year=report.year
    )
    timeline = [
        {"event": e, "label": EVENT_LABELS.get(e.event_type, e.event_type)}
        for e in Event.objects.filter(subject_type="annual.annualreport", subject_id=str(report.pk)).order_by(
            "id"
        )
    ]
    fields = []
    for group in services.manual_fields():
        fields.append(
            {
                "title": group["title"],
                "fields": [f | {"value": report.manual.get(f["key"], "")} for f in group["fields"]],
            }
        )
    return render(
        request,
        "annual/console_detail.html",
        {
            "report": report,
            "tables": presentation.tables(report.tables),
            "charts": charts.report_charts(report.tables),
            "rules": presentation.rules(report.tables),
            "can_edit": can_edit,
            "can_approve": can_approve,
            "manual_fields": fields,
            "history": history.order_by("-number"),
            "timeline": timeline,
            "revisions": report.narrative_revisions.all()[:20],
        },
    )


ACTIONS = {
    "regenerate": lambda user, r, post: services.regenerate(user, r, channel="console"),
    "submit": lambda user, r, post: services.submit(user, r, channel="console"),
    "approve": lambda user, r, post: services.approve(
        user, r, opinion=post.get("opinion", ""), channel="console"
    ),
    "return": lambda user, r, post: services.return_report(
        user, r, opinion=post.get("opinion", ""), channel="console"
    ),
    "publish": lambda user, r, post: services.publish(user, r, channel="console"),
    "correct": lambda user, r, post: services.create_correction(
        user, r, reason=post.get("reason", ""), channel="console"
    ),
    "narrative": lambda user, r, post: services.edit_narrative(
        user, r, post.get("narrative", ""), channel="console"
    ),
    "manual": lambda user, r, post: services.set_manual(
        user, r, {k: post.get(k, "") for k in services.counting.MANUAL_KEYS if k in post}, channel="console"
    ),
}
DONE = {
    "regenerate": "已按最新办案数据重新生成。",
    "submit": "已提交负责人审批。",
    "approve": "已审批同意。",
    "return": "已退回修改。",
    "publish": "已在公示平台公开。",
    "correct": "已新建更正版本。",
    "narrative": "文字说明已保存。",
    "manual": "填报数据已保存。",
}


@login_required
@require_POST
def action(request, pk: int, name: str):
    report = _report(request, pk)
    fn = ACTIONS.get(name)
    if fn is None:
        raise Http404("未知操作。")
    try:
        result = fn(request.user, report, request.POST)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("annual_console:detail", pk=report.pk)
    messages.success(request, DONE[name])
    return redirect("annual_console:detail", pk=result.pk)


@login_required
def download(request, pk: int):
    report = _report(request, pk)
    response = HttpResponse(excel.export_workbook(report), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="annual-{report.pk}-v{report.number}.xlsx"'
    return response
