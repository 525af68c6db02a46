"""Console URLs of the 年报; to be mounted at /console/annual/ by zhifa.urls:

path("console/annual/", include("zhifa.portal.annual.console_urls")),
"""

from django.urls import path

from zhifa.portal.annual import console_views as views

app_name = "annual_console"
urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/download.xlsx", views.download, name="download"),
    path("<int:pk>/<str:name>/", views.action, name="action"),
]
