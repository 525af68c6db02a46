from django.contrib import admin
from django.urls import include, path

from zhifa.api.api import api

admin.site.site_header = "zhifa 行政执法平台 · 系统管理"
admin.site.site_title = "zhifa 系统管理"
admin.site.index_title = "系统数据"

urlpatterns = [
    path("console/", include("zhifa.core.urls")),
    path("console/registry/", include("zhifa.registry.urls")),
    path("console/laws/", include("zhifa.laws.urls")),
    path("console/catalog/", include("zhifa.catalog.urls")),
    path("console/deadlines/", include("zhifa.deadlines.urls")),
    path("console/ledger/", include("zhifa.ledger.urls")),
    path("console/cases/", include("zhifa.cases.urls")),
    path("console/documents/", include("zhifa.documents.urls")),
    path("console/reviews/", include("zhifa.reviews.urls")),
    path("console/portal/", include("zhifa.portal.console_urls")),
    path("console/annual/", include("zhifa.portal.annual.console_urls")),
    path("files/", include("zhifa.files.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("zhifa.portal.urls")),
]
