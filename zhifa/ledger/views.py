"""Console pages of the ledger: a summary and the list of signed checkpoints (read-only, nothing to press)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from zhifa.ledger import services, signing
from zhifa.ledger.models import Checkpoint


@login_required
def summary(request):
    public = signing.platform_public_key()
    return render(
        request,
        "ledger/summary.html",
        {
            "size": services.log_size(),
            "pending": services.pending_count(),
            "latest": services.latest_checkpoint(),
            "checkpoint_count": Checkpoint.objects.count(),
            "key_id": signing.key_id(public) if public else "",
        },
    )


@login_required
def checkpoint_list(request):
    page = Paginator(Checkpoint.objects.order_by("-tree_size"), 50).get_page(request.GET.get("page"))
    return render(request, "ledger/checkpoint_list.html", {"page": page})
