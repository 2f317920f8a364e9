"""Headless Chromium for page tests: Debian's /usr/bin/chromium driven through Playwright (never
`playwright install`). Without Chromium or Playwright a test skips and says why; under
LABELQC_REQUIRE_SERVICES=1 that is a failure instead. Registered by tests/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("LABELQC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing_browser() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"no Chromium at {CHROMIUM}: install Debian's chromium and chromium-driver "
            "(bin/test does it when run as root)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (bin/install test)"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    reason = _missing_browser()
    if reason:
        if os.environ.get("LABELQC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"LABELQC_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while these tests run;
    # their ORM calls are still plain synchronous ones, so Django's async guard must let them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()


@pytest.fixture
def browser_page(chromium) -> Iterator[Callable[[], Any]]:
    """Opens a page in a fresh browser context; the contexts close when the test ends.

    Closing matters: a context left open keeps its HTTP connections to the live server, and the
    server thread serving each one keeps its database connection, which on PostgreSQL stops
    pytest from dropping the test database."""
    contexts = []

    def open_page() -> Any:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)  # the machine is shared: allow for a slow moment
        return page

    yield open_page
    for context in contexts:
        context.close()
