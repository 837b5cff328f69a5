"""`/stats/play-methods` and `/stats/clients`: how Emby delivered what was played, and on what.

Counted per play (not per viewing: a resume can switch method), short plays left out; the method a play is
reported under is the heavier of how it started and how it ended (a play that switched to transcoding counts as
a transcode).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, select

from emby_analytics.db.schema import plays
from emby_analytics.reasons import reason_words
from emby_analytics.stats.history import HistoryPlay, history_rows
from emby_analytics.stats.rolled import Rolled, hours, seconds
from emby_analytics.stats.watch import PlayFilter, started_in

METHODS = ("DirectPlay", "DirectStream", "Transcode")


class PlayMethods(BaseModel):
    methods: dict[str, int] = Field(description="Plays per method: DirectPlay, DirectStream, Transcode.")
    detailed: dict[str, int] = Field(description="Plays per 'video/audio' stream decision, e.g. 'direct/transcode'.")
    transcode_reasons: dict[str, int] = Field(description="Transcoded plays per reason Emby gave.")
    transcode_reasons_text: dict[str, str] = Field(
        default_factory=dict, description="Each reason of `transcode_reasons` in plain words."
    )
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


def play_methods(rolled: Rolled, where: PlayFilter, *, show_all: bool, offset: int, limit: int) -> PlayMethods:
    """Plays begun in the window (short ones not) by how they were delivered, and a page of them."""
    conn, window = rolled.conn, rolled.window
    selected = and_(where.where(), plays.c.short.is_(False), started_in(window))
    if where == PlayFilter():
        deliveries = rolled.by_delivery()
    else:  # one user's or one type's plays: few enough to count here
        deliveries = defaultdict(int)
        columns = (plays.c.play_method, plays.c.video_method, plays.c.audio_method, plays.c.transcode_reasons)
        for row in conn.execute(select(*columns, func.count()).where(selected).group_by(*columns)):
            deliveries[(row[0], row[1], row[2], row[3])] += row[4]
    methods: Counter[str] = Counter({m: 0 for m in METHODS})
    detailed: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for (method, video, audio, transcode_reasons), count in deliveries.items():
        methods[method or "Unknown"] += count
        detailed[f"{video or 'none'}/{audio or 'none'}"] += count
        for reason in (transcode_reasons or "").split():
            reasons[reason] += count
    listed = selected if show_all else and_(selected, plays.c.play_method != "DirectPlay")
    total = sum(n for key, n in deliveries.items() if show_all or key[0] not in (None, "DirectPlay"))
    rows = conn.execute(
        select(plays).where(listed).order_by(plays.c.started_at.desc(), plays.c.id.desc()).offset(offset).limit(limit)
    ).all()
    return PlayMethods(
        methods=dict(methods),
        detailed=dict(detailed.most_common()),
        transcode_reasons=dict(reasons.most_common()),
        transcode_reasons_text={reason: reason_words(reason) for reason in reasons},
        sessions=history_rows(rows),
        total_sessions=total,
        offset=offset,
        limit=limit,
    )


def clients(rolled: Rolled, *, count_live_tv: bool, limit: int) -> list[ClientUse]:
    """Watch time and plays per client app, each with its devices and play methods."""
    devices: dict[str | None, dict[str | None, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    methods: dict[str | None, Counter[str]] = defaultdict(Counter)
    for (client, device, method), (micros, count) in rolled.by_client(live_tv=count_live_tv).items():
        devices[client][device][0] += micros
        devices[client][device][1] += count
        if count:
            methods[client][method or "Unknown"] += count
    out = []
    for client, used in devices.items():
        ranked = sorted(used.items(), key=lambda d: (-d[1][0], -d[1][1], str(d[0])))
        total = sum(m for m, _ in used.values())
        out.append(
            ClientUse(
                client=client,
                plays=sum(n for _, n in used.values()),
                hours=hours(total),
                seconds=seconds(total),
                methods=dict(methods[client]),
                devices=[
                    DeviceUse(device=name, plays=n, hours=hours(m), seconds=seconds(m)) for name, (m, n) in ranked
                ],
            )
        )
    out.sort(key=lambda c: (-c.seconds, -c.plays, str(c.client)))
    return out[:limit]
