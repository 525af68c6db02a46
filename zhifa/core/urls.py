from django.contrib.auth import views as auth_views
from django.urls import path

from zhifa.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("alerts/", views.alert_list, name="alerts"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
