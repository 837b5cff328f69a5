"""Which sessions the 4K transcode guard stops: pure, a function of one `/Sessions` snapshot.

A session offends when its source video is 4K or more (`quality`, the one classifier: 8K counts too, being heavier
still) AND its video stream is being transcoded. Only the video counts, because that is what costs the server: an
audio-only transcode (`TranscodingInfo.IsVideoDirect`), a remux (DirectStream) and a direct play of a 4K file are
left alone. A Transcode without TranscodingInfo says nothing about the video, so it is left alone too (Emby fills
the info in within a poll or two, and the guard acts then). Live TV is excluded: its channels have no file to offer
in a lower version, so stopping would only take the channel away.
"""

from __future__ import annotations

from dataclasses import dataclass

from emby_analytics.emby.models import SessionInfo, SessionsSnapshot
from emby_analytics.quality import Quality, quality
from emby_analytics.titles import display
from emby_analytics.tracking.observe import delivery, is_live_tv, selected_streams

GUARDED: frozenset[Quality] = frozenset({"4K", "8K"})
_NAME_CAP = 200  # names from Emby are data: bounded before they reach a log line


@dataclass(frozen=True)
class Offence:
    """A session the guard stops, named for its log line."""

    session_id: str
    item_id: str
    quality: Quality
    user: str | None
    title: str | None
    client: str | None
    device: str | None

    @property
    def key(self) -> tuple[str, str]:
        """One play: the same item in the same session is acted on once."""
        return self.session_id, self.item_id


def _cap(text: str | None) -> str | None:
    return text[:_NAME_CAP] if text else text


def offence(session: SessionInfo) -> Offence | None:
    """The session's offence, or None when the guard leaves it alone."""
    item = session.now_playing_item
    if item is None or not item.id or is_live_tv(item):
        return None
    if delivery(session, item).video_method != "transcode":
        return None
    video, _, _ = selected_streams(session, item)
    width = video.width if video is not None and video.width else item.width
    height = video.height if video is not None and video.height else item.height
    source = quality(width, height)
    if source not in GUARDED:
        return None
    named = display(
        item.type, item.name, item.series_name, item.parent_index_number, item.index_number, item.production_year
    )
    return Offence(
        session_id=session.id,
        item_id=item.id,
        quality=source,
        user=_cap(session.user_name),
        title=_cap(named),
        client=_cap(session.client),
        device=_cap(session.device_name),
    )


def offences(snapshot: SessionsSnapshot) -> list[Offence]:
    """Every offending session of one snapshot, in Emby's order."""
    return [found for session in snapshot.sessions if (found := offence(session)) is not None]
