from django.urls import path

from zhifa.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.case_act, name="act"),
    path("<int:pk>/officers/", views.officer_add, name="officer_add"),
    path("<int:pk>/parties/", views.party_add, name="party_add"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("<int:pk>/access/", views.access_report, name="access"),
    path("<int:pk>/archive/", views.case_archive, name="archive"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("parties/<int:pk>/", views.party_detail, name="party"),
]
