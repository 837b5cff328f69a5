"""`UserDto` rendering of simulated users (Policy/Configuration key sets as real 4.8 servers)."""

from __future__ import annotations

from typing import Any

from ..world import UserRecord
from ..world.formats import emby_date_us

JsonDict = dict[str, Any]


def _configuration(user: UserRecord) -> JsonDict:
    return {
        "AudioLanguagePreference": "",
        "PlayDefaultAudioTrack": True,
        "SubtitleLanguagePreference": "",
        "DisplayMissingEpisodes": False,
        "SubtitleMode": "Smart",
        "OrderedViews": [],
        "LatestItemsExcludes": [],
        "MyMediaExcludes": [],
        "HidePlayedInLatest": True,
        "HidePlayedInMoreLikeThis": False,
        "HidePlayedInSuggestions": False,
        "RememberAudioSelections": True,
        "RememberSubtitleSelections": True,
        "EnableNextEpisodeAutoPlay": True,
        "ResumeRewindSeconds": 0,
        "IntroSkipMode": "ShowButton",
        "EnableLocalPassword": False,
    }


def _policy(user: UserRecord) -> JsonDict:
    return {
        "IsAdministrator": user.is_admin,
        "IsHidden": user.is_hidden,
        "IsHiddenRemotely": user.is_hidden,
        "IsHiddenFromUnusedDevices": False,
        "IsDisabled": user.is_disabled,
        "LockedOutDate": 0,
        "AllowTagOrRating": False,
        "BlockedTags": [],
        "IsTagBlockingModeInclusive": False,
        "IncludeTags": [],
        "EnableUserPreferenceAccess": True,
        "AccessSchedules": [],
        "BlockUnratedItems": [],
        "EnableRemoteControlOfOtherUsers": user.is_admin,
        "EnableSharedDeviceControl": True,
        "EnableRemoteAccess": user.remote_access,
        "EnableLiveTvManagement": user.is_admin,
        "EnableLiveTvAccess": True,
        "EnableMediaPlayback": True,
        "EnableAudioPlaybackTranscoding": True,
        "EnableVideoPlaybackTranscoding": True,
        "EnablePlaybackRemuxing": True,
        "EnableContentDeletion": user.is_admin,
        "RestrictedFeatures": [],
        "EnableContentDeletionFromFolders": [],
        "EnableContentDownloading": True,
        "EnableSubtitleDownloading": user.is_admin,
        "EnableSubtitleManagement": user.is_admin,
        "EnableSyncTranscoding": True,
        "EnableMediaConversion": True,
        "EnabledChannels": [],
        "EnableAllChannels": True,
        "EnabledFolders": list(user.enabled_folders),
        "EnableAllFolders": not user.enabled_folders,
        "InvalidLoginAttemptCount": 0,
        "EnablePublicSharing": True,
        "BlockedMediaFolders": [],
        "RemoteClientBitrateLimit": 0,
        "AuthenticationProviderId": "Emby.Server.Implementations.Library.DefaultAuthenticationProvider",
        "ExcludedSubFolders": [],
        "SimultaneousStreamLimit": user.stream_limit,
        "EnabledDevices": [],
        "EnableAllDevices": True,
        "AllowCameraUpload": True,
        "AllowSharingPersonalItems": False,
    }


def render_user(user: UserRecord, server_id: str, server_name: str) -> JsonDict:
    """A `UserDto` in real key order; absent dates and image tags are omitted, not null."""
    out: JsonDict = {
        "Name": user.name,
        "ServerId": server_id,
        "ServerName": server_name,
        "Prefix": (user.name[:1] or "?").upper(),
        "DateCreated": emby_date_us(user.created),
        "Id": user.id,
    }
    if user.has_image:
        out["PrimaryImageTag"] = user.image_tag
    out["HasPassword"] = user.has_password
    out["HasConfiguredPassword"] = user.has_password
    if user.last_login is not None:
        out["LastLoginDate"] = emby_date_us(user.last_login)
    if user.last_activity is not None:
        out["LastActivityDate"] = emby_date_us(user.last_activity)
    out["Configuration"] = _configuration(user)
    out["Policy"] = _policy(user)
    if user.has_image:
        out["PrimaryImageAspectRatio"] = 1.0
    out["HasConfiguredEasyPassword"] = False
    return out
