"""Deterministic world generation: libraries, users and items from `WorldSpec.seed`."""

from __future__ import annotations

import random

from .catalog import Catalog
from .formats import mix64
from .hostile import HOSTILE_TITLES
from .profiles import jitter_bitrate
from .records import (
    AUDIO,
    AUDIO_PROFILES,
    EPISODE,
    FLAG_HOSTILE,
    FLAG_NO_BACKDROP,
    FLAG_NO_PRIMARY,
    FLAG_VIRTUAL,
    MOVIE,
    SEASON,
    SERIES,
    VIDEO,
    ItemRecord,
    Library,
)

_US_PER_DAY = 86_400 * 1_000_000
_US_PER_YEAR = 365 * _US_PER_DAY
_TICKS_PER_MIN = 600_000_000

_ADJ = (
    "Silent",
    "Crimson",
    "Last",
    "Hidden",
    "Broken",
    "Golden",
    "Dark",
    "Lost",
    "Electric",
    "Frozen",
    "Wild",
    "Distant",
    "Quiet",
    "Burning",
    "Hollow",
    "Midnight",
    "Iron",
    "Paper",
    "Glass",
    "Secret",
    "Final",
    "Lonely",
    "Savage",
    "Velvet",
    "Northern",
    "Endless",
    "Falling",
    "Sunken",
    "Scarlet",
    "Little",
)
_NOUN = (
    "River",
    "Empire",
    "Garden",
    "Horizon",
    "Signal",
    "Harbor",
    "Kingdom",
    "Witness",
    "Orchard",
    "Machine",
    "Frontier",
    "Lantern",
    "Voyage",
    "Citadel",
    "Mirror",
    "Station",
    "Forest",
    "Promise",
    "Storm",
    "Engine",
    "Winter",
    "Summer",
    "Island",
    "Circus",
    "Detective",
    "Alibi",
    "Planet",
    "Protocol",
    "Shadow",
    "Bridge",
)
_EPISODE_WORDS = (
    "Pilot",
    "Homecoming",
    "The Offer",
    "Crossroads",
    "Fault Lines",
    "Old Friends",
    "The Long Night",
    "Reunion",
    "Exit Strategy",
    "Ghosts",
    "Checkmate",
    "The Visitor",
    "Aftermath",
    "Safe House",
    "Blackout",
    "Leverage",
)


class Generator:
    """Creates records into a World. Uses the RNG it is given: generation and mutations each own one."""

    def __init__(self, world: Catalog, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.seed = world.spec.seed
        self.start = world.start_micros()
        self.span = max(1, world.spec.years_of_history) * _US_PER_YEAR
        self.n_profiles = len(world.profiles)
        self.movie_count = 0
        self.series_count = 0

    # -- helpers ------------------------------------------------------------------------------------
    def _title(self) -> str:
        rng = self.rng
        words = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        roll = rng.random()
        if roll < 0.4:
            return f"The {words}"
        if roll < 0.5:
            return f"{words} {rng.choice(('II', '2', '3', 'Returns', 'Reloaded'))}"
        return words

    def _created(self) -> int:
        return self.start - 3_600_000_000 - int(self.rng.random() * self.span)

    def _year_before(self, micros: int) -> int:
        created_year = 1970 + micros // _US_PER_YEAR
        return max(1930, created_year - int(self.rng.expovariate(1 / 10)))

    def _premiere(self, year: int) -> int:
        return (year - 1970) * _US_PER_YEAR + (year - 1969) // 4 * _US_PER_DAY + self.rng.randrange(360) * _US_PER_DAY

    def _saved(self, created: int) -> int:
        # Saved a little after creation (metadata refresh), but always before the world starts.
        return min(created + self.rng.randrange(0, 30) * _US_PER_DAY, self.start - 1_000_000)

    def _image_flags(self, no_primary_chance: float) -> int:
        flags = 0
        if self.rng.random() < no_primary_chance:
            flags |= FLAG_NO_PRIMARY
        if self.rng.random() < 0.2:
            flags |= FLAG_NO_BACKDROP
        return flags

    def _library(self, collection_type: str) -> Library:
        return next(lib for lib in self.world.libraries if lib.collection_type == collection_type)

    # -- items --------------------------------------------------------------------------------------
    def movie(self, created: int | None = None, name: str | None = None, fresh: bool = False) -> ItemRecord:
        n = self.movie_count
        self.movie_count += 1
        lib = self._library("movies")
        created = self._created() if created is None else created
        flags = self._image_flags(0.02)
        if name is None:
            name = self._title()
            if self.world.spec.hostile_names and not fresh and n % 11 == 3 and n // 11 < len(HOSTILE_TITLES):
                name, flags = HOSTILE_TITLES[n // 11], flags | FLAG_HOSTILE
        year = self._year_before(created)
        item_id = self.world.new_id()
        # The first movies take the rare encodes in order, so every world has each of them.
        profile = n if n < 14 and not fresh else self.rng.randrange(self.n_profiles)
        rec = ItemRecord(
            id=item_id,
            type=MOVIE,
            name=name,
            parent=lib.id,
            library=lib.id,
            created=created,
            saved=created if fresh else self._saved(created),
            premiere=self._premiere(year),
            year=year,
            runtime=self.rng.randint(78, 175) * _TICKS_PER_MIN + self.rng.randrange(_TICKS_PER_MIN),
            profile=profile,
            bitrate=jitter_bitrate(self.world.profiles[profile].base_bitrate, mix64(item_id)),
            flags=flags,
        )
        self.world.add_record(rec)
        return rec

    def series(self, created: int | None = None, fresh: bool = False) -> list[int]:
        """A series with a varying number of seasons and episodes; returns every new id."""
        spec, rng, world = self.world.spec, self.rng, self.world
        n = self.series_count
        self.series_count += 1
        lib = self._library("tvshows")
        created = self._created() if created is None else created
        name = self._title()
        flags = self._image_flags(0.01)
        if spec.hostile_names and not fresh and n == 1:
            name, flags = HOSTILE_TITLES[(n + 2) % len(HOSTILE_TITLES)], flags | FLAG_HOSTILE
        year = self._year_before(created)
        series_id = world.new_id()
        profile = rng.randrange(self.n_profiles)
        episode_minutes = rng.choice((22, 24, 30, 42, 45, 52, 58))
        world.add_record(
            ItemRecord(
                series_id,
                SERIES,
                name,
                lib.id,
                lib.id,
                created,
                created if fresh else self._saved(created),
                self._premiere(year),
                year,
                flags=flags,
            )
        )
        ids = [series_id]
        seasons = max(1, spec.seasons_per_series + rng.randint(-2, 2))
        for s in range(1, seasons + 1):
            s_year = year + (s - 1)
            s_premiere = self._premiere(s_year)
            s_created = created if fresh else min(created + (s - 1) * 30 * _US_PER_DAY, self.start - 3_600_000_000)
            season_id = world.new_id()
            world.add_record(
                ItemRecord(
                    season_id,
                    SEASON,
                    f"Season {s}",
                    series_id,
                    lib.id,
                    s_created,
                    s_created if fresh else self._saved(s_created),
                    s_premiere,
                    s_year,
                    series=series_id,
                    index=s,
                    flags=self._image_flags(0.05) | FLAG_NO_BACKDROP,
                )
            )
            ids.append(season_id)
            episodes = max(1, spec.episodes_per_season + rng.randint(-4, 4))
            unaired = rng.randint(1, 2) if s == seasons and rng.random() < 0.25 else 0
            for e in range(1, episodes + unaired + 1):
                ids.append(
                    self._episode(
                        series_id,
                        season_id,
                        lib.id,
                        s,
                        e,
                        s_created,
                        s_premiere,
                        episode_minutes,
                        profile,
                        virtual=e > episodes,
                        fresh=fresh,
                    ).id
                )
        return ids

    def _episode(
        self,
        series_id: int,
        season_id: int,
        library_id: int,
        s: int,
        e: int,
        s_created: int,
        s_premiere: int,
        minutes: int,
        profile: int,
        virtual: bool,
        fresh: bool,
    ) -> ItemRecord:
        rng, world = self.rng, self.world
        item_id = world.new_id()
        if rng.random() < 0.1:
            profile = rng.randrange(self.n_profiles)
        name = f"{rng.choice(_EPISODE_WORDS)}" if rng.random() < 0.5 else f"Episode {e}"
        flags = self._image_flags(0.03)
        if world.spec.hostile_names and not fresh and self.series_count == 1 and s == 1 and e == 2:
            name, flags = HOSTILE_TITLES[1], flags | FLAG_HOSTILE
        premiere = s_premiere + (e - 1) * 7 * _US_PER_DAY
        created = s_created if fresh else min(s_created + e * 3_600_000_000, self.start - 3_600_000_000)
        if virtual:
            flags |= FLAG_VIRTUAL
            premiere = self.start + e * 7 * _US_PER_DAY  # unaired: airs after the world starts
        runtime = 0 if virtual else (minutes + rng.randint(-3, 3)) * _TICKS_PER_MIN + rng.randrange(_TICKS_PER_MIN)
        rec = ItemRecord(
            item_id,
            EPISODE,
            name,
            season_id,
            library_id,
            created,
            created if fresh else self._saved(created),
            premiere,
            1970 + premiere // _US_PER_YEAR,
            runtime=runtime,
            profile=-1 if virtual else profile,
            bitrate=0 if virtual else jitter_bitrate(world.profiles[profile].base_bitrate, mix64(item_id)),
            series=series_id,
            season=season_id,
            index=e,
            parent_index=s,
            flags=flags,
        )
        world.add_record(rec)
        return rec

    def audio(self, n: int, created: int | None = None) -> ItemRecord:
        lib = self._library("music")
        created = self._created() if created is None else created
        profile = self.rng.randrange(len(AUDIO_PROFILES))
        item_id = self.world.new_id()
        rec = ItemRecord(
            item_id,
            AUDIO,
            f"{self.rng.choice(_ADJ)} {self.rng.choice(_NOUN)} Song",
            lib.id,
            lib.id,
            created,
            self._saved(created),
            self._premiere(self._year_before(created)),
            0,
            runtime=self.rng.randint(120, 420) * 10_000_000,
            profile=profile,
            bitrate=AUDIO_PROFILES[profile][3],
            index=n % 12 + 1,
            parent_index=1,
            flags=self._image_flags(0.1),
        )
        rec.year = 1970 + rec.premiere // _US_PER_YEAR
        self.world.add_record(rec)
        return rec

    def home_video(self, n: int, created: int | None = None) -> ItemRecord:
        lib = self._library("homevideos")
        created = self._created() if created is None else created
        item_id = self.world.new_id()
        profile = 11  # the 720p/1080p phone-ish mp4 h264 encode of the forced table
        rec = ItemRecord(
            item_id,
            VIDEO,
            f"VID_{1970 + created // _US_PER_YEAR}{n:04d}",
            lib.id,
            lib.id,
            created,
            self._saved(created),
            created,
            1970 + created // _US_PER_YEAR,
            runtime=self.rng.randint(20, 900) * 10_000_000,
            profile=profile,
            bitrate=jitter_bitrate(self.world.profiles[profile].base_bitrate, mix64(item_id)),
            flags=self._image_flags(0.3) | FLAG_NO_BACKDROP,
        )
        self.world.add_record(rec)
        return rec

    def add_new(self, n: int, item_type: str, when: int) -> list[int]:
        out: list[int] = []
        for i in range(n):
            if item_type == MOVIE:
                out.append(self.movie(when, fresh=True).id)
            elif item_type == SERIES:
                out.extend(self.series(when, fresh=True))
            elif item_type == AUDIO:
                rec = self.audio(i, when)
                rec.saved = when
                out.append(rec.id)
            elif item_type == VIDEO:
                rec = self.home_video(i, when)
                rec.saved = when
                out.append(rec.id)
            else:
                raise ValueError(f"cannot add items of type {item_type!r}")
        return out
