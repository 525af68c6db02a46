"""Console pages of the 事后 publications; mounted at /console/portal/ (namespace "portal_console")."""

from django.urls import path

from zhifa.portal import console

app_name = "portal_console"

urlpatterns = [
    path("", console.publication_list, name="list"),
    path("new/", console.publication_create, name="create"),
    path("<int:pk>/", console.publication_detail, name="detail"),
]
