"""The history import through the real app and the simulator's Playback Reporting plugin."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select
from tests.conftest import Service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import play_items, plays, segments
from emby_analytics.emby.errors import EmbyError
from emby_analytics.simulator.playback import PlaybackHistory
from emby_analytics.simulator.playback.history import plugin_date
from emby_analytics.sync.history import QUERY_PATH, HistoryImport, HistoryImportError, HistoryImportJob
from emby_analytics.sync.history_rows import local_to_utc, plugin_play_id

BERLIN = ZoneInfo("Europe/Berlin")


def install(service: Service, clock: ManualClock, days: int = 30, zone: Any = UTC) -> PlaybackHistory:
    history = PlaybackHistory.generate(service.simulator.world, end=clock.now(), days=days, zone=zone)
    service.simulator.history = history
    return history


def importer(service: Service, clock: ManualClock, days: int = 0, zone: ZoneInfo = BERLIN, **kw: Any) -> HistoryImport:
    return HistoryImport(service.state.db, service.state.emby, clock, history_days=days, zone=zone, **kw)


def all_plays(service: Service) -> list[Any]:
    return service.state.db.read_sync(lambda conn: conn.execute(select(plays)).all())


def plugin_rows(history: PlaybackHistory, where: str = "1") -> list[tuple[Any, ...]]:
    return history.db.execute(f"SELECT * FROM PlaybackActivity WHERE {where} ORDER BY rowid").fetchall()


async def test_import_matches_truth_per_user(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=30, zone=BERLIN)
    rows = history.row_count()
    assert rows > 100
    result = await importer(service, clock, page_size=97).run()  # several pages, the last one short
    assert result.rows_read == rows
    assert result.plays_added == rows
    assert result.skipped_duplicates == result.skipped_live_overlap == result.skipped_invalid == 0
    assert result.emby_calls >= rows // 97 + 1
    stored = all_plays(service)
    assert len(stored) == rows and {p.source for p in stored} == {"import"}
    imported: dict[str, float] = defaultdict(float)
    per_user_rows: dict[str, int] = defaultdict(int)
    for play in stored:
        imported[play.user_id] += play.watch_seconds
        per_user_rows[play.user_id] += 1
    truth = history.watched_seconds_by_user()
    assert set(imported) == set(truth)
    for user_id, seconds in truth.items():
        # PlayDuration and PauseDuration are whole seconds: at most 0.5 s off per row.
        assert abs(imported[user_id] - seconds) <= 0.5 * per_user_rows[user_id] + 1e-6
    # Each play has one segment of exactly its watch time (or none when nothing was watched).
    segs = service.state.db.read_sync(lambda conn: conn.execute(select(segments)).all())
    by_play = {p.id: p for p in stored}
    assert len(segs) == sum(1 for p in stored if p.watch_seconds > 0)
    for seg in segs:
        play = by_play[seg.play_id]
        assert seg.seq == 0 and seg.position_start_ticks is None and seg.started_at == play.started_at
        assert (seg.ended_at - seg.started_at).total_seconds() == pytest.approx(play.watch_seconds)
    # DateCreated was Berlin local time: started_at is the true UTC start.
    starts = sorted(p.started for p in history.truth)
    assert min(p.started_at for p in stored) == starts[0]


async def test_fields_mapped(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=60)
    await service.state.library_sync.full()
    await service.state.user_sync.run()
    await importer(service, clock, zone=ZoneInfo("UTC")).run()
    stored = {p.id: p for p in all_plays(service)}

    def play_for(row: tuple[Any, ...]) -> Any:
        return stored[plugin_play_id(row[0], row[1], row[2])]

    transcode = plugin_rows(history, "PlaybackMethod LIKE 'Transcode (v:h264%' AND TranscodeReasons != ''")[0]
    play = play_for(transcode)
    assert (play.play_method, play.video_method, play.audio_method) == ("Transcode", "transcode", "transcode")
    assert (play.video_codec_to, play.audio_codec_to) == ("h264", "aac")
    assert play.video_codec_from is not None  # known from our items table
    assert play.transcode_reasons == transcode[11]
    explained = await service.http.get(f"/stats/history/{play.id}")
    assert explained.status_code == 200, "an imported play is explained like a live one"
    assert explained.json()["play"]["watch_seconds"] == round(play.watch_seconds)
    assert (play.client, play.device_name, play.remote_address) == (transcode[6], transcode[7], transcode[10])
    assert play.watch_seconds == transcode[8] - transcode[9] and play.paused_seconds == transcode[9]
    assert play.stopped_at - play.started_at == timedelta(seconds=transcode[8])
    assert play.user_name == service.simulator.world.user(transcode[1]).name  # type: ignore[union-attr]

    direct_audio = plugin_rows(history, "PlaybackMethod LIKE 'Transcode (v:direct%'")
    if direct_audio:
        play = play_for(direct_audio[0])
        assert (play.video_method, play.audio_method, play.video_codec_to) == ("copy", "transcode", None)

    episode = plugin_rows(history, "ItemType = 'Episode'")[0]
    play = play_for(episode)
    rec = service.simulator.world.item(episode[2])
    assert rec is not None
    series = service.simulator.world.item(rec.series)
    assert series is not None
    assert episode[4] == f"{series.name} - s{rec.parent_index:02d}e{rec.index:02d} - {rec.name}"
    assert (play.item_name, play.item_type) == (rec.name, "Episode"), "the library's name, not the plugin's text"
    assert (play.series_id, play.series_name) == (str(series.id), series.name)
    assert (play.season_number, play.episode_number) == (rec.parent_index, rec.index)
    assert play.runtime_ticks == rec.runtime
    assert play.completed == (play.watch_seconds * 10_000_000 >= 0.9 * rec.runtime)
    assert play.view_id == play.id

    audio = plugin_rows(history, "ItemType = 'Audio'")
    if audio:
        assert audio[0][4].count(" - ") >= 1 and audio[0][4].endswith(")")
        assert play_for(audio[0]).video_method is None


async def test_one_item_under_several_plugin_names_is_one_description(service: Service, clock: ManualClock) -> None:
    """The library's name replaces the plugin's text, so rows of one item that the plugin named differently (a
    rename, a composed episode title) share one stored description, also when they meet in one page."""
    history = PlaybackHistory(service.simulator.world)
    service.simulator.history = history
    await service.state.library_sync.full()
    world = service.simulator.world
    user, item = world.users[0].id, world.ids_of_type("Movie")[0]
    start = clock.now() - timedelta(days=3)
    names = ("Old Title", "New Title", "  New Title  ", "Old Title")
    history.add_rows(
        (plugin_date(start + timedelta(hours=i), UTC), user, str(item), "Movie", name, "DirectPlay", "Emby Web",
         "Chrome", 600, 0, "10.0.0.2", "")
        for i, name in enumerate(names)
    )  # fmt: skip
    for page_size in (10, 1):  # one page, then again one row per page (a re-run adds nothing)
        await importer(service, clock, zone=ZoneInfo("UTC"), page_size=page_size).run()
    stored = all_plays(service)
    assert len(stored) == len(names)
    assert {p.item_name for p in stored} == {world.item(item).name}  # type: ignore[union-attr]
    count = service.state.db.read_sync(lambda c: c.execute(select(func.count()).select_from(play_items)).scalar())
    assert count == 1


async def test_history_days_limits_rows(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=30, zone=BERLIN)
    result = await importer(service, clock, days=7).run()
    cutoff = clock.now() - timedelta(days=7)
    expected = [r for r in plugin_rows(history) if local_to_utc(r[0], BERLIN) >= cutoff - timedelta(seconds=1)]
    assert 0 < result.plays_added < history.row_count()
    assert result.plays_added == len(expected)
    assert all(p.started_at >= cutoff - timedelta(seconds=1) for p in all_plays(service))


async def test_rerun_and_restored_plugin_database_add_nothing(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=20)
    first = await importer(service, clock, page_size=40).run()
    assert first.plays_added == history.row_count()
    again = await importer(service, clock).run()
    assert (again.plays_added, again.skipped_duplicates) == (0, history.row_count())
    # A restored/rebuilt plugin database: same content, different rowids.
    restored = PlaybackHistory(service.simulator.world)
    restored.add_rows(reversed(plugin_rows(history)))
    service.simulator.history = restored
    third = await importer(service, clock).run()
    assert third.plays_added == 0 and third.skipped_duplicates == history.row_count()
    assert len(all_plays(service)) == history.row_count()


async def test_live_play_overlapping_a_history_row_is_not_counted_twice(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=10, zone=BERLIN)
    row = plugin_rows(history, "PlayDuration > 600")[0]
    start = local_to_utc(row[0], BERLIN)
    live = {
        "id": "live0000000000000000000000000001",
        "view_id": "live0000000000000000000000000001",
        "source": "live",
        "user_id": row[1],
        "item_id": row[2],
        "started_at": start + timedelta(seconds=20),
        "stopped_at": start + timedelta(seconds=500),
        "last_seen_at": start + timedelta(seconds=500),
        "watch_seconds": 480.0,
    }
    await service.state.db.write(lambda conn: conn.execute(insert(plays), [live]))
    result = await importer(service, clock).run()
    assert result.skipped_live_overlap == 1
    assert result.plays_added == history.row_count() - 1
    assert plugin_play_id(row[0], row[1], row[2]) not in {p.id for p in all_plays(service)}


async def test_played_flags_become_zero_duration_watched_plays(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=10)
    world = service.simulator.world
    user = next(u for u in world.users if not u.is_disabled)
    movie = next(str(i) for i in world.ids_of_type("Movie") if str(i) not in {r[2] for r in plugin_rows(history)})
    when = clock.now() - timedelta(days=400)
    history.mark_played(user.id, movie, when)
    first = await importer(service, clock).run()
    # Items played in the plugin's history already have a play: only the extra one is added.
    assert first.played_added == 1
    added = [p for p in all_plays(service) if (p.user_id, p.item_id) == (user.id, movie)]
    assert len(added) == 1
    play = added[0]
    assert (play.watch_seconds, play.completed, play.source) == (0.0, True, "import")
    assert play.started_at == play.stopped_at == when
    n_segments = service.state.db.read_sync(
        lambda conn: conn.execute(select(func.count()).where(segments.c.play_id == play.id)).scalar_one()
    )
    assert n_segments == 0
    again = await importer(service, clock).run()
    assert again.played_added == 0 and again.plays_added == 0


async def test_played_flags_are_read_page_by_page_within_the_history_window(
    service: Service, clock: ManualClock
) -> None:
    install(service, clock, days=0)  # a plugin with no rows: only the played flags make plays
    history = service.simulator.history
    assert history is not None
    user = next(u for u in service.simulator.world.users if not u.is_disabled)
    movies = [str(i) for i in service.simulator.world.ids_of_type("Movie")[:7]]
    ages = [1, 2, 3, 40, 5, 60, 6]  # days since each was played; the window is 30 days
    for movie, days in zip(movies, ages, strict=True):
        history.mark_played(user.id, movie, clock.now() - timedelta(days=days))
    result = await importer(service, clock, days=30, played_page_size=2).run()  # 4 pages for this user
    inside = {movie for movie, days in zip(movies, ages, strict=True) if days <= 30}
    assert result.played_added == len(inside) == 5
    added = {p.item_id for p in all_plays(service) if p.user_id == user.id.lower()}
    assert added == inside
    again = await importer(service, clock, days=30).run()  # one page each: the same questions, 3 fewer
    assert again.played_added == 0
    assert result.emby_calls - again.emby_calls == 3
    with pytest.raises(ValueError, match="played_page_size"):
        importer(service, clock, played_page_size=1001)


async def test_emby_error_or_malformed_page_leaves_database_unchanged(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=20)
    faults = service.simulator.faults
    faults.fail_next(1, status=500, endpoint=QUERY_PATH)
    with pytest.raises(EmbyError):
        await importer(service, clock).run()
    assert all_plays(service) == []

    faults.malformed_next(1, endpoint=QUERY_PATH)
    with pytest.raises(EmbyError):
        await importer(service, clock).run()
    assert all_plays(service) == []

    # A plugin database without a column the import reads: the plugin answers its SQL error as a message.
    history.db.execute("ALTER TABLE PlaybackActivity RENAME COLUMN TranscodeReasons TO Reasons")
    with pytest.raises(HistoryImportError, match="query error"):
        await importer(service, clock).run()
    assert all_plays(service) == []
    history.db.execute("ALTER TABLE PlaybackActivity RENAME COLUMN Reasons TO TranscodeReasons")

    # The second page breaks: a zero-second stall lets the first request through unchanged, the next answer is
    # cut short.
    faults.stall_next(1, seconds=0, endpoint=QUERY_PATH)
    faults.malformed_next(1, endpoint=QUERY_PATH)
    with pytest.raises(EmbyError):
        await importer(service, clock, page_size=30).run()
    assert faults.pending() == 0 and faults.injected["stall"] == 1
    assert len(all_plays(service)) == 30  # the first page committed, the broken one not at all

    result = await importer(service, clock, page_size=30).run()
    assert result.plays_added == history.row_count() - 30 and result.skipped_duplicates == 30
    assert len(all_plays(service)) == history.row_count()


async def test_progress_follows_the_run(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=20)
    imports = importer(service, clock, page_size=30)
    assert imports.progress.running is False and imports.progress.started_at is None
    result = await imports.run()
    progress = imports.progress
    assert progress.running is False and progress.error is None
    assert progress.started_at == progress.finished_at == clock.now()
    assert progress.counts.result() == result, "the run's own counters"
    assert result.pages == -(-history.row_count() // 30) and result.rows_read == history.row_count()

    service.simulator.faults.fail_next(1, status=404, endpoint="/Users")  # the played flags' first request
    with pytest.raises(EmbyError):
        await imports.run()
    failed = imports.progress
    assert failed is not progress and failed.running is False and failed.error is not None
    assert failed.error.startswith("EmbyNotFoundError: ") and "/Users" in failed.error
    assert failed.counts.pages == result.pages and failed.counts.skipped_duplicates == history.row_count()


async def test_without_the_plugin_only_played_flags_are_imported(service: Service, clock: ManualClock) -> None:
    result = await importer(service, clock).run()
    assert (result.rows_read, result.plays_added, result.played_added) == (0, 0, 0)


async def test_job_runs_the_import(service: Service, clock: ManualClock) -> None:
    history = install(service, clock, days=5)
    job = HistoryImportJob(importer(service, clock), clock)
    assert job.state.interval_sec >= 86_400
    await job.run_now()
    assert job.state.last_error is None and job.state.runs == 1
    assert len(all_plays(service)) == history.row_count()


def test_invalid_settings_rejected(service: Service, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="history_days"):
        importer(service, clock, days=-1)
