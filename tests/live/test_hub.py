"""The live hub without a server: one view per change (none while time alone moves positions), the newest view
wins in a slow browser's subscription, a browser that takes nothing is dropped, a reconnecting one with the last
view's number is not sent it again, and summaries count what plays."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.fixture_files import EMBY_SAMPLES

from emby_analytics.clock import ManualClock
from emby_analytics.emby.models import SessionsSnapshot
from emby_analytics.feed import Snapshot
from emby_analytics.live.hub import MAX_SKIPPED, LiveHub

AT = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
TICKS = 10_000_000


def _session(name: str = "sessions_emby48_roku_directplay.json", **changes: Any) -> dict[str, Any]:
    data = json.loads((EMBY_SAMPLES / name).read_text())
    raw = copy.deepcopy(data[0] if isinstance(data, list) else data)
    raw.update(changes)
    return raw


def _snapshot(sessions: list[dict[str, Any]], seconds: float) -> Snapshot:
    at = AT + timedelta(seconds=seconds)
    return Snapshot(SessionsSnapshot.model_validate({"sessions": sessions}), at, at, "poll")


def _playing(seconds: float, *, paused: bool = False, start: float = 100.0) -> dict[str, Any]:
    raw = _session()
    raw["PlayState"].update(PositionTicks=int((start + (0 if paused else seconds)) * TICKS), IsPaused=paused)
    return raw


@pytest.fixture
def hub() -> LiveHub:
    return LiveHub(ManualClock(AT))


async def test_one_view_per_change(hub: LiveHub) -> None:
    first = hub.published.seq
    assert first == int(AT.timestamp() * 1000), "numbered from the hub's start: unique across restarts"
    await hub.on_snapshot(_snapshot([], 0))
    assert hub.publishes == 0, "nothing playing, nothing new"
    await hub.on_snapshot(_snapshot([_playing(0)], 0))
    assert hub.publishes == 1 and len(hub.published.cards) == 1
    for t in (5, 10, 15):  # time alone moves the position: the browsers extrapolate it
        await hub.on_snapshot(_snapshot([_playing(t)], t))
    assert hub.publishes == 1 and hub.latest[0].position_sec == pytest.approx(115.0)
    await hub.on_snapshot(_snapshot([_playing(20, paused=True, start=120)], 20))
    assert hub.publishes == 2 and hub.published.cards[0].is_paused
    await hub.on_snapshot(_snapshot([], 25))
    assert hub.publishes == 3 and hub.published.cards == []
    assert hub.published.seq == first + 3 and hub.snapshots == 7


async def test_remote_addresses_only_in_the_admins_json(hub: LiveHub) -> None:
    await hub.on_snapshot(_snapshot([_playing(0)], 0))
    address = hub.latest[0].remote_address
    assert address
    assert address.encode() in hub.published.json(admin=True)
    assert address.encode() not in hub.published.json(admin=False)


async def test_a_slow_browser_gets_the_newest_view_only(hub: LiveHub) -> None:
    subscription = hub.subscribe(admin=False)
    for _ in range(5):
        hub.publish([])
    view = await subscription.next(0.1)
    assert view is not None and view.seq == hub.published.seq, "views in between were replaced, not queued"
    assert await subscription.next(0.05) is None, "nothing new: a keep-alive is due"


async def test_a_browser_that_takes_nothing_is_dropped(hub: LiveHub) -> None:
    stuck, live = hub.subscribe(admin=False), hub.subscribe(admin=False)
    for _ in range(MAX_SKIPPED + 2):
        hub.publish([])
        assert await live.next(0.01) is not None
    assert stuck.closed and not live.closed
    assert hub.subscribers == 1 and hub.dropped == 1
    assert await stuck.next(1.0) is None, "a dropped subscription ends its sender at once"


async def test_a_reconnecting_browser_with_the_last_view_is_not_sent_it_again(hub: LiveHub) -> None:
    await hub.on_snapshot(_snapshot([_playing(0)], 0))
    seq = hub.published.seq
    assert (await hub.subscribe(admin=False, last_seq=seq).next(0.05)) is None
    assert (view := await hub.subscribe(admin=False, last_seq=seq - 1).next(0.05)) is not None and view.seq == seq
    assert (await hub.subscribe(admin=False).next(0.05)) is not None, "a new browser gets the view at once"


async def test_unsubscribing_wakes_the_sender_and_counts_down(hub: LiveHub) -> None:
    subscription = hub.subscribe(admin=False)
    await subscription.next(0.01)
    waiting = asyncio.create_task(subscription.next(60))
    await asyncio.sleep(0)
    subscription.close()
    assert await asyncio.wait_for(waiting, 1) is None
    assert hub.subscribers == 0


async def test_summary_counts_what_plays(hub: LiveHub) -> None:
    transcoding = _session("sessions_emby48_roku_transcode.json", Id="a" * 32)
    paused = _session("session_emby48_roku_transcode_paused.json", Id="b" * 32)
    await hub.on_snapshot(_snapshot([_playing(0), transcoding, paused], 0))
    summary = hub.summary()
    assert (summary.active_streams, summary.active_transcodes, summary.direct_plays, summary.paused) == (3, 2, 1, 1)
    assert summary.per_user == {"mark": 3}
    playing = [c.bitrate or 0 for c in hub.latest if not c.is_paused]
    assert summary.outbound_mbps == round(sum(playing) / 1_000_000, 2) > 0


async def test_a_card_starts_when_the_tracker_says_the_play_began() -> None:
    began = AT - timedelta(minutes=7)
    tracked = LiveHub(ManualClock(AT), known_start=lambda session, item: began)
    await tracked.on_snapshot(_snapshot([_playing(0)], 0))
    assert [c.started_at for c in tracked.latest] == [began], "not when this hub first saw it (a restart)"
    untracked = LiveHub(ManualClock(AT), known_start=lambda session, item: None)
    await untracked.on_snapshot(_snapshot([_playing(0)], 0))
    assert [c.started_at for c in untracked.latest] == [AT]
