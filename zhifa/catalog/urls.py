from django.urls import path

from zhifa.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create_draft, name="create_draft"),
    path("lists/<int:pk>/", views.list_detail, name="list"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/diff/", views.diff, name="diff"),
    path("versions/<int:pk>/export.xlsx", views.export_excel, name="export"),
    path("versions/<int:pk>/import/", views.import_excel, name="import"),
    path("versions/<int:pk>/items/new/", views.item_form, name="item_new"),
    path("versions/<int:pk>/items/<int:item_pk>/edit/", views.item_form, name="item_edit"),
    path("versions/<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("versions/<int:pk>/<str:action>/", views.version_action, name="action"),
]
