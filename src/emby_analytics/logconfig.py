"""Logging: one line per event in logfmt, with every known secret scrubbed before anything is written."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
# Standard record attributes, and uvicorn's duplicate of the message with terminal colours.
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}


class RedactingFormatter(logging.Formatter):
    """Formats `time level logger msg key=value...` and replaces any secret value with `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Short values would redact innocent text; real keys and tokens are long.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        parts = [f"time={when}", f"level={record.levelname.lower()}", f"logger={record.name}"]
        parts.append(f"msg={_quote(record.getMessage())}")
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                parts.append(f"{key}={_quote(str(value))}")
        if record.exc_info:
            # The exception's type and message only: a stack trace can carry request data.
            exc = record.exc_info[1]
            parts.append(f"error={_quote(f'{type(exc).__name__}: {exc}')}")
        return self.redact(" ".join(parts))

    def add_secret(self, secret: str) -> None:
        if len(secret) >= 6 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def redact(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, "***")
        return line


class ShutdownCancellations(logging.Filter):
    """uvicorn reports the requests it cancels at shutdown (those still running after the grace, serving.py) as
    errors with a stack trace. They are the shutdown working as designed: a warning each, without the trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "uvicorn.error" or record.levelno != logging.ERROR:
            return True
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, asyncio.CancelledError):
            record.msg, record.args, record.exc_info = "request cancelled at shutdown", (), None
        elif "timeout graceful shutdown exceeded" not in record.getMessage():
            return True
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return record.levelno >= logging.getLogger().getEffectiveLevel()


def _quote(value: str) -> str:
    if value and not any(c in value for c in ' "=\n\t'):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def redact_everywhere(secret: str) -> None:
    """Scrub a secret learned after start-up (a generated token) from every configured log handler."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, RedactingFormatter):
            handler.formatter.add_secret(secret)


def configure_logging(level: str, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    """Install one redacting handler on the root logger (called once, at the edge)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    handler.addFilter(ShutdownCancellations())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(_LEVELS.get(level, logging.INFO))
    # httpx logs every request URL at INFO; keep that at debug level only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
