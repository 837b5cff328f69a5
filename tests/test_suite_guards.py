"""The guards that keep the suite honest can fail: reads beside the repository, references to it in the test
sources, and skips without a reason."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
import zoneinfo
from pathlib import Path

import pytest
from tests.repo_boundary import Boundary, ReadWatch
from tests.skip_reasons import unactionable

ROOT = Path(__file__).resolve().parents[1]


# -- the rule: what counts as a read beside the repository -------------------------------------------------
@pytest.fixture
def boundary(tmp_path: Path) -> Boundary:
    """A repository in tmp_path/"work"/"repo" with a sibling reference folder, and a symlink leading out."""
    repo = tmp_path / "work" / "repo"
    (repo / "tests").mkdir(parents=True)
    (tmp_path / "work" / "shared").mkdir()
    (repo / "tests" / "escape").symlink_to(tmp_path / "work" / "shared")
    return Boundary.for_repo(repo)


def test_reads_beside_the_repository_are_outside(boundary: Boundary, tmp_path: Path) -> None:
    work = tmp_path / "work"
    assert boundary.outside(work / "shared" / "emby-api" / "openapi_v3.json")
    assert boundary.outside(str(work / "repo" / ".." / "shared" / "x.json"))  # "../shared" from inside
    assert boundary.outside("../shared/x.json", cwd=str(work / "repo"))  # relative to the working directory
    assert boundary.outside(work / "repo" / "tests" / "escape" / "x.json")  # a symlink leading out
    assert boundary.outside(os.fsencode(work / "other-checkout" / "README.md"))
    assert boundary.outside(f"file:{work / 'shared' / 'e.db'}?mode=ro")  # a sqlite3 URI


def test_the_repository_and_the_rest_of_the_machine_are_not(boundary: Boundary, tmp_path: Path) -> None:
    work = tmp_path / "work"
    assert not boundary.outside(work / "repo" / "tests" / "fixtures" / "emby" / "x.json")
    assert not boundary.outside("tests/x.py", cwd=str(work / "repo"))
    assert not boundary.outside(work / "repo")
    assert not boundary.outside(tmp_path / "elsewhere.txt")  # not beside the repository
    assert not boundary.outside(":memory:") and not boundary.outside("file::memory:?cache=shared")


def test_a_repository_at_the_filesystem_root_still_reads_the_stdlib_and_the_system() -> None:
    # Its parent is "/", so everything is "beside" it: the interpreter's own files and the system's are excused.
    boundary = Boundary.for_repo(Path("/repo-" + uuid.uuid4().hex))
    for path in ("/proc/self/status", "/dev/null", "/etc/hosts", os.__file__, pytest.__file__, zoneinfo.TZPATH[0]):
        assert not boundary.outside(path), path
    assert not boundary.outside(Path(tempfile.gettempdir()) / f"tmp{uuid.uuid4().hex}")  # made during this run
    assert boundary.outside("/srv/shared/emby-api/openapi_v3.json")


def test_temp_entries_of_this_run_are_excused_when_the_clone_sits_in_the_temp_folder(tmp_path: Path) -> None:
    # A clone in /tmp: /tmp/shared (there before the run) is beside it; /tmp/tmpXYZ made during the run is not.
    (tmp_path / "clone").mkdir()
    (tmp_path / "shared").mkdir()
    boundary = Boundary(
        repo=str(tmp_path / "clone"),
        temp_dir=str(tmp_path),
        temp_entries_at_start=frozenset({"clone", "shared"}),
    )
    assert boundary.outside(tmp_path / "shared" / "x.json")
    assert not boundary.outside(tmp_path / "tmpab12cd" / "x.db")
    excused = Boundary(repo=str(tmp_path / "clone"), excused=(str(tmp_path / "pytest-of-me"),))
    assert not excused.outside(tmp_path / "pytest-of-me" / "pytest-1" / "t0" / "e.db")
    assert not boundary.outside(tmp_path)  # the temp folder itself: tempfile lists it
    assert excused.outside(tmp_path / "pytest-of-me-not" / "x")


# -- the hook installed for this run records such reads ------------------------------------------------------
def test_the_running_hook_records_a_read_beside_the_repository(read_watch: ReadWatch) -> None:
    missing = ROOT.parent / "shared" / f"no-such-file-{uuid.uuid4().hex}.json"  # never exists: nothing is read
    # The plain rule: in a clone inside the temp folder this run's rule excuses a "shared" made after it began.
    with read_watch.expect(Boundary(repo=str(ROOT))) as caught:
        with pytest.raises(FileNotFoundError):
            missing.read_text()
        with pytest.raises(FileNotFoundError):
            os.listdir(missing.parent / uuid.uuid4().hex)
        (ROOT / "pyproject.toml").read_text()  # inside: not recorded
    assert [(read.event, read.path) for read in caught] == [
        ("open", str(missing)),
        ("os.listdir", str(missing.parent / Path(caught[1].path).name)),
    ]
    assert all("test_the_running_hook_records" in read.during for read in caught)


# -- no test source names the reference folder or the repository's parent --------------------------------------
_SHARED = re.compile(r"""\bshared/|["'/]shared["']""")
_PARENT_OF_ROOT = re.compile(r"\b(?:ROOT|REPO|REPOSITORY)\s*\.\s*parent\b|\bos\.pardir\b")
_DOTDOT_JOIN = re.compile(r"""(?:/\s*|Path\(\s*)["']\.\.(?:["'/\\])""")
_PARENTS = re.compile(r"__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]")


def references_outside(text: str, depth: int) -> list[str]:
    """What in a test source at `depth` path parts below the repository root points beside the repository."""
    found = [m.group(0) for pattern in (_SHARED, _PARENT_OF_ROOT, _DOTDOT_JOIN) for m in pattern.finditer(text)]
    # Path(__file__).parents[n] is the repository root for n == depth - 1; beyond it is the parent.
    found += [m.group(0) for m in _PARENTS.finditer(text) if int(m.group(1)) >= depth]
    return found


def test_the_static_rule_recognises_references_outside() -> None:
    assert references_outside('SAMPLES = ROOT.parent / "emby-api"', 2) == ["ROOT.parent"]
    assert references_outside('SPEC = "../shared/emby-api/openapi_v3.json"', 2) == ["shared/"]
    assert references_outside('SAMPLES = BASE / "shared" / "samples"', 2) == ['"shared"']
    assert references_outside('base = Path(__file__).resolve().parents[3] / "x"', 3) == [
        "__file__).resolve().parents[3]"
    ]
    assert references_outside('d = HERE / ".." / "x"', 2) == ['/ ".."']
    assert references_outside('ROOT = Path(__file__).resolve().parents[2]\nshared = {"Name"}', 3) == []
    assert references_outside('params = {"item_id": "../../etc/passwd"}', 2) == []  # hostile input, not a path


# This module names those places on purpose, to test the guards; what it opens is still checked by the hook.
_EXEMPT = {"tests/test_suite_guards.py"}


def test_no_test_source_refers_beside_the_repository() -> None:
    offenders = {}
    for path in sorted((ROOT / "tests").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".md", ".json", ".txt"}:
            rel = path.relative_to(ROOT)
            if rel.as_posix() not in _EXEMPT and (found := references_outside(path.read_text("utf-8"), len(rel.parts))):
                offenders[rel.as_posix()] = found
    assert offenders == {}, "tests must use tests/fixtures/, not files beside the repository"


# -- a skip must say why -------------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "  ", "unconditional skip", "Skipped", "todo", "flaky", "TODO."])
def test_vague_skip_reasons_are_refused(reason: str) -> None:
    assert unactionable(reason)


@pytest.mark.parametrize("reason", ["needs ffprobe on PATH (apt-get install ffmpeg)", "Windows has no SIGKILL"])
def test_actionable_skip_reasons_pass(reason: str) -> None:
    assert not unactionable(reason)


def test_a_skip_without_a_reason_fails_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_bare_skip():
            pytest.skip()

        @pytest.mark.skip
        def test_bare_mark():
            pass

        @pytest.mark.skip(reason="needs a GPU: run on the benchmark machine")
        def test_explained():
            pass
        """
    )
    result = pytester.runpytest("-p", "tests.skip_reasons", "-p", "no:asyncio", "-ra")
    result.assert_outcomes(failed=1, errors=1, skipped=1)  # a skip mark acts at setup: reported as an error
    result.stdout.fnmatch_lines(["*skipped without an actionable reason*", "SKIPPED*needs a GPU*"])


# -- the configuration that makes a sloppy test fail ----------------------------------------------------------
def test_the_suite_runs_strict(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.getini("filterwarnings")[0] == "error"  # every warning is an error
    assert pytestconfig.getini("xfail_strict") is True  # an xfail that passes is a failure
    assert pytestconfig.option.strict_config and pytestconfig.option.strict_markers
