"""Python's cyclic garbage collector, paused while we build large trees of new objects that hold no cycles.

Decoding an Emby answer, or turning a page of plugin rows into plays, makes tens of thousands of lists, dicts and
tuples in a burst. Every 700 new containers start a collection that walks the young ones, and every so often one
that walks all of them: a history import spent more than half of its JSON decoding and nearly half of its row
parsing in the collector, looking for cycles such trees cannot hold. Paused for the burst, it looks at what was
made once, after.

The collector is one per process, whatever thread runs, so the count of pauses under way is too: the import
decodes the next page on the event loop while the writer thread stores the last one, and the collector runs again
only when neither is at it. This count is the module's only state, and it mirrors the interpreter's own.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = [0]  # pauses under way, of any thread (a list: mutated in place, never rebound)


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside; on again when the last pause ends. A collector that was off already (by
    `gc.disable()` elsewhere) is left as it was."""
    with _lock:
        if _pauses[0] or gc.isenabled():
            _pauses[0] += 1
            gc.disable()
            ours = True
        else:
            ours = False
    try:
        yield
    finally:
        if ours:
            with _lock:
                _pauses[0] -= 1
                if not _pauses[0]:
                    gc.enable()
