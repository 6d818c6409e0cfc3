"""First-visit page weight, as Chromium transfers it (headless, a fresh context per page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.chromium import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Request


@dataclass
class Weight:
    url: str
    requests: int
    cdp_bytes: int  # sum of Network.loadingFinished encodedDataLength (headers + body)
    pw_bytes: int  # sum of Playwright request.sizes() responseHeadersSize + responseBodySize
    status: int
    accept_encoding: str
    resources: list[tuple[str, str, int]]  # (path, content-encoding, encoded bytes)


@dataclass
class NetworkLog:
    """What Chromium's DevTools protocol reports for one page load, by request id."""

    sent: dict[str, str] = field(default_factory=dict)  # id -> URL
    encoding: dict[str, str] = field(default_factory=dict)  # id -> content-encoding
    accept: dict[str, str] = field(default_factory=dict)  # id -> Accept-Encoding sent
    finished: dict[str, int] = field(default_factory=dict)  # id -> encoded bytes
    requests: list[Request] = field(default_factory=list)  # as Playwright saw them

    def on_sent(self, event: dict[str, Any]) -> None:
        if event["request"]["url"].startswith("http"):
            self.sent[event["requestId"]] = event["request"]["url"]

    def on_extra(self, event: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in event.get("headers", {}).items()}
        self.accept[event["requestId"]] = headers.get("accept-encoding", "")

    def on_response(self, event: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        self.encoding[event["requestId"]] = headers.get("content-encoding", "none")

    def on_done(self, event: dict[str, Any]) -> None:
        self.finished[event["requestId"]] = int(event["encodedDataLength"])

    def on_request_finished(self, request: Request) -> None:
        self.requests.append(request)

    def playwright_bytes(self) -> int:
        total = 0
        for request in self.requests:
            if request.url.startswith("http"):
                sizes = request.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total

    def weight(self, url: str, status: int) -> Weight:
        first = next(iter(self.sent), "")
        return Weight(
            url=url,
            requests=len(self.sent),
            cdp_bytes=sum(self.finished.get(rid, 0) for rid in self.sent),
            pw_bytes=self.playwright_bytes(),
            status=status,
            accept_encoding=self.accept.get(first, "?"),
            resources=[
                (urlsplit(u).path, self.encoding.get(rid, "?"), self.finished.get(rid, 0))
                for rid, u in self.sent.items()
            ],
        )


def page_weight(browser: Browser, url: str) -> Weight:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        log = NetworkLog()
        cdp.on("Network.requestWillBeSent", log.on_sent)
        cdp.on("Network.requestWillBeSentExtraInfo", log.on_extra)
        cdp.on("Network.responseReceived", log.on_response)
        cdp.on("Network.loadingFinished", log.on_done)
        page.on("requestfinished", log.on_request_finished)
        response = page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(300)  # let the last CDP events arrive
        return log.weight(url, response.status if response else 0)
    finally:
        context.close()


def page_weights(urls: list[str]) -> list[Weight]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return [page_weight(browser, url) for url in urls]
        finally:
            browser.close()
