"""TUI fixtures: a seeded demo database (fixed 'today', fixed seed) copied per test."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from core.store import Store


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, codes_template) -> Path:
    from sample_data import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(codes_template, path)
    store = Store(str(path), actor="seed")
    demo.seed(store)  # fixed seed and fixed 'today': the same rows every run
    store.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def demo_db(tmp_path, demo_template) -> str:
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_template, target)
    return str(target)


async def wait_until(pilot, predicate, timeout: float = 30.0) -> None:
    """Wait on a condition (bounded), never on a counted number of pauses."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)
        await asyncio.sleep(0)
