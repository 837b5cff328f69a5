"""Generated secrets (webhook token, later the admin token): created once, kept beside the database, mode 0600."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)


def stored_token(path: Path) -> str:
    """The token in `path`, created with 32 random bytes if missing. Its path is logged, never its value."""
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create with owner-only permissions from the start, so the secret is never readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    log.info("generated a token", extra={"path": str(path)})
    return token


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about the secret."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
