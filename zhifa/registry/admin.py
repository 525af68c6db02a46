from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from zhifa.core.admin import LedgerAdmin, ReadOnlyAdmin
from zhifa.registry.models import (
    Agency,
    ApiToken,
    Certificate,
    EnforcementDomain,
    Jurisdiction,
    Officer,
    TrainingRecord,
    User,
)


@admin.register(Jurisdiction)
class JurisdictionAdmin(LedgerAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(EnforcementDomain)
class EnforcementDomainAdmin(LedgerAdmin):
    list_display = ["code", "name"]


@admin.register(Agency)
class AgencyAdmin(LedgerAdmin):
    list_display = ["name", "short_name", "kind", "jurisdiction", "status", "is_justice_bureau"]
    list_filter = ["kind", "status", "is_justice_bureau", "jurisdiction"]
    search_fields = ["name", "uscc"]
    filter_horizontal = ["domains", "predecessors", "basis"]


@admin.register(Officer)
class OfficerAdmin(ReadOnlyAdmin):
    list_display = ["name", "agency", "post", "legal_qualification", "status"]
    list_filter = ["agency", "status", "legal_qualification"]
    search_fields = ["name"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "officer", "valid_from", "valid_until", "status", "qualification"]
    list_filter = ["status", "qualification"]
    search_fields = ["number", "officer__name"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ["officer", "title", "hours", "completed_on", "passed"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]


@admin.register(User)
class UserAdmin(LedgerAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "agency", "is_active"]
    list_filter = ["role", "is_active", "agency"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("执法平台", {"fields": ["role", "display_name", "agency", "jurisdiction", "officer"]}),
    ]
