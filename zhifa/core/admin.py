"""Admin building blocks.

System data edited in the Django admin (jurisdictions, domains, users, calendars …) still goes on the ledger:
`LedgerAdmin` appends an event in the admin's own transaction for every save and delete. Domain records whose
changes are governed by rules (certificates, lists, cases) get `ReadOnlyAdmin`: the admin shows them, the services
change them.
"""

from django.contrib import admin
from django.forms.models import model_to_dict

from zhifa.core.models import Alert
from zhifa.ledger.services import Actor, append


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    return {
        k: (str(v) if not isinstance(v, int | bool | type(None)) else v)
        for k, v in data.items()
        if k not in {"password"}
    }


class LedgerAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        append(
            "admin.changed" if change else "admin.created",
            actor=Actor.from_user(request.user),
            subject=obj,
            payload={"fields": sorted(form.changed_data), "values": _snapshot(obj)},
        )

    def delete_model(self, request, obj):
        subject = (obj._meta.label_lower, str(obj.pk))
        values = _snapshot(obj)
        super().delete_model(request, obj)
        append(
            "admin.deleted", actor=Actor.from_user(request.user), subject=subject, payload={"values": values}
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "severity", "agency", "created_at", "resolved_at"]
    list_filter = ["kind", "severity", "resolved_at"]
    search_fields = ["title", "key"]
