"""Bare Django: one view, no database, for `make bench` to measure backcare against.

Run under the same gunicorn config as backcare (scripts/bench/ does this):

    gunicorn -c deploy/gunicorn.conf.py --pythonpath scripts bench_bare:application

Middleware is CommonMiddleware only: the floor of what a Django view costs, so the
ratio in the benchmark shows everything backcare adds (sessions, CSRF, CSP, whitenoise,
security headers, templates, queries). The server settings (gunicorn config, worker
count, bind style, logging) are the same for both.

With BENCH_BARE_SESSIONS=1 it also reads the visitor's session, from backcare's own
database (DATABASE_URL, and REDIS_URL when set, as backcare keeps sessions), adding only
SessionMiddleware: the floor of any page that must know who is asking, such as a
symptom checker step. The benchmark prints it as a reference, not against a target.
"""

import os
import secrets

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

PAGE = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bare Django</title>
</head>
<body>
<main>
<h1>Bare Django</h1>
<p>One view, a fixed page, no database: the baseline for backcare's benchmark.</p>
</main>
</body>
</html>
"""


SESSIONS = os.environ.get("BENCH_BARE_SESSIONS") == "1"


def page(request: HttpRequest) -> HttpResponse:
    if SESSIONS:
        request.session.get("triage")
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("", page)]


def session_settings() -> dict[str, object]:
    import dj_database_url

    redis = os.environ.get("REDIS_URL")
    cache = "django.core.cache.backends.redis.RedisCache" if redis else None
    return {
        "INSTALLED_APPS": ["django.contrib.sessions"],
        "DATABASES": {
            "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)
        },
        "MIDDLEWARE": [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        "SESSION_ENGINE": "django.contrib.sessions.backends." + ("cached_db" if redis else "db"),
        "CACHES": {"default": {"BACKEND": cache, "LOCATION": redis}} if cache else {},
    }


if not settings.configured:
    options: dict[str, object] = {
        "DEBUG": False,
        "SECRET_KEY": os.environ.get("BENCH_BARE_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
        "ROOT_URLCONF": __name__,
        "INSTALLED_APPS": [],
        "DATABASES": {},
        "MIDDLEWARE": ["django.middleware.common.CommonMiddleware"],
        "USE_TZ": True,
    }
    settings.configure(**(options | (session_settings() if SESSIONS else {})))
    django.setup()

application = get_wsgi_application()
