"""The Playback Reporting plugin's `POST /user_usage_stats/submit_custom_query`, served from `PlaybackHistory`.

Like the plugin: the answer is `{"colums": [...], "results": [[...]], "message": ""}` (sic), every cell a string,
column names taken from the first row (so a query with no rows answers no columns and the message
"Query executed, no data returned."), and errors are reported as HTML text in `message` with HTTP 200.
Decision: SQL NULL becomes "" (the guide says every cell is a string; the plugin reads cells with GetString).
Unlike the plugin, which runs any SQL it is given, only reading is allowed: a SQLite authorizer denies every
other operation, so `DELETE`, `PRAGMA` or `ATTACH` end in the error message and change nothing.
Without a history installed the route answers 404, as a server without the plugin does.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .auth import token_from
from .responses import json_response, text_response
from .state import SimulatorState

NO_DATA = "Query executed, no data returned."
_READ_ONLY = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE})


def _authorize(action: int, *_args: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ONLY else sqlite3.SQLITE_DENY


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def run_query(db: sqlite3.Connection, sql: str) -> tuple[list[str], list[list[str]], str]:
    """Run one read-only statement: (columns, rows as strings, message)."""
    db.set_authorizer(_authorize)
    try:
        cursor = db.execute(sql)
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description or ()]
    except (sqlite3.Error, sqlite3.Warning, ValueError) as exc:
        # sqlite3.Warning: "You can only execute one statement at a time."
        return [], [], f"<pre>{type(exc).__name__}: {exc}</pre>"
    finally:
        db.set_authorizer(None)
    if not rows:
        return [], [], NO_DATA
    # Strings and numbers inline, the rest through _cell: this runs for every cell of a page (65k for 5,000 rows).
    return (
        columns,
        [["" if v is None else str(v) if type(v) is not bytes else _cell(v) for v in row] for row in rows],
        "",
    )


async def submit_custom_query(
    sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]
) -> Response:
    history = sim.history
    if history is None:
        return text_response("Not Found", 404)
    user_id = history.user_tokens.get(token_from(request.headers, query) or "")
    if user_id is not None:
        user = sim.world.user(user_id)
        if user is None or not user.is_admin:
            return text_response("Access denied: administrator rights required.", 403)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return text_response("Invalid JSON body", 400)
    fields = {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}
    sql = fields.get("customquerystring")
    if not isinstance(sql, str) or not sql.strip():
        return json_response({"colums": [], "results": [], "message": "<pre>No query given</pre>"})
    columns, rows, message = run_query(history.db, sql)
    if fields.get("replaceuserid") is True:
        index = next((i for i, c in enumerate(columns) if c.lower() == "userid"), None)
        if index is not None:
            columns[index] = "UserName"
            for row in rows:
                user = sim.world.user(row[index]) if row[index] else None
                row[index] = user.name if user is not None else row[index]
    return json_response({"colums": columns, "results": rows, "message": message})
