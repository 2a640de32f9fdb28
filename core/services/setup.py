"""Bringing a database to life: schema migrations plus the reference code sets."""

from __future__ import annotations

from core.services import codesets
from core.store import Store


def initialize(store: Store) -> dict[str, int]:
    """Migrate a new or old database to head and load any built-in code sets it lacks.

    Returns the number of codes loaded per kind (empty when everything was already there).
    """
    store.upgrade()
    return codesets.load_builtin(store)
