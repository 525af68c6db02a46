from django.urls import path

from zhifa.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/download/", views.document_download, name="download"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<slug:code>/preview/", views.template_preview, name="template_preview"),
    path("templates/<slug:code>/source/", views.template_source, name="template_source"),
    path("templates/word/<int:pk>/sample/", views.word_sample, name="word_sample"),
]
