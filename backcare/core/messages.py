from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage


class HostCookieStorage(CookieStorage):
    """Django's cookie messages, named __Host-messages over HTTPS: such a cookie is only
    ever set by this host, over HTTPS, for the whole site, so no other host can plant one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.SESSION_COOKIE_SECURE and not settings.SESSION_COOKIE_DOMAIN:
            self.cookie_name = "__Host-messages"
