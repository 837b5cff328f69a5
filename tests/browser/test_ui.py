"""The web UI in a real browser: Debian's chromium driven by Playwright, against a real `serve` (the UI built into
the package by scripts/build-web) and the simulated Emby in this process, so the test starts and stops sessions.

A session shows on the dashboard within seconds of starting and goes when it stops; names from Emby (the
simulator's hostile ones) stay text; the charts draw the imported history; a quality opens its items; History's
filters go into the address and a play opens to its "why this number"; the API Explorer runs an endpoint; no page
logs an error or loads anything from the internet. Every page is saved as a screenshot at desktop and phone width
in `artifacts/screenshots/` (a person looks at them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, expect, sync_playwright
from tests.processes import ROOT, get_json, serving, wait_for

from emby_analytics.simulator.playback import Device, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.simulator.world.hostile import HOSTILE_DEVICE_NAMES, HOSTILE_TITLES
from emby_analytics.testing import live_simulator

API_KEY = "b" * 32
ADMIN_TOKEN = "browser-admin-token-0123"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 375, "height": 812}
# Each page, and what shows that it has drawn its data (an open live view keeps the network busy for good).
PAGES = {
    "dashboard": ("/", "section[aria-labelledby] .recharts-bar-rectangle"),
    "history": ("/history", "table tbody tr"),
    "users": ("/users", "table tbody tr"),
    "user": ("/users/{user_id}", "h2:text('Top items')"),
    "library": ("/library", "section[aria-labelledby] table tbody tr"),
    "admin": ("/admin", "section[aria-labelledby] h2"),
    "api-explorer": ("/api-explorer", "details.op"),
}
HISTORY_DAYS = 30  # of plugin history the service imports at start, so every chart and table has data
WITHIN_MS = 10_000  # a poll every second, the view's trip to the browser, the browser drawing it
HOSTILE_DEVICE = HOSTILE_DEVICE_NAMES[0]  # an <img> with an onerror handler

if not (ROOT / "src" / "emby_analytics" / "web" / "index.html").is_file():
    pytest.skip("the web UI is not built: run scripts/build-web", allow_module_level=True)
if not CHROMIUM.is_file():
    pytest.skip("Debian's chromium is missing: apt-get install chromium (scripts/test does)", allow_module_level=True)


@pytest.fixture(scope="module")
def emby() -> Iterator[tuple[Simulator, str]]:
    with live_simulator(API_KEY, history_days=HISTORY_DAYS) as running:
        yield running


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, emby: tuple[Simulator, str]) -> Iterator[str]:
    data = tmp_path_factory.mktemp("browser")
    settings = {
        "ADMIN_TOKEN": ADMIN_TOKEN, "NOW_POLL_SEC": "1", "EMBY_WEBSOCKET": "false", "TZ": "Europe/Berlin",
        "HISTORY_DAYS": str(HISTORY_DAYS),
    }  # fmt: skip
    with serving(data, emby[1], API_KEY, **settings) as url:
        wait_for("the history import", lambda: _imported(url), 60)
        yield url


def _imported(base: str) -> bool:
    jobs = {job["name"]: job for job in get_json(f"{base}/health")["jobs"]}
    return all(jobs[name]["runs"] >= 1 and not jobs[name]["running"] for name in ("history-import", "rollups"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        yield _chromium(playwright)


def _chromium(playwright: Playwright) -> Browser:
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)


class Watched:
    """A page with what went wrong on it: console errors, uncaught exceptions, dialogs (an `alert` a hostile name
    would open), requests that left this machine."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.allowed: tuple[str, ...] = ()  # console errors a test expects (a refusal it provokes)
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: None if r.url.startswith((base, "data:")) else self.outside.append(r.url))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(text in message.text for text in self.allowed):
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def clean(self) -> None:
        assert self.errors == [], "no console errors"
        assert self.dialogs == [], "no dialog opened (a hostile name ran as code?)"
        assert self.outside == [], "nothing loads from the internet"


@pytest.fixture
def watched(browser: Browser, base: str) -> Iterator[Watched]:
    context = browser.new_context(viewport=DESKTOP, base_url=base)
    try:
        page = Watched(context.new_page(), base)
        yield page
        page.clean()
    finally:
        context.close()


def _start(sim: Simulator) -> tuple[str, str]:
    """(session id, title): a film with a hostile title, played on a device with a hostile name."""
    film = next(
        record
        for i in sim.world.ids_of_type(MOVIE)
        if (record := sim.world.item(i)) is not None and record.runtime and record.name in HOSTILE_TITLES
    )
    user = next(u for u in sim.world.users if not u.is_disabled)
    device = Device(device_id="9d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a", device_name=HOSTILE_DEVICE)
    script = PlaybackScript(user.id, sim.clock.now(), (Play(0, str(film.id)),), device)
    return sim.sessions.add_script(script), film.name


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_session_shows_within_seconds_and_goes_when_it_stops(watched: Watched, emby: tuple[Simulator, str]) -> None:
    sim, _ = emby
    page = watched.page
    page.goto("/")
    expect(page.get_by_role("heading", name="Now Playing")).to_be_visible()
    expect(page.get_by_text("Nothing is playing right now.")).to_be_visible(timeout=WITHIN_MS)
    session_id, title = _start(sim)
    card = page.locator("article.now-card")
    expect(card).to_have_count(1, timeout=WITHIN_MS)
    expect(card).to_contain_text(title)  # the hostile title, as text
    expect(card).to_contain_text(HOSTILE_DEVICE)
    assert page.locator("img[src='x']").count() == 0, "no element made from a name"
    expect(page.locator(".summary-line")).to_contain_text("1 stream")
    expect(card.get_by_role("button", name="Stop")).to_have_count(0)  # a reader has no controls
    _shoot(page, "dashboard-desktop-playing")
    sim.sessions.command(session_id, "Stop")
    expect(card).to_have_count(0, timeout=WITHIN_MS)
    expect(page.get_by_text("Nothing is playing right now.")).to_be_visible()


def _sent(sim: Simulator, session_id: str) -> list[tuple[str, str]]:
    """What the simulated Emby was asked to do to a session: (command, message text)."""
    return [(c.name, str(c.arguments.get("Text", ""))) for c in sim.commands if c.session_id == session_id]


def test_an_admin_pauses_resumes_messages_and_stops_a_session(watched: Watched, emby: tuple[Simulator, str]) -> None:
    sim, _ = emby
    page = watched.page
    page.goto("/")
    page.evaluate("token => localStorage.setItem('emby_admin_token', token)", ADMIN_TOKEN)
    page.reload()
    session_id, _title = _start(sim)
    card = page.locator("article.now-card")
    expect(card).to_have_count(1, timeout=WITHIN_MS)

    card.get_by_role("button", name="Pause").click()
    expect(card.get_by_role("button", name="Resume")).to_be_visible(timeout=WITHIN_MS)  # Emby reports it paused
    expect(card.locator(".pill.tone-paused")).to_be_visible()
    card.get_by_role("button", name="Resume").click()
    expect(card.get_by_role("button", name="Pause")).to_be_visible(timeout=WITHIN_MS)

    card.get_by_role("button", name="Message").click()
    card.get_by_role("textbox").press("Escape")  # Esc cancels: nothing is sent
    card.get_by_role("button", name="Message").click()
    card.get_by_role("textbox").fill("Dinner is ready <b>now</b>")
    card.get_by_role("textbox").press("Enter")
    expect(card.get_by_role("status").filter(has_text="Message sent")).to_be_visible()

    card.get_by_role("button", name="Stop").click()
    dialog = page.get_by_role("dialog", name="Stop this playback?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert sim.sessions.session(session_id) is not None, "Cancel stops nothing"
    card.get_by_role("button", name="Stop").click()
    dialog.get_by_label("Message to show them first (optional)").fill("Server maintenance")
    _shoot(page, "dashboard-stop-confirm")
    dialog.get_by_role("button", name="Stop playback").click()
    expect(card).to_have_count(0, timeout=WITHIN_MS)
    assert _sent(sim, session_id) == [
        ("Pause", ""),
        ("Unpause", ""),
        ("DisplayMessage", "Dinner is ready <b>now</b>"),
        ("DisplayMessage", "Server maintenance"),
        ("Stop", ""),
    ]


def test_the_charts_draw_the_history_and_a_quality_opens_its_items(watched: Watched) -> None:
    page = watched.page
    page.goto("/?days=90")
    usage = page.locator("section", has=page.get_by_role("heading", name="Usage per user per day"))
    expect(usage.locator(".recharts-bar-rectangle").first).to_be_visible(timeout=WITHIN_MS)
    qualities = page.locator("section", has=page.get_by_role("heading", name="Media qualities"))
    first = qualities.get_by_role("group", name=re.compile("^List the items")).get_by_role("button").first
    expect(first).to_be_visible(timeout=WITHIN_MS)
    quality = first.inner_text().split()[0]
    first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(quality)
    expect(dialog.locator("table tbody tr").first).to_be_visible(timeout=WITHIN_MS)
    _shoot(page, "dashboard-quality-items")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_history_filters_live_in_the_address_and_a_play_explains_itself(watched: Watched) -> None:
    page = watched.page
    page.goto("/history")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible(timeout=WITHIN_MS)
    page.get_by_label("Play method").select_option("Transcode")
    expect(page).to_have_url(re.compile(r"play_method=Transcode"), timeout=WITHIN_MS)
    # The filtered page has arrived: every row a transcode (before it, a click could land on a row going away).
    plays = page.locator("table tbody tr", has=page.get_by_role("button", name=re.compile("^Details of")))
    expect(plays.filter(has_not_text="Transcode")).to_have_count(0, timeout=WITHIN_MS)
    page.get_by_role("button", name=re.compile("^Details of")).first.click()
    expect(page.get_by_role("heading", name="Why this number")).to_be_visible(timeout=WITHIN_MS)
    _shoot(page, "history-expanded")
    page.reload()  # a bookmarked view: the filter comes back from the address
    expect(page.get_by_label("Play method")).to_have_value("Transcode")


def test_a_library_quality_lists_its_items_in_the_address(watched: Watched) -> None:
    page = watched.page
    page.goto("/library")
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    qualities = page.get_by_role("region", name="Qualities")
    bucket = qualities.get_by_role("link", name=re.compile(r": list its \d+ items?$")).first
    expect(bucket).to_be_visible(timeout=WITHIN_MS)
    bucket.click()
    expect(page).to_have_url(re.compile(r"/library\?quality="), timeout=WITHIN_MS)
    items = page.get_by_role("region", name=re.compile("^Items: quality"))
    expect(items.locator("tbody tr").first).to_be_visible(timeout=WITHIN_MS)
    _shoot(page, "library-quality-items")


def test_an_admin_signs_in_and_a_refresh_shows_its_progress_to_the_end(watched: Watched) -> None:
    page = watched.page
    # Before the token, the page asks an admin route to learn it is not signed in: the browser logs that 401.
    watched.allowed = ("status of 401 (Unauthorized)",)
    page.goto("/admin")
    status = page.get_by_role("region", name="Admin token").get_by_role("status")
    expect(status).to_contain_text("Not signed in", timeout=WITHIN_MS)
    page.get_by_role("textbox", name="Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Keep token").click()
    expect(status).to_contain_text("Signed in with the token kept in this browser", timeout=WITHIN_MS)
    sync = page.get_by_role("region", name="Library sync")
    sync.get_by_role("button", name="Full refresh").click()
    expect(sync).to_contain_text("Full refresh started.", timeout=WITHIN_MS)
    expect(sync.get_by_role("progressbar", name="Library sync progress")).to_be_attached()
    expect(sync).to_contain_text("Refreshing", timeout=WITHIN_MS)  # this sync, not the start-up one's "Done"
    expect(sync).not_to_contain_text("Refreshing", timeout=60_000)
    expect(sync).to_contain_text("Done")
    expect(page.get_by_label("Webhook URL")).to_have_value(re.compile(r"/webhooks/emby\?token="))
    _shoot(page, "admin-refreshed")


def test_the_api_explorer_runs_an_endpoint(watched: Watched) -> None:
    page = watched.page
    page.goto("/api-explorer")
    operation = page.locator("#op-get--health")  # GET /health
    operation.locator(":scope > summary").click()
    operation.get_by_role("button", name=re.compile("^Run")).click()
    expect(operation.locator(".status")).to_contain_text("200", timeout=WITHIN_MS)
    expect(operation.locator(".result-body")).to_contain_text('"ok"')


@pytest.mark.parametrize(
    ("width", "viewport", "scheme"), [("desktop", DESKTOP, "dark"), ("phone", PHONE, "light")]
)  # each theme looked at once: the dark one (the default) and the light one (a system that asks for it)
def test_every_page_at_desktop_and_phone_width(
    browser: Browser, base: str, width: str, viewport: Any, scheme: Literal["dark", "light"]
) -> None:
    context = browser.new_context(viewport=viewport, base_url=base, color_scheme=scheme)
    try:
        watched = Watched(context.new_page(), base)
        user_id = get_json(f"{base}/stats/top/users?timeframe=all-time")[0]["user_id"]
        for name, (path, drawn) in PAGES.items():
            watched.allowed = ("status of 401 (Unauthorized)",) if name == "admin" else ()  # not signed in there
            watched.page.goto(path.format(user_id=user_id))
            expect(watched.page.locator(drawn).first).to_be_visible(timeout=WITHIN_MS)
            expect(watched.page.locator(".skeleton")).to_have_count(0, timeout=WITHIN_MS)
            _shoot(watched.page, f"{name}-{width}-{scheme}")
        watched.clean()
    finally:
        context.close()
