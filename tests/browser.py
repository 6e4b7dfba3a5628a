"""Headless Chromium (Debian's package) driven by Playwright, for the report's browser tests.

Chromium comes from the system, never downloaded: `apt-get install chromium` (CI does this), or
DACALL_CHROMIUM=/path/to/chrome. Without it the browser tests are skipped, unless
DACALL_REQUIRE_BROWSER=1 (set by CI), when they fail.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Without the networking flags Chromium keeps trying to reach Google's services, which a closed
# network refuses; those attempts are not the page's requests but would muddle what we record.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("DACALL_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None
    )
    if found:
        return found
    message = "headless Chromium not found: apt-get install chromium, or set DACALL_CHROMIUM"
    if os.environ.get("DACALL_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class PageVisit:
    """What happened while a page loaded: the evidence a browser test judges."""

    url: str
    title: str = ""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def requests_outside(self, folder: Path) -> list[str]:
        """Requests for anything but a file inside `folder` (the page must open offline)."""
        inside = folder.resolve().as_uri() + "/"
        return [u for u in self.requests if not u.startswith(inside) and not u.startswith("data:")]

    def problems(self, folder: Path) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [f"request outside the report folder: {u}" for u in self.requests_outside(folder)]
        )


def visit(browser, path: Path, settle_ms: int = 500):
    """Open a local file in a new page and record console errors, uncaught exceptions, failed
    requests and every request made. Returns (PageVisit, page); the caller closes the page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = PageVisit(url=path.resolve().as_uri())
    page.on(
        "console",
        lambda m: seen.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: seen.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on("request", lambda r: seen.requests.append(r.url))
    page.goto(seen.url, wait_until="load")
    page.wait_for_timeout(settle_ms)
    seen.title = page.title()
    return seen, page
