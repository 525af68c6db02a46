"""Public URLs of the 年报, mounted at /annual/ by zhifa.portal.urls."""

from django.urls import path

from zhifa.portal.annual import views

app_name = "annual"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/download.xlsx", views.download, name="download"),
]
