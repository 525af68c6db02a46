"""The catalog's sections of the console home page (see zhifa.core.console)."""

from __future__ import annotations

from django.urls import reverse

from zhifa.catalog.models import ListVersion
from zhifa.core.console import Row, Section
from zhifa.core.roles import Role
from zhifa.core.scoping import user_role


def _rows(versions) -> list[Row]:
    return [
        Row(
            f"{v.catalog_list} 第{v.number}版",
            url=reverse("catalog:version", kwargs={"pk": v.pk}),
            badge=v.get_status_display(),
            tone="danger" if v.status == ListVersion.Status.RETURNED else "warn",
            note=v.review_opinion if v.status == ListVersion.Status.RETURNED else v.change_reason,
        )
        for v in versions
    ]


def home_sections(user) -> list[Section]:
    role = user_role(user)
    if role is None:
        return []
    qs = ListVersion.objects.visible_to(user).select_related("catalog_list__agency").order_by("updated_at")
    more = reverse("catalog:index")
    sections = []
    if role in (Role.REVIEWER, Role.ADMIN):
        sections.append(
            Section(
                "待审核清单",
                _rows(qs.filter(status=ListVersion.Status.SUBMITTED)[:20]),
                attention=True,
                empty_text="没有待法制审核的清单",
                more_url=more,
            )
        )
    if role in (Role.HEAD, Role.ADMIN):
        sections.append(
            Section(
                "待发布清单",
                _rows(qs.filter(status=ListVersion.Status.APPROVED)[:20]),
                attention=True,
                empty_text="没有审核通过待发布的清单",
                more_url=more,
            )
        )
    if role in (Role.OFFICER, Role.HEAD):
        sections.append(
            Section(
                "本机关清单草稿",
                _rows(qs.filter(status__in=ListVersion.EDITABLE)[:20]),
                attention=True,
                empty_text="没有正在修订的清单",
                more_url=more,
            )
        )
    if role in (Role.SUPERVISOR, Role.MACHINE):
        sections.append(
            Section(
                "辖区内修订中的清单",
                _rows(qs.filter(status__in=ListVersion.OPEN)[:20]),
                empty_text="辖区内没有修订中的清单",
                more_url=more,
            )
        )
    return sections
