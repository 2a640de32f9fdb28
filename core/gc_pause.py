"""Pause Python's cyclic garbage collector around bulk work (posting a large 835).

Posting a 10,000-claim remittance builds a few hundred thousand short tuples, lists and rows.
None of them form reference cycles (reference counting frees them), but their sheer number
keeps triggering the cyclic collector, whose full passes walk every object the process holds:
measured at 15-20 % of the posting's time. The collector is paused for the bulk step and
turned back on after it (only if it was on), so nothing is leaked: cycles made meanwhile are
collected at the next pass.

Threads share the collector: the pause counts its users, and the last one out restores it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_users = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _users, _was_enabled
    with _lock:
        if _users == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _was_enabled:
                gc.enable()
