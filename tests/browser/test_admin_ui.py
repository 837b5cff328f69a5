"""Admin's repairs and resets, and the dashboard's way into History, in a real browser against a real `serve` and the
simulated Emby (the setup of test_ui.py, with its helpers). The admin here is signed in by the automatic cookie a
local browser gets (ADMIN_AUTO_COOKIE=local), no token typed.

A repair asks first: Cancel sends nothing, Confirm reports what it repaired. A reset's button waits for the action's
exact name, and `reset-lifetime` really empties History. A usage bar opens that user's day in History. The reset
deletes this module's plays, so it runs last (pytest keeps the file's order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Request, expect, sync_playwright
from tests.browser.test_ui import API_KEY, WITHIN_MS, Watched, _chromium, _imported, _shoot
from tests.processes import get_json, serving, wait_for

from emby_analytics.simulator.server import Simulator
from emby_analytics.testing import live_simulator

HISTORY_DAYS = 7  # enough plays for the charts and the repairs; less to import than test_ui's month
ADMIN_TOKEN = "browser-admin-token-4567"


@pytest.fixture(scope="module")
def emby() -> Iterator[tuple[Simulator, str]]:
    with live_simulator(API_KEY, history_days=HISTORY_DAYS) as running:
        yield running


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, emby: tuple[Simulator, str]) -> Iterator[str]:
    data = tmp_path_factory.mktemp("browser-admin")
    settings = {
        "ADMIN_TOKEN": ADMIN_TOKEN, "ADMIN_AUTO_COOKIE": "local", "NOW_POLL_SEC": "1", "EMBY_WEBSOCKET": "false",
        "TZ": "Europe/Berlin", "HISTORY_DAYS": str(HISTORY_DAYS),
    }  # fmt: skip
    with serving(data, emby[1], API_KEY, **settings) as url:
        wait_for("the history import", lambda: _imported(url), 60)
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        yield _chromium(playwright)


@pytest.fixture
def watched(browser: Browser, base: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=base)
    try:
        page = Watched(context.new_page(), base)
        yield page
        page.clean()
    finally:
        context.close()


def _plays(base: str, query: str = "") -> list[Any]:
    plays: list[Any] = get_json(f"{base}/stats/history?limit=200{query}")["plays"]
    return plays


def _admin(watched: Watched) -> None:
    page = watched.page
    page.goto("/admin")
    status = page.get_by_role("region", name="Admin token").get_by_role("status")
    expect(status).to_contain_text("Signed in by the service's cookie", timeout=WITHIN_MS)


def test_a_usage_bar_opens_that_users_day_in_history(watched: Watched, base: str) -> None:
    page = watched.page
    page.goto("/?days=7")
    usage = page.get_by_role("region", name="Usage per user per day")
    expect(usage).to_contain_text("Click a bar to see its plays")
    bar = usage.locator(".recharts-bar-rectangle").first
    expect(bar).to_be_visible(timeout=WITHIN_MS)
    expect(page.locator(".skeleton")).to_have_count(0, timeout=WITHIN_MS)
    _shoot(page, "dashboard-links")
    # Above the shortest stack (inside the plot, beside every segment): that day, everyone's plays.
    boxes = [box for box in (r.bounding_box() for r in usage.locator(".recharts-bar-rectangle").all()) if box]
    columns: dict[int, float] = {}
    for box in boxes:
        x = round(box["x"] + box["width"] / 2)
        columns[x] = min(columns.get(x, box["y"]), box["y"])
    grid = usage.locator(".recharts-cartesian-grid").bounding_box()
    assert grid
    x, top = max(columns.items(), key=lambda column: column[1])
    assert top > grid["y"] + 20, "room above the shortest stack"
    page.mouse.move(x, grid["y"] + 10)  # a person points first: the day's tooltip shows, then the click
    expect(usage.locator(".chart-tip")).to_be_visible()
    page.mouse.click(x, grid["y"] + 10)
    expect(page).to_have_url(re.compile(r"/history\?from=([\d-]+)&to=\1$"), timeout=WITHIN_MS)
    expect(page.get_by_label("User", exact=True)).to_have_value("")
    expect(page.locator("tbody.play").first).to_be_visible(timeout=WITHIN_MS)
    page.go_back()
    expect(bar).to_be_visible(timeout=WITHIN_MS)
    bar.click()
    expect(page).to_have_url(re.compile(r"/history\?user_id=\w+&from=[\d-]+&to=[\d-]+$"), timeout=WITHIN_MS)
    query = parse_qs(urlsplit(page.url).query)
    user_id, day = query["user_id"][0], query["from"][0]
    assert query["to"] == [day], "one day"
    expect(page.get_by_label("User", exact=True)).to_have_value(user_id)
    expect(page.get_by_label("From")).to_have_value(day)
    expect(page.get_by_label("To")).to_have_value(day)
    rows = page.locator("tbody.play")
    expect(rows.first).to_be_visible(timeout=WITHIN_MS)
    # The rows are that user's plays of that day, as many as the API has (it shows up to 50 at a time).
    plays = _plays(base, f"&user_id={user_id}&from={day}&to={day}")
    assert plays, "the bar stood for plays"
    assert {play["user_id"] for play in plays} == {user_id}
    expect(rows).to_have_count(min(len(plays), 50))
    _shoot(page, "history-from-usage-bar")


def test_the_calendar_is_one_tab_stop_and_a_day_opens_its_history(watched: Watched) -> None:
    page = watched.page
    page.goto("/")
    calendar = page.get_by_role("grid", name=re.compile("^Hours watched per day"))
    stop = calendar.locator("[data-day][tabindex='0']")
    expect(stop).to_have_count(1, timeout=WITHIN_MS)  # the latest day with plays, not a year of tab stops
    latest = stop.get_attribute("data-day") or ""
    stop.focus()
    focused = calendar.locator("[data-day]:focus")
    day = latest
    for _ in range(HISTORY_DAYS):  # ↑ is the day before: back to an earlier day with plays (a link)
        page.keyboard.press("ArrowUp")
        expect(focused).not_to_have_attribute("data-day", day)
        day = focused.get_attribute("data-day") or ""
        if focused.evaluate("element => element.tagName") == "A":
            break
    assert "" < day < latest
    expect(calendar.locator("[data-day][tabindex='0']")).to_have_attribute("data-day", day)  # the one tab stop
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/history\?from={day}&to={day}$"), timeout=WITHIN_MS)
    expect(page.locator("tbody.play").first).to_be_visible(timeout=WITHIN_MS)


def test_a_repair_asks_first_cancel_does_nothing_and_confirm_reports(watched: Watched) -> None:
    page = watched.page
    posts: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", on_request)
    _admin(watched)
    card = page.get_by_role("region", name="Impossible positions")
    expect(card).to_contain_text(re.compile(r"Nothing to repair|plays:"), timeout=WITHIN_MS)
    card.get_by_role("button", name="Repair").click()
    dialog = page.get_by_role("dialog", name="Repair: Impossible positions?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Watch history is kept")
    _shoot(page, "admin-repair-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(card).not_to_contain_text("Repaired:")
    assert posts == [], "Cancel sends nothing"
    card.get_by_role("button", name="Repair").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden(timeout=WITHIN_MS)
    expect(card.get_by_role("status")).to_have_text(re.compile(r"^Repaired: \d+ plays"), timeout=WITHIN_MS)
    assert [urlsplit(url).path for url in posts] == ["/admin/fix-pos-units"]
    _shoot(page, "admin-repaired")


def test_a_reset_waits_for_its_name_and_reset_lifetime_empties_history(watched: Watched, base: str) -> None:
    assert _plays(base), "plays to delete"
    page = watched.page
    _admin(watched)
    card = page.get_by_role("region", name="Reset lifetime statistics")
    card.get_by_role("button", name="Reset lifetime…").click()
    dialog = page.get_by_role("dialog", name="Reset lifetime statistics?")
    expect(dialog).to_be_visible()
    confirm = dialog.get_by_role("button", name="Delete plays and statistics")
    name = dialog.get_by_role("textbox", name="Type reset-lifetime to confirm")
    expect(confirm).to_be_disabled()
    for wrong in ("reset-", "reset-all", "RESET-LIFETIME", "reset-lifetime!"):
        name.fill(wrong)
        expect(confirm).to_be_disabled()
    name.fill("reset-lifetime")
    expect(confirm).to_be_enabled()
    _shoot(page, "admin-reset-typed")
    confirm.click()
    expect(dialog).to_be_hidden(timeout=WITHIN_MS)
    expect(card).to_contain_text(re.compile(r"Done: \d+ plays"), timeout=WITHIN_MS)
    assert _plays(base) == [], "History is empty"
    page.goto("/history")
    expect(page.get_by_text("No plays recorded yet")).to_be_visible(timeout=WITHIN_MS)
