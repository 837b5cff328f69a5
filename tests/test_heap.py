"""The C heap's settings (emby_analytics.heap) on glibc: one arena for every thread, and free pages handed back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from emby_analytics import heap

pytestmark = pytest.mark.skipif(heap._glibc() is None, reason="glibc only (musl and macOS have no arenas to limit)")

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


def _arenas(tmp_path: Path, mode: str) -> tuple[str, int]:
    report = tmp_path / f"{mode}.xml"
    done = subprocess.run(
        [sys.executable, "-c", _THREADS_ALLOCATE, mode, str(report)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip(), report.read_text().count("<heap nr=")


def test_one_arena_serves_every_thread(tmp_path: Path) -> None:
    took, arenas = _arenas(tmp_path, "one")
    assert took == "True"
    assert arenas == 1
    _, by_default = _arenas(tmp_path, "default")
    assert by_default > 1, "glibc gives threads arenas of their own unless told"
