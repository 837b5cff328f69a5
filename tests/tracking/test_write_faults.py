"""The database refusing writes (another program holding its write lock longer than we wait, as a backup tool or a
hand-run `sqlite3` can): a webhook is applied to the plays at once and answered, its receipt and the plays wait in
memory, /health says so in plain words, and when the lock goes everything is stored with nothing lost."""

from __future__ import annotations

import sqlite3

from tests.conftest import Service
from tests.tracking.test_webhook_intake import (
    PAUSE_AT,
    RESUME_AT,
    _at,
    _pause_resume_stop,
    _play_rows,
    _poll_until,
    _position_ticks,
    _post,
    _scripted_session,
    _webhook,
)

from emby_analytics.clock import ManualClock


async def test_a_held_write_lock_delays_storing_and_loses_nothing(service: Service, clock: ManualClock) -> None:
    s = _scripted_session(service, clock, _pause_resume_stop)
    await _poll_until(service, clock, s, PAUSE_AT)
    pause_at = _at(clock, s, PAUSE_AT)
    pause = _webhook(s, "playback.pause", pause_at, _position_ticks(service, s))

    other = sqlite3.connect(service.state.db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program's write transaction, held past our busy timeout
        answer = await _post(service, pause)
        assert answer.status_code == 200 and answer.json() == {"outcome": "applied"}
        health = (await service.http.get("/health")).json()
        assert health["status"] == "degraded"
        assert health["poller"]["waiting_webhooks"] == 1 and health["poller"]["unsaved_plays"] == 1
        assert "another program holds the database's write lock" in health["poller"]["last_write_error"]
        assert "database is locked" not in str(health)
    finally:
        other.execute("ROLLBACK")
        other.close()

    await _poll_until(service, clock, s, PAUSE_AT + 10)  # the next write stores what waited
    health = (await service.http.get("/health")).json()
    assert (health["poller"]["waiting_webhooks"], health["poller"]["unsaved_plays"]) == (0, 0)
    assert health["poller"]["last_write_error"] is None
    (play,) = await _play_rows(service, s.session_id)
    assert play["is_paused"] and play["segments"][-1]["ended_at"] == pause_at, "the pause at its exact moment"
    replayed = await _post(service, pause)
    assert replayed.json() == {"outcome": "duplicate"}, "its receipt was stored too"
    await _poll_until(service, clock, s, RESUME_AT - 5)
    assert (await _play_rows(service, s.session_id))[0]["segments"][-1]["ended_at"] == pause_at
