"""Public URLs (no login). Mounted at the site root by zhifa.urls."""

from django.urls import include, path

app_name = "portal"

urlpatterns = [
    path("", include("zhifa.portal.prior.urls")),
    path("", include("zhifa.portal.publication_urls")),
    path("search/", include("zhifa.portal.search.urls")),
    path("annual/", include("zhifa.portal.annual.urls")),
]
