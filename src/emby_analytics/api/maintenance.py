"""Admin maintenance routes: the resets (each with its confirmation body) and the repairs of stored plays (GET
reports what a repair would change, POST repairs). Every write goes through the recorder, so none races the
tracker's own; a repair that rebuilds the rollups starts the fold job at once (statistics stay exact meanwhile,
only slower: they add the plays not yet folded themselves).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from emby_analytics.api.deps import State
from emby_analytics.repairs.methods import MethodBackfill, backfill_methods
from emby_analytics.repairs.overlaps import OverlapReport, overlap_report, remove_overlaps
from emby_analytics.repairs.positions import position_report, repair_positions
from emby_analytics.repairs.recover import Recovered, recover_open_plays
from emby_analytics.repairs.reset import Deleted, reset_all, reset_history
from emby_analytics.state import AppState

router = APIRouter(prefix="/admin", tags=["admin"])


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: str = Field(max_length=64, description="The action's name, to show it was meant.")


class Reset(BaseModel):
    plays_deleted: int
    items_deleted: int
    users_deleted: int
    kept: str = Field(description="What the reset kept, in words.")


class PositionRepair(BaseModel):
    negative_positions: int
    beyond_runtime: int = Field(description="Positions past the item's end (its runtime, with 5 % or 60 s slack).")
    unit_mixups: int = Field(description="Of those, positions converted to ticks twice (divided back on repair).")
    negative_durations: int
    watch_beyond_span: int = Field(description="Plays that watched longer than they lasted on the wall clock.")
    backwards_segments: int
    plays: int = Field(description="Plays with any of the above.")
    sample_play_ids: list[str]
    repaired: bool
    statistics_rebuilt: bool = Field(description="The repair changed watch time the statistics hold: rebuilt.")


class OverlapRepair(BaseModel):
    plays: int
    overlapping_segments: int
    seconds_counted_twice: float
    sample_play_ids: list[str]
    repaired: bool


class MethodRepair(BaseModel):
    plays: int = Field(description="Plays whose per-stream methods are (or were) filled in.")
    unknown: int = Field(description="Plays missing a method that nothing recorded implies (left unknown).")
    descriptions: int = Field(description="Stream descriptions the repaired plays now point at.")
    repaired: bool


class Recovery(BaseModel):
    open_plays: int
    held: int = Field(description="Open plays the tracker holds (left to it).")
    closed: int
    watch_seconds: float
    sample_play_ids: list[str]


def _confirmed(body: Confirm, action: str) -> None:
    if body.confirm != action:
        raise HTTPException(400, f'send {{"confirm": "{action}"}} to confirm: this deletes data for good')


async def _reset(state: AppState, work: Callable[[Connection], Deleted]) -> Deleted:
    if state.history_import.running:  # it holds refs of the descriptions a reset deletes
        raise HTTPException(409, "the history import is running; see /admin/import/playback-reporting")
    return await state.recorder.reset(work)


@router.post(
    "/reset-all",
    response_model=Reset,
    summary="Delete all collected data",
    description="Deletes every play, segment, item, library and user collected from Emby (settings and tokens stay); "
    'requires `{"confirm": "reset-all"}`. A library and user sync start at once, and the next Playback Reporting '
    "import brings its history back. 409 while the history import runs.",
    responses={409: {"description": "The history import is running."}},
)
async def admin_reset_all(state: State, body: Confirm) -> Reset:
    _confirmed(body, "reset-all")
    deleted = await _reset(state, reset_all)
    for job in ("users", "library-full"):
        state.scheduler.jobs[job].trigger()
    return Reset(
        plays_deleted=deleted.plays, items_deleted=deleted.items, users_deleted=deleted.users,
        kept="settings and tokens",
    )  # fmt: skip


@router.post(
    "/reset-lifetime",
    response_model=Reset,
    summary="Delete the play history",
    description="Deletes every play and segment and the statistics built from them; the library and users stay. "
    'Requires `{"confirm": "reset-lifetime"}`. Sessions playing now start new plays; the next Playback Reporting '
    "import brings its history back. 409 while the history import runs.",
    responses={409: {"description": "The history import is running."}},
)
async def admin_reset_lifetime(state: State, body: Confirm) -> Reset:
    _confirmed(body, "reset-lifetime")
    deleted = await _reset(state, reset_history)
    return Reset(plays_deleted=deleted.plays, items_deleted=0, users_deleted=0, kept="library, users, settings")


def _refold(state: AppState, changed: bool) -> None:
    if changed:  # the repair emptied the rollups (a new fold generation: no kept answer outlives it)
        state.rollups.trigger()


@router.get(
    "/fix-pos-units",
    response_model=PositionRepair,
    summary="Impossible positions and durations",
    description="Closed plays whose positions are negative or past the item's end, whose durations are negative or "
    "longer than the play lasted, or whose segments end before they start. Changes nothing.",
)
async def fix_pos_units_report(state: State) -> PositionRepair:
    return PositionRepair.model_validate(await state.db.read(position_report), from_attributes=True)


@router.post(
    "/fix-pos-units",
    response_model=PositionRepair,
    summary="Repair impossible positions and durations",
    description="Divides back positions converted to ticks twice, clears other impossible ones, drops backwards "
    "segments and recomputes the affected plays' watch time from their segments (the statistics are rebuilt).",
)
async def fix_pos_units(state: State) -> PositionRepair:
    report = await state.recorder.exclusive_write(lambda conn, _held: repair_positions(conn))
    _refold(state, report.statistics_rebuilt)
    return PositionRepair.model_validate(report, from_attributes=True)


@router.post(
    "/recover-intervals",
    response_model=Recovery,
    summary="Close plays left open",
    description="Closes plays open in the database that the tracker does not hold (a restored database, an "
    "unreadable saved state) at the last moment they were seen, keeping their stored segments as their watch time.",
)
async def recover_intervals(state: State) -> Recovery:
    recovered: Recovered = await state.recorder.exclusive_write(recover_open_plays)
    _refold(state, recovered.closed > 0)
    return Recovery.model_validate(recovered, from_attributes=True)


@router.get(
    "/cleanup/intervals/dedupe",
    response_model=OverlapRepair,
    summary="Overlapping segments",
    description="Closed plays whose segments cover the same moments (counted twice). Changes nothing.",
)
async def dedupe_report(state: State) -> OverlapRepair:
    report: OverlapReport = await state.db.read(overlap_report)
    return OverlapRepair.model_validate(report, from_attributes=True)


@router.post(
    "/cleanup/intervals/dedupe",
    response_model=OverlapRepair,
    summary="Merge overlapping segments",
    description="Replaces each affected play's segments by their union (each moment once) and recomputes its "
    "watch time (the statistics are rebuilt).",
)
async def dedupe(state: State) -> OverlapRepair:
    report = await state.recorder.exclusive_write(lambda conn, _held: remove_overlaps(conn))
    _refold(state, report.plays > 0)
    return OverlapRepair.model_validate(report, from_attributes=True)


@router.get(
    "/cleanup/backfill-playmethods",
    response_model=MethodRepair,
    summary="Plays without per-stream methods",
    description="Closed plays that recorded only the overall method, and how many of them can be filled in. "
    "Changes nothing.",
)
async def backfill_report(state: State) -> MethodRepair:
    report: MethodBackfill = await state.db.read(lambda conn: backfill_methods(conn, repair=False))
    return MethodRepair.model_validate(report, from_attributes=True)


@router.post(
    "/cleanup/backfill-playmethods",
    response_model=MethodRepair,
    summary="Fill in per-stream methods",
    description="Derives the video and audio methods (direct, copy, transcode) of old plays from their overall "
    "method and codecs where they say enough (the statistics are rebuilt).",
)
async def backfill(state: State) -> MethodRepair:
    report = await state.recorder.exclusive_write(lambda conn, _held: backfill_methods(conn))
    _refold(state, report.plays > 0)
    return MethodRepair.model_validate(report, from_attributes=True)
