"""Admin: document kinds (prefixes, required fields) are editable data; issued documents are read-only."""

from django.contrib import admin

from zhifa.documents.models import AgencySigningKey, DocumentKind, DocumentTemplate, IssuedDocument


@admin.register(DocumentKind)
class DocumentKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "number_prefix", "number_format", "citation", "active", "order"]
    list_editable = ["number_prefix", "active", "order"]


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "kind", "format", "version", "active", "created_at"]
    list_filter = ["format", "active", "kind"]
    readonly_fields = [f.name for f in DocumentTemplate._meta.fields]

    def has_add_permission(self, request):
        return False  # through the console (services), so that the change is on the ledger


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "agency", "case_id", "issued_at"]
    list_filter = ["kind"]
    search_fields = ["number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgencySigningKey)
class AgencySigningKeyAdmin(admin.ModelAdmin):
    list_display = ["agency", "fingerprint", "valid_from", "valid_until", "revoked_at"]
    readonly_fields = [f.name for f in AgencySigningKey._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
