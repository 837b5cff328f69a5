"""Which items are the same file or the same title (pure: no I/O), for `/stats/storage/duplicates`.

Two items are duplicates when their files' paths are the same once normalised (ASCII case, `\\` or `/`, trailing
separators: one file listed twice, say by two libraries over the same folder), or when they are the same
movie or the same episode by a provider id (Imdb, Tmdb or Tvdb: the same title kept as separate files, a version
Emby did not merge). Duplicates of duplicates are one group.

What removing the extra copies would free: every distinct file of a group but its largest (the one kept). A file
listed twice takes its space once, so a group of one file frees nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PROVIDERS = ("imdb", "tmdb", "tvdb")
TYPES = ("Movie", "Episode")  # titles compared by provider id
_PATH = "path\0"  # how path keys begin (provider keys begin with the item's type)
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


def path_key(normalised: str) -> str:
    """The key of a file's normalised path (`normalise_path`, `PATH_SQL`)."""
    return _PATH + normalised


def provider_keys(item_type: str, provider_ids: dict[str, str]) -> list[str]:
    """The keys of a title by its provider ids (lower-case keys; `provider_value`), compared within its type:
    none for the other types."""
    if item_type not in TYPES:
        return []
    values = (provider_value(provider_ids.get(provider) or "") for provider in PROVIDERS)
    return [f"{item_type}\0{provider}:{value}" for provider, value in zip(PROVIDERS, values, strict=True) if value]


def stored_provider_ids(stored: str | None) -> dict[str, str]:
    """An item's `provider_ids` column as compared: the JSON object's string and whole-number ids, by lower-case
    key (the last of keys equal but for case wins); anything else, none."""
    try:
        value = json.loads(stored or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k).lower(): str(v) for k, v in value.items() if isinstance(v, str | int)}


def _keys(copy: Copy) -> list[str]:
    path = normalise_path(copy.path)
    return ([] if path is None else [path_key(path)]) + provider_keys(copy.type, copy.provider_ids)


def duplicate_groups(copies: Iterable[Copy]) -> list[Group]:
    """Groups of two or more items that share a normalised path or a provider id (same type), largest
    reclaimable space first, then most copies, then the kept id."""
    sizes: dict[str, int] = {}
    holders: dict[str, list[str]] = {}
    for copy in copies:
        sizes[copy.id] = copy.size_bytes
        for key in _keys(copy):
            holders.setdefault(key, []).append(copy.id)
    return shared_groups(sizes, holders)


def shared_groups(sizes: Mapping[str, int], holders: Mapping[str, Iterable[str]]) -> list[Group]:
    """`duplicate_groups` from the items holding each key (`path_key`, `provider_keys`) and the items' sizes in
    bytes. A key one item holds ties nothing, so it may be left out: an item whose path no other item shares is
    its own file, with or without its path key."""
    tying = {key: unique for key, held in holders.items() if len(unique := list(dict.fromkeys(held))) > 1}
    parent = {item_id: item_id for held in tying.values() for item_id in held}

    def root(item_id: str) -> str:
        while (up := parent[item_id]) != item_id:
            parent[item_id] = item_id = parent[up]
        return item_id

    for held in tying.values():
        top = root(held[0])
        for item_id in held[1:]:
            other = root(item_id)
            if other != top:
                parent[other] = top
    members: dict[str, list[str]] = {}
    for item_id in sorted(parent, key=lambda i: (-sizes[i], i)):  # each group's largest first (then by id)
        members.setdefault(root(item_id), []).append(item_id)
    keys: dict[str, list[str]] = {}
    for key, held in tying.items():
        keys.setdefault(root(held[0]), []).append(key)
    file_of = {item_id: key for key, held in tying.items() if key.startswith(_PATH) for item_id in held}
    groups = [_group(ids, keys[top], sizes, file_of) for top, ids in members.items()]
    groups.sort(key=lambda g: (-g.reclaimable_bytes, -len(g.ids), g.keep_id))
    return groups


def _group(ordered: list[str], keys: list[str], sizes: Mapping[str, int], file_of: Mapping[str, str]) -> Group:
    """One group from its items (the largest first: the one kept), the keys that tie them, their sizes and
    their shared paths."""
    files: dict[str, int] = {}  # each file's size: its largest listing's, the first seen
    for item_id in ordered:
        files.setdefault(file_of.get(item_id) or "\0" + item_id, sizes[item_id])  # no shared path: its own file
    provided = sorted(key.split("\0", 1)[1] for key in keys if not key.startswith(_PATH))
    total = sum(files.values())
    return Group(
        ids=ordered,
        matched_by=["path", *provided] if len(provided) < len(keys) else provided,
        files=len(files),
        size_bytes=total,
        reclaimable_bytes=total - sizes[ordered[0]],
        keep_id=ordered[0],
    )
