from django.urls import path

from zhifa.deadlines import views

app_name = "deadlines"
urlpatterns = [
    path("", views.index, name="index"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar"),
]
