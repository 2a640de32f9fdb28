"""The coder's screen: the note beside the code entry (being built)."""

from __future__ import annotations

from tui.screens.placeholder import STAGES, StageScreen


class CodingScreen(StageScreen):
    def __init__(self) -> None:
        super().__init__(*STAGES["coding"])


def open_coder(app, encounter_id: int) -> None:
    """Switch to the Coding mode with one encounter open for coding."""
    app.switch_mode("coding")
