"""Remote-control POSTs: recorded on `Simulator.commands` (`RemoteCommand`), Playstate commands applied to the
session."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .responses import no_content, text_response
from .state import RemoteCommand, SimulatorState

SESSION_NOT_FOUND = "Session not found"
_APPLIED = frozenset({"stop", "pause", "unpause", "playpause", "seek", "seekrelative"})


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _get(args: dict[str, Any], key: str) -> Any:
    """Emby binds parameters case-insensitively from query or body."""
    lowered = key.lower()
    return next((v for k, v in args.items() if k.lower() == lowered), None)


def _record(sim: SimulatorState, session_id: str, kind: str, name: str, args: dict[str, Any]) -> RemoteCommand:
    cmd = RemoteCommand(session_id, kind, name, args, sim.clock.now())
    sim.commands.append(cmd)
    return cmd


async def _args(request: Request, query: dict[str, str]) -> dict[str, Any]:
    args: dict[str, Any] = {k: v for k, v in request.query_params.items() if k.lower() != "api_key"}
    args.update(await _body(request))
    return args


async def playstate(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    session_id, command = params["Id"], params["Command"]
    if sim.sessions.session(session_id) is None:
        return text_response(SESSION_NOT_FOUND, 404)
    args = await _args(request, query)
    cmd = _record(sim, session_id, "Playing", command, args)
    raw_ticks = _get(args, "SeekPositionTicks")
    try:
        seek = int(raw_ticks) if raw_ticks not in (None, "") else None
    except (TypeError, ValueError):
        return text_response("Invalid SeekPositionTicks", 400)
    if command.lower() in _APPLIED:
        cmd.applied = sim.sessions.command(session_id, command, seek)
    return no_content()


async def message(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    session_id = params["Id"]
    if sim.sessions.session(session_id) is None:
        return text_response(SESSION_NOT_FOUND, 404)
    _record(sim, session_id, "Message", "DisplayMessage", await _args(request, query))
    return no_content()


async def command(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    session_id = params["Id"]
    if sim.sessions.session(session_id) is None:
        return text_response(SESSION_NOT_FOUND, 404)
    args = await _args(request, query)
    name = params.get("Command") or str(_get(args, "Name") or "")
    _record(sim, session_id, "Command", name, args)
    return no_content()


async def play(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    session_id = params["Id"]
    if sim.sessions.session(session_id) is None:
        return text_response(SESSION_NOT_FOUND, 404)
    args = await _args(request, query)
    _record(sim, session_id, "Play", str(_get(args, "PlayCommand") or "PlayNow"), args)
    return no_content()
