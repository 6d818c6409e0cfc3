from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.give, name="give"),
    path("more/", views.more, name="more"),
    path("thanks/", views.thanks, name="thanks"),
]
