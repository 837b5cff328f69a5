"""The 4K transcode guard: `rule` (pure: which sessions offend)."""

from __future__ import annotations

from emby_analytics.guard.rule import Offence, offence, offences

__all__ = ["Offence", "offence", "offences"]
