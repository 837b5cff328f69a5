"""The image proxy: item images from Emby, safely fetched, served with ETags, kept in a bounded disk cache."""

from emby_analytics.images.cache import CachedImage, ImageCache
from emby_analytics.images.proxy import (
    CACHE_CONTROL,
    FETCH_TIMEOUT_SEC,
    MAX_WIDTH,
    ImageNotFound,
    ImageProxy,
    ImageStats,
    ImageUnavailable,
    etag_matches,
    etag_of,
)
from emby_analytics.images.source import ImageFacts, ImageKind, ImageSource, pick_source, proxy_url

__all__ = [
    "CACHE_CONTROL",
    "FETCH_TIMEOUT_SEC",
    "MAX_WIDTH",
    "CachedImage",
    "ImageCache",
    "ImageFacts",
    "ImageKind",
    "ImageNotFound",
    "ImageProxy",
    "ImageSource",
    "ImageStats",
    "ImageUnavailable",
    "etag_matches",
    "etag_of",
    "pick_source",
    "proxy_url",
]
