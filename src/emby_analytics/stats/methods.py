"""`/stats/play-methods` and `/stats/clients`: how Emby delivered what was played, and on what.

Counted per play (not per viewing: a resume can switch method), short plays left out; the method a play is
reported under is the heavier of how it started and how it ended (a play that switched to transcoding counts as
a transcode).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import Connection, and_, func, select

from emby_analytics.db.schema import plays
from emby_analytics.stats.history import HistoryPlay, history_rows
from emby_analytics.stats.watch import PlayFilter, seconds_by, started_in, watched
from emby_analytics.stats.window import Window

METHODS = ("DirectPlay", "DirectStream", "Transcode")


class PlayMethods(BaseModel):
    methods: dict[str, int] = Field(description="Plays per method: DirectPlay, DirectStream, Transcode.")
    detailed: dict[str, int] = Field(description="Plays per 'video/audio' stream decision, e.g. 'direct/transcode'.")
    transcode_reasons: dict[str, int] = Field(description="Transcoded plays per reason Emby gave.")
    sessions: list[HistoryPlay] = Field(description="The plays themselves, newest first (a page).")
    total_sessions: int
    offset: int
    limit: int


class DeviceUse(BaseModel):
    device: str | None
    plays: int
    hours: float
    seconds: int


class ClientUse(BaseModel):
    client: str | None
    plays: int
    hours: float
    seconds: int
    methods: dict[str, int]
    devices: list[DeviceUse]


def play_methods(
    conn: Connection, window: Window, where: PlayFilter, *, show_all: bool, offset: int, limit: int
) -> PlayMethods:
    selected = and_(where.where(), plays.c.short.is_(False), started_in(window))
    methods: Counter[str] = Counter({m: 0 for m in METHODS})
    detailed: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    query = select(plays.c.play_method, plays.c.video_method, plays.c.audio_method, plays.c.transcode_reasons)
    for row in conn.execute(query.where(selected)):
        methods[row.play_method or "Unknown"] += 1
        detailed[f"{row.video_method or 'none'}/{row.audio_method or 'none'}"] += 1
        for reason in (row.transcode_reasons or "").split():
            reasons[reason] += 1
    listed = selected if show_all else and_(selected, plays.c.play_method != "DirectPlay")
    total = conn.execute(select(func.count()).select_from(plays).where(listed)).scalar_one()
    rows = conn.execute(
        select(plays).where(listed).order_by(plays.c.started_at.desc(), plays.c.id.desc()).offset(offset).limit(limit)
    ).all()
    return PlayMethods(
        methods=dict(methods),
        detailed=dict(detailed.most_common()),
        transcode_reasons=dict(reasons.most_common()),
        sessions=history_rows(rows),
        total_sessions=total,
        offset=offset,
        limit=limit,
    )


def clients(conn: Connection, window: Window, *, count_live_tv: bool, limit: int) -> list[ClientUse]:
    where = PlayFilter(live_tv=count_live_tv)
    seconds = seconds_by(
        ((w.facts.client, w.facts.device_name), w.seconds)
        for w in watched(conn, window, where, plays.c.client, plays.c.device_name)
    )
    views: dict[tuple[str | None, str | None], int] = defaultdict(int)
    methods: dict[str | None, Counter[str]] = defaultdict(Counter)
    query = select(plays.c.client, plays.c.device_name, plays.c.play_method).where(
        where.where(), plays.c.short.is_(False), started_in(window)
    )
    for row in conn.execute(query):
        views[(row.client, row.device_name)] += 1
        methods[row.client][row.play_method or "Unknown"] += 1
    by_client: dict[str | None, list[tuple[str | None, float, int]]] = defaultdict(list)
    for key in set(seconds) | set(views):
        by_client[key[0]].append((key[1], seconds.get(key, 0.0), views.get(key, 0)))
    out = []
    for client, devices in by_client.items():
        devices.sort(key=lambda d: (-d[1], -d[2], str(d[0])))
        total = sum(d[1] for d in devices)
        out.append(
            ClientUse(
                client=client,
                plays=sum(d[2] for d in devices),
                hours=round(total / 3600, 2),
                seconds=round(total),
                methods=dict(methods[client]),
                devices=[
                    DeviceUse(device=name, plays=n, hours=round(s / 3600, 2), seconds=round(s))
                    for name, s, n in devices
                ],
            )
        )
    out.sort(key=lambda c: (-c.seconds, -c.plays, str(c.client)))
    return out[:limit]
