"""Console pages of 执法文书. Every query starts from visible_to(user); details use get_visible."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhifa.core.errors import DomainError, NotFound
from zhifa.core.scoping import get_visible
from zhifa.documents import kinds, services
from zhifa.documents.models import DocumentKind, DocumentTemplate, IssuedDocument
from zhifa.files.services import open_blob
from zhifa.registry.models import Agency


def _visible_or_404(qs, user, **lookup):
    try:
        return get_visible(qs, user, channel="console", **lookup)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _docs():
    return IssuedDocument.objects.select_related("agency", "kind", "issued_by", "corrects")


@login_required
def document_list(request):
    qs = _docs().visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind__code=kind)
    case_id = request.GET.get("case", "")
    if case_id.isdigit():
        qs = qs.filter(case_id=int(case_id))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/document_list.html",
        {"page": page, "kinds": DocumentKind.objects.filter(active=True), "kind": kind, "case_id": case_id},
    )


@login_required
def document_detail(request, pk: int):
    doc = _visible_or_404(_docs(), request.user, pk=pk)
    services.record_view(user=request.user, doc=doc, channel="console")
    result = services.verify_document(doc)
    return render(
        request,
        "documents/document_detail.html",
        {
            "doc": doc,
            "result": result,
            "corrections": doc.corrections.all(),
            "context_items": [(k, _display(v)) for k, v in doc.context.items()],
        },
    )


def _display(value) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}：{_display(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "；".join(_display(v) for v in value)
    return "" if value is None else str(value)


@login_required
def document_download(request, pk: int):
    doc = _visible_or_404(_docs(), request.user, pk=pk)
    services.record_download(user=request.user, doc=doc, channel="console")
    name = f"{doc.title}{doc.number or doc.pk}.pdf"
    return FileResponse(
        open_blob(doc.blob), content_type="application/pdf", as_attachment=True, filename=name
    )


def _agency_for(request):
    """The agency whose templates are shown: the user's own, or (supervisors, admins) ?agency=<id> in scope."""
    agency_id = request.GET.get("agency") or request.POST.get("agency")
    if agency_id and str(agency_id).isdigit():
        return _visible_or_404(Agency.objects.all(), request.user, pk=int(agency_id))
    return getattr(request.user, "agency", None)


@login_required
def template_list(request):
    agency = _agency_for(request)
    rows = []
    for kind in DocumentKind.objects.filter(active=True):
        html = services.active_template(agency, kind)
        word = services.active_template(agency, kind, DocumentTemplate.Format.DOCX)
        rows.append({"kind": kind, "html": html, "word": word})
    own = DocumentTemplate.objects.visible_to(request.user).filter(agency=agency).select_related("kind")
    can_edit = agency is not None and services.may_edit_templates(request.user, agency)
    return render(
        request,
        "documents/template_list.html",
        {
            "agency": agency,
            "rows": rows,
            "own": own,
            "can_edit": can_edit,
            "kinds": DocumentKind.objects.filter(active=True),
        },
    )


@login_required
def template_preview(request, code: str):
    """The kind's template (or ?template=<id>) rendered with the sample context to a PDF marked 样张."""
    agency = _agency_for(request)
    template = None
    if request.GET.get("template", "").isdigit():
        template = _visible_or_404(
            DocumentTemplate.objects.all(), request.user, pk=int(request.GET["template"])
        )
    try:
        pdf = services.preview_pdf(user=request.user, agency=agency, kind=code, template=template)
    except DomainError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = "inline; filename=preview.pdf"
    return response


@login_required
def template_source(request, code: str):
    """The HTML source currently used for the kind (to start an agency's own version from)."""
    agency = _agency_for(request)
    kind = services.get_kind(code)
    source = services.template_source(agency, kind)[0]
    return HttpResponse(source, content_type="text/plain; charset=utf-8")


@login_required
def word_sample(request, pk: int):
    template = _visible_or_404(DocumentTemplate.objects.all(), request.user, pk=pk)
    try:
        data = services.render_word(
            user=request.user, template=template, context=kinds.sample_context(template.kind.code)
        )
    except DomainError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": 'attachment; filename="sample.docx"'},
    )


@login_required
@require_POST
def template_create(request):
    agency = _agency_for(request)
    kind = request.POST.get("kind", "")
    name = request.POST.get("name", "")
    try:
        upload = request.FILES.get("docx")
        if upload is not None:
            services.upload_word_template(
                user=request.user, agency=agency, kind=kind, data=upload.read(), name=name, channel="console"
            )
        else:
            services.create_html_template(
                user=request.user, agency=agency, kind=kind, body=request.POST.get("body", ""), name=name,
                channel="console",
            )  # fmt: skip
        messages.success(request, "模板已保存并启用。")
    except DomainError as exc:
        messages.error(request, str(exc))
    target = "documents:templates"
    return redirect(f"{_reverse(target)}?agency={agency.pk}" if agency else _reverse(target))


def _reverse(name):
    from django.urls import reverse

    return reverse(name)
