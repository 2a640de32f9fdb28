"""Every binding on every screen and widget has an id (remappable), a tooltip and a label."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import tui


def _classes():
    for mod in pkgutil.walk_packages(tui.__path__, "tui."):
        module = importlib.import_module(mod.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                yield cls


def test_every_binding_has_an_id_tooltip_and_label():
    missing = []
    for cls in _classes():
        for binding in cls.__dict__.get("BINDINGS", ()):
            if not isinstance(binding, Binding):
                missing.append(f"{cls.__name__}: {binding!r} is a tuple, not a Binding")
                continue
            if not binding.id or not binding.tooltip or not binding.description:
                missing.append(f"{cls.__name__}: {binding.key} -> {binding.action}")
    assert not missing, "\n".join(missing)


def test_every_screen_has_help_for_a_first_week_biller():
    from textual.screen import ModalScreen, Screen

    without = [
        cls.__name__
        for cls in _classes()
        if issubclass(cls, Screen) and not issubclass(cls, ModalScreen)
        and cls.__name__ not in ("ServiceScreen", "StageScreen", "DeskScreen")
        and not (getattr(cls, "HELP", None) or "").strip()
    ]  # fmt: skip
    assert not without, without
