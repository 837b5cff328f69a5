"""The C heap: glibc's allocator, which SQLite, pydantic-core and Python's objects of over 512 bytes use.

Two things keep what it holds at idle small; both do nothing where the C library is not glibc (musl, macOS).

- One arena (`one_arena`, as the service starts): glibc gives each thread that allocates an arena of its own, up to
  eight per core, and what a thread frees stays in its arena. The service's SQLite threads (a writer, four readers)
  and worker threads each grew one; with one arena for all they share what is free. Measured on the demo library:
  0.6-0.8 MB less idle after a first start, 0.3-0.5 after a restart; threads still allocate small blocks from a
  cache of their own (glibc's tcache), and the statistics at tier L answer as fast (docs/benchmarks.md, Memory).
  An admin's own `MALLOC_ARENA_MAX` (or the glibc tunable) is left to decide.
- `release()` after a big job: glibc keeps the pages a job freed (a full sync parses thousands of items) for
  reuse, ~20 MB of the idle service's RSS after start-up; a trim hands back every free page and costs a few ms.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

_M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)


@functools.cache
def _glibc() -> Any:
    """glibc, loaded through ctypes; None elsewhere (a glibc shim on musl lacks glibc's version call)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # only here: nothing else of the service needs it

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") else None


def one_arena() -> bool:
    """Have every thread allocate from one arena. Call before the service starts its threads (an arena a thread
    has already made stays in use). Whether glibc took it: not elsewhere, nor when the admin set the arena count."""
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, 1) == 1)


def release() -> None:
    """Hand the C heap's free pages back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
