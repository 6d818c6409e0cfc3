from django.urls import path

from . import views
from .models import Cause, Condition, Exercise, Prevention, RedFlag, Remedy

app_name = "articles"

urlpatterns = [
    path("about/<slug:slug>/", views.item_detail, {"model": Condition}, name="condition"),
    path("relief/", views.topic_index, {"topic": "relief"}, name="relief"),
    path("relief/<slug:slug>/", views.item_detail, {"model": Remedy}, name="remedy"),
    path("exercises/", views.topic_index, {"topic": "exercises"}, name="exercises"),
    path("exercises/<slug:slug>/", views.item_detail, {"model": Exercise}, name="exercise"),
    path("causes/", views.topic_index, {"topic": "causes"}, name="causes"),
    path("causes/<slug:slug>/", views.item_detail, {"model": Cause}, name="cause"),
    path("prevention/", views.topic_index, {"topic": "prevention"}, name="prevention_index"),
    path("prevention/<slug:slug>/", views.item_detail, {"model": Prevention}, name="prevention"),
    path(
        "when-to-see-a-doctor/",
        views.topic_index,
        {"topic": "when_to_see_a_doctor"},
        name="when_to_see_a_doctor",
    ),
    path(
        "when-to-see-a-doctor/<slug:slug>/",
        views.item_detail,
        {"model": RedFlag},
        name="red_flag",
    ),
    path("search/", views.search, name="search"),
]
