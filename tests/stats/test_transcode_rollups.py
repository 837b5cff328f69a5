"""The transcode fix-list and transcodes per client from the rollups equal the raw grouping of every play, whatever
was folded; revisions 0009 and 0010 fill the transcode rollups as the fold writes them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import migrated_database
from tests.stats.test_rollups import NOW, USERS, ZONES, histories, store, windows

from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.rollups.fold import ensure_zone, fold
from emby_analytics.stats import transcodes
from emby_analytics.stats.rolled import RollupCache
from emby_analytics.stats.transcodes import TranscodeFilter, by_client, by_client_raw, fix_list, fix_list_raw
from emby_analytics.stats.window import Window, resolve
from emby_analytics.tracking.model import Play

FILTERS = [
    TranscodeFilter(),
    TranscodeFilter(user_id=USERS[0]),
    TranscodeFilter(client="Emby Web"),
    TranscodeFilter(client="Roku", user_id=USERS[1]),
    TranscodeFilter(item_id="m1"),
    TranscodeFilter(reason="VideoCodecNotSupported"),
]
PAGES = [(0, 50), (0, 1), (1, 2), (3, 50), (40, 10)]


def answers(db: Database, window: Window, *, raw: bool, cache: RollupCache) -> dict[str, Any]:
    def read(conn: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for n, where in enumerate(FILTERS):
            for offset, limit in PAGES:
                page = (
                    fix_list_raw(conn, window, where, offset=offset, limit=limit)
                    if raw
                    else fix_list(conn, window, where, offset=offset, limit=limit, cache=cache)
                )
                out[f"fix-list {n} {offset}+{limit}"] = page.model_dump()
        for where in (TranscodeFilter(), TranscodeFilter(user_id=USERS[2])):
            for limit in (50, 1):
                found = (
                    by_client_raw(conn, window, where, limit=limit)
                    if raw
                    else by_client(conn, window, where, limit=limit, cache=cache)
                )
                out[f"by-client {where.user_id} {limit}"] = [c.model_dump() for c in found]
        return out

    return db.read_sync(read)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=histories(),
    resumes=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=6),
    asked=windows,
    zone=st.sampled_from(ZONES),
    some=st.integers(1, 8),
    one_file=st.booleans(),
)
def test_transcode_answers_do_not_depend_on_what_was_folded(
    rows: list[Play], resumes: list[tuple[int, int]], asked: dict[str, Any], zone: str, some: int, one_file: bool
) -> None:
    if one_file:  # every play transcodes the same file on the same client: folded and unfolded plays share groups
        first = rows[0].context
        for play in rows:
            play.context = replace(first, user_id=play.context.user_id)
    window = resolve(NOW, ZoneInfo(zone), default_days=None, **asked)
    cache = RollupCache()
    with migrated_database() as db:
        store(db, rows, resumes)
        raw = answers(db, window, raw=True, cache=cache)
        assert answers(db, window, raw=False, cache=cache) == raw, "nothing folded"
        db.write_sync(lambda conn: ensure_zone(conn, ZoneInfo("Asia/Tokyo")))
        db.write_sync(lambda conn: fold(conn, ZoneInfo("Asia/Tokyo")))
        assert answers(db, window, raw=False, cache=cache) == raw, "rollups cut in another zone are ignored"
        db.write_sync(lambda conn: ensure_zone(conn, window.zone))
        db.write_sync(lambda conn: fold(conn, window.zone, batch=some))
        assert answers(db, window, raw=False, cache=cache) == raw, f"the oldest {some} plays folded"
        while db.write_sync(lambda conn: fold(conn, window.zone, batch=3)):
            pass
        assert answers(db, window, raw=False, cache=cache) == raw, "every closed play folded"
        transcodes.PAD = 1  # pages that read barely past their end: the all-time edge and its ties
        try:
            assert answers(db, window, raw=False, cache=RollupCache()) == raw, "a page's worth read"
        finally:
            transcodes.PAD = 64


def _transcode_rollups(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    def read(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: sorted(tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table}").all())
            for table in ("rollup_transcode_totals", "rollup_transcode_users", "rollup_client_app_days")
        }

    return db.read_sync(read)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=histories(),
    resumes=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=6),
    zone=st.sampled_from(ZONES),
    some=st.integers(1, 16),
)
def test_migrations_fill_the_transcode_rollups_as_the_fold_does(
    rows: list[Play], resumes: list[tuple[int, int]], zone: str, some: int
) -> None:
    """Revision 0009 adds the transcode rollups and fills them from the plays folded already (cut into days in the
    rollups' zone), and 0010 turns its day rows into the all-time rows and their users (its downgrade has 0009 fill
    its rows again): the same rows as folding those plays writes."""
    with migrated_database() as db:
        store(db, rows, resumes)
        db.write_sync(lambda conn: ensure_zone(conn, ZoneInfo(zone)))
        db.write_sync(lambda conn: fold(conn, ZoneInfo(zone), batch=some))  # some folded, the rest not yet
        folded = _transcode_rollups(db)
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS))
        with db.writer.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
            command.upgrade(config, "head")
            conn.commit()
        assert _transcode_rollups(db) == folded
