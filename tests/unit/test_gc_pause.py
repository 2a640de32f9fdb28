"""The collector pause used around bulk posting: nested and concurrent users, and the state it
restores."""

from __future__ import annotations

import gc
import threading

import pytest

from core.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_inside_and_back_on_after_even_when_the_work_fails():
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer user still works
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("the posting failed")
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_the_last_of_two_threads_turns_it_back_on():
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    with gc_paused():
        t.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other thread is still posting
    release.set()
    t.join(5)
    assert gc.isenabled()
