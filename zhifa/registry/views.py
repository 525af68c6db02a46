"""Console pages of the registry. Every query starts from visible_to(user); details use get_visible."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.core.errors import DomainError, NotFound
from zhifa.core.scoping import get_visible
from zhifa.registry import services
from zhifa.registry.models import Agency, Certificate, Officer


def _visible_or_404(qs, user, **lookup):
    try:
        return get_visible(qs, user, channel="console", **lookup)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def agency_list(request):
    agencies = (
        Agency.objects.visible_to(request.user)
        .select_related("jurisdiction")
        .prefetch_related("domains")
        .order_by("jurisdiction__path", "name")
    )
    officer_counts = {}
    for agency_id in Officer.objects.visible_to(request.user).values_list("agency_id", flat=True):
        officer_counts[agency_id] = officer_counts.get(agency_id, 0) + 1
    rows = [(a, officer_counts.get(a.pk)) for a in agencies]
    return render(request, "registry/agency_list.html", {"rows": rows})


@login_required
def agency_detail(request, pk: int):
    agency = _visible_or_404(Agency.objects.select_related("jurisdiction"), request.user, pk=pk)
    officers = Officer.objects.visible_to(request.user).filter(agency=agency).prefetch_related("certificates")
    today = timezone.localdate()
    return render(
        request,
        "registry/agency_detail.html",
        {"agency": agency, "officers": officers, "today": today, "can_see_officers": officers.exists()},
    )


@login_required
def officer_detail(request, pk: int):
    officer = _visible_or_404(Officer.objects.select_related("agency"), request.user, pk=pk)
    certificates = (
        Certificate.objects.visible_to(request.user).filter(officer=officer).prefetch_related("domains")
    )
    return render(
        request,
        "registry/officer_detail.html",
        {
            "officer": officer,
            "certificates": certificates,
            "trainings": officer.trainings.all(),
            "today": timezone.localdate(),
            "can_change": Certificate.objects.editable_by(request.user).filter(officer=officer).exists(),
        },
    )


@login_required
def certificate_list(request):
    today = timezone.localdate()
    qs = (
        Certificate.objects.visible_to(request.user).select_related("officer__agency").order_by("valid_until")
    )
    state = request.GET.get("state", "")
    if state == "expiring":
        qs = qs.expiring_within(today, services.CERT_EXPIRY_WARNING_DAYS)
    elif state == "expired":
        qs = qs.filter(status=Certificate.Status.VALID, valid_until__lt=today)
    elif state in (Certificate.Status.SUSPENDED, Certificate.Status.REVOKED):
        qs = qs.filter(status=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "registry/certificate_list.html", {"page": page, "state": state, "today": today})


@login_required
@require_POST
def certificate_status(request, pk: int):
    cert = _visible_or_404(Certificate.objects.select_related("officer"), request.user, pk=pk)
    try:
        services.change_certificate_status(
            user=request.user,
            certificate=cert,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, "执法证状态已更新。")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("registry:officer", pk=cert.officer_id)
