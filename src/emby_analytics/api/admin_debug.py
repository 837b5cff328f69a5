"""Admin debug routes (`/admin/debug/...`) and the Playback Reporting import on demand (`/admin/import/...`).

What Emby says beside what we stored: users, sessions (only the fields our models validate: nothing Emby sends
beyond them, such as a token, is passed on), the plays as recorded; one poll of the session feed now; the history
import started and watched. Admin only (`api.access`); GET never changes state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select

from emby_analytics.api.admin import Started, start_job
from emby_analytics.api.deps import State
from emby_analytics.api.params import ItemIdParam, LimitParam, UserIdParam
from emby_analytics.db.schema import play_rows, plays, users
from emby_analytics.stats.history_query import Refs, Wanted, page_ids, resolve
from emby_analytics.sync.history import HistoryImportJob
from emby_analytics.sync.users import user_changes
from emby_analytics.titles import display_title

router = APIRouter(prefix="/admin", tags=["admin"])


# -- users ---------------------------------------------------------------------------------------------------------
class DebugUser(BaseModel):
    user_id: str
    emby_name: str | None
    stored_name: str | None
    in_emby: bool
    stored: bool
    removed: bool = Field(description="Stored as removed from Emby (its plays stay).")
    differs: bool = Field(description="A user sync would change the stored row: add it, mark it removed, or update.")
    changed: list[str] = Field(description="The stored columns a sync would update (name, is_admin, ...).")


class DebugUsers(BaseModel):
    emby_users: int
    stored_users: int = Field(description="Stored users, those marked removed included.")
    only_in_emby: int
    only_stored: int
    differing: int
    users: list[DebugUser] = Field(description="Every user id Emby lists or we store; differing ones first.")


@router.get(
    "/debug/users",
    response_model=DebugUsers,
    summary="Users: Emby beside the store",
    description="Asks Emby for its users now and sets each beside its stored row: which side has it, both names, "
    "and what a user sync would change. Changes nothing. 502 when Emby fails.",
)
async def debug_users(state: State) -> DebugUsers:
    fetched = {user.id: user for user in await state.emby.users()}
    if not fetched:
        raise HTTPException(502, "Emby returned no users")  # as the user sync, which then changes nothing
    stored = await state.db.read(lambda conn: {row.id: dict(row._mapping) for row in conn.execute(select(users))})
    now = state.clock.now()
    rows = []
    for user_id in sorted(fetched.keys() | stored.keys()):
        emby, row = fetched.get(user_id), stored.get(user_id)
        removed = row is not None and row["removed_at"] is not None
        changed = user_changes(row, emby, now) if emby is not None and row is not None else []
        differs = bool(changed) or row is None or (emby is None and not removed)
        rows.append(
            DebugUser(
                user_id=user_id,
                emby_name=emby.name if emby is not None else None,
                stored_name=row["name"] if row is not None else None,
                in_emby=emby is not None,
                stored=row is not None,
                removed=removed,
                differs=differs,
                changed=changed,
            )
        )
    rows.sort(key=lambda user: not user.differs)  # stable: by id within each group
    return DebugUsers(
        emby_users=len(fetched),
        stored_users=len(stored),
        only_in_emby=len(fetched.keys() - stored.keys()),
        only_stored=len(stored.keys() - fetched.keys()),
        differing=sum(user.differs for user in rows),
        users=rows,
    )


# -- recorded plays ------------------------------------------------------------------------------------------------
class DebugPlay(BaseModel):
    play_id: str
    session_id: str | None = Field(
        description="Emby's session id; null for an import, and for a play that ended more than 30 days before the "
        "last compaction (which forgets it)."
    )
    source: str = Field(description="live (polling), webhook, or import.")
    user_id: str
    user: str | None
    item_id: str
    title: str | None = Field(description="Episodes as 'Series - Name (SxxEyy)', else the title.")
    item_type: str | None
    client: str | None
    device: str | None
    remote_address: str | None
    started_at: datetime
    stopped_at: datetime | None = Field(description="Null while the play is open.")
    last_seen_at: datetime
    watch_seconds: float
    paused_seconds: float
    content_seconds: float
    last_position_ticks: int | None
    play_method: str | None
    is_paused: bool
    completed: bool
    end_reason: str | None
    tracker_open: bool = Field(description="The tracker holds this play open now (it is being watched).")


def _open_ids(conn: Connection, refs: Refs, limit: int) -> list[str]:
    """Open plays matching the refs, newest first: few, read on the open plays' own index."""
    if refs.empty:
        return []
    p = play_rows.c
    query = select(p.id, p.user_ref, p.item_ref).where(p.stopped_at.is_(None))
    query = query.order_by(p.started_at.desc(), p.id.desc()).with_hint(
        play_rows, "INDEXED BY ix_play_rows_open", "sqlite"
    )
    ids: list[str] = []
    for play_id, user_ref, item_ref in conn.execute(query):
        if (refs.users is None or user_ref in refs.users) and (refs.items is None or item_ref in refs.items):
            ids.append(play_id)
            if len(ids) == limit:
                break
    return ids


def _recent_plays(conn: Connection, wanted: Wanted, active: bool, limit: int) -> list[Any]:
    """The plays `/stats/history` would list first (its query: `history_query`), or only the open ones."""
    refs = resolve(conn, wanted)
    ids = _open_ids(conn, refs, limit) if active else page_ids(conn, refs, None, None, limit)
    found = {row.id: row for row in conn.execute(select(plays).where(plays.c.id.in_(ids)))} if ids else {}
    return [found[play_id] for play_id in ids if play_id in found]


def _debug_play(row: Any, tracked: set[str]) -> DebugPlay:
    return DebugPlay(
        play_id=row.id,
        session_id=row.session_id,
        source=row.source,
        user_id=row.user_id,
        user=row.user_name,
        item_id=row.item_id,
        title=display_title(row),
        item_type=row.item_type,
        client=row.client,
        device=row.device_name,
        remote_address=row.remote_address,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        last_seen_at=row.last_seen_at,
        watch_seconds=round(row.watch_seconds, 1),
        paused_seconds=round(row.paused_seconds, 1),
        content_seconds=round(row.content_seconds, 1),
        last_position_ticks=row.last_position_ticks,
        play_method=row.play_method,
        is_paused=row.is_paused,
        completed=row.completed,
        end_reason=row.end_reason,
        tracker_open=row.id in tracked,
    )


@router.get(
    "/debug/sessions",
    response_model=list[DebugPlay],
    summary="Recent plays as recorded",
    description="The newest recorded plays (of a user, of an item or a series' episodes; `active`: only open "
    "ones) with their timing as stored and whether the tracker holds them open now.",
)
async def debug_sessions(
    state: State,
    user_id: UserIdParam = None,
    item_id: ItemIdParam = None,
    active: bool = False,
    limit: LimitParam = 50,
) -> list[DebugPlay]:
    wanted = Wanted(user_id=user_id.lower() if user_id else None, item_id=item_id)
    rows = await state.db.read(lambda conn: _recent_plays(conn, wanted, active, limit))
    tracked = {play.play_id for play in state.recorder.tracker.open_plays()}
    return [_debug_play(row, tracked) for row in rows]


# -- Emby's sessions -----------------------------------------------------------------------------------------------
# Our own names for the validated session models' fields (the Emby models speak PascalCase on the wire): what is
# not listed here is never shown.
class _FromModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SessionPlayState(_FromModel):
    position_ticks: int | None
    can_seek: bool | None
    is_paused: bool | None
    is_muted: bool | None
    volume_level: int | None
    audio_stream_index: int | None
    subtitle_stream_index: int | None
    media_source_id: str | None
    play_method: str | None
    repeat_mode: str | None
    playback_rate: float | None


class SessionTranscoding(_FromModel):
    video_codec: str | None
    audio_codec: str | None
    container: str | None
    is_video_direct: bool | None
    is_audio_direct: bool | None
    bitrate: int | None
    width: int | None
    height: int | None
    framerate: float | None
    audio_channels: int | None
    completion_percentage: float | None
    transcode_reasons: list[str]
    current_cpu_usage: float | None
    video_decoder_is_hardware: bool | None
    video_encoder_is_hardware: bool | None


class SessionItem(_FromModel):
    """What a session plays: the item's identity and shape (not its files or media sources)."""

    id: str
    name: str | None
    type: str | None
    media_type: str | None
    series_id: str | None
    series_name: str | None
    parent_index_number: int | None
    index_number: int | None
    run_time_ticks: int | None
    production_year: int | None
    container: str | None
    bitrate: int | None
    width: int | None
    height: int | None


class SessionOtherUser(_FromModel):
    user_id: str | None
    user_name: str | None


class EmbySession(_FromModel):
    """One session of Emby's `/Sessions` as our client validated it."""

    id: str
    user_id: str | None
    user_name: str | None
    additional_users: list[SessionOtherUser]
    client: str | None
    device_name: str | None
    device_type: str | None
    application_version: str | None
    remote_end_point: str | None
    protocol: str | None
    last_activity_date: datetime | None
    supports_remote_control: bool | None
    is_playing: bool
    is_transcoding: bool
    position_seconds: float | None
    play_state: SessionPlayState
    now_playing_item: SessionItem | None
    transcoding_info: SessionTranscoding | None


class EmbySessions(BaseModel):
    sessions: list[EmbySession] = Field(description="Every session, idle ones included.")
    playing: int
    skipped: int = Field(description="Records Emby sent that failed validation.")


@router.get(
    "/debug/emby-sessions",
    response_model=EmbySessions,
    summary="Emby's sessions now",
    description="Asks Emby for `/Sessions` now (not the feed's last snapshot) and shows them as our client "
    "validated them: only the fields we model. Hands them to nobody: nothing is recorded. 502 when Emby fails.",
)
async def debug_emby_sessions(state: State) -> EmbySessions:
    snapshot = await state.feed.peek()
    sessions = [EmbySession.model_validate(session) for session in snapshot.sessions]
    return EmbySessions(sessions=sessions, playing=len(snapshot.playing), skipped=snapshot.skipped)


# -- one poll now --------------------------------------------------------------------------------------------------
class Ingested(BaseModel):
    polled_at: datetime
    sessions: int
    playing: int
    skipped: int = Field(description="Session records Emby sent that failed validation.")
    open_plays: int = Field(description="Plays the tracker holds open after this poll.")
    unsaved_plays: int = Field(description="Plays waiting for the database (a write failed).")


@router.post(
    "/debug/ingest-active",
    response_model=Ingested,
    summary="Poll sessions now",
    description="Runs one poll of the session feed now: `/Sessions` handed to the tracker and stored, as a "
    "scheduled poll would. A call arriving while a poll is in flight shares it. 502 when Emby fails.",
)
async def debug_ingest_active(state: State) -> Ingested:
    snapshot = await state.feed.poll_now()
    status = state.recorder.status
    return Ingested(
        polled_at=snapshot.at,
        sessions=len(snapshot.sessions.sessions),
        playing=len(snapshot.sessions.playing),
        skipped=snapshot.sessions.skipped,
        open_plays=status.open_plays,
        unsaved_plays=status.unsaved_plays,
    )


# -- Playback Reporting import -------------------------------------------------------------------------------------
class ImportStatus(BaseModel):
    running: bool = Field(description="Running, or started and about to run.")
    rows_read: int
    plays_added: int
    skipped_duplicates: int
    skipped_live_overlap: int = Field(description="Rows a live or webhook play of the same user and item covers.")
    skipped_invalid: int
    played_added: int = Field(description="Plays made from Emby's played flags, after the plugin's rows.")
    pages: int = Field(description="Pages of plugin rows committed.")
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = Field(description="Why the last run ended early.")


def _import_busy(state: State) -> bool:
    job = state.scheduler.jobs[HistoryImportJob.name]
    return state.history_import.running or job.state.running or job.triggered


@router.post(
    "/import/playback-reporting",
    response_model=Started,
    status_code=202,
    summary="Import Playback Reporting history",
    description="Starts the history import (the Playback Reporting plugin's rows, then Emby's played flags) in the "
    "background; it never adds a play twice. 409 while it runs.",
    responses={409: {"description": "The import is running."}},
)
async def import_start(state: State) -> Started:
    why = "the history import is running; see GET /admin/import/playback-reporting"
    return start_job(state, HistoryImportJob.name, busy=_import_busy(state), why=why)


@router.get(
    "/import/playback-reporting",
    response_model=ImportStatus,
    summary="History import progress",
    description="The running history import, or the last one: its counts (advancing page by page), when, and why "
    "it failed.",
)
async def import_status(state: State) -> ImportStatus:
    progress = state.history_import.progress
    counts = progress.counts
    return ImportStatus(
        running=_import_busy(state),
        rows_read=counts.rows_read,
        plays_added=counts.plays_added,
        skipped_duplicates=counts.skipped_duplicates,
        skipped_live_overlap=counts.skipped_live_overlap,
        skipped_invalid=counts.skipped_invalid,
        played_added=counts.played_added,
        pages=counts.pages,
        started_at=progress.started_at,
        finished_at=progress.finished_at,
        error=progress.error,
    )
