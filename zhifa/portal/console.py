"""Console of the 事后 publications (/console/portal/): the home-page section of publications awaiting review,
the agency's list, one publication with its internal original and redacted draft (approve, correct, withdraw), and
the form to enter a publication by hand (许可, 检查 and other acts without a source module yet).

Every write goes through zhifa.portal.services; refusals come back as messages.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from zhifa.core.console import Row, Section
from zhifa.core.errors import DomainError
from zhifa.core.roles import Role
from zhifa.core.scoping import can_create, get_visible, user_role
from zhifa.portal import services
from zhifa.portal.models import Category, PartyKind, Publication
from zhifa.registry.models import Agency

CHANNEL = "console"
HOME_ROWS = 10
STAFF = (Role.OFFICER, Role.HEAD, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN)


def _url(name: str, *args) -> str:
    """The console URL, or "" while zhifa.portal.console_urls is not mounted (at /console/portal/)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def home_sections(user) -> list[Section]:
    """Publications awaiting redaction review, until published: for the agency's staff and the supervisors."""
    if user_role(user) not in STAFF:
        return []
    today = timezone.localdate()
    pending = services.pending_for(user)
    total = pending.count()
    rows = []
    for pub in pending.select_related("current")[:HOME_ROWS]:
        draft = services.draft_of(pub)
        title = services.public_title(draft.fields) if draft else str(pub)
        if pub.due_on is None:
            badge, tone = "期限未能计算", "warn"
        elif pub.due_on < today:
            badge, tone = f"已逾期{(today - pub.due_on).days}天", "danger"
        else:
            badge, tone = f"应于{pub.due_on:%m月%d日}前公示", "warn"
        rows.append(Row(f"{pub.get_category_display()} · {title}", url=_url("portal_console:detail", pub.pk),
                        badge=badge, tone=tone, note=pub.agency.name))  # fmt: skip
    title = f"待公示（{total}）" if total else "待公示"
    return [
        Section(title, rows, attention=bool(rows), empty_text="没有待审核公示的执法决定",
                more_url=_url("portal_console:list") and _url("portal_console:list") + "?status=pending")
    ]  # fmt: skip


@login_required
def publication_list(request):
    qs = Publication.objects.visible_to(request.user).select_related("agency", "current")
    if user_role(request.user) in (Role.OFFICER, Role.HEAD, Role.REVIEWER):
        qs = qs.filter(agency_id=request.user.agency_id)
    status = request.GET.get("status", "")
    if status in Publication.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    agencies = [a for a in Agency.objects.filter(pk=getattr(request.user, "agency_id", None)) if a]
    return render(
        request,
        "portal/console/list.html",
        {
            "page": page,
            "status": status,
            "statuses": Publication.Status.choices,
            "can_create": any(can_create(request.user, Publication, a) for a in agencies),
        },
    )


class ApproveForm(forms.Form):
    title = forms.CharField(label="违法行为类型/事项", max_length=300)
    party_name = forms.CharField(label="行政相对人名称", max_length=300)
    legal_representative = forms.CharField(label="法定代表人（负责人）", max_length=100, required=False)
    facts = forms.CharField(label="违法事实/执法结论", widget=forms.Textarea(attrs={"rows": 5}))
    basis = forms.CharField(label="依据", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    content = forms.CharField(label="处理内容", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CorrectForm(ApproveForm):
    reason = forms.CharField(label="更正理由（将公开）", widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回理由（将公开）", widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def publication_detail(request, pk: int):
    try:
        pub = get_visible(
            Publication.objects.select_related("agency", "current"), request.user, channel=CHANNEL, pk=pk
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal_console:list")
    user = request.user
    own = getattr(user, "agency_id", None) == pub.agency_id
    role = user_role(user)
    draft = services.draft_of(pub)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                form = ApproveForm(request.POST)
                if form.is_valid():
                    services.approve(user, pub, fields=form.cleaned_data, channel=CHANNEL)
                    messages.success(request, "已审核通过并公示。")
                    return redirect("portal_console:detail", pk=pub.pk)
                messages.error(request, "请检查填写的内容。")
            elif action == "correct":
                form = CorrectForm(request.POST)
                if form.is_valid():
                    data = dict(form.cleaned_data)
                    reason = data.pop("reason")
                    services.correct(user, pub, changes=data, reason=reason, channel=CHANNEL)
                    messages.success(request, "已生成更正版本，待法制审核人员审核脱敏内容后公示。")
                    return redirect("portal_console:detail", pk=pub.pk)
                messages.error(request, "请检查填写的内容。")
            elif action == "withdraw":
                form = WithdrawForm(request.POST)
                if form.is_valid():
                    services.withdraw(user, pub, reason=form.cleaned_data["reason"], channel=CHANNEL)
                    messages.success(request, "已撤回，撤回理由已公开。")
                    return redirect("portal_console:detail", pk=pub.pk)
        except DomainError as exc:
            messages.error(request, str(exc))
        pub.refresh_from_db()
        draft = services.draft_of(pub)
    base = draft or pub.current
    initial = {k: (base.fields.get(k) if base else "") for k in services.TEXT_FIELDS}
    original = {k: v for k, v in (base.original if base else {}).items()}
    return render(
        request,
        "portal/console/detail.html",
        {
            "pub": pub,
            "draft": draft,
            "versions": pub.versions.order_by("number"),
            "original": original,
            "labels": services.FIELD_LABELS,
            "approve_form": ApproveForm(initial=initial) if draft and role == Role.REVIEWER and own else None,
            "correct_form": CorrectForm(initial={k: original.get(k, "") for k in services.TEXT_FIELDS})
            if own
            and role in (Role.OFFICER, Role.HEAD)
            and (pub.status in (Publication.Status.PUBLISHED, Publication.Status.PENDING) or pub.correctable)
            else None,
            "withdraw_form": WithdrawForm()
            if own
            and role == Role.HEAD
            and pub.status in (Publication.Status.PENDING, Publication.Status.PUBLISHED)
            else None,
            "problems": services.check_fields(draft.original, draft.fields) if draft else [],
        },
    )


class ManualForm(forms.Form):
    category = forms.ChoiceField(label="执法类别", choices=Category.choices)
    title = forms.CharField(label="事项（许可事项、检查事项、违法行为类型等）", max_length=200)
    document_number = forms.CharField(label="决定书（文书）文号", max_length=100, required=False)
    party_kind = forms.ChoiceField(label="行政相对人类别", choices=PartyKind.choices)
    party_name = forms.CharField(label="行政相对人名称/姓名", max_length=200)
    party_uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    legal_representative = forms.CharField(label="法定代表人（负责人）", max_length=60, required=False)
    party_id_number = forms.CharField(label="证件号码（内部留存，不公开）", max_length=40, required=False)
    party_address = forms.CharField(label="住址（自然人，内部留存，不公开）", max_length=200, required=False)
    facts = forms.CharField(label="执法结论/事实", widget=forms.Textarea(attrs={"rows": 4}))
    basis = forms.CharField(label="依据", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    content = forms.CharField(label="决定内容", widget=forms.Textarea(attrs={"rows": 2}))
    decided_on = forms.DateField(label="决定日期", widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def publication_create(request):
    user = request.user
    agency = Agency.objects.filter(pk=getattr(user, "agency_id", None)).first()
    if agency is None or not can_create(user, Publication, agency):
        messages.error(request, "只有执法机关的执法人员或负责人可以录入公示信息。")
        return redirect("portal_console:list")
    form = ManualForm(request.POST or None, initial={"decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pub = services.create_publication(
                user,
                agency=agency,
                source_type="manual",
                source_id="",
                act="manual",
                act_label="人工录入",
                **data,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            if pub is None:
                messages.info(request, "按公示范围规则，该执法决定不公示。")
                return redirect("portal_console:list")
            messages.success(request, "已录入，待法制审核人员审核脱敏内容后公示。")
            return redirect("portal_console:detail", pk=pub.pk)
    return render(request, "portal/console/new.html", {"form": form, "agency": agency})
