from django.urls import path

from . import views

app_name = "editorial"

urlpatterns = [
    path("markdown/", views.markdown_preview, name="markdown_preview"),
    path("<str:app_label>/<str:model_name>/<int:pk>/", views.preview, name="preview"),
]
