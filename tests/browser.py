"""Open pages in headless Chromium (Debian's package, driven by playwright) and note every console error."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, sync_playwright


@dataclass
class OpenedPage:
    """A loaded page and what the browser reported while loading and using it."""

    page: Page
    errors: list[str] = field(default_factory=list)  # console errors, uncaught exceptions, failed requests


@contextmanager
def chromium() -> Iterator[Browser]:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is not installed: run tools/install_programs.sh test (make test runs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Browser, url: str, *, width: int = 1280, height: int = 900) -> Iterator[OpenedPage]:
    """``url`` loaded in a fresh context of ``width`` × ``height`` CSS pixels (a phone: 390 × 844)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    opened = OpenedPage(page)
    page.on("console", lambda m: opened.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: opened.errors.append(f"request failed: {r.url} ({r.failure})"))
    page.on("dialog", lambda d: (opened.errors.append(f"dialog {d.type}: {d.message}"), d.dismiss()))
    try:
        page.goto(url, wait_until="load")
        yield opened
    finally:
        context.close()
