"""Administrators change the counting-rule data here (a new version rather than editing a used one)."""

from django.contrib import admin

from zhifa.portal.annual.models import DueRule, PenaltySeverity


@admin.register(PenaltySeverity)
class PenaltySeverityAdmin(admin.ModelAdmin):
    list_display = ("kind", "rank", "valid_from", "valid_to", "citation")
    list_filter = ("valid_from",)


@admin.register(DueRule)
class DueRuleAdmin(admin.ModelAdmin):
    list_display = ("first_year", "last_year", "month", "day", "citation")
