from django.urls import path

from . import views

app_name = "checker"

urlpatterns = [
    path("", views.start, name="start"),
    path("answers/", views.answers, name="answers"),
    path("result/", views.result, name="result"),
    path("result/plan.txt", views.plan_text, name="plan_text"),
    path("restart/", views.restart, name="restart"),
    path("clear/", views.clear, name="clear"),
    path("<slug:slug>/", views.step, name="step"),
]
