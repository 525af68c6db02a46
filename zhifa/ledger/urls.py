from django.urls import path

from zhifa.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.summary, name="summary"),
    path("checkpoints/", views.checkpoint_list, name="checkpoints"),
]
