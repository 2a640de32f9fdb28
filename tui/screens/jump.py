"""Jump mode (ctrl+o): every focusable part of the screen gets a key; press it to go there."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from tui.bindings import identify

KEYS = "123456789abcdefghilmnopqrstuvwxyz"


def _describe(widget: Widget) -> str:
    label = getattr(widget, "placeholder", "") or getattr(widget, "border_title", "") or ""
    name = widget.id or type(widget).__name__
    return (
        f"{type(widget).__name__} {name if name != type(widget).__name__ else ''} {label}".strip()
    )


class JumpScreen(ModalScreen[Widget | None]):
    """Returns the widget picked (or None on escape)."""

    BINDINGS = identify(
        "jump_screen", [Binding("escape", "dismiss_none", "Cancel", tooltip="Stay where you are")]
    )
    DEFAULT_CSS = """
    JumpScreen { align: center middle; }
    JumpScreen > Vertical { width: 60; height: auto; max-height: 90%; border: round $accent;
                            background: $panel; padding: 0 1; }
    """

    def __init__(self, targets: list[Widget]) -> None:
        super().__init__()
        self.targets = dict(zip(KEYS, targets, strict=False))

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Jump to[/b] (press a key, escape to stay)")
            for key, widget in self.targets.items():
                yield Static(f"[b reverse] {key} [/]  {_describe(widget)}")

    def on_key(self, event) -> None:
        if event.character and event.character in self.targets:
            event.stop()
            self.dismiss(self.targets[event.character])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
