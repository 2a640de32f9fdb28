"""Visits: create an encounter, read the provider's note, hand it to coding (being built)."""

from __future__ import annotations

from tui.screens.placeholder import STAGES, StageScreen


class EncountersScreen(StageScreen):
    def __init__(self) -> None:
        super().__init__(*STAGES["encounters"])


def open_encounter(app, encounter_id: int) -> None:
    """Switch to the Visits mode and show one encounter."""
    app.switch_mode("encounters")
