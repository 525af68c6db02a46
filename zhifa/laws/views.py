from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from zhifa.core.errors import NotFound
from zhifa.core.scoping import get_visible
from zhifa.laws.models import Law


@login_required
def law_list(request):
    laws = Law.objects.visible_to(request.user).order_by("level", "title", "-version_date")
    return render(request, "laws/law_list.html", {"laws": laws})


@login_required
def law_detail(request, pk: int):
    try:
        law = get_visible(Law, request.user, channel="console", pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "laws/law_detail.html", {"law": law, "articles": law.articles.all()})
