"""Review rows are changed by zhifa.reviews.services only (the gate and the ledger depend on it): read-only here."""

from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin
from zhifa.reviews.models import (
    Advisor,
    AdvisorAssignment,
    Contest,
    DraftDecision,
    GateCheck,
    Material,
    Opinion,
    ReviewBody,
    Submission,
)


@admin.register(ReviewBody)
class ReviewBodyAdmin(ReadOnlyAdmin):
    list_display = ["agency", "name", "period_rule_code"]


@admin.register(Advisor)
class AdvisorAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "pool_owner", "legal_qualification", "active"]
    list_filter = ["kind", "legal_qualification", "active"]


@admin.register(AdvisorAssignment)
class AdvisorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["advisor", "agency", "start_on", "end_on"]


@admin.register(DraftDecision)
class DraftDecisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "version", "outcome", "fine_amount", "in_scope", "scope_on"]
    list_filter = ["in_scope"]


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "title", "withdrawn_at"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["case", "round", "status", "submitted_on", "due_on"]
    list_filter = ["status"]


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    list_display = ["case", "conclusion", "reviewer_name", "issued_on", "overdue", "set_aside"]
    list_filter = ["conclusion", "overdue", "set_aside"]


@admin.register(Contest)
class ContestAdmin(ReadOnlyAdmin):
    list_display = ["case", "status", "outcome", "created_at"]


@admin.register(GateCheck)
class GateCheckAdmin(ReadOnlyAdmin):
    list_display = ["case", "decided_on", "in_scope", "opinion"]
    list_filter = ["in_scope"]
