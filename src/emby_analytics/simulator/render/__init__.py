"""Emby's JSON (and PNG) from the simulator's records and session runtimes.

Modules: items.py (BaseItemDto, UserData), libraries.py (CollectionFolder, VirtualFolderInfo), media.py
(MediaStreams, MediaSources), sessions.py (SessionInfo, NowPlayingItem once per play), users.py (UserDto),
webhooks.py (playback webhook bodies), images.py (PNG). Depends on `world` and `playback`.
"""

from __future__ import annotations

from .images import image_size, render_png
from .items import has_image, render_item, sort_name, user_data
from .libraries import render_library_folder, render_virtual_folder
from .sessions import SessionRenderer, render_session
from .users import render_user
from .webhooks import render_webhook

__all__ = [
    "SessionRenderer",
    "has_image",
    "image_size",
    "render_item",
    "render_library_folder",
    "render_png",
    "render_session",
    "render_user",
    "render_virtual_folder",
    "render_webhook",
    "sort_name",
    "user_data",
]
