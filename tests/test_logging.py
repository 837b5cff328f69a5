"""Logs are one line per event and never contain a secret."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest

from emby_analytics.logconfig import RedactingFormatter, configure_logging

SECRET = "0123456789abcdef0123456789abcdef"
_CONFIGURED = ("httpx", "alembic", "uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """configure_logging changes process-wide loggers: put them back, or later tests (say, one that checks no log
    line holds a token) would pass or fail by the order they run in."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    named = {name: logging.getLogger(name) for name in _CONFIGURED}
    levels = {name: (log.level, list(log.handlers), log.propagate) for name, log in named.items()}
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, (level, handlers, propagate) in levels.items():
        named[name].setLevel(level)
        named[name].handlers[:] = handlers
        named[name].propagate = propagate


def test_secrets_are_redacted_everywhere_in_a_line() -> None:
    stream = io.StringIO()
    configure_logging("debug", [SECRET, "short"], stream=stream)
    log = logging.getLogger("emby_analytics.test")
    log.info("calling %s", f"http://emby/?api_key={SECRET}", extra={"token": SECRET, "note": "a\nb"})
    try:
        raise RuntimeError(f"boom {SECRET}")
    except RuntimeError:
        log.exception("failed")
    out = stream.getvalue()
    assert SECRET not in out
    assert out.count("***") >= 3
    lines = out.strip().split("\n")
    assert len(lines) == 2, "one line per event, even with newlines and exceptions"
    assert "level=info" in lines[0]
    assert 'note="a\\nb"' in lines[0]
    assert 'error="RuntimeError: boom ***"' in lines[1]
    assert "Traceback" not in out


def test_short_values_are_not_treated_as_secrets() -> None:
    formatter = RedactingFormatter(["abc", ""])
    record = logging.makeLogRecord({"msg": "abc is fine", "levelname": "INFO", "name": "x"})
    assert "abc is fine" in formatter.format(record)


def test_a_secret_learned_later_is_redacted_too() -> None:
    from emby_analytics.logconfig import redact_everywhere

    stream = io.StringIO()
    configure_logging("info", [], stream=stream)
    redact_everywhere("generated-token-value")
    logging.getLogger("emby_analytics.test").info("token is generated-token-value")
    assert "generated-token-value" not in stream.getvalue()
    assert "token is ***" in stream.getvalue()


def test_requests_cancelled_at_shutdown_are_warnings_without_a_trace() -> None:
    """uvicorn logs the requests it cancels after the shutdown grace as errors with a trace: ours says warning."""
    stream = io.StringIO()
    configure_logging("info", [], stream=stream)
    server = logging.getLogger("uvicorn.error")
    server.error("Cancel %s running task(s), timeout graceful shutdown exceeded", 2)
    try:
        raise asyncio.CancelledError("Task cancelled, timeout graceful shutdown exceeded")
    except asyncio.CancelledError as exc:
        server.error("Exception in ASGI application\n", exc_info=exc)
    try:
        raise RuntimeError("a real one")
    except RuntimeError as exc:
        server.error("Exception in ASGI application\n", exc_info=exc)
    cancel, cancelled, real = stream.getvalue().splitlines()
    assert cancel.startswith("time=") and "level=warning" in cancel and "graceful shutdown" in cancel
    assert 'level=warning logger=uvicorn.error msg="request cancelled at shutdown"' in cancelled
    assert "error=" not in cancelled
    assert "level=error" in real and "RuntimeError: a real one" in real

    stream.seek(0)
    stream.truncate()
    configure_logging("error", [], stream=stream)
    server.error("Cancel %s running task(s), timeout graceful shutdown exceeded", 1)
    assert stream.getvalue() == ""  # a warning now, below LOG_LEVEL=error
