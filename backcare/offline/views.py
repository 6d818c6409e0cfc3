"""The pieces that let the site work with no signal and be added to a phone's home screen."""

import json
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from backcare.core.models import current_content_version
from backcare.core.pagecache import public_page

from . import pages

# The header's colour, in light mode and in dark mode (see base.html's theme-color).
THEME_COLOUR = "#005a70"
THEME_COLOUR_DARK = "#003d4d"


@public_page
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the site's root so that it may look after every page."""
    try:
        version = current_content_version()
    except DatabaseError:
        version = 0
    template = get_template("offline/sw.js")
    # Template.origin is documented Django API; the stubs leave it out of their protocol.
    code = Path(template.origin.name).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    config = json.dumps(pages.worker_config(version, code), indent=1)
    response = HttpResponse(
        template.render({"config": config}), content_type="text/javascript; charset=utf-8"
    )
    # The browser checks for a new worker itself; no copy in between may hide one.
    response["Cache-Control"] = "no-cache"
    return response


@public_page
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, so a phone offers to add the site to its home screen."""
    name = settings.BACKCARE_SITE_NAME
    data = {
        "name": f"{name}: help with a back muscle spasm",
        "short_name": name,
        "description": "Plain, safe help for a back muscle spasm: what to do now, "
        "when to get help, and how to stop it coming back.",
        "id": "/",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "lang": "en-GB",
        "dir": "ltr",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@public_page
@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker, with no signal, for a page the phone has not kept."""
    return render(request, "offline/offline.html", {"sections": pages.sections()})


@public_page
@require_GET
def my_plan(request: HttpRequest) -> HttpResponse:
    """The plan a person chose to keep on their phone. The page is the same for everyone:
    the plan itself never reaches the server, and a script reads it from the phone."""
    return render(request, "offline/my_plan.html")
