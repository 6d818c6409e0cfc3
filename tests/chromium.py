"""Debian's Chromium, as the browser tests and `make bench` start it: never a downloaded
browser, and with no background calls to other hosts."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
