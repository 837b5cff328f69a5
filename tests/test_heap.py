"""One glibc arena for every thread (emby_analytics.heap), as glibc itself reports its arenas."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _is_glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and hasattr(ctypes.CDLL("libc.so.6"), "gnu_get_libc_version")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _is_glibc(), reason="glibc only (musl and macOS have no arenas to limit)")

# Threads that allocate blocks glibc serves (over Python's 512 bytes), then glibc's own account of its arenas.
_THREADS_ALLOCATE = textwrap.dedent(
    """
    import ctypes, sys, threading
    from emby_analytics import heap

    took = heap.one_arena() if sys.argv[1] == "one" else False
    def work():
        blocks = [bytes(2000) for _ in range(5000)]
        heap.release()
    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc = ctypes.CDLL("libc.so.6")
    libc.fopen.restype = ctypes.c_void_p
    out = libc.fopen(sys.argv[2].encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(out))
    libc.fclose(ctypes.c_void_p(out))
    print(took)
    """
)


def _arenas(tmp_path: Path, mode: str, **env: str) -> tuple[str, int]:
    """What `one_arena` said (or False when not asked) and how many arenas glibc has after four threads ran."""
    report = tmp_path / f"{mode}.xml"
    clean = {k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")}
    done = subprocess.run(
        [sys.executable, "-c", _THREADS_ALLOCATE, mode, str(report)],
        capture_output=True,
        text=True,
        check=True,
        env={**clean, **env},
    )
    return done.stdout.strip(), report.read_text().count("<heap nr=")


def test_one_arena_serves_every_thread(tmp_path: Path) -> None:
    took, arenas = _arenas(tmp_path, "one")
    assert took == "True"
    assert arenas == 1
    _, by_default = _arenas(tmp_path, "default")
    assert by_default > 1, "glibc gives threads arenas of their own unless told"


def test_an_admins_arena_count_is_left_alone(tmp_path: Path) -> None:
    took, arenas = _arenas(tmp_path, "one", MALLOC_ARENA_MAX="3")
    assert took == "False"
    assert arenas > 1
