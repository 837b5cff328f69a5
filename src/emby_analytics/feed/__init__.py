"""The session feed: the one owner of talking to Emby about sessions (polls, websocket, backoff, status)."""

from __future__ import annotations

from emby_analytics.feed.feed import SessionFeed, Snapshot, SocketConfig, Subscriber
from emby_analytics.feed.jobs import SessionPollJob, SocketJob

__all__ = ["SessionFeed", "SessionPollJob", "Snapshot", "SocketConfig", "SocketJob", "Subscriber"]
