"""Settings for the test suite: the real settings with fast, self-contained pieces."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret-" + "x" * 40)
# The test client and the live server speak plain http; production security settings
# are checked separately (tests/test_security.py runs `check --deploy`).
os.environ.setdefault("BACKCARE_HTTPS", "false")

from backcare.settings import *  # noqa: F403
from backcare.settings import DATABASES, STORAGES

# Manifest storage needs collectstatic; tests serve the files as they are.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Serve static files straight from static/ and the apps, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Close connections after each request, so none is left open when the test database goes.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The live server's threads share the in-memory database's one connection: take turns.
MIDDLEWARE = ["tests.serial.one_request_at_a_time", *MIDDLEWARE]  # noqa: F405
