from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from zhifa.core.console import Row, Section, sections_for
from zhifa.core.models import Alert


def alert_sections(user) -> list[Section]:
    alerts = Alert.objects.visible_to(user).open().select_related("agency")[:20]
    tone = {Alert.Severity.CRITICAL: "danger", Alert.Severity.WARNING: "warn", Alert.Severity.INFO: ""}
    return [
        Section(
            "预警提示",
            [
                Row(a.title, badge=a.get_severity_display(), tone=tone[a.severity], note=a.citation)
                for a in alerts
            ],
            attention=True,
            empty_text="没有未处理的预警",
        )
    ]


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
