"""Browser tests: a live server with the small demo, driven by Debian's headless Chromium through
Playwright (never `playwright install`: the browser is /usr/bin/chromium from apt).

Without Chromium or Playwright the tests skip and say why; under LABELQC_REQUIRE_SERVICES=1 that
is a failure instead. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.apps.dashboards.workdemo import backfill_workflow

CHROMIUM = os.environ.get("LABELQC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REQUIRE = os.environ.get("LABELQC_REQUIRE_SERVICES") == "1"
PASSWORD = "labelqc-demo"


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
        if REQUIRE:
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
def demo_site(chromium, live_server, settings, tmp_path):
    """The live server with the small demo and its workflow rows."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from apps.demo.services import seed_demo

    project = seed_demo(n_items=12)
    backfill_workflow(project)
    ARTIFACTS.mkdir(exist_ok=True)
    return live_server.url, project


@dataclass
class Session:
    page: Any
    base: str
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def screenshot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def signed_in(chromium, demo_site) -> Iterator[Callable[[str], Session]]:
    """A browser context per user, signed in through the login form; console errors kept."""
    base, _ = demo_site
    contexts = []

    def make(username: str) -> Session:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)  # the machine is shared: allow for a slow moment
        session = Session(page, base)
        page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: session.errors.append(f"uncaught: {e}"))
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        return session

    yield make
    for context in contexts:
        context.close()
