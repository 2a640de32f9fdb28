"""Shared fixtures: temporary SQLite *files* migrated to head (never only :memory:)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from core.store import Store


def _copy_db(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    store = Store(str(path))
    store.upgrade()
    store.engine.dispose()
    # Fold the WAL into the main file so a plain copy carries everything.
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture(scope="session")
def codes_template(tmp_path_factory, migrated_template) -> Path:
    """A migrated database with the built-in code sets loaded (done once per session)."""
    from core.services import codesets

    path = tmp_path_factory.mktemp("codes") / "codes.db"
    _copy_db(migrated_template, path)
    store = Store(str(path))
    codesets.load_builtin(store)
    store.engine.dispose()
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def store(tmp_path, migrated_template) -> Store:
    """An empty, migrated database file; user 'tester'."""
    s = Store(str(_copy_db(migrated_template, tmp_path / "claimdesk.db")), actor="tester")
    yield s
    s.dispose()


@pytest.fixture
def codes_store(tmp_path, codes_template) -> Store:
    """A migrated database file with the built-in code sets; user 'tester'."""
    s = Store(str(_copy_db(codes_template, tmp_path / "claimdesk.db")), actor="tester")
    yield s
    s.dispose()


DOS = dt.date(2026, 10, 14)


@pytest.fixture(scope="session")
def sftp_server():
    """One loopback OpenSSH sshd per test session (per xdist worker): a real SFTP server."""
    from tests.sftp import sftp_server_or_skip

    with sftp_server_or_skip() as server:
        yield server
