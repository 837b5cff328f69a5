"""Statistics benchmark: every `/stats/*` endpoint of the real server on a data tier, 16 concurrent clients, beside
the naive queries on a copy of the same database.

    ./scripts/bench-stats [--tier M] [--seed 1] [--clients 16] [--seconds 3] [--out DIR]

1. The tier is built, or taken from the cache (`benchmarks/tiers.py`), and copied twice: one copy for the server,
   one for the naive queries.
2. The tier's library is served by a simulated Emby in its own process (`python -m benchmarks.tiers emby`: the
   same world, no live sessions, no Playback Reporting plugin), so the service's start-up syncs find the library
   they already have: the incremental sync reads nothing new, the user sync changes nothing, the history import
   finds no plugin, the session poll finds no one playing.
3. Cold start: for each endpoint (its first case), and for the heaviest user's all-time page (the most one
   answer reads), `emby-analytics serve` is started on the copy, and as soon as its port accepts, one request to
   it is timed (then the server is stopped).
4. Warm: the server is started again; once its start-up jobs have run (`/health`), the endpoints are read from its
   `/openapi.json` (every GET under `/stats/`, and `/items/by-ids`), each gets its parameter sets (windows of 7 and
   30 days and all time; `/stats/history` at several depths following `next_cursor`, with filters and title
   search), every case is requested once (warm-up), then each is loaded in turn by `--clients` concurrent
   clients in this process (asyncio, one HTTP/1.1 keep-alive connection each) for `--seconds` (at least
   `--min-requests` each). The clients send `Accept-Encoding: gzip, deflate` as browsers and httpx do
   (`--accept-encoding identity` for clients that do not); a latency ends with the last byte received, and what
   decoding then costs a client is measured once per case and reported beside it (bytes on the wire, decoded
   bytes, decode time), after checking that the decoded answer is the one a client without gzip gets.
5. Naive: the same questions as plain SQL (`benchmarks/naive_stats.py`) on the other copy, from as many processes,
   timed the same way, so each speed-up is a ratio from one run.

Prints a markdown table and writes `stats.json` (tier M; `stats-<tier>.json` for the others): per case p50 / p99 /
max latency, requests/s, errors (must be 0), the naive baseline, the first request after a cold start, the server's
RSS, and the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing.pool import Pool
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import httpx
import sqlalchemy

from benchmarks import naive_stats, tiers
from emby_analytics.db.schema import decode_id

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"
TARGET_P50_MS = 15.0
TARGET_P99_MS = 50.0
TARGET_HISTORY_P99_MS = 50.0
TARGET_SEARCH_P99_MS = 100.0
TARGET_COLD_MS = 500.0
HISTORY_DEPTHS = (0, 1_000, 10_000, 100_000, 1_000_000)
# Jobs that run at start-up; the warm run waits until each has run once, so none of them is measured.
STARTUP_JOBS = ("users", "library-incremental", "history-import", "server-info", "library-answers")


def starting(health: Mapping[str, Any]) -> list[str]:
    """The start-up jobs a `/health` answer shows not yet run once, or running (the other benchmarks wait too)."""
    jobs = {job["name"]: job for job in health.get("jobs", [])}
    return [name for name in STARTUP_JOBS if name in jobs and (jobs[name]["runs"] < 1 or jobs[name]["running"])]


# Also timed after a cold start (with each endpoint's first case): the case whose first answer reads the most.
HEAVIEST = "top user all-time"


# -- what is measured ----------------------------------------------------------------------------------------------
@dataclass
class Case:
    endpoint: str  # as /openapi.json names it, e.g. "/stats/history" or "/stats/user/{id}"
    label: str  # the parameter set in words
    path: str  # the endpoint with its path parameters filled in
    params: dict[str, str]
    kind: str  # "stat", "history" (any page depth, filters) or "search" (title search): which target applies
    path_params: dict[str, str] = field(default_factory=dict)
    naive_params: dict[str, str] = field(default_factory=dict)  # what only the baseline needs (the page depth)

    @property
    def name(self) -> str:
        return f"{self.endpoint} {self.label}".strip()


@dataclass
class Timing:
    requests: int
    errors: int
    seconds: float
    per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    first_error: str | None = None
    server_cpu_pct: int | None = None  # the server's CPU during the load, % of one core (ours only)
    client_cpu_pct: int | None = None  # this load process's CPU, % of one core (ours only)
    encoding: str | None = None  # the answer's Content-Encoding at warm-up (ours only; None: plain)
    wire_bytes: int | None = None  # its body as sent (ours only)
    decoded_bytes: int | None = None  # its body decoded: the JSON (ours only)
    decode_ms: float | None = None  # what decoding it took this client, once; not in the latencies (ours only)
    capped: int | None = None  # questions cut at --baseline-cap seconds, counted at the cap (naive only)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 48 samples is the largest but none: no interpolation beyond the data)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def timing(latencies: list[float], errors: int, seconds: float, first_error: str | None) -> Timing:
    return Timing(
        requests=len(latencies),
        errors=errors,
        seconds=round(seconds, 2),
        per_s=round(len(latencies) / seconds, 1) if seconds > 0 else 0.0,
        p50_ms=round(percentile(latencies, 0.50) * 1000, 2),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
        max_ms=round(max(latencies, default=0.0) * 1000, 2),
        first_error=first_error,
    )


# -- processes -------------------------------------------------------------------------------------------------
def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def simulated_emby(tier: tiers.Tier, seed: int, end: date, log: IO[str]) -> Iterator[dict[str, Any]]:
    """The tier's library as a simulated Emby in its own process; yields {url, api_key, items}."""
    command = [sys.executable, "-m", "benchmarks.tiers", "emby", "--tier", tier.name, "--seed", str(seed)]
    command += ["--end", end.isoformat()]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise SystemExit(f"the simulated Emby did not start (exit {process.wait()})")
            yield json.loads(line)
        finally:
            _stop(process)


class Server:
    """`emby-analytics serve` as a user starts it, on a loopback port, its output in a file."""

    def __init__(self, db: Path, emby: Mapping[str, Any], log: IO[str], **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "SQLITE_PATH": str(db),
            "EMBY_BASE_URL": emby["url"],
            "EMBY_API_KEY": emby["api_key"],
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "warning",
            "TZ": "UTC",
            **settings,
        }
        command = [sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null", "serve"]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
        self.startup_seconds = 0.0

    def wait_listening(self, timeout: float = 120.0) -> float:
        """Seconds from the start until the port accepts (uvicorn listens once the app's start-up is done)."""
        while time.perf_counter() - self.started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode} (see its log)")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    self.startup_seconds = time.perf_counter() - self.started
                    return self.startup_seconds
            except OSError:
                time.sleep(0.01)
        raise SystemExit(f"the server did not listen within {timeout:.0f} s")

    def wait_settled(self, timeout: float) -> float:
        """Wait until every start-up job has run once and none is running; returns the seconds waited."""
        began = time.perf_counter()
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while time.perf_counter() - began < timeout:
                if not starting(client.get("/health").json()):
                    break
                time.sleep(0.25)
        return time.perf_counter() - began

    def stop(self) -> None:
        _stop(self.process)


class RssSampler:
    """The server's RSS every 0.1 s while a load runs: the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(0.1)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- the cases -----------------------------------------------------------------------------------------------------
@dataclass
class Facts:
    """Values from the tier that make sensible parameters."""

    top_user: str
    quiet_user: str
    top_item: str
    top_series: str | None
    top_client: str
    recent_play: str
    old_play: str
    item_ids: list[str]
    common_word: str
    rare_title: str
    end: date


def read_facts(db: Path, end: date) -> Facts:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:

        def one(sql: str) -> Any:
            row = conn.execute(sql).fetchone()
            return row[0] if row else None

        users_by_plays = [r[0] for r in conn.execute("SELECT user_id FROM plays GROUP BY user_id ORDER BY COUNT(*)")]
        total = int(one("SELECT COUNT(*) FROM plays"))
        items = [
            r[0]
            for r in conn.execute(
                "SELECT item_id FROM plays WHERE live_tv = 0 GROUP BY item_id ORDER BY COUNT(*) DESC LIMIT 20"
            )
        ]
        # A word many titles share (the simulator names things "Adjective Noun"), and a title played once.
        words: dict[str, int] = {}
        for (name,) in conn.execute("SELECT name FROM items WHERE type = 'Movie' ORDER BY id LIMIT 2000"):
            for word in re.findall(r"[A-Za-z]{5,}", name or ""):
                words[word] = words.get(word, 0) + 1
        rare = one(
            "SELECT item_name FROM plays WHERE item_type = 'Movie' GROUP BY item_id HAVING COUNT(*) = 1 "
            "ORDER BY item_id LIMIT 1"
        )
        return Facts(
            top_user=users_by_plays[-1],
            quiet_user=users_by_plays[len(users_by_plays) // 2],
            top_item=items[0],
            top_series=one("SELECT series_id FROM plays WHERE series_id IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC"),
            top_client=one("SELECT client FROM plays GROUP BY client ORDER BY COUNT(*) DESC"),
            recent_play=decode_id(one("SELECT id FROM plays ORDER BY started_at DESC, id DESC LIMIT 1")),
            old_play=decode_id(
                one(f"SELECT id FROM plays ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET {total * 9 // 10}")
            ),
            item_ids=items,
            common_word=max(sorted(words), key=lambda w: words[w]) if words else "the",
            rare_title=rare or "Lantern",
            end=end,
        )


def _schema(param: Mapping[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = dict(param.get("schema") or {})
    for option in schema.get("anyOf") or ():
        if option.get("type") != "null":
            return {**schema, **option}
    return schema


def _path_value(endpoint: str, name: str, facts: Facts) -> list[tuple[str, str]] | None:
    """(label, value) choices for a path parameter, from its name and the path before it; None: unknown."""
    before = endpoint[: endpoint.index("{" + name + "}")].rstrip("/").rsplit("/", 1)[-1].lower()
    lowered = name.lower()
    if "history" in before or "play" in lowered:
        return [("recent play", facts.recent_play), ("old play", facts.old_play)]
    if "user" in lowered or before in ("user", "users"):
        return [("top user", facts.top_user), ("quiet user", facts.quiet_user)]
    if "codec" in lowered or before == "by-codec":
        return [("hevc", "hevc")]
    if "quality" in lowered or before == "by-quality":
        return [("4K", "4K")]
    if "genre" in lowered or before == "by-genre":
        return [("Drama", "Drama")]
    if "series" in lowered or before == "series":
        return [("top series", facts.top_series)] if facts.top_series else None
    if "item" in lowered or before in ("item", "items"):
        return [("top item", facts.top_item)]
    return None


# Answers given per day refuse windows over a year (422); their longest case is a year.
PER_DAY = {"/stats/usage"}
# Answers that group a window's plays (no day rollup): a year is measured too, beside all time.
WINDOW_PLAYS = {"/stats/transcodes/fix-list", "/stats/transcodes/by-client"}


def _windows(query: Mapping[str, dict[str, Any]], endpoint: str = "") -> list[tuple[str, dict[str, str]]]:
    if endpoint in PER_DAY:
        return [("days=7", {"days": "7"}), ("days=30", {"days": "30"}), ("days=365", {"days": "365"})]
    if "days" in query and "timeframe" in query:
        year = [("days=365", {"days": "365"})] if endpoint in WINDOW_PLAYS else []
        return [("days=7", {"days": "7"}), ("days=30", {"days": "30"}), *year, ("all-time", {"timeframe": "all-time"})]
    if "days" in query:
        return [("days=7", {"days": "7"}), ("days=30", {"days": "30"}), ("days=3650", {"days": "3650"})]
    if "timeframe" in query:
        return [(f"timeframe={t}", {"timeframe": t}) for t in ("7d", "30d", "all-time")]
    return [("", {})]


def cases_for(
    endpoint: str, operation: Mapping[str, Any], facts: Facts, depths: Sequence[int] = HISTORY_DEPTHS
) -> tuple[list[Case], str | None]:
    """The parameter sets of one endpoint, or ([], why it is skipped)."""
    parameters = operation.get("parameters") or []
    query = {p["name"]: _schema(p) for p in parameters if p.get("in") == "query"}
    required = {p["name"] for p in parameters if p.get("in") == "query" and p.get("required")}
    fixed: dict[str, str] = {}
    for name in required:
        if name == "ids":
            fixed[name] = ",".join(facts.item_ids)
        elif name not in ("days", "timeframe"):
            return [], f"no value for the required parameter {name!r}"
    if "ids" in query and "ids" not in fixed:
        fixed["ids"] = ",".join(facts.item_ids)
    choices: list[tuple[str, str, dict[str, str]]] = [("", endpoint, {})]
    for param in (p for p in parameters if p.get("in") == "path"):
        values = _path_value(endpoint, param["name"], facts)
        if values is None:
            return [], f"no value for the path parameter {param['name']!r}"
        choices = [
            (
                f"{label} {value_label}".strip(),
                path.replace("{" + param["name"] + "}", value),
                {**pp, param["name"]: value},
            )
            for label, path, pp in choices
            for value_label, value in values
        ]
    if "cursor" in query:
        return [c for _, path, pp in choices for c in history_cases(endpoint, path, query, facts, pp, depths)], None
    cases = []
    for label, path, pp in choices:
        for window_label, window in _windows(query, endpoint):
            cases.append(Case(endpoint, f"{label} {window_label}".strip(), path, {**fixed, **window}, "stat", pp))
        base = _windows(query, endpoint)[0][1]
        if "user_id" in query:
            cases.append(
                Case(
                    endpoint,
                    f"{label} user_id=top".strip(),
                    path,
                    {**fixed, **base, "user_id": facts.top_user},
                    "stat",
                    pp,
                )
            )
        group = query.get("group", {})
        if "series" in (group.get("enum") or ()):
            cases.append(
                Case(endpoint, f"{label} group=series".strip(), path, {**fixed, **base, "group": "series"}, "stat", pp)
            )
    return cases, None


def history_cases(
    endpoint: str,
    path: str,
    query: Mapping[str, Any],
    facts: Facts,
    path_params: dict[str, str],
    depths: Sequence[int] = HISTORY_DEPTHS,
) -> list[Case]:
    """Page depths (filled in later by following `next_cursor`), filters and title search."""
    cases = [
        Case(endpoint, f"depth {depth:,}", path, {}, "history", path_params, {"_depth": str(depth)}) for depth in depths
    ]
    filters: list[tuple[str, dict[str, str], str]] = []
    if "user_id" in query:
        filters.append(("user_id=top", {"user_id": facts.top_user}, "history"))
        filters.append(("user_id=top, depth 1,000", {"user_id": facts.top_user, "_depth": "1000"}, "history"))
    if "play_method" in query:
        filters.append(("play_method=Transcode", {"play_method": "Transcode"}, "history"))
    if "media_type" in query:
        filters.append(("media_type=Episode", {"media_type": "Episode"}, "history"))
    if "client" in query:
        filters.append(("client=top", {"client": facts.top_client}, "history"))
    if "item_id" in query and facts.top_series:
        filters.append(("item_id=top series", {"item_id": facts.top_series}, "history"))
    if "from" in query and "to" in query:
        first = facts.end - timedelta(days=365)
        span = {"from": first.isoformat(), "to": (first + timedelta(days=30)).isoformat()}
        filters.append(("from/to: a month a year ago", span, "history"))
    if "q" in query:
        filters.append((f"q={facts.common_word} (common)", {"q": facts.common_word}, "search"))
        filters.append(("q=a title played once", {"q": facts.rare_title}, "search"))
        filters.append(("q=no match", {"q": "zq-no-such-title"}, "search"))
        if "user_id" in query:
            filters.append(("q=common, user_id=top", {"q": facts.common_word, "user_id": facts.top_user}, "search"))
    for label, params, kind in filters:
        depth = params.pop("_depth", "0")
        cases.append(Case(endpoint, label, path, params, kind, path_params, {"_depth": depth}))
    return cases


def follow_cursors(client: httpx.Client, cases: list[Case], total_plays: int) -> list[Case]:
    """Give every deep history case the cursor of its depth, found by following `next_cursor` (500 rows a
    page); depths beyond the data are dropped."""
    kept: list[Case] = []
    for case in cases:
        depth = int(case.naive_params.get("_depth", "0"))
        if case.kind == "stat" or depth == 0:
            kept.append(case)
            continue
        if depth >= total_plays:
            continue
        cursor: str | None = None
        walked = 0
        while walked < depth:
            step = min(500, depth - walked)
            params = {**case.params, "limit": str(step), **({"cursor": cursor} if cursor else {})}
            page = client.get(case.path, params=params, timeout=300)
            page.raise_for_status()
            cursor = page.json().get("next_cursor")
            walked += step
            if cursor is None:
                break
        if cursor is not None:
            case.params["cursor"] = cursor
            kept.append(case)
    return kept


def discover(client: httpx.Client) -> list[tuple[str, dict[str, Any]]]:
    """Every GET under /stats/ (and /items/by-ids when present), in the order /openapi.json lists them."""
    spec = client.get("/openapi.json").json()
    found = []
    for path, operations in spec.get("paths", {}).items():
        if "get" in operations and (path.startswith("/stats/") or path == "/items/by-ids"):
            found.append((path, operations["get"]))
    return found


# -- load --------------------------------------------------------------------------------------------------------
# What browsers and httpx accept, less the codings this client cannot decode (br, zstd; the server sends gzip).
ACCEPT_ENCODING = "gzip, deflate"


@dataclass
class Reply:
    status: int
    body: bytes  # as sent
    encoding: str | None  # Content-Encoding, lower-case; None: plain

    def decoded(self) -> bytes:
        """The body with its Content-Encoding undone; ValueError for one this client did not ask for."""
        if self.encoding is None:
            return self.body
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompress(self.body, wbits=47)
        if self.encoding == "deflate":
            return zlib.decompress(self.body)
        raise ValueError(f"unexpected Content-Encoding {self.encoding!r}")


class KeepAlive:
    """One client's HTTP/1.1 keep-alive connection, on bare asyncio streams: a request costs this process ~0.1 ms
    of CPU where httpx costs ~1 ms, which on two cores would be taken from the server under test."""

    def __init__(self, host: str, port: int, accept_encoding: str = ACCEPT_ENCODING) -> None:
        self.host, self.port = host, port
        self.accept_encoding = accept_encoding
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, target: str) -> Reply:
        """The answer to `GET target`, its body as sent. A kept connection the server has since closed (uvicorn
        closes one idle for 5 s) is opened again and the request sent once more, as httpx and browsers do."""
        if self.streams is not None:
            try:
                return await self._exchange(target)
            except (asyncio.IncompleteReadError, ConnectionError):
                await self.close()
        return await self._exchange(target)

    async def _exchange(self, target: str) -> Reply:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        request = f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n"
        writer.write(f"{request}Accept-Encoding: {self.accept_encoding}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        headers = head.decode("latin-1").lower()
        match = re.search(r"\r\ncontent-length:\s*(\d+)", headers)
        if match is None:  # FastAPI's JSON answers always carry a length; anything else is a failure here
            await self.close()
            raise ValueError("response without Content-Length")
        body = await reader.readexactly(int(match.group(1)))
        if "\r\nconnection: close" in headers:
            await self.close()
        coding = re.search(r"\r\ncontent-encoding:\s*([^\r]+)", headers)
        return Reply(int(head[9:12]), body, coding.group(1).strip() if coding else None)

    async def close(self) -> None:
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()


async def load(
    url: str,
    cases: list[Case],
    clients: int,
    seconds: float,
    min_requests: int,
    server_pid: int,
    accept_encoding: str = ACCEPT_ENCODING,
) -> list[Timing]:
    """Each case in turn: every client requests it once (warm-up), then back to back for `seconds` (and at
    least `min_requests` each) on its own keep-alive connection; an answer other than 200 is an error (the
    warm-up checks the body decodes to JSON, the same JSON a client without gzip gets). The CPU the server and
    this load process used during each case is noted (a share of one core), and the answer's encoding, size on
    the wire and decoded, and what decoding it costs."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connections = [KeepAlive(host, int(port), accept_encoding) for _ in range(clients)]
    plain = KeepAlive(host, int(port), "identity")  # what a client without gzip gets, to check the decoding

    async def one(conn: KeepAlive, target: str) -> tuple[float, str | None, Reply | None]:
        started = time.perf_counter()
        try:
            reply = await conn.get(target)
            elapsed = time.perf_counter() - started
            if reply.status != 200:
                return elapsed, f"HTTP {reply.status}: {reply.decoded()[:200].decode(errors='replace')}", reply
            return elapsed, None, reply
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            await conn.close()
            return time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:200], None

    async def check(target: str, reply: Reply) -> tuple[float, str | None]:
        """(ms to decode the answer, an error): it must decode to the JSON a client without gzip gets."""
        try:
            began = time.perf_counter()
            decoded = reply.decoded()
            decode_ms = (time.perf_counter() - began) * 1000
            answer = json.loads(decoded)
            if reply.encoding is not None and answer != json.loads((await plain.get(target)).body):
                return decode_ms, f"the {reply.encoding} answer is not the plain one"
            return decode_ms, None
        except (OSError, ValueError, zlib.error, asyncio.IncompleteReadError) as exc:
            return 0.0, f"{type(exc).__name__}: {exc}"[:200]

    async def measure(case: Case) -> Timing:
        target = f"{case.path}?{urlencode(case.params)}" if case.params else case.path
        warm = await asyncio.gather(*(one(conn, target) for conn in connections))
        errors: list[str] = [error for _, error, _ in warm if error]
        sample = next((reply for _, error, reply in warm if reply is not None and not error), None)
        decode_ms = 0.0
        if sample is not None:
            decode_ms, wrong = await check(target, sample)
            errors += [wrong] if wrong else []
        latencies: list[float] = []
        server_cpu, own_cpu = cpu_seconds(server_pid), time.process_time()
        began = time.perf_counter()

        async def worker(conn: KeepAlive) -> None:
            done = 0
            while done < min_requests or time.perf_counter() - began < seconds:
                elapsed, error, _ = await one(conn, target)
                latencies.append(elapsed)
                if error:
                    errors.append(error)
                done += 1

        await asyncio.gather(*(worker(conn) for conn in connections))
        wall = time.perf_counter() - began
        result = timing(latencies, len(errors), wall, errors[0] if errors else None)
        result.server_cpu_pct = round(100 * (cpu_seconds(server_pid) - server_cpu) / wall) if wall > 0 else 0
        result.client_cpu_pct = round(100 * (time.process_time() - own_cpu) / wall) if wall > 0 else 0
        if sample is not None:
            result.encoding, result.wire_bytes = sample.encoding, len(sample.body)
            result.decoded_bytes, result.decode_ms = len(sample.decoded()), round(decode_ms, 2)
        return result

    try:
        return [await measure(case) for case in cases]
    finally:
        for conn in [*connections, plain]:
            await conn.close()


def naive_load(
    pool: Pool,
    db: Path,
    statements: list[naive_stats.Statement],
    clients: int,
    seconds: float,
    min_requests: int,
    cap: float,
) -> Timing:
    """The naive question from `clients` processes at once, each on its own read-only connection, timed like
    `load`: the same concurrency on the same two cores, without an HTTP server or Python's GIL between them. A
    question cut at `cap` seconds counts as `cap` (the ratio is then at least what it says)."""
    start_at = time.time() + 0.25  # once the clients have connected and warmed up (slow ones start late)
    args = [(str(db), statements, start_at, seconds, min_requests, cap)] * clients
    results = pool.starmap(naive_stats.client, args)
    latencies = [value for result in results for value in result[0]]
    errors = [error for result in results for error in result[1]]
    wall = max(result[2] for result in results) - start_at
    result = timing(latencies, len(errors), wall, errors[0] if errors else None)
    result.capped = sum(r[4] for r in results)
    return result


def cold_first_request(db: Path, emby: Mapping[str, Any], case: Case, log: IO[str]) -> dict[str, float]:
    """A fresh server: seconds until it listens, then the first request's milliseconds."""
    server = Server(db, emby, log)
    try:
        listening = server.wait_listening()
        started = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=300) as client:
            response = client.get(case.path, params=case.params)
        elapsed = time.perf_counter() - started
        status = response.status_code
    finally:
        server.stop()
    return {"startup_s": round(listening, 2), "first_ms": round(elapsed * 1000, 1), "status": status}


# -- the run ---------------------------------------------------------------------------------------------------
def environment() -> dict[str, Any]:
    cpu = "unknown"
    with suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "httpx": httpx.__version__,
    }


def results_name(tier: tiers.Tier) -> str:
    """`stats.json` for the default tier M, `stats-<tier>.json` for the others, so each tier's last run stays."""
    return "stats.json" if tier.name == "M" else f"stats-{tier.name}.json"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its table, write `stats.json` (M) or `stats-<tier>.json` into --out; returns
    the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tiers.add_tier_arguments(parser)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=3.0, help="load per case, in seconds (default: %(default)s)")
    parser.add_argument("--min-requests", type=int, default=3, help="per client and case, at least (default: 3)")
    parser.add_argument("--cold", type=int, default=-1, help="endpoints timed after a cold start (-1: all)")
    parser.add_argument("--settle-timeout", type=float, default=180.0, help="wait this long for start-up jobs")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive queries")
    parser.add_argument(
        "--baseline-cap",
        type=float,
        default=60.0,
        help="seconds after which a naive question is cut and counted at the cap (default: %(default)s)",
    )
    parser.add_argument(
        "--baseline-clients",
        type=int,
        default=0,
        help="concurrent clients of the naive queries (default: --clients); fewer keeps a tier L run short, "
        "and only flatters the baseline (less queueing than ours)",
    )
    parser.add_argument(
        "--accept-encoding",
        default=ACCEPT_ENCODING,
        help="the load clients' Accept-Encoding (default: %(default)s, as browsers; 'identity' for plain answers)",
    )
    parser.add_argument(
        "--history-depths",
        default=",".join(map(str, HISTORY_DEPTHS)),
        help="history page depths in rows (default: %(default)s; depths beyond the data are skipped)",
    )
    parser.add_argument(
        "--only", default="", help="only endpoints whose path contains this text (several: comma-separated)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    parser.add_argument("--work-dir", type=Path, default=None, help="parent of the temporary database copies")
    args = parser.parse_args(argv)
    end = args.end or tiers.default_end()

    load_before = os.getloadavg()
    built = tiers.ensure_tier(args.tier, args.seed, end, args.cache, log=lambda text: print(text, file=sys.stderr))
    tier_meta = built.meta
    with tempfile.TemporaryDirectory(prefix="stats-bench-", dir=args.work_dir) as tmp:
        work = Path(tmp)
        server_db, naive_db = work / "server" / "emby.db", work / "naive.db"
        server_db.parent.mkdir()
        shutil.copyfile(built.path, server_db)
        shutil.copyfile(built.path, naive_db)
        facts = read_facts(naive_db, end)
        with open(work / "processes.log", "w+") as log, simulated_emby(args.tier, args.seed, end, log) as emby:
            report = _run(args, emby, server_db, naive_db, facts, tier_meta, log)
            log.seek(0)
            errors = [line for line in log.read().splitlines() if "Traceback" in line or "error" in line.lower()]
    report["load_average"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
    }
    report["process_log_errors"] = errors[:20]
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / results_name(args.tier)).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(report))
    sys.stdout.flush()
    return report


def _run(
    args: argparse.Namespace,
    emby: Mapping[str, Any],
    server_db: Path,
    naive_db: Path,
    facts: Facts,
    tier_meta: dict[str, Any],
    log: IO[str],
) -> dict[str, Any]:
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    # Discover the endpoints and their cases on a first server, which then serves the warm run.
    server = Server(server_db, emby, log)
    try:
        startup = server.wait_listening()
        settle = server.wait_settled(args.settle_timeout) if args.settle_timeout > 0 else 0.0
        rss_idle = rss_mb(server.process.pid)
        cases: list[Case] = []
        skipped: list[dict[str, str]] = []
        with httpx.Client(base_url=server.url, timeout=300) as client:
            wanted = [part for part in args.only.split(",") if part] or [""]
            endpoints = [(path, op) for path, op in discover(client) if any(part in path for part in wanted)]
            for path, operation in endpoints:
                depths = [int(d) for d in args.history_depths.split(",") if d.strip()]
                found, why = cases_for(path, operation, facts, depths)
                if why:
                    skipped.append({"endpoint": path, "reason": why})
                cases += found
            say(f"{len(endpoints)} endpoints, {len(cases)} cases; following history cursors ...")
            cases = follow_cursors(client, cases, int(tier_meta["plays"]))
            for case in cases:  # warm-up: every case once, in order (an error shows in the load that follows)
                client.get(case.path, params=case.params)
        say(f"loading {len(cases)} cases with {args.clients} clients, {args.seconds} s each ...")
        with RssSampler(server.process.pid) as sampler:
            ours = asyncio.run(
                load(
                    server.url,
                    cases,
                    args.clients,
                    args.seconds,
                    args.min_requests,
                    server.process.pid,
                    args.accept_encoding,
                )
            )
        rss_end = rss_mb(server.process.pid)
    finally:
        server.stop()

    naive: list[Timing | None] = [None] * len(cases)
    if not args.no_baseline:
        say("naive queries ...")
        # Spawned, not forked: this process has threads (httpx, the samplers), which a fork would copy mid-flight.
        clients = args.baseline_clients or args.clients
        with multiprocessing.get_context("spawn").Pool(clients) as pool:
            for n, case in enumerate(cases):
                builder = naive_stats.naive_for(case.endpoint)
                if builder is not None:
                    statements = builder({**case.params, **case.naive_params}, case.path_params)
                    naive[n] = naive_load(pool, naive_db, statements, clients, args.seconds, 1, args.baseline_cap)

    cold: dict[str, dict[str, float]] = {}
    firsts: dict[str, Case] = {}
    for case in cases:
        firsts.setdefault(case.endpoint, case)
    chosen = list(firsts.values()) if args.cold < 0 else list(firsts.values())[: args.cold]
    if args.cold < 0:
        chosen += [case for case in cases if case.label == HEAVIEST and case not in chosen]
    if chosen:
        say(f"cold starts: {len(chosen)} ...")
    for case in chosen:
        cold[case.name] = cold_first_request(server_db, emby, case, log)

    rows: list[dict[str, Any]] = []
    for case, mine, base in zip(cases, ours, naive, strict=True):
        rows.append(
            {
                "endpoint": case.endpoint,
                "case": case.label,
                "kind": case.kind,
                "path": case.path,
                "params": {k: (v if k != "cursor" else "(followed)") for k, v in case.params.items()},
                "depth": int(case.naive_params.get("_depth", "0")) if case.kind != "stat" else None,
                "ours": asdict(mine),
                "naive": asdict(base) if base else None,
                "naive_over_ours_p50": _ratio(base.p50_ms, mine.p50_ms) if base else None,
                "naive_over_ours_p99": _ratio(base.p99_ms, mine.p99_ms) if base else None,
                "cold": cold.get(case.name),
            }
        )
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "tier": tier_meta,
        "environment": environment(),
        "load": {
            "accept_encoding": args.accept_encoding,
            "clients": args.clients,
            "baseline_clients": None if args.no_baseline else args.baseline_clients or args.clients,
            "seconds_per_case": args.seconds,
            "min_requests_per_client": args.min_requests,
        },
        "server": {
            "startup_s": round(startup, 2),
            "startup_jobs_settled_s": round(settle, 1),
            "rss_mb_idle": round(rss_idle, 1),
            "rss_mb_peak": round(sampler.peak, 1),
            "rss_mb_end": round(rss_end, 1),
            "emby": f"simulated in its own process: the tier's world ({emby['items']:,} items), no sessions, no plugin",
        },
        "endpoints": sorted({case.endpoint for case in cases}),
        "skipped": skipped,
        "targets": {
            "p50_ms": TARGET_P50_MS,
            "p99_ms": TARGET_P99_MS,
            "history_p99_ms": TARGET_HISTORY_P99_MS,
            "search_p99_ms": TARGET_SEARCH_P99_MS,
            "cold_first_ms": TARGET_COLD_MS,
        },
        "cases": rows,
        "errors": sum(row["ours"]["errors"] for row in rows),
        "summary": summary(rows),
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each target against the cases it covers: how many meet it and the worst."""

    def check(kind_rows: list[dict[str, Any]], key: str, limit: float) -> dict[str, Any]:
        values = [(row["ours"][key], f"{row['endpoint']} {row['case']}".strip()) for row in kind_rows]
        worst = max(values, default=(0.0, ""))
        return {"limit_ms": limit, "met": sum(v <= limit for v, _ in values), "of": len(values), "worst": worst}

    stats = [r for r in rows if r["kind"] == "stat"]
    history = [r for r in rows if r["kind"] == "history"]
    search = [r for r in rows if r["kind"] == "search"]
    colds = [(r["cold"]["first_ms"], r["endpoint"]) for r in rows if r["cold"]]
    return {
        "stats_p50": check(stats + history, "p50_ms", TARGET_P50_MS),
        "stats_p99": check(stats, "p99_ms", TARGET_P99_MS),
        "history_p99": check(history, "p99_ms", TARGET_HISTORY_P99_MS),
        "search_p99": check(search, "p99_ms", TARGET_SEARCH_P99_MS),
        "cold_first": {
            "limit_ms": TARGET_COLD_MS,
            "met": sum(v <= TARGET_COLD_MS for v, _ in colds),
            "of": len(colds),
            "worst": max(colds, default=(0.0, "")),
        },
    }


def _ratio(naive: float, ours: float) -> float | None:
    return float(f"{naive / ours:.3g}") if ours > 0 else None


def _times(ratio: float) -> str:
    return f"×{ratio:.0f}" if ratio >= 10 else f"×{ratio:.1f}" if ratio >= 1 else f"×{ratio:.2g}"


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


BIG_ANSWER_BYTES = 100_000  # answers at least this big (decoded) are listed with their size on the wire


def _size(count: int) -> str:
    return f"{count / 1e6:,.1f} MB" if count >= 1e6 else f"{count / 1e3:,.0f} kB"


def _encodings(rows: list[dict[str, Any]]) -> list[str]:
    """How the answers came (encoded or plain), and the big ones' bytes on the wire and decoded."""
    seen = [row for row in rows if row["ours"].get("decoded_bytes") is not None]
    if not seen:
        return []
    encoded = sum(1 for row in seen if row["ours"]["encoding"])
    line = f"Answers encoded: {encoded} of {len(seen)}"
    big = [row for row in seen if row["ours"]["decoded_bytes"] >= BIG_ANSWER_BYTES]
    if big:
        line += " (latencies end at the last byte received; decoding is the client's, once, not in them). Big ones: "
        line += "; ".join(
            f"`{row['endpoint']}` {row['case']}: {row['ours']['encoding'] or 'plain'}, "
            f"{_size(row['ours']['wire_bytes'])} on the wire for {_size(row['ours']['decoded_bytes'])}"
            + (f", decoded in {_ms(row['ours']['decode_ms'])} ms" if row["ours"]["encoding"] else "")
            for row in big
        )
    return [line + "."]


def markdown(report: dict[str, Any]) -> str:
    tier, env, server, load_ = report["tier"], report["environment"], report["server"], report["load"]
    lines = [
        f"Tier {tier['tier']} (seed {tier['seed']}, history to {tier['end']}): {tier['users']:,} users, "
        f"{tier['items']:,} items, {tier['plays']:,} plays, {tier['segments']:,} segments, "
        f"{tier['db_bytes'] / 2**20:,.0f} MiB; {load_['clients']} clients"
        + (
            f" (naive: {load_['baseline_clients']})"
            if load_.get("baseline_clients") not in (None, load_["clients"])
            else ""
        )
        + f", {load_['seconds_per_case']} s a case, "
        f"Accept-Encoding: {load_.get('accept_encoding', 'none')}; "
        f"{env['cores']} cores ({env['cpu']}), Python {env['python']}, SQLite {env['sqlite']}, "
        f"SQLAlchemy {env['sqlalchemy']}",
        "",
        f"Server: listening {server['startup_s']} s after start; RSS idle {server['rss_mb_idle']} MB, "
        f"peak under load {server['rss_mb_peak']} MB, {server['rss_mb_end']} MB after.",
        "",
        "| endpoint | case | ours p50 / p99 / max (ms) | req/s | server CPU | errors | naive p50 / p99 (ms) "
        "| naive / ours p50 | cold first (ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["cases"]:
        ours, naive = row["ours"], row["naive"]
        at_least = "≥ " if naive and naive.get("capped") else ""
        naive_text = f"{at_least}{_ms(naive['p50_ms'])} / {at_least}{_ms(naive['p99_ms'])}" if naive else "—"
        ratio = at_least + _times(row["naive_over_ours_p50"]) if row["naive_over_ours_p50"] is not None else "—"
        cold = _ms(row["cold"]["first_ms"]) if row["cold"] else ""
        lines.append(
            f"| `{row['endpoint']}` | {row['case']} | {_ms(ours['p50_ms'])} / {_ms(ours['p99_ms'])} / "
            f"{_ms(ours['max_ms'])} | {ours['per_s']:,.1f} | {ours['server_cpu_pct']} % | {ours['errors']} "
            f"| {naive_text} | {ratio} | {cold} |"
        )
    s = report["summary"]
    lines += [
        "",
        "Targets (ours): "
        + "; ".join(
            f"{label} ≤ {check['limit_ms']:g} ms: {check['met']} of {check['of']} cases "
            f"(worst {_ms(check['worst'][0])} ms)"
            for label, check in (
                ("p50", s["stats_p50"]),
                ("p99", s["stats_p99"]),
                ("history p99", s["history_p99"]),
                ("title search p99", s["search_p99"]),
                ("first request after a cold start", s["cold_first"]),
            )
        )
        + f". Errors: {report['errors']}.",
    ]
    lines += _encodings(report["cases"])
    if report["skipped"]:
        lines.append("Skipped: " + "; ".join(f"`{s['endpoint']}` ({s['reason']})" for s in report["skipped"]) + ".")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
