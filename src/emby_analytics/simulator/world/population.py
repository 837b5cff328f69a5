"""World population: libraries, users (normal and hostile names) and the initial catalogue."""

from __future__ import annotations

import random

from .catalog import Catalog
from .formats import hex_id, mix64
from .generate import _US_PER_DAY, Generator
from .hostile import HOSTILE_USER_NAMES
from .profiles import jitter_bitrate
from .records import FLAG_VIRTUAL, MOVIE, SERIES, Library, UserRecord, provider_ids

NORMAL_USER_NAMES = (
    "admin",
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
)


def seed_libraries(gen: Generator) -> None:
    world = gen.world
    for name, ctype, path in (
        ("Movies", "movies", "/mnt/media/movies"),
        ("TV Shows", "tvshows", "/mnt/media/tv"),
        ("Music", "music", "/mnt/media/music"),
        ("Home Videos", "homevideos", "/mnt/media/home"),
    ):
        world.libraries.append(
            Library(
                world.new_id(),
                name,
                ctype,
                hex_id(gen.seed, "library", name),
                (path,),
                gen.start - gen.span - _US_PER_DAY,
            )
        )


def seed_users(gen: Generator) -> None:
    spec, rng = gen.world.spec, gen.rng
    hostile = list(HOSTILE_USER_NAMES) if spec.hostile_names else []
    hostile = hostile[: max(0, spec.users - 2)]
    normal = iter(NORMAL_USER_NAMES)
    names: list[str] = []
    for i in range(spec.users):
        if i >= 2 and hostile:
            names.append(hostile.pop(0))
        else:
            names.append(next(normal, f"user{i}"))
    for i, name in enumerate(names):
        created = gen.start - gen.span + i * 40 * _US_PER_DAY
        login = gen.start - rng.randrange(1, 90 * 24) * 3_600_000_000
        user = UserRecord(
            id=hex_id(gen.seed, "user", i),
            name=name,
            created=created,
            last_login=None if i == spec.users - 1 and i > 0 else login,
            last_activity=None if i == spec.users - 1 and i > 0 else login + 3_600_000_000,
            is_admin=i == 0,
            is_hidden=i == spec.users - 2 and i > 0,
            is_disabled=i == spec.users - 1 and i > 0,
            has_password=i != 1,
            has_image=i % 3 == 0,
            remote_access=i != 3,
            stream_limit=2 if i == 4 else 0,
        )
        if i == 5:  # one user restricted to some libraries, like real households with kids
            user.enabled_folders = [lib.guid for lib in gen.world.libraries[:2]]
        gen.world.add_user_record(user)


def populate(world: Catalog) -> None:
    spec = world.spec
    gen = Generator(world, random.Random(spec.seed))
    seed_libraries(gen)
    seed_users(gen)
    for _ in range(spec.movies):
        gen.movie()
    for _ in range(spec.series):
        gen.series()
    for n in range(spec.music_tracks):
        gen.audio(n)
    for n in range(spec.other):
        gen.home_video(n)
    plant_library_oddities(world)


# Which movies carry the oddities (past the rare encodes of the first 14 and clear of the hostile titles).
TWIN_OF, TWIN, NO_IDS, SAMPLE = 29, 30, 31, 32
_TICKS_PER_MIN = 600_000_000


def plant_library_oddities(world: Catalog) -> None:
    """What the storage and health reports look for, so the demo shows each (changes records in place: no random
    draws and no new ids, so every other item stays as generated):

    - a second version of a movie: movie TWIN becomes movie TWIN_OF in another encode (same title, year and
      provider ids, another resolution: another file);
    - a movie without provider ids (NO_IDS) and a 12-minute "movie" (SAMPLE, a runtime outlier);
    - in the last series' first season with 5 episodes or more (clear of the first items tests play): episode 3
      runs 2 h 15 min (far longer than its siblings), and episode 4 is a missing episode (premiered, no file).
    Items without a poster (FLAG_NO_PRIMARY) and unaired placeholders come with the generation itself.
    """
    movies = world.ids_of_type(MOVIE)
    if len(movies) > SAMPLE:
        original, twin = world.item(movies[TWIN_OF]), world.item(movies[TWIN])
        assert original is not None and twin is not None
        twin.name, twin.year, twin.premiere = original.name, original.year, original.premiere
        twin.profile = (original.profile + 1) % len(world.profiles)
        twin.bitrate = jitter_bitrate(world.profiles[twin.profile].base_bitrate, mix64(twin.id))
        twin.extra = {"ProviderIds": provider_ids(original)}
        no_ids = world.item(movies[NO_IDS])
        assert no_ids is not None
        no_ids.extra = {"ProviderIds": {}}
        sample = world.item(movies[SAMPLE])
        assert sample is not None
        sample.runtime = 12 * _TICKS_PER_MIN
    for season in (s for series in reversed(world.ids_of_type(SERIES)) for s in world.children(series)):
        episodes = [e for e in world.children(season) if not world.item(e).is_virtual]  # type: ignore[union-attr]
        if len(episodes) >= 5:
            long, missing = world.item(episodes[2]), world.item(episodes[3])
            assert long is not None and missing is not None
            long.runtime = 135 * _TICKS_PER_MIN
            missing.flags |= FLAG_VIRTUAL
            missing.runtime, missing.profile, missing.bitrate = 0, -1, 0
            return
