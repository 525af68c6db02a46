"""Admin views of the catalog: read-only. Lists change only through catalog.services (console or API), so that
every change passes review and lands on the ledger."""

from django.contrib import admin

from zhifa.catalog.models import ITEM_MODELS, CatalogList, ListVersion
from zhifa.core.admin import ReadOnlyAdmin


@admin.register(CatalogList)
class CatalogListAdmin(ReadOnlyAdmin):
    list_display = ("agency", "kind", "current_version")
    list_filter = ("kind",)
    search_fields = ("agency__name",)


@admin.register(ListVersion)
class ListVersionAdmin(ReadOnlyAdmin):
    list_display = ("catalog_list", "number", "status", "valid_from", "valid_to", "change_reason")
    list_filter = ("status", "catalog_list__kind")
    search_fields = ("catalog_list__agency__name", "change_reason")


for _model in ITEM_MODELS.values():
    admin.site.register(
        _model,
        type(
            f"{_model.__name__}Admin",
            (ReadOnlyAdmin,),
            {
                "list_display": ("version", "seq", _model.TITLE_FIELD),
                "list_filter": ("version__status",),
                "search_fields": (_model.TITLE_FIELD,) if _model.TITLE_FIELD != "seq" else (),
            },
        ),
    )
