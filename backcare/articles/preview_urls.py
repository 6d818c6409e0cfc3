"""Staff previews, at /preview/ (kept apart from the public pages' URLs)."""

from django.urls import path

from . import previews

app_name = "preview"

urlpatterns = [
    path("markdown/", previews.markdown_preview, name="markdown"),
    path("<str:app_label>/<str:model_name>/<int:pk>/", previews.preview, name="item"),
]
