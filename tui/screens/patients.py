"""Patients: search, registration, insurance, eligibility and the account ledger (being built)."""

from __future__ import annotations

from tui.screens.placeholder import STAGES, StageScreen


class PatientsScreen(StageScreen):
    def __init__(self) -> None:
        super().__init__(*STAGES["patients"])


def open_patient(app, patient_id: int) -> None:
    """Switch to the Patients mode and show one patient's record."""
    app.switch_mode("patients")
