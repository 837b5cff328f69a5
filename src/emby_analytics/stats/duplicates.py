"""Which items are the same file or the same title (pure: no I/O), for `/stats/storage/duplicates`.

Two items are duplicates when their files' paths are the same once normalised (ASCII case, `\\` or `/`, trailing
separators: one file listed twice, say by two libraries over the same folder), or when they are the same
movie or the same episode by a provider id (Imdb, Tmdb or Tvdb: the same title kept as separate files, a version
Emby did not merge). Duplicates of duplicates are one group.

What removing the extra copies would free: every distinct file of a group but its largest (the one kept). A file
listed twice takes its space once, so a group of one file frees nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

PROVIDERS = ("imdb", "tmdb", "tvdb")
TYPES = ("Movie", "Episode")  # titles compared by provider id
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normalise_path(path: str | None) -> str | None:
    """A path as compared: `\\` as `/`, ASCII letters lower-case (Windows and most NAS shares ignore case), no
    trailing `/`. None for no path. `PATH_SQL` computes the same in SQLite (whose `lower()` folds ASCII only)."""
    if path is None:
        return None
    return path.replace("\\", "/").translate(_ASCII_LOWER).rstrip("/") or None


PATH_SQL = "nullif(rtrim(lower(replace(i.path, '\\', '/')), '/'), '')"  # `normalise_path`, over `items` named `i`


def provider_value(value: object) -> str:
    """A provider id as compared: blanks dropped, ASCII lower-case (`TT0111161` is `tt0111161`)."""
    return str(value).strip(" ").translate(_ASCII_LOWER)


@dataclass(frozen=True)
class Copy:
    id: str
    type: str
    path: str | None
    size_bytes: int
    provider_ids: dict[str, str]  # lower-case keys


@dataclass
class Group:
    ids: list[str]
    matched_by: list[str]  # "path", and the provider keys ("imdb:tt0111161") that tie the group together
    files: int
    size_bytes: int  # every distinct file once
    reclaimable_bytes: int
    keep_id: str  # the copy with the largest file
    copies: list[Copy] = field(default_factory=list)


def _keys(copy: Copy) -> list[str]:
    keys = []
    path = normalise_path(copy.path)
    if path is not None:
        keys.append("path\0" + path)
    if copy.type in TYPES:
        for provider in PROVIDERS:
            value = provider_value(copy.provider_ids.get(provider) or "")
            if value:
                keys.append(f"{copy.type}\0{provider}:{value}")
    return keys


def duplicate_groups(copies: Iterable[Copy]) -> list[Group]:
    """Groups of two or more items that share a normalised path or a provider id (same type), largest
    reclaimable space first, then most copies, then the kept id."""
    listed = list(copies)
    parent = list(range(len(listed)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = [_keys(copy) for copy in listed]
    first: dict[str, int] = {}
    shared: dict[str, int] = {}
    for index, found_keys in enumerate(keys):
        for key in found_keys:
            seen = first.setdefault(key, index)
            if seen != index:
                shared[key] = shared.get(key, 1) + 1
                a, b = root(seen), root(index)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for index in range(len(listed)):
        members.setdefault(root(index), []).append(index)
    groups = [
        _group([listed[i] for i in found], [keys[i] for i in found], shared)
        for found in members.values()
        if len(found) > 1
    ]
    groups.sort(key=lambda g: (-g.reclaimable_bytes, -len(g.ids), g.keep_id))
    return groups


def _group(copies: list[Copy], copy_keys: list[list[str]], shared: dict[str, int]) -> Group:
    files: dict[str, int] = {}
    for copy, found in zip(copies, copy_keys, strict=True):
        path = next((key for key in found if key.startswith("path\0")), "\0" + copy.id)  # no path: its own file
        files[path] = max(files.get(path, 0), copy.size_bytes)
    keys = {key for found in copy_keys for key in found if key in shared}
    matched = (["path"] if any(k.startswith("path\0") for k in keys) else []) + sorted(
        k.split("\0", 1)[1] for k in keys if not k.startswith("path\0")
    )
    total = sum(files.values())
    ordered = sorted(copies, key=lambda c: (-c.size_bytes, c.id))
    keep = ordered[0]  # the largest (of equal sizes, the first by id): listed first
    return Group(
        ids=[c.id for c in ordered],
        matched_by=matched,
        files=len(files),
        size_bytes=total,
        reclaimable_bytes=total - max(files.values()),
        keep_id=keep.id,
        copies=ordered,
    )
