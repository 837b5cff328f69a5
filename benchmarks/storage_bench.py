"""Storage benchmark: bytes per play on disk, per table and index, for a data tier (or any database file).

    ./scripts/bench-storage [--tier M] [--seed 1] [--end YYYY-MM-DD] [--db PATH] [--out DIR]

The tier is built, or taken from the cache (`benchmarks/tiers.py`); `--db` reports on another database instead
(a copy of a real one, say). Every b-tree in the file is listed, whatever its name (tables, indexes, rollups added
later, SQLite's own), with its pages and bytes from SQLite's `dbstat` virtual table: bytes (pages × page size,
what the file spends on it), payload (the bytes of its rows or keys) and fill (payload / bytes: the rest is page
and cell headers and free space in pages), each also per play. A second table sums each table with its indexes.
The total is the file itself (page count × page size, free pages included) divided by the plays stored. The
design's target is ≤ 250 bytes per play at tier L "including indexes and rollups": what grows with plays (their
rows, segments, descriptions, the indexes of these, and the rollups), reported beside the whole file, which also
holds the library (its size is the library's, whatever the plays). Without `dbstat` in the SQLite build, only the
file total is reported.

The same file is also measured compacted (a scratch copy treated as the service's compaction job treats the file
every `COMPACT_INTERVAL_DAYS`: the session ids of plays that ended more than 30 days before the newest forgotten,
then VACUUM), the state a database returns to each week; as built, its pages are as full as the writes left them.

The naive baseline, in the same run, is the same plays in the obvious wide layout (the `plays` view's columns as
one table with rowid, text ids and ISO text times, and the same indexes as ours: started_at, (user_id,
started_at), the ids), built from the view into a scratch file: what the compact layout saves, measured on the
same data.

Prints a markdown table and writes `storage.json` (tier M; `storage-<tier>.json` for the others, `storage-db.json`
for `--db`).
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import tiers
from emby_analytics.compaction import FORGET_SESSIONS, SESSION_MEMORY

RESULTS = Path(__file__).parent / "results"
TARGET_BYTES_PER_PLAY = 250


@dataclass
class Tree:
    """One b-tree of the file: a table or an index."""

    name: str
    table: str  # the table it belongs to (itself for a table)
    kind: str  # table | index
    pages: int
    bytes: int
    payload: int
    bytes_per_play: float
    fill_pct: float


@dataclass
class Layout:
    """One database's storage: the file and, where dbstat allows, its b-trees."""

    name: str
    plays: int
    segments: int
    page_size: int
    pages: int
    free_pages: int
    file_bytes: int
    bytes_per_play: float
    # the b-trees that grow with plays (`grows_with_plays`); None without dbstat
    play_bytes_per_play: float | None
    trees: list[Tree]


def grows_with_plays(table: str) -> bool:
    """The tables that hold plays (ours and the baseline's) and the rollups of them: the rest is the library and
    bookkeeping."""
    return table in ("play_rows", "segment_rows", "segments", "plays") or table.startswith(("play_", "rollup_"))


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def has_dbstat(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1 FROM dbstat LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        return False
    return True


def _count(conn: sqlite3.Connection, table: str) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_schema WHERE name = ?", (table,)).fetchone()
    return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]) if exists else 0


def measure(path: Path, name: str, *, plays_table: str = "play_rows", use_dbstat: bool = True) -> Layout:
    with closing(_connect(path)) as conn:
        plays = _count(conn, plays_table)
        per_play = max(plays, 1)
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
        owners = {
            row[0]: (row[1], row[2])
            for row in conn.execute("SELECT name, tbl_name, type FROM sqlite_schema WHERE type IN ('table', 'index')")
        }
        owners["sqlite_schema"] = ("sqlite_schema", "table")
        trees: list[Tree] = []
        if use_dbstat and has_dbstat(conn):
            # aggregated: one row per b-tree (SQLite 3.31+); summed here so older builds (one row per page) agree.
            query = "SELECT name, count(*), sum(pgsize), sum(payload) FROM dbstat GROUP BY name ORDER BY 3 DESC"
            for tree, count, size, payload in conn.execute(query):
                table, kind = owners.get(tree, (tree, "table"))
                trees.append(
                    Tree(
                        name=tree,
                        table=table,
                        kind=kind,
                        pages=int(count),
                        bytes=int(size),
                        payload=int(payload),
                        bytes_per_play=round(size / per_play, 1),
                        fill_pct=round(100 * payload / size, 1) if size else 0.0,
                    )
                )
        return Layout(
            name=name,
            plays=plays,
            segments=_count(conn, "segments"),
            page_size=page_size,
            pages=pages,
            free_pages=free,
            file_bytes=pages * page_size,
            bytes_per_play=round(pages * page_size / per_play, 1),
            play_bytes_per_play=round(sum(t.bytes for t in trees if grows_with_plays(t.table)) / per_play, 1)
            if trees
            else None,
            trees=trees,
        )


def compact_as_the_job_does(path: Path) -> None:
    """`emby_analytics.compaction`'s work on a file: the session ids of the plays that ended more than
    `SESSION_MEMORY` before the newest one forgotten (the newest end standing for the job's now), then VACUUM."""
    with closing(sqlite3.connect(path)) as conn:
        newest = conn.execute("SELECT max(stopped_at) FROM play_rows").fetchone()[0]
        if newest is not None:
            conn.execute(FORGET_SESSIONS, (newest - SESSION_MEMORY // timedelta(microseconds=1),))
            conn.commit()
        conn.execute("VACUUM")


# -- the naive baseline: the same plays, one wide row each --------------------------------------------------------


def naive_copy(source: Path, target: Path) -> None:
    """`source` with its plays in the obvious layout: the view's columns as one table (rowid, text ids, ISO text
    times), segments keyed by a text play id, indexes on the same questions as ours; the other tables as they are."""
    with closing(sqlite3.connect(source)) as src:
        src.execute("VACUUM INTO ?", (str(target),))
    with closing(sqlite3.connect(target)) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(plays)")]
        text_id = "CASE typeof({0}) WHEN 'integer' THEN printf('%016x', {0} + 9223372036854775807 + 1) " + (
            "WHEN 'blob' THEN lower(hex({0})) ELSE {0} END"
        )
        text_time = "strftime('%Y-%m-%d %H:%M:%f', {0} / 1000000.0, 'unixepoch')"

        def selected(column: str) -> str:
            if column in ("started_at", "stopped_at", "last_seen_at"):
                return f"{text_time.format(column)} AS {column}"
            if column in ("id", "view_id", "session_id"):  # ids as the text the API shows
                return f"{text_id.format(column)} AS {column}"
            return column

        statements = [
            f"CREATE TABLE wide_plays AS SELECT {', '.join(selected(c) for c in columns)} FROM plays",
            f"CREATE TABLE wide_segments AS SELECT {text_id.format('play_id')} AS play_id, seq, "
            f"{text_time.format('started_at')} AS started_at, {text_time.format('ended_at')} AS ended_at, "
            "position_start_ticks, position_end_ticks FROM segments",
            "DROP VIEW plays",
            "DROP VIEW segments",  # every segment is stored in the wide layout, imported plays' too
            *(f"DROP TABLE {t}" for t in ("segment_rows", "play_rows", "play_users", "play_items", "play_clients")),
            "DROP TABLE play_streams",
            "ALTER TABLE wide_plays RENAME TO plays",
            "ALTER TABLE wide_segments RENAME TO segments",
            "CREATE UNIQUE INDEX ix_plays_id ON plays (id)",
            "CREATE INDEX ix_plays_started_at ON plays (started_at)",
            "CREATE INDEX ix_plays_user_id_started_at ON plays (user_id, started_at)",
            "CREATE UNIQUE INDEX ix_segments_play_id_seq ON segments (play_id, seq)",
        ]
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.execute("VACUUM")  # built in one go: as packed as a file gets, which only flatters the baseline


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.db is not None:
        path, label, meta = args.db, f"database {args.db.name}", {}
    else:
        end = args.end or tiers.default_end()
        built = tiers.ensure_tier(args.tier, args.seed, end, args.cache, log=lambda text: print(text, file=sys.stderr))
        path, label, meta = built.path, f"tier {args.tier.name}", built.meta
    with closing(_connect(path)) as conn:
        dbstat = has_dbstat(conn)
    use_dbstat = not args.no_dbstat
    layouts = [measure(path, f"ours, as built ({label})", use_dbstat=use_dbstat)]
    with tempfile.TemporaryDirectory(prefix="storage-bench-", dir=args.work_dir) as tmp:
        if not args.no_compacted:
            packed = Path(tmp) / "compacted.db"
            with closing(sqlite3.connect(path)) as conn:
                conn.execute("VACUUM INTO ?", (str(packed),))
            compact_as_the_job_does(packed)
            layouts.append(measure(packed, "ours, compacted (the weekly job)", use_dbstat=use_dbstat))
            packed.unlink()
        if not args.no_baseline:
            wide = Path(tmp) / "wide.db"
            naive_copy(path, wide)
            layouts.append(measure(wide, "naive: one wide row per play", plays_table="plays", use_dbstat=use_dbstat))
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "source": label,
        "tier": meta.get("tier"),
        "library_items": meta.get("library_items"),
        "users": meta.get("users"),
        "target_bytes_per_play": TARGET_BYTES_PER_PLAY,
        "dbstat": dbstat and not args.no_dbstat,
        "machine": f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "layouts": [asdict(layout) for layout in layouts],
    }


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f}"


def markdown(report: dict[str, Any]) -> str:
    ours = report["layouts"][0]
    plays = max(ours["plays"], 1)
    lines = [
        f"Storage: {report['source']}, {ours['plays']:,} plays, {ours['segments']:,} segments "
        f"({ours['segments'] / plays:.2f} a play); page size {ours['page_size']:,} B; {report['machine']}",
        "",
    ]
    if ours["trees"]:
        lines += [
            "| b-tree | of table | kind | pages | MiB | fill | bytes / play |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for tree in ours["trees"]:
            lines.append(
                f"| {tree['name']} | {tree['table']} | {tree['kind']} | {tree['pages']:,} | {_mib(tree['bytes'])} "
                f"| {tree['fill_pct']} % | {tree['bytes_per_play']} |"
            )
        lines.append(
            f"| free pages | | | {ours['free_pages']:,} | {_mib(ours['free_pages'] * ours['page_size'])} | | |"
        )
        by_table: dict[str, list[int]] = {}
        for tree in ours["trees"]:
            sums = by_table.setdefault(tree["table"], [0, 0, 0])
            sums[0 if tree["kind"] == "table" else 1] += tree["bytes"]
            sums[2] += 1 if tree["kind"] == "index" else 0
        lines += [
            "",
            "| table (with its indexes) | table MiB | indexes MiB (count) | bytes / play |",
            "| --- | ---: | ---: | ---: |",
        ]
        for table, (own, indexes, count) in sorted(by_table.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
            lines.append(f"| {table} | {_mib(own)} | {_mib(indexes)} ({count}) | {(own + indexes) / plays:,.1f} |")
    else:
        lines.append("(this SQLite build has no dbstat: only the file total is known)")
    lines += [
        "",
        "| layout | plays | file MiB | bytes / play (file) | of which plays and rollups (what grows with plays) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for layout in report["layouts"]:
        of_plays = layout["play_bytes_per_play"]
        lines.append(
            f"| {layout['name']} | {layout['plays']:,} | {_mib(layout['file_bytes'])} | {layout['bytes_per_play']:,} "
            f"| {'' if of_plays is None else f'{of_plays:,}'} |"
        )
    mine = [layout for layout in report["layouts"] if layout["name"].startswith("ours")]
    growing = ", ".join(f"{layout['play_bytes_per_play']} {layout['name'][6:]}" for layout in mine)
    summary = (
        f"Target ≤ {TARGET_BYTES_PER_PLAY} bytes per play with indexes and rollups (tier L): ours {growing} "
        f"(the whole file {', '.join(str(layout['bytes_per_play']) for layout in mine)})."
    )
    naive = report["layouts"][-1]
    if naive["name"].startswith("naive"):
        packed = mine[-1]
        ratio = naive["bytes_per_play"] / packed["bytes_per_play"] if packed["bytes_per_play"] else 0.0
        summary = f"Naive / ours {packed['name'][6:]}, same plays: ×{ratio:.2f} the bytes per play. " + summary
    return "\n".join([*lines, "", summary])


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the report, print its tables, write the JSON into --out; returns the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tiers.add_tier_arguments(parser)
    parser.add_argument("--db", type=Path, default=None, help="report on this database instead of a tier")
    parser.add_argument("--no-baseline", action="store_true", help="skip the wide-layout copy")
    parser.add_argument("--no-compacted", action="store_true", help="skip the compacted copy")
    parser.add_argument("--no-dbstat", action="store_true", help="report as if SQLite had no dbstat (file only)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    parser.add_argument("--work-dir", type=Path, default=None, help="parent of the scratch database")
    args = parser.parse_args(argv)
    report = run(args)
    if not args.no_write:
        name = (
            "storage-db" if args.db is not None else f"storage-{args.tier.name}" if args.tier.name != "M" else "storage"
        )
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    sys.stdout.flush()
    return report


if __name__ == "__main__":
    main()
