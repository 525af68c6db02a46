"""Django admin of the publications: the rules are data administrators maintain (on the ledger); publications and
the takedown log are read-only here (zhifa.portal.services changes them)."""

from __future__ import annotations

from django.contrib import admin

from zhifa.core.admin import LedgerAdmin, ReadOnlyAdmin
from zhifa.deadlines.admin import ServiceAdmin
from zhifa.portal import services
from zhifa.portal.models import ExpiryRule, Publication, PublicationScopeRule, RedactionRule, Takedown


@admin.register(RedactionRule)
class RedactionRuleAdmin(ServiceAdmin):
    list_display = ["name", "pattern", "replacement", "natural_only", "active", "citation"]

    def save_model(self, request, obj, form, change):
        services.save_redaction_rule(request.user, obj, channel="admin")


@admin.register(PublicationScopeRule)
class ScopeRuleAdmin(LedgerAdmin):
    list_display = [
        "category",
        "sector",
        "procedure",
        "act",
        "publish",
        "period_code",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["category", "publish"]


@admin.register(ExpiryRule)
class ExpiryRuleAdmin(LedgerAdmin):
    list_display = ["order", "category", "sector", "only_kinds", "max_fine", "months", "citation"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "category",
        "agency",
        "status",
        "decided_on",
        "due_on",
        "published_on",
        "expires_on",
    ]
    list_filter = ["status", "category"]


@admin.register(Takedown)
class TakedownAdmin(ReadOnlyAdmin):
    list_display = ["withdrawn_on", "agency", "title", "revision_label", "on_time"]
