"""Stages whose screens are still being built: say so plainly, and what the stage is for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown


class StageScreen(Screen):
    def __init__(self, title: str, about: str) -> None:
        super().__init__()
        self.stage_title = title
        self.about = about
        self.HELP = f"## {title}\n\n{about}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Markdown(
            f"# {self.stage_title}\n\n{self.about}\n\n*This stage's screen is not built yet.*"
        )
        yield Footer()


STAGES = {
    "patients": ("Patients", "Find a patient by name, date of birth, account or member ID; "
                 "register new patients and their insurance in order (primary, secondary, tertiary)."),
    "encounters": ("Visits", "Each visit: date of service, place of service, providers, "
                   "authorization and the provider's clinical note."),
    "coding": ("Coding", "The note beside the code entry: ICD-10-CM diagnoses, CPT/HCPCS lines "
               "with modifiers, units, charges and diagnosis pointers."),
    "payments": ("Payments", "835 remittances posted to the cent, manual posting of paper EOBs "
                 "and patient payments."),
    "reports": ("Reports", "Accounts receivable by age, denials by reason, and the office's KPIs."),
}  # fmt: skip
