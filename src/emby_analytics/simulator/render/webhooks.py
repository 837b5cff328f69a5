"""Emby's webhook bodies (`playback.start|pause|unpause|stop`) for the transitions the engine announced, in the shape
of Emby 4.7/4.8 (see tests/fixtures samples `webhook_playback.*`): Title, Date (7 fractional digits), Event, User,
Item, Server, Session and PlaybackInfo. A stop at the natural end says PlayedToCompletion with PositionTicks 0."""

from __future__ import annotations

from typing import Any

from ..playback import PlaybackNotice
from ..world import World
from ..world.formats import emby_date, ticks
from .items import render_item

JsonDict = dict[str, Any]

_VERBS = {"start": "has started playing", "pause": "has paused", "unpause": "has resumed", "stop": "has stopped"}


def render_webhook(world: World, notice: PlaybackNotice) -> JsonDict:
    user = world.user(notice.user_id)
    user_name = user.name if user is not None else "Unknown"
    record = world.item(notice.item_id)
    item = render_item(world, record, None) if record is not None else {"Id": notice.item_id, "Name": "Unknown"}
    device = notice.device
    info: JsonDict = {"PositionTicks": 0 if notice.played_to_completion else ticks(notice.position)}
    if notice.kind == "stop":
        info = {"PlayedToCompletion": notice.played_to_completion, **info}
    info.update({"PlaylistIndex": 0, "PlaylistLength": 1})
    return {
        "Title": f"{user_name} {_VERBS[notice.kind]} {item.get('Name', '')} on {device.device_name}",
        "Date": emby_date(notice.at),
        "Event": f"playback.{notice.kind}",
        "User": {"Name": user_name, "Id": notice.user_id},
        "Item": item,
        "Server": {"Name": world.spec.server_name, "Id": world.server_id, "Version": world.spec.version},
        "Session": {
            "RemoteEndPoint": device.remote_address,
            "Client": device.client,
            "DeviceName": device.device_name,
            "DeviceId": device.device_id,
            "ApplicationVersion": device.app_version,
            "Id": notice.session_id,
        },
        "PlaybackInfo": info,
    }
