"""nginx's configuration for this run: deploy/nginx.conf, changed only where it must be."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from .config import HOST, NGINX_EXAMPLE, PORTS, REDIRECT_PORT, SetupFailed

UPSTREAM_HEADER = "add_header X-Backcare-Upstream $upstream_addr always;"


def changes(prefix: Path, down: set[str]) -> list[tuple[str, str]]:
    """(text in deploy/nginx.conf, what it becomes here)."""
    found = [
        ("/etc/ssl/backcare/", f"{prefix}/ssl/"),
        ("/var/cache/nginx-backcare ", f"{prefix}/cache/static "),
        ("/var/log/nginx/", f"{prefix}/logs/"),
        ("listen 80;", f"listen {HOST}:{REDIRECT_PORT};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen {HOST}:8200;\n    listen {HOST}:8243 ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80 default_server;", f"listen {HOST}:{REDIRECT_PORT} default_server;"),
        ("listen [::]:80 default_server;", ""),
        # Only plain http: the TLS check connects by address, which sends no server
        # name (SNI), so the example's handshake-refusing default would refuse it.
        ("listen 443 ssl http2 default_server;", f"listen {HOST}:8200 default_server;"),
        ("listen [::]:443 ssl http2 default_server;", ""),
        # Here the site's name is the loopback address; any other name still gets 444.
        ("server_name backcare.example.org;", f"server_name backcare.example.org {HOST};"),
        (
            "proxy_pass http://backcare;",
            f"proxy_pass http://backcare;\n        {UPSTREAM_HEADER}",
        ),
    ]
    for name, example in (("A", "127.0.0.1:8001"), ("B", "127.0.0.1:8002")):
        flag = "down " if name in down else ""
        found.append((f"server {example} ", f"server {HOST}:{PORTS[name]} {flag}"))
    return found


def site_config(prefix: Path, down: set[str]) -> str:
    text = NGINX_EXAMPLE.read_text()
    for old, new in changes(prefix, down):
        if old not in text:
            raise SetupFailed(f"deploy/nginx.conf no longer has {old!r}: update {__file__}")
        text = text.replace(old, new)
    listening = re.findall(r"^\s*listen\s+(\S+)", text, re.M)
    if any(not address.startswith(f"{HOST}:") for address in listening):
        raise SetupFailed(f"the generated config would listen beyond loopback: {listening}")
    return text


def main_config(prefix: Path) -> str:
    temp_paths = "\n".join(
        f"    {kind}_temp_path {prefix}/temp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach our folder
    return (
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 512; }}\n"
        f"http {{\n{temp_paths}\n    include {prefix}/backcare.conf;\n}}\n"
    )


def write_proxy_config(prefix: Path, down: Iterable[str] = ()) -> Path:
    """An nginx.conf that includes deploy/nginx.conf, changed only where it must be to
    run here: loopback ports, files under our folder, a throwaway certificate, the
    instances marked `down` (taken out to be stopped), and one extra header saying which
    instance answered (so the checks can count them)."""
    (prefix / "backcare.conf").write_text(site_config(prefix, set(down)))
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix))
    return config
