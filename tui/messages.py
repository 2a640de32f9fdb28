"""Messages workers post back to screens (workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class Loaded(Message):
    """A worker finished reading: ``what`` names the request, ``value`` is its DTO(s)."""

    what: str
    value: Any


@dataclass
class Failed(Message):
    """A worker failed with an error meant for the user (never a traceback)."""

    what: str
    error: str
