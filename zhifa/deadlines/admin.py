"""Django admin for the calendar and the period rules. Every write goes through zhifa.deadlines.services (rules
checked, ledger event in the same transaction); only administrators may write, other staff may look."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from zhifa.core.errors import DomainError
from zhifa.core.roles import Role
from zhifa.core.scoping import user_role
from zhifa.deadlines import services
from zhifa.deadlines.models import CalendarYear, HolidayOverride, PeriodRule

CHANNEL = "admin"


class ServiceAdmin(admin.ModelAdmin):
    """Writes only for administrators; a refused rule comes back as a message, nothing is written."""

    def _is_admin(self, request) -> bool:
        return user_role(request.user) == Role.ADMIN

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return HttpResponseRedirect("../")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(ServiceAdmin):
    list_display = ["date", "kind", "name", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]

    def save_model(self, request, obj, form, change):
        saved = services.set_holiday_override(
            request.user, date=obj.date, kind=obj.kind, name=obj.name, note=obj.note, channel=CHANNEL
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_holiday_override(request.user, obj, channel=CHANNEL)

    def get_readonly_fields(self, request, obj=None):
        return ["date"] if obj is not None else []


@admin.register(CalendarYear)
class CalendarYearAdmin(ServiceAdmin):
    list_display = ["year", "source", "complete", "updated_at"]
    list_filter = ["complete"]

    def save_model(self, request, obj, form, change):
        saved = services.declare_calendar_year(
            request.user,
            year=obj.year,
            source=obj.source,
            complete=obj.complete,
            note=obj.note,
            channel=CHANNEL,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_calendar_year(request.user, obj, channel=CHANNEL)

    def get_readonly_fields(self, request, obj=None):
        return ["year"] if obj is not None else []


@admin.register(PeriodRule)
class PeriodRuleAdmin(ServiceAdmin):
    list_display = ["code", "name", "amount", "unit", "direction", "citation", "valid_from", "valid_to"]
    list_filter = ["unit", "direction"]
    search_fields = ["code", "name"]
    list_select_related = ["citation__law"]
    raw_id_fields = [
        "citation",
        "day_type_citation",
        "extension_citation",
        "excluded_citation",
        "roll_forward_citation",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # versions are ended (valid_to), never deleted: decisions refer to them

    def get_readonly_fields(self, request, obj=None):
        return list(PeriodRule.FIXED_FIELDS) if obj is not None else []

    def save_model(self, request, obj, form, change):
        services.save_period_rule(request.user, obj, channel=CHANNEL)
