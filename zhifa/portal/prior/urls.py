"""事前/事中 public pages: who may enforce what, on which basis, by which procedure; certificates.

Included (without a namespace of its own) by zhifa.portal.urls, namespace "portal"; names start with "prior_".
"""

from django.urls import path

from zhifa.portal.prior import views

urlpatterns = [
    path("", views.home, name="prior_home"),
    path("j/<str:code>/", views.jurisdiction, name="prior_jurisdiction"),
    path("bodies/", views.bodies, name="prior_bodies"),
    path("bodies/<int:pk>/", views.body, name="prior_body"),
    path("bodies/<int:pk>/board/", views.body_board, name="prior_body_board"),
    path("officers/", views.officers, name="prior_officers"),
    path("certificates/check/", views.certificate_check, name="prior_check"),
    path("certificates/<path:number>/card/", views.certificate_card, name="prior_card"),
    path("certificates/<path:number>/board/", views.officer_board, name="prior_officer_board"),
    path("c/<path:number>", views.certificate_check_short, name="prior_check_short"),
    path("lists/", views.lists, name="prior_lists"),
    path("lists/<int:pk>/", views.list_detail, name="prior_list"),
    path("lists/versions/<int:pk>/", views.version_detail, name="prior_version"),
    path("guides/<int:pk>/", views.guide, name="prior_guide"),
    path("procedures/", views.procedures, name="prior_procedures"),
    path("procedures/<str:key>/", views.procedure, name="prior_procedure"),
    path("procedures/<str:key>.svg", views.procedure_svg, name="prior_procedure_svg"),
]
