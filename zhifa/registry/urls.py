from django.urls import path

from zhifa.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.agency_list, name="agencies"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency"),
    path("officers/<int:pk>/", views.officer_detail, name="officer"),
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/<int:pk>/status/", views.certificate_status, name="certificate_status"),
]
