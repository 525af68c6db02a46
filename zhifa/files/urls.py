from django.urls import path

from zhifa.files import views

app_name = "files"
urlpatterns = [
    path("tus/", views.tus_collection, name="tus"),
    path("tus/<uuid:upload_id>", views.tus_resource, name="tus-upload"),
]
