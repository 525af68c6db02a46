"""Console pages of the 执法事项库 (/console/catalog/). Reads start from visible_to; writes call catalog.services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhifa.catalog import services
from zhifa.catalog.excel import XLSX_CONTENT_TYPE
from zhifa.catalog.models import ITEM_MODELS, CatalogList, Kind, ListVersion
from zhifa.catalog.validation import display_value
from zhifa.core.errors import DomainError, NotFound
from zhifa.core.scoping import get_visible
from zhifa.ledger.models import Event

# Multipart overhead allowed on top of the file itself before the request is refused unread.
UPLOAD_SLACK = 64 * 1024

EVENT_LABELS = {
    "catalog.version_created": "创建版本",
    "catalog.change_reason_set": "填写修订原因",
    "catalog.item_added": "新增事项",
    "catalog.item_changed": "修改事项",
    "catalog.item_removed": "删除事项",
    "catalog.items_imported": "从Excel导入",
    "catalog.version_submitted": "提交法制审核",
    "catalog.version_approved": "法制审核通过",
    "catalog.version_returned": "退回修改",
    "catalog.version_published": "发布",
    "catalog.version_superseded": "被新版本替代",
}


def _visible_version(request, pk: int) -> ListVersion:
    try:
        return get_visible(
            ListVersion.objects.select_related("catalog_list__agency", "based_on"),
            request.user,
            channel="console",
            pk=pk,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _effective_date(text: str) -> dt.date | None:
    """The 施行日期 field: empty means today; anything but a real YYYY-MM-DD date is a form error."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise DomainError(
            f"施行日期“{text}”不是有效日期，请按“年-月-日”（如 2025-03-01）填写一个存在的日期。",
            code="catalog_invalid_date",
        ) from exc


@login_required
def index(request):
    lists = (
        CatalogList.objects.visible_to(request.user)
        .select_related("agency", "current_version")
        .order_by("agency__jurisdiction__path", "agency__name", "kind")
    )
    open_versions = {
        v.catalog_list_id: v
        for v in ListVersion.objects.visible_to(request.user).filter(status__in=ListVersion.OPEN)
    }
    rows = [{"list": cl, "open": open_versions.get(cl.pk)} for cl in lists]
    return render(
        request,
        "catalog/index.html",
        {"rows": rows, "kinds": Kind.choices, "can_draft": services.may_create(request.user)},
    )


@login_required
@require_POST
def create_draft(request):
    kind = request.POST.get("kind", "")
    try:
        version = services.create_draft(
            request.user,
            getattr(request.user, "agency", None),
            kind,
            change_reason=request.POST.get("change_reason", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        existing = exc.details.get("version") if exc.details else None
        return redirect("catalog:version", pk=existing) if existing else redirect("catalog:index")
    messages.success(request, f"已新建第{version.number}版草稿。")
    return redirect("catalog:version", pk=version.pk)


@login_required
def list_detail(request, pk: int):
    try:
        cl = get_visible(CatalogList.objects.select_related("agency"), request.user, channel="console", pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    versions = ListVersion.objects.visible_to(request.user).filter(catalog_list=cl).order_by("-number")
    return render(request, "catalog/list.html", {"list": cl, "versions": versions})


def _table(version: ListVersion):
    model = version.item_model
    items = version.items().select_related(*model.related_fields())
    return [
        {"item": item, "cells": [display_value(c, getattr(item, c.field)) for c in model.COLUMNS]}
        for item in items
    ]


def _version_context(request, version: ListVersion, **extra) -> dict:
    # The version's own steps; refused attempts (access.denied, naming people of other agencies) stay on the
    # ledger for the supervisors but are not part of the version's history.
    history = (
        Event.objects.filter(subject_type="catalog.listversion", subject_id=str(version.pk))
        .exclude(event_type="access.denied")
        .order_by("index")
    )
    status = ListVersion.Status
    ctx = {
        "version": version,
        "list": version.catalog_list,
        "columns": version.item_model.COLUMNS,
        "rows": _table(version),
        "history": [
            {"event": e, "label": EVENT_LABELS.get(e.event_type, e.event_type), "data": e.data}
            for e in history
        ],
        "can_edit": version.is_editable and services.may(request.user, version, "edit"),
        "can_submit": version.is_editable and services.may(request.user, version, "submit"),
        "can_review": version.status == status.SUBMITTED and services.may(request.user, version, "review"),
        "can_publish": version.status == status.APPROVED and services.may(request.user, version, "publish"),
        "needs_reason": version.number > 1,
        "revisions": ListVersion.objects.visible_to(request.user).filter(based_on=version),
    }
    ctx.update(extra)
    return ctx


@login_required
def version_detail(request, pk: int):
    version = _visible_version(request, pk)
    return render(request, "catalog/version.html", _version_context(request, version))


@login_required
@require_POST
def version_action(request, pk: int, action: str):
    version = _visible_version(request, pk)
    post = request.POST
    try:
        if action == "reason":
            services.set_change_reason(request.user, version, post.get("change_reason", ""))
            done = "修订原因已保存。"
        elif action == "submit":
            services.submit(request.user, version, change_reason=post.get("change_reason"))
            done = "已提交法制审核。"
        elif action == "approve":
            services.approve(request.user, version, opinion=post.get("opinion", ""))
            done = "审核通过，待负责人发布。"
        elif action == "return":
            services.return_for_revision(request.user, version, opinion=post.get("opinion", ""))
            done = "已退回修改。"
        elif action == "publish":
            effective = _effective_date(post.get("effective_from", ""))
            services.publish(request.user, version, effective_from=effective)
            done = "已发布。"
        else:
            raise Http404("未知操作")
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("catalog:version", pk=version.pk)


@login_required
@require_POST
def import_excel(request, pk: int):
    version = _visible_version(request, pk)
    try:
        # A request announcing a larger body is refused before its multipart body is parsed.
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            services.check_upload_size(max(0, int(length) - UPLOAD_SLACK))
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的Excel文件。")
            return redirect("catalog:version", pk=pk)
        result = services.import_excel(request.user, version, upload, filename=upload.name)
    except DomainError as exc:
        ctx = _version_context(
            request, version, import_error=exc.message, import_rows=(exc.details or {}).get("rows", [])
        )
        return render(request, "catalog/version.html", ctx, status=400 if exc.status == 400 else exc.status)
    note = f"（未识别的列已忽略：{'、'.join(result.ignored_columns)}）" if result.ignored_columns else ""
    messages.success(request, f"已导入{result.created}条事项{note}。")
    return redirect("catalog:version", pk=pk)


@login_required
def export_excel(request, pk: int):
    version = _visible_version(request, pk)
    response = HttpResponse(services.export_excel(version), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="catalog-{version.kind}-v{version.number}.xlsx"'
    return response


@login_required
def diff(request, pk: int):
    version = _visible_version(request, pk)
    base = version.based_on
    if base is not None and not ListVersion.objects.visible_to(request.user).filter(pk=base.pk).exists():
        base = None
    d = services.diff_versions(version, base) if base else None
    return render(
        request,
        "catalog/diff.html",
        {
            "version": version,
            "base": base,
            "diff": d,
            "columns": version.item_model.COLUMNS,
            "added": [services.item_values(i) for i in d.added] if d else [],
            "removed": [services.item_values(i) for i in d.removed] if d else [],
        },
    )


def _fields(model, item=None, posted=None) -> list[dict]:
    out = []
    for column in model.COLUMNS:
        if posted is not None:
            value = posted.getlist(column.field) if column.kind == "multi" else posted.get(column.field, "")
        elif item is not None:
            raw = getattr(item, column.field)
            if column.kind in ("choice", "multi"):
                value = raw
            elif column.kind == "bool":
                value = "是" if raw else "否"
            else:
                value = display_value(column, raw)
        else:
            value = [] if column.kind == "multi" else ""
        options = []
        if column.kind in ("choice", "multi"):
            chosen = value if isinstance(value, list) else [value]
            options = [{"value": v, "label": label, "selected": v in chosen} for v, label in column.choices]
        long = (
            column.kind == "basis" or model._meta.get_field(column.field).get_internal_type() == "TextField"
        )
        out.append({"column": column, "value": value, "options": options, "long": long})
    return out


def _posted_data(model, post) -> dict:
    data = {}
    for column in model.COLUMNS:
        data[column.field] = (
            post.getlist(column.field) if column.kind == "multi" else post.get(column.field, "")
        )
    return data


@login_required
def item_form(request, pk: int, item_pk: int | None = None):
    version = _visible_version(request, pk)
    model = ITEM_MODELS[version.kind]
    item = None
    if item_pk is not None:
        item = model.objects.filter(version=version, pk=item_pk).first()
        if item is None:
            raise Http404("该版本中没有这一事项。")
    errors = []
    if request.method == "POST":
        data = _posted_data(model, request.POST)
        try:
            if item is None:
                services.add_item(request.user, version, data)
            else:
                services.update_item(request.user, item, data)
        except DomainError as exc:
            errors = (exc.details or {}).get("errors") or [{"column": "", "message": str(exc)}]
        else:
            messages.success(request, "已保存。")
            return redirect("catalog:version", pk=pk)
    fields = _fields(model, item, request.POST if request.method == "POST" else None)
    return render(
        request,
        "catalog/item_form.html",
        {"version": version, "item": item, "fields": fields, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def item_delete(request, pk: int, item_pk: int):
    version = _visible_version(request, pk)
    item = ITEM_MODELS[version.kind].objects.filter(version=version, pk=item_pk).first()
    if item is None:
        raise Http404("该版本中没有这一事项。")
    try:
        services.remove_item(request.user, item)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已删除。")
    return redirect(reverse("catalog:version", kwargs={"pk": pk}))
