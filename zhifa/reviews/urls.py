from django.urls import path

from zhifa.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.index, name="index"),
    path("cases/<int:pk>/", views.case_review, name="case"),
    path("cases/<int:pk>/draft/", views.save_draft, name="draft"),
    path("cases/<int:pk>/materials/", views.add_material, name="material_add"),
    path("cases/<int:pk>/submit/", views.submit, name="submit"),
    path("materials/<int:pk>/withdraw/", views.withdraw_material, name="material_withdraw"),
    path("materials/<int:pk>/download/", views.material_download, name="material_download"),
    path("submissions/<int:pk>/opinion/", views.issue_opinion, name="opinion"),
    path("submissions/<int:pk>/extend/", views.extend, name="extend"),
    path("opinions/<int:pk>/pdf/", views.opinion_pdf, name="opinion_pdf"),
    path("opinions/<int:pk>/contest/", views.contest, name="contest"),
    path("contests/<int:pk>/decide/", views.decide_contest, name="contest_decide"),
    path("contests/<int:pk>/resolve/", views.resolve_contest, name="contest_resolve"),
    path("scope/", views.scope, name="scope"),
    path("staffing/", views.staffing, name="staffing"),
    path("statistics/", views.statistics, name="statistics"),
    path("advisors/", views.advisors, name="advisors"),
]
