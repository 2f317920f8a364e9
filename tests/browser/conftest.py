"""Browser tests: a live server with the small demo, driven by headless Chromium (tests/chromium.py:
they skip, saying why, without it). Screenshots go to test-artifacts/ (gitignored)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.apps.dashboards.workdemo import backfill_workflow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "labelqc-demo"


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
def signed_in(browser_page, demo_site) -> Callable[[str], Session]:
    """A browser context per user, signed in through the login form; console errors kept."""
    base, _ = demo_site

    def make(username: str) -> Session:
        page = browser_page()
        session = Session(page, base)
        page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: session.errors.append(f"uncaught: {e}"))
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        return session

    return make
