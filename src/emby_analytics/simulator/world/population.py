"""World population: libraries, users (normal and hostile names) and the initial catalogue."""

from __future__ import annotations

import random

from .catalog import Catalog
from .formats import hex_id
from .generate import _US_PER_DAY, Generator
from .hostile import HOSTILE_USER_NAMES
from .records import Library, UserRecord

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
