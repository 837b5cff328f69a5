"""A fresh install whose Emby cannot be reached, in a real browser: every page says so in plain words, shows its
empty states ("no plays yet") rather than errors, and logs nothing to the console; once Emby answers, the banner
about it goes.
The setup of test_ui.py (its helpers), with a `serve` of its own pointed at a port where nothing listens at first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from tests.browser.test_ui import API_KEY, DESKTOP, PHONE, Watched, _chromium, _shoot
from tests.processes import free_port, get_json, serving, wait_for

from emby_analytics.testing import live_simulator

WITHIN_MS = 20_000  # the header asks /health every minute; a page load asks at once


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        yield _chromium(playwright)


def test_emby_down_then_up_on_a_fresh_install(browser: Browser, tmp_path: Path) -> None:
    port = free_port()  # nothing listens here until the simulated Emby starts on it
    settings = {"NOW_POLL_SEC": "1", "EMBY_WEBSOCKET": "false", "TZ": "Europe/Berlin", "HISTORY_DAYS": "0"}
    with serving(tmp_path, f"http://127.0.0.1:{port}", API_KEY, **settings) as base:
        for viewport, scheme, name in ((DESKTOP, "dark", "desktop-dark"), (PHONE, "light", "phone-light")):
            context = browser.new_context(viewport=viewport, color_scheme=scheme, base_url=base)  # type: ignore[arg-type]
            try:
                watched = Watched(context.new_page(), base)
                page = watched.page
                page.goto("/")
                banner = page.get_by_role("alert").filter(has_text="Emby unreachable")
                expect(banner).to_be_visible(timeout=WITHIN_MS)
                expect(banner).to_contain_text("Statistics show what was recorded")
                expect(page.get_by_text("Nothing is playing right now.")).to_be_visible(timeout=WITHIN_MS)
                expect(page.locator(".state-empty").first).to_be_visible(timeout=WITHIN_MS)
                expect(page.locator(".state-loading")).to_have_count(0, timeout=WITHIN_MS)
                _shoot(page, f"dashboard-emby-down-{name}")
                page.goto("/history")
                expect(page.get_by_text("No plays recorded yet")).to_be_visible(timeout=WITHIN_MS)
                expect(banner).to_be_visible()
                watched.clean()
            finally:
                context.close()
        with live_simulator(API_KEY, port=port):
            # The poller backs off while Emby is down (at most a minute between tries), then finds it.
            wait_for("the poller to reach Emby", lambda: get_json(f"{base}/health")["poller"]["ok"] or None, 90)
            context = browser.new_context(viewport=DESKTOP, base_url=base)
            try:
                watched = Watched(context.new_page(), base)
                watched.page.goto("/")
                expect(watched.page.get_by_role("heading", name="Now Playing")).to_be_visible()
                expect(watched.page.get_by_role("alert").filter(has_text="Emby unreachable")).to_have_count(0)
                watched.clean()
            finally:
                context.close()
