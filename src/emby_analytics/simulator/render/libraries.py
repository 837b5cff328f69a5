"""Libraries as Emby shows them: the root `CollectionFolder` items and `/Library/VirtualFolders` entries."""

from __future__ import annotations

from typing import Any

from ..world import Library, World
from ..world.formats import emby_date_us, hex32

JsonDict = dict[str, Any]


def render_library_folder(world: World, lib: Library, fields: frozenset[str] | None) -> JsonDict:
    """A library as the CollectionFolder item `/Items` returns at the root."""
    f = fields or frozenset()
    out: JsonDict = {"Name": lib.name, "ServerId": world.server_id, "Id": str(lib.id)}
    if "datecreated" in f:
        out["DateCreated"] = emby_date_us(lib.created)
    if "path" in f:
        out["Path"] = lib.locations[0]
    out["IsFolder"] = True
    out["Type"] = "CollectionFolder"
    out["UserData"] = {"PlaybackPositionTicks": 0, "PlayCount": 0, "IsFavorite": False, "Played": False}
    out["CollectionType"] = lib.collection_type
    out["ImageTags"] = {"Primary": hex32(lib.id, 1)}
    out["BackdropImageTags"] = []
    return out


def render_virtual_folder(world: World, lib: Library) -> JsonDict:
    """A `VirtualFolderInfo` for `/Library/VirtualFolders`."""
    return {
        "Name": lib.name,
        "Locations": list(lib.locations),
        "CollectionType": lib.collection_type,
        "LibraryOptions": {
            "EnableArchiveMediaFiles": False,
            "EnablePhotos": True,
            "EnableRealtimeMonitor": True,
            "EnableChapterImageExtraction": False,
            "DownloadImagesInAdvance": False,
            "PathInfos": [{"Path": path} for path in lib.locations],
            "SaveLocalMetadata": False,
            "EnableAutomaticSeriesGrouping": True,
            "PreferredMetadataLanguage": "en",
            "MetadataCountryCode": "US",
            "ContentType": lib.collection_type,
            "AutomaticRefreshIntervalDays": 0,
            "TypeOptions": [],
        },
        "ItemId": str(lib.id),
        "Id": str(lib.id),
        "Guid": lib.guid,
        "PrimaryImageItemId": str(lib.id),
        "RefreshStatus": "Idle",
    }
