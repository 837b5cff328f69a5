"""The 4K transcode guard: `rule` (pure: which sessions offend) and `guard` (the feed subscriber that stops them)."""

from __future__ import annotations

from emby_analytics.guard.guard import MESSAGE_TEXT, GuardStatus, TranscodeGuard
from emby_analytics.guard.rule import Offence, offence, offences

__all__ = ["MESSAGE_TEXT", "GuardStatus", "Offence", "TranscodeGuard", "offence", "offences"]
