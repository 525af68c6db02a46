"""The site's URLs plus the 年报 console (until zhifa.urls mounts it at /console/annual/)."""

from django.urls import include, path

from zhifa.urls import urlpatterns as site

urlpatterns = [path("console/annual/", include("zhifa.portal.annual.console_urls")), *site]
