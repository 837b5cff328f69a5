"""A pytest plugin: the suite reads nothing beside the repository (users clone it alone, so such a read passes
here and fails there).

`ReadWatch` is a `sys.addaudithook` hook recording the files and folders Python opens (`open`, `os.listdir`,
`os.scandir`, `sqlite3.connect`, `glob.glob`); `Boundary.outside` is the rule. A path is outside when it resolves
(symlinks followed) under the repository's parent folder, not inside the repository, and not in one of the
places a test run legitimately touches there: pytest's temporary root, temp entries created during this run
(when the clone itself sits in the temp folder), the interpreter's stdlib and site-packages, zoneinfo data,
/proc, /dev, /sys and /etc. Reads anywhere else on the machine (a venv elsewhere, /usr, /tmp) are not about the
repository and are left alone.

A test that reads outside fails (at its teardown, naming the path); reads at collection or in session fixtures
fail the run at the end, listed in a "reads outside the repository" section.
"""

from __future__ import annotations

import getpass
import os
import site
import sys
import sysconfig
import tempfile
import threading
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

WATCHED_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "sqlite3.connect", "glob.glob"})
SYSTEM_DIRS = ("/proc", "/dev", "/sys", "/etc")


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class Boundary:
    repo: str
    excused: tuple[str, ...] = ()
    # Entries of this temp folder that existed at the start; newer ones are this run's (mkdtemp, tmp_path).
    temp_dir: str | None = None
    temp_entries_at_start: frozenset[str] = frozenset()

    @property
    def parent(self) -> str:
        return os.path.dirname(self.repo)

    def outside(self, path: str | bytes | os.PathLike[Any], cwd: str | None = None) -> bool:
        """True when opening `path` (relative paths are relative to `cwd`) reads beside the repository."""
        raw = os.fsdecode(path)
        if raw.startswith("file:"):  # a sqlite3 URI: file:/abs/path?mode=ro, file:///abs/path
            raw = raw.removeprefix("file:").split("?", 1)[0].split("#", 1)[0]
            raw = raw.removeprefix("//localhost").removeprefix("//") if raw.startswith("//") else raw
        if raw in ("", ":memory:"):
            return False
        resolved = os.path.realpath(os.path.join(cwd or os.getcwd(), raw))
        if _within(resolved, self.repo) or not _within(resolved, self.parent):
            return False
        if any(_within(resolved, folder) for folder in self.excused):
            return False
        if self.temp_dir is not None and _within(resolved, self.temp_dir):
            if resolved == self.temp_dir:
                return False  # tempfile and pytest list and open the temp folder itself
            first = Path(resolved).relative_to(self.temp_dir).parts[0]
            return first in self.temp_entries_at_start
        return True

    @classmethod
    def for_repo(cls, repo: Path, *, extra_excused: Iterable[Path] = ()) -> Boundary:
        real = os.path.realpath(repo)
        parent = os.path.dirname(real)
        temp = os.path.realpath(tempfile.gettempdir())
        excused = [os.path.realpath(p) for p in (*_interpreter_dirs(), *zoneinfo.TZPATH, *SYSTEM_DIRS)]
        excused += [os.path.realpath(p) for p in extra_excused]
        temp_watched = _within(temp, parent)
        return cls(
            repo=real,
            excused=tuple(sorted({p for p in excused if p != parent and not _within(real, p)})),
            temp_dir=temp if temp_watched else None,
            temp_entries_at_start=frozenset(os.listdir(temp)) if temp_watched else frozenset(),
        )


def _interpreter_dirs() -> list[str]:
    """The stdlib and site-packages of this interpreter (venv and base installation)."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix, "installed_base": sys.base_prefix}
    dirs: list[str] = []
    for paths in (sysconfig.get_paths(), sysconfig.get_paths(vars=base)):
        dirs += [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths]
    dirs += site.getsitepackages()
    user_site = site.getusersitepackages()
    if isinstance(user_site, str):
        dirs.append(user_site)
    return dirs


@dataclass(frozen=True)
class OutsideRead:
    event: str
    path: str
    during: str  # the test (PYTEST_CURRENT_TEST) or "collection / session setup and teardown"


@dataclass
class ReadWatch:
    """The audit hook (installed once per pytest process: audit hooks cannot be removed). It sees every audit
    event (every `id()` call raises one: 600,000 in the accuracy e2e test alone), so others return at once."""

    boundary: Boundary
    found: list[OutsideRead] = field(default_factory=list)
    _busy: threading.local = field(default_factory=threading.local)

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in WATCHED_EVENTS or getattr(self._busy, "on", False):
            return
        path = args[0] if args else None
        if not isinstance(path, str | bytes | os.PathLike):
            return  # file descriptors, None (os.listdir() of the cwd is inside the repository anyway)
        self._busy.on = True  # realpath and getcwd must not re-enter the hook
        try:
            if self.boundary.outside(path):
                during = os.environ.get("PYTEST_CURRENT_TEST", "collection / session setup and teardown")
                self.found.append(OutsideRead(event, os.fsdecode(path), during))
        finally:
            self._busy.on = False

    @contextmanager
    def expect(self, boundary: Boundary | None = None) -> Iterator[list[OutsideRead]]:
        """Reads recorded inside the block (by `boundary`, default this run's) are handed to the caller instead
        of failing the run: for tests of this module."""
        start, kept = len(self.found), self.boundary
        self.boundary = boundary or kept
        caught: list[OutsideRead] = []
        try:
            yield caught
        finally:
            self.boundary = kept
            caught.extend(self.found[start:])
            del self.found[start:]

    @staticmethod
    def describe(reads: Iterable[OutsideRead]) -> list[str]:
        return [f"{read.during}: {read.event} {read.path}" for read in reads]


# -- the plugin ------------------------------------------------------------------------------------------
READ_WATCH = pytest.StashKey[ReadWatch]()


def _pytest_temp_roots(config: pytest.Config) -> list[Path]:
    """Where pytest keeps tmp_path (as _pytest.tmpdir computes it): its own business, not the repository's."""
    temproot = Path(os.environ.get("PYTEST_DEBUG_TEMPROOT") or tempfile.gettempdir())
    roots = [temproot / f"pytest-of-{getpass.getuser()}"]
    if config.option.basetemp:
        roots.append(Path(config.option.basetemp))
    return roots


def pytest_configure(config: pytest.Config) -> None:
    # rootpath: the folder of pyproject.toml, i.e. the repository.
    watch = ReadWatch(Boundary.for_repo(config.rootpath, extra_excused=_pytest_temp_roots(config)))
    sys.addaudithook(watch)
    config.stash[READ_WATCH] = watch


@pytest.fixture
def read_watch(request: pytest.FixtureRequest) -> ReadWatch:
    return request.config.stash[READ_WATCH]


@pytest.fixture(autouse=True)
def _reads_stay_in_repository(read_watch: ReadWatch) -> Iterator[None]:
    start = len(read_watch.found)
    yield
    if new := read_watch.found[start:]:
        lines = "\n".join(read_watch.describe(new))
        pytest.fail(f"read outside the repository (users clone it alone; use tests/fixtures/):\n{lines}", pytrace=False)


def pytest_sessionfinish(session: pytest.Session) -> None:
    watch = session.config.stash.get(READ_WATCH, None)
    if watch is not None and watch.found and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    watch = config.stash.get(READ_WATCH, None)
    if watch is None or not watch.found:
        return
    terminalreporter.section("reads outside the repository", sep="!", red=True, bold=True)
    for line in watch.describe(watch.found):
        terminalreporter.line(line, red=True)
    terminalreporter.line("A plain clone has none of these: copy what the tests need into tests/fixtures/.", red=True)
