"""The Library section in a real browser against a real `serve` and the simulated Emby (the setup of test_ui.py,
with its helpers), on a library of 400 movies so a genre has more than one page: the Movies and Series pages show
the library's figures, its notable titles with posters and their way into History, and genre bars; a genre with a
comma in its name opens its list, which pages and sorts through the address; the sub-navigation works from the
keyboard and fits a phone. No page logs an error. Each page is saved at desktop (dark) and phone (light) width.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from tests.browser.test_ui import API_KEY, DESKTOP, PHONE, WITHIN_MS, Watched, _chromium, _imported, _shoot
from tests.processes import get_json, serving, wait_for

from emby_analytics.simulator.playback import Device, Play, PlaybackScript, PlayMethod, Stop, Transcode
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.testing import LIVE_SPEC, live_simulator

HISTORY_DAYS = 7
DATA: dict[str, Path] = {}  # the service's data folder (its database)
COMMA = "Action, Adventure"  # one genre of the simulator's, with a comma in its name
# 400 movies: the comma genre has about 40, more than one page of 25.
SPEC = dataclasses.replace(LIVE_SPEC, movies=400, series=24, seasons_per_series=2, episodes_per_season=3)
PAGES = {
    "library-movies": ("/library/movies", "#movies-notable-title"),
    "library-series": ("/library/series", "#series-notable-title"),
    "library-genres": ("/library/genres", ".genre-chips a"),
    "library-genre-list": ("/library/genres?genre=Action%2C+Adventure", ".genre-table tbody tr"),
    "library-storage": ("/library/storage", "#stale tbody tr"),
    "library-health": ("/library/health", "#no-poster tbody tr"),
    "library-transcodes": ("/library/transcodes?timeframe=all-time", ".fix-list li"),
}


@pytest.fixture(scope="module")
def emby() -> Iterator[tuple[Simulator, str]]:
    with live_simulator(API_KEY, SPEC, history_days=HISTORY_DAYS) as running:
        yield running


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, emby: tuple[Simulator, str]) -> Iterator[str]:
    data = tmp_path_factory.mktemp("browser-library")
    settings = {
        "NOW_POLL_SEC": "1", "EMBY_WEBSOCKET": "false", "TZ": "Europe/Berlin", "HISTORY_DAYS": str(HISTORY_DAYS),
        "ADMIN_TOKEN": "browser-admin-token-8901", "ADMIN_AUTO_COOKIE": "local",  # the admin-only health lists
    }  # fmt: skip
    DATA["folder"] = data
    with serving(data, emby[1], API_KEY, **settings) as url:
        wait_for("the history import", lambda: _imported(url), 60)
        _transcode_live(emby[0], url)
        yield url


# Clients that transcode a film live, with the reasons Emby gives (imported plugin history has none).
LIVE_TRANSCODES: tuple[tuple[str, str, PlayMethod, tuple[str, ...]], ...] = (
    ("Roku SG", "Roku Ultra", "Transcode", ("VideoCodecNotSupported",)),
    ("Emby for Samsung", "Living Room TV", "Transcode", ("AudioCodecNotSupported", "AudioChannelsNotSupported")),
    ("Emby for Android", "Pixel 8", "Transcode", ("ContainerBitrateExceedsLimit",)),
)


def _transcode_live(sim: Simulator, base: str) -> None:
    """A few films transcoded for some seconds on clients that say why, recorded by the service as it polls."""
    films = [i for i in sim.world.ids_of_type(MOVIE) if (r := sim.world.item(i)) is not None and r.runtime][:3]
    user = next(u for u in sim.world.users if not u.is_disabled)
    for n, (film, (client, device_name, method, reasons)) in enumerate(zip(films, LIVE_TRANSCODES, strict=True)):
        device = Device(client=client, device_name=device_name, device_id=f"7d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f{n:02x}")
        transcode = Transcode(reasons=reasons)
        actions = (Play(0, str(film), method=method, transcode=transcode), Stop(6))
        sim.sessions.add_script(PlaybackScript(user.id, sim.clock.now(), actions, device))

    def recorded() -> bool:
        fixes = get_json(f"{base}/stats/transcodes/fix-list?timeframe=all-time&limit=500")["fixes"]
        return {f["client"] for f in fixes if f["reasons"]} >= {client for client, *_ in LIVE_TRANSCODES}

    wait_for("the live transcodes in the fix-list", recorded, 30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        yield _chromium(playwright)


@pytest.fixture
def watched(browser: Browser, base: str) -> Iterator[Watched]:
    context = browser.new_context(viewport=DESKTOP, base_url=base)
    try:
        page = Watched(context.new_page(), base)
        yield page
        page.clean()
    finally:
        context.close()


def _posters_loaded(page: Page, scope: str) -> int:
    """How many of the posters in `scope` the browser drew (a broken one would also be a console error)."""
    expect(page.locator(f"{scope} img.thumb").first).to_be_visible(timeout=WITHIN_MS)
    drawn: int = page.evaluate(
        """scope => Promise.all([...document.querySelectorAll(scope + ' img.thumb')].map(img => img.decode().then(
            () => img.naturalWidth > 0, () => false))).then(all => all.filter(Boolean).length)""",
        scope,
    )
    return drawn


def test_the_movies_page_shows_the_library_and_leads_to_history_and_genres(watched: Watched) -> None:
    page = watched.page
    page.goto("/library/movies")
    totals = page.get_by_role("region", name="Movies", exact=True)
    expect(totals.locator(".kpi-value").first).to_have_text("400", timeout=WITHIN_MS)
    expect(totals).to_contain_text("Total size")
    expect(totals).to_contain_text("Added this month")
    notable = page.get_by_role("region", name="Notable movies")
    expect(notable.get_by_role("link", name=re.compile(": its plays in History$"))).to_have_count(5)
    assert _posters_loaded(page, ".notable-grid") >= 1
    for label in ("Largest", "Longest", "Shortest", "Newest", "Most watched"):
        expect(notable.locator(".notable-label", has_text=label)).to_have_count(1)
    genres = page.get_by_role("region", name="Genres", exact=True)
    bars = genres.get_by_role("link", name=re.compile(r": list its \d+ movies$"))
    expect(bars.first).to_be_visible()
    genres.get_by_role("button", name="Watch time").click()
    expect(page).to_have_url(re.compile(r"/library/movies\?by=time$"))
    expect(genres).to_contain_text("By all-time watch time")
    _shoot(page, "library-movies-by-time")
    first = notable.get_by_role("link", name=re.compile(": its plays in History$")).first
    first.click()
    expect(page).to_have_url(re.compile(r"/history\?item_id=\w+$"))
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()


def test_the_series_page_shows_series_and_episodes(watched: Watched) -> None:
    page = watched.page
    page.goto("/library/series")
    totals = page.get_by_role("region", name="Series", exact=True)
    expect(totals.locator(".kpi-value").first).to_have_text("24", timeout=WITHIN_MS)
    expect(totals).to_contain_text(re.compile(r"\d+ seasons · \d+ episodes"))
    expect(page.get_by_role("region", name="Notable series").get_by_role("link")).to_have_count(5)
    expect(page.get_by_role("region", name="Notable episodes").get_by_role("link")).to_have_count(4)
    assert _posters_loaded(page, ".notable-grid") >= 1
    bars = page.get_by_role("region", name="Genres", exact=True).get_by_role(
        "link", name=re.compile(r": list its \d+ series$")
    )
    expect(bars.first).to_be_visible()
    bars.first.click()
    expect(page).to_have_url(re.compile(r"/library/genres\?genre=[^&]+&list=series$"))
    expect(page.locator(".genre-table tbody tr").first).to_be_visible(timeout=WITHIN_MS)


def test_a_genre_with_a_comma_opens_its_list_which_pages_and_sorts_in_the_address(watched: Watched) -> None:
    page = watched.page
    page.goto("/library/genres")
    movie_genres = page.get_by_role("region", name="Movie genres")
    link = movie_genres.get_by_role("link", name=re.compile(rf"^{re.escape(COMMA)}: list its \d+ movies$"))
    expect(link).to_be_visible(timeout=WITHIN_MS)
    count = int(re.findall(r"\d+", link.get_attribute("aria-label") or "")[-1])
    assert count > 25, "the comma genre fills more than one page"
    link.click()
    expect(page).to_have_url(re.compile(r"/library/genres\?genre=Action%2C\+Adventure$"))
    expect(page.get_by_role("heading", name=f"Genre: {COMMA}")).to_be_visible()
    listing = page.get_by_role("region", name=f"Genre: {COMMA}")
    summary = listing.locator(".summary-line")
    expect(summary).to_have_text(re.compile(r"^\d+ titles · page 1 of \d+$"), timeout=WITHIN_MS)
    total = int(summary.inner_text().split()[0])  # its movies, and other videos of the genre
    assert total >= count
    pages = -(-total // 25)
    expect(summary).to_have_text(f"{total} titles · page 1 of {pages}")
    expect(listing.get_by_role("link", name=re.compile("^Movies and videos"))).to_have_attribute("aria-current", "page")
    rows = listing.locator(".genre-table tbody tr")
    expect(rows).to_have_count(25)
    first_page = rows.first.inner_text()

    listing.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"genre=Action%2C\+Adventure&page=2$"))
    expect(summary).to_have_text(f"{total} titles · page 2 of {pages}", timeout=WITHIN_MS)
    expect(rows).to_have_count(min(25, total - 25))
    assert rows.first.inner_text() != first_page
    _shoot(page, "library-genre-page-2")
    page.go_back()
    expect(listing.locator(".summary-line")).to_contain_text("page 1 of", timeout=WITHIN_MS)

    # A header sorts through the address: largest first, back to page 1; again, smallest first.
    listing.get_by_role("link", name="Size: sort largest first").click()
    expect(page).to_have_url(re.compile(r"genre=Action%2C\+Adventure&sort=size$"))
    expect(listing.locator("th[aria-sort='descending']")).to_have_text(re.compile("^Size"))
    sizes = _sizes(_settled(listing).locator(".genre-table tbody td[data-label='Size']").all_inner_texts())
    assert sizes == sorted(sizes, reverse=True) and len(sizes) == 25
    listing.get_by_role("link", name="Size: sort smallest first").click()
    expect(page).to_have_url(re.compile(r"sort=size&order=asc$"))
    expect(listing.locator("th[aria-sort='ascending']")).to_have_text(re.compile("^Size"))
    sizes = _sizes(_settled(listing).locator(".genre-table tbody td[data-label='Size']").all_inner_texts())
    assert sizes == sorted(sizes)
    # The same orders from one control (a phone hides the headers).
    listing.get_by_label("Sort by").select_option(label="Added (newest first)")
    expect(page).to_have_url(re.compile(r"genre=Action%2C\+Adventure&sort=added$"))
    expect(_settled(listing).locator("th[aria-sort='descending']")).to_have_text(re.compile("^Added"))

    # Its series, then a title's plays in History.
    listing.get_by_role("link", name=re.compile("^Series")).click()
    expect(page).to_have_url(re.compile(r"genre=Action%2C\+Adventure&list=series$"))
    expect(listing.locator(".summary-line")).to_contain_text("series · page 1 of", timeout=WITHIN_MS)
    listing.get_by_role("link", name=re.compile(": its plays in History$")).first.click()
    expect(page).to_have_url(re.compile(r"/history\?item_id=\w+$"))


def _settled(listing: Locator) -> Locator:
    """The list once the page asked for has arrived (until then the last one stays, dimmed)."""
    expect(listing.locator(".table-wrap.stale")).to_have_count(0, timeout=WITHIN_MS)
    expect(listing.locator("table[aria-busy='true']")).to_have_count(0, timeout=WITHIN_MS)
    return listing


UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}


def _sizes(texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        number, unit = text.split()
        out.append(float(number) * UNITS[unit])
    return out


def test_a_genre_with_a_slash_is_asked_whole(watched: Watched) -> None:
    page = watched.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/by-genre/" in r.url else None)
    page.goto("/library/genres?genre=Sci-Fi%2FFantasy")
    expect(page.get_by_role("heading", name="Genre: Sci-Fi/Fantasy")).to_be_visible()
    expect(page.get_by_text("No titles in the library have this genre.")).to_be_visible(timeout=WITHIN_MS)
    assert any("/stats/items/by-genre/Sci-Fi%2FFantasy?" in url for url in asked), asked


def test_the_transcode_fix_list_names_files_clients_causes_and_fixes(watched: Watched) -> None:
    page = watched.page
    page.goto("/library/transcodes")
    page.get_by_label("Window").select_option(label="All time")
    expect(page).to_have_url(re.compile(r"/library/transcodes\?timeframe=all-time$"))
    fixes = page.get_by_role("region", name="Transcode fix-list")
    cards = fixes.locator(".fix-list > li")
    expect(cards.first).to_be_visible(timeout=WITHIN_MS)
    expect(fixes.locator(".summary-line")).to_contain_text("transcoded, most transcoded time first")
    first = cards.first
    expect(first.locator("dt")).to_have_text(["Why", "Fix"])
    expect(first.locator("dd").first).not_to_be_empty()
    hours = [
        float(t.split()[0]) for t in fixes.locator(".fix-figures strong").evaluate_all("els => els.map(e => e.title)")
    ]
    assert hours == sorted(hours, reverse=True), "ranked by transcoded time"
    clients = page.get_by_role("region", name="Transcodes per client")
    expect(clients.locator("tbody tr").first).to_be_visible(timeout=WITHIN_MS)
    # A client lists only its fixes; every client again.
    pick = clients.get_by_role("link", name=re.compile(": list its fixes$")).first
    client = (pick.get_attribute("aria-label") or "").removesuffix(": list its fixes")
    pick.click()
    expect(page).to_have_url(re.compile(r"timeframe=all-time&client="))
    expect(fixes.locator(".filter-chip")).to_contain_text(client)
    _settled_fixes(fixes)
    for name in fixes.locator(".fix-title .client-name").all_inner_texts():
        assert name == client
    _shoot(page, "library-transcodes-one-client")
    fixes.get_by_role("link", name="Every client").click()
    expect(page).to_have_url(re.compile(r"/library/transcodes\?timeframe=all-time$"))
    # A title's plays, and its plays on that client, in History.
    fixes.locator(".fix-title .client-name").first.click()
    expect(page).to_have_url(re.compile(r"/history\?item_id=\w+&client="))


def _settled_fixes(fixes: Locator) -> None:
    expect(fixes.locator(".fix-list.stale")).to_have_count(0, timeout=WITHIN_MS)
    expect(fixes.locator(".fix-list[aria-busy='true']")).to_have_count(0, timeout=WITHIN_MS)


def test_storage_shows_growth_honestly_then_its_forecast_and_pages_each_list(watched: Watched) -> None:
    page = watched.page
    page.goto("/library/storage")
    growth = page.get_by_role("region", name="Growth")
    expect(growth.get_by_role("status")).to_contain_text("a trend needs at least 7", timeout=WITHIN_MS)
    expect(growth.locator(".kpi-value").nth(2)).to_have_text("—")  # no trend to show yet
    _shoot(page, "library-storage-few-snapshots")

    stale = page.get_by_role("region", name=re.compile("^Stale files"))
    expect(stale.locator("tbody tr")).to_have_count(10, timeout=WITHIN_MS)
    assert _posters_loaded(page, "#stale") >= 1
    sizes = _sizes(stale.locator("td[data-label='Size']").all_inner_texts())
    assert sizes == sorted(sizes, reverse=True), "largest first"
    stale.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"/library/storage\?stale_page=2$"))
    expect(stale.locator(".summary-line.tabular")).to_contain_text("page 2 of", timeout=WITHIN_MS)
    roi = page.get_by_role("region", name=re.compile("^Watch hours per GB"))
    roi.get_by_role("button", name="Best").click()
    expect(page).to_have_url(re.compile(r"stale_page=2&roi_order=best$"))  # each list keeps its place
    _settled_report(roi)
    per_gb = [float(t) for t in roi.locator("td[data-label='Hours per GB']").all_inner_texts()]
    assert per_gb == sorted(per_gb, reverse=True) and per_gb[0] > 0
    stale.get_by_label("Which files").select_option(label="Not in 90 days")
    expect(page).to_have_url(re.compile(r"roi_order=best&stale_days=90$"))  # back to its page 1
    duplicates = page.get_by_role("region", name=re.compile("^Duplicates"))
    expect(duplicates.locator(".dup-group").first).to_be_visible(timeout=WITHIN_MS)
    expect(duplicates.locator(".dup-head").first).to_contain_text("to win back")

    # Thirty days of snapshots: the trend, and its forecast as a dashed line.
    _backdate_snapshots(30)
    page.goto("/library/storage")
    expect(growth.get_by_role("status")).to_have_count(0, timeout=WITHIN_MS)
    expect(growth.locator(".kpi-value").nth(1)).to_have_text("31")
    expect(growth.locator(".kpi-value").nth(2)).to_have_text(re.compile(r"^\+[\d.]+ GB$"))
    expect(growth.locator("path.recharts-curve[stroke-dasharray='6 4']")).to_have_count(1)
    _shoot(page, "library-storage-forecast")


def _backdate_snapshots(days: int) -> None:
    """The last snapshot copied to the days before it, the library a little smaller each day back."""
    db = sqlite3.connect(DATA["folder"] / "emby.db")
    try:
        wait_for(
            "the first library snapshot", lambda: db.execute("SELECT COUNT(*) FROM library_snapshots").fetchone()[0]
        )
        with db:
            for back in range(1, days + 1):
                db.execute(
                    "INSERT INTO library_snapshots SELECT day - ?, taken_at, items - ?, size_bytes - ?, by_type, "
                    "by_quality FROM library_snapshots ORDER BY day DESC LIMIT 1",
                    (back, back, back * 20_000_000_000),
                )
    finally:
        db.close()


def _settled_report(report: Locator) -> None:
    expect(report.locator(".table-wrap.stale")).to_have_count(0, timeout=WITHIN_MS)
    expect(report.locator(".table-wrap[aria-busy='true']")).to_have_count(0, timeout=WITHIN_MS)


def test_health_lists_each_with_its_count(watched: Watched) -> None:
    page = watched.page
    page.goto("/library/health")
    for title in (
        "Without a poster",
        "Without provider ids",
        "Missing and unaired episodes",
        "Files gone",
        "Runtime outliers",
    ):
        region = page.get_by_role("region", name=re.compile(f"^{title}"))
        expect(region.get_by_role("heading", level=2)).to_have_text(
            re.compile(rf"^{title} \(\d[\d,]*\)$"), timeout=WITHIN_MS
        )
    no_poster = page.get_by_role("region", name=re.compile("^Without a poster"))
    expect(no_poster.locator("tbody tr").first).to_be_visible()
    no_poster.get_by_role("link", name=re.compile(": its plays in History$")).first.click()
    expect(page).to_have_url(re.compile(r"/history\?item_id=\w+$"))


def test_the_sub_navigation_works_from_the_keyboard_and_fits_a_phone(browser: Browser, base: str) -> None:
    context = browser.new_context(viewport=PHONE, base_url=base)
    try:
        watched = Watched(context.new_page(), base)
        page = watched.page
        page.goto("/library")
        nav = page.get_by_role("navigation", name="Library pages")
        expect(nav.get_by_role("link")).to_have_text(
            ["Overview", "Movies", "Series", "Genres", "Storage", "Health", "Transcodes"]
        )
        expect(nav.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
        nav.get_by_role("link", name="Overview").focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name="Series")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/library/series$"))
        expect(nav.get_by_role("link", name="Series")).to_have_attribute("aria-current", "page")
        for path in (
            "/library/series", "/library/movies", "/library/genres?genre=Action%2C+Adventure",
            "/library/transcodes?timeframe=all-time", "/library/storage", "/library/health",
        ):  # fmt: skip
            page.goto(path)
            expect(page.locator(".state-loading")).to_have_count(0, timeout=WITHIN_MS)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} fits 375 px without scrolling sideways ({width})"
        watched.clean()
    finally:
        context.close()


@pytest.mark.parametrize(("width", "viewport", "scheme"), [("desktop", DESKTOP, "dark"), ("phone", PHONE, "light")])
def test_every_library_page_at_desktop_and_phone_width(
    browser: Browser, base: str, width: str, viewport: Any, scheme: Literal["dark", "light"]
) -> None:
    context = browser.new_context(viewport=viewport, base_url=base, color_scheme=scheme)
    try:
        watched = Watched(context.new_page(), base)
        for name, (path, drawn) in PAGES.items():
            watched.page.goto(path)
            expect(watched.page.locator(drawn).first).to_be_visible(timeout=WITHIN_MS)
            expect(watched.page.locator(".state-loading")).to_have_count(0, timeout=WITHIN_MS)
            _shoot(watched.page, f"{name}-{width}-{scheme}")
        watched.clean()
    finally:
        context.close()
