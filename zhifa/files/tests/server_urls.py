from django.urls import include, path

urlpatterns = [path("files/", include("zhifa.files.urls"))]
