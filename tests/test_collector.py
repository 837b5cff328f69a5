"""The collector's pause: off inside, on after the last of overlapping pauses (from any thread), and a collector
turned off elsewhere stays off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from emby_analytics import collector


@pytest.fixture(autouse=True)
def enabled() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_off_inside_on_after_even_when_the_work_fails() -> None:
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector.paused():
        raise ValueError("the page did not parse")
    assert gc.isenabled()


def test_overlapping_pauses_of_two_threads_end_with_the_last() -> None:
    first_in, first_out = threading.Event(), threading.Event()

    def writer() -> None:
        with collector.paused():
            first_in.set()
            first_out.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    assert first_in.wait(5)
    with collector.paused():
        first_out.set()
        thread.join(5)
        assert not gc.isenabled(), "the other thread's pause ended, this one goes on"
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off() -> None:
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
