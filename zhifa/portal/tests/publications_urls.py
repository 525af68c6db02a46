"""The site's URLs plus the publications console at /console/portal/ (mounted by the lead in zhifa/urls.py; this
keeps the tests independent of that)."""

from django.urls import include, path

from zhifa.urls import urlpatterns as site

mounted = any(getattr(p, "pattern", None) and str(p.pattern) == "console/portal/" for p in site)
urlpatterns = ([] if mounted else [path("console/portal/", include("zhifa.portal.console_urls"))]) + list(
    site
)
