from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from zhifa.core.console import Row, Section, sections_for
from zhifa.core.models import Alert

TONE = {Alert.Severity.CRITICAL: "danger", Alert.Severity.WARNING: "warn", Alert.Severity.INFO: ""}
HOME_ALERTS = 8


def alert_sections(user) -> list[Section]:
    alerts = Alert.objects.visible_to(user).open()
    total = alerts.count()
    # The most severe first on the home page; the whole list is on the alerts page.
    critical = list(alerts.filter(severity=Alert.Severity.CRITICAL)[:HOME_ALERTS])
    shown = critical + list(alerts.exclude(severity=Alert.Severity.CRITICAL)[: HOME_ALERTS - len(critical)])
    rows = [
        Row(a.title, badge=a.get_severity_display(), tone=TONE[a.severity], note=a.citation) for a in shown
    ]
    title = f"预警提示（{total}）" if total else "预警提示"
    return [Section(title, rows, attention=True, empty_text="没有未处理的预警", more_url="/console/alerts/")]


@login_required
def alert_list(request):
    alerts = Alert.objects.visible_to(request.user).select_related("agency")
    state = request.GET.get("state", "open")
    if state == "open":
        alerts = alerts.open()
    elif state == "resolved":
        alerts = alerts.filter(resolved_at__isnull=False)
    kinds = sorted(set(alerts.values_list("kind", flat=True)))
    kind = request.GET.get("kind", "")
    if kind:
        alerts = alerts.filter(kind=kind)
    page = Paginator(alerts.order_by("-created_at"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "state": state, "kind": kind, "kinds": kinds}
    return render(request, "core/alerts.html", context)


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    sections = sections_for(request.user)
    return render(
        request,
        "core/home.html",
        {
            "attention": [s for s in sections if s.attention],
            "others": [s for s in sections if not s.attention],
        },
    )
