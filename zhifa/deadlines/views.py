"""Console pages of the deadlines engine: a due-date calculator, the rule table, calendar coverage."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from zhifa.core.errors import DomainError
from zhifa.deadlines import services
from zhifa.deadlines.errors import CalendarDataMissing
from zhifa.deadlines.forms import DueForm
from zhifa.deadlines.models import CalendarYear, HolidayOverride, PeriodRule

RELATED = ("citation__law", "day_type_citation__law", "extension_citation__law", "roll_forward_citation__law")


def coverage_years(user, today) -> list[int]:
    declared = CalendarYear.objects.visible_to(user).values_list("year", flat=True)
    years = {today.year - 1, today.year, today.year + 1, *declared}
    return sorted(years, reverse=True)


@login_required
def index(request):
    today = timezone.localdate()
    current = (
        PeriodRule.objects.visible_to(request.user)
        .filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related(*RELATED)
        .order_by("code")
    )
    form = DueForm(request.GET or None, rules=current)
    result = error = None
    if form.is_bound and form.is_valid():
        try:
            result = services.due(
                form.cleaned_data["rule"],
                form.start_value(),
                extensions=form.cleaned_data.get("extensions") or 0,
                excluded=form.excluded(),
            )
        except CalendarDataMissing as missing:
            missing.after_rollback()  # no transaction is open in this view: the alert is kept
            error = missing
        except DomainError as exc:
            error = exc
    return render(
        request,
        "deadlines/index.html",
        {
            "form": form,
            "result": result,
            "error": error,
            "rules": current,
            "coverage": services.coverage(coverage_years(request.user, today)),
            "missing": services.missing_years(today),
        },
    )


@login_required
def calendar_year(request, year: int):
    info = services.coverage([year])[0]
    days = services.calendar_days(year) if info.covered else []
    overrides = HolidayOverride.objects.visible_to(request.user).filter(date__year=year)
    return render(
        request,
        "deadlines/calendar.html",
        {
            "year": year,
            "info": info,
            "days": days,
            "overrides": overrides,
            "missing_message": "" if info.covered else CalendarDataMissing(year).message,
        },
    )
