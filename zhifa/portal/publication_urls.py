"""URLs of the 事后 publications (decisions, takedown log, feeds, exports, checkpoints, 核验文书).

Included by zhifa.portal.urls (namespace "portal") at the site root."""

from django.urls import path

from zhifa.portal import feeds, views

urlpatterns = [
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("takedowns/", views.takedown_list, name="takedowns"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/<str:layout>.<str:fmt>", views.export, name="export"),
    path("feeds/decisions.atom", feeds.all_feed, name="feed_all"),
    path("feeds/agency/<int:pk>.atom", feeds.agency_feed, name="feed_agency"),
    path("feeds/category/<str:category>.atom", feeds.category_feed, name="feed_category"),
    path("record/", views.record, name="record"),
    path("record/verify/", views.verify, name="verify"),
]
