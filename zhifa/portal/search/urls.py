"""Public search URLs, mounted at /search/ by zhifa.portal.urls (namespace "portal")."""

from django.urls import path

from zhifa.portal.search import views

urlpatterns = [path("", views.search_page, name="search")]
