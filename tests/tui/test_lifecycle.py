"""The front half of the lifecycle by keyboard alone (issue 3's acceptance walk).

Register a patient, add a policy, check eligibility (a 270 is written and passes our X12
checks; the 271 is read back and shown), create the visit with its note, code it from the note
with search and quick entry, mark it coded, and find it in the billing queue.
"""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input, TextArea

from core.services import eligibility, encounters, patients
from core.store import Store
from core.x12.validate270 import validate_270
from tui.app import ClaimDeskApp
from tui.screens.coding import CoderScreen, CodingScreen
from tui.screens.encounters import EncounterScreen, NewEncounterScreen
from tui.screens.patient_forms import PatientForm, PolicyForm
from tui.screens.patients import BenefitsCard, PatientScreen
from tui.screens.queue import QueueScreen

from .conftest import wait_until
from .test_patients import _choose, _field, _fill_registration, _form_ready, _to_patients

TODAY = dt.date(2026, 11, 2)  # the demo seed's fixed "today"
NOTE = "A/P: type 2 diabetes without complications, stable on metformin."


async def test_front_half_of_the_lifecycle_by_keyboard(demo_db):
    store = Store(demo_db)
    seen: list = []
    app = ClaimDeskApp(store_url=demo_db, user="trainee", today=TODAY)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        # 1. Register the patient (Patients, ctrl+n, the form, ctrl+s).
        await _to_patients(pilot)
        await pilot.press("ctrl+n")
        await _form_ready(pilot, PatientForm)
        await _fill_registration(pilot, dob="03/15/1960", phone="503-555-0142", state="OR",
                                 zip_code="97701")  # fmt: skip
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: isinstance(app.screen, PatientScreen) and app.screen.record is not None
        )
        record = app.screen
        patient = record.record.detail.patient
        assert (patient.first_name, patient.last_name) == ("Ann", "Example")

        # 2. Add the primary policy (p): payer, member ID, effective date.
        await pilot.press("p")
        await _form_ready(pilot, PolicyForm)
        form = app.screen
        payers = [p.name for p in record.record.payers]
        await _choose(pilot, payers.index("Sandbox Health Insurance Co") + 1)
        assert _field(form, "rank").value() == 1  # the first free rank: primary
        await pilot.press("tab", "tab")
        assert app.focused is _field(form, "member_id").control
        await pilot.press(*"SHI100200300", "tab", "tab", *"01/01/2026")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is record)
        await wait_until(pilot, lambda: len(record.record.detail.policies) == 1)

        # 3. Check eligibility (e): the sandbox answers; the card shows the 271.
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BenefitsCard))
        body = str(app.screen.query_one("#card-body").render())
        assert "Active" in body and "From the 271 answer" in body
        check = eligibility.last_check(store, patient.id)
        assert check is not None and check.coverage_active
        request, response = eligibility.get_exchange(store, check.check_id)
        assert request.startswith("ISA") and "005010X279A1" in request
        assert validate_270(request) == []  # our own 5010 checks pass
        assert response and "EB*1" in response
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is record)

        # 4. Create the visit (Visits, n) with the provider's note.
        await pilot.press("f4", "n")
        new = app.screen
        assert isinstance(new, NewEncounterScreen)
        await pilot.press(*"example, ann")
        await wait_until(pilot, lambda: len(new._hits) == 1)
        await pilot.press("enter")
        assert new.patient is not None and new.patient.id == patient.id
        await pilot.press("ctrl+u", *f"{TODAY:%m/%d/%Y}", "tab")
        assert app.focused is new.query_one("#provider")
        await pilot.press("enter", "down", "enter")  # the first provider
        reason = new.query_one("#reason", Input)
        for _ in range(8):  # place of service, facility, referring, authorization, reason
            if app.focused is reason:
                break
            await pilot.press("tab")
        assert app.focused is reason
        await pilot.press(*"Diabetes follow-up", "tab")
        assert app.focused is new.query_one("#enc-note", TextArea)
        await pilot.press(*NOTE)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, EncounterScreen))
        visit = app.screen
        await wait_until(pilot, lambda: visit.detail)
        enc_id = visit.encounter_id
        assert encounters.get_encounter(store, enc_id).clinical_note == NOTE

        # 5. Code it (c): the note beside the entry; word search, then quick entry.
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CoderScreen) and app.screen.context)
        coder = app.screen
        assert coder.encounter_id == enc_id
        await pilot.press(*"diabetes without compl")
        await wait_until(pilot, lambda: any(p.code == "E11.9" for p in coder.picks))
        index = next(i for i, p in enumerate(coder.picks) if p.code == "E11.9")
        await pilot.press("down", *["down"] * index, "enter")
        await wait_until(pilot, lambda: [d.code for d in coder.dx] == ["E11.9"])
        await pilot.press("tab", *"99213 x1 1", "enter")
        await wait_until(pilot, lambda: len(coder.lines) == 1)
        assert coder.lines[0].code == "99213" and coder.lines[0].charge_cents > 0

        # 6. Mark it coded (ctrl+d saves first): it leaves the coder's queue.
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, CodingScreen))
        saved = encounters.get_encounter(store, enc_id)
        assert saved.status == "coded" and [d.code for d in saved.diagnoses] == ["E11.9"]

        # 7. Find it in the billing queue: Home -> Coded visits to bill.
        await pilot.press("f2")
        home_table = app.screen.query_one("#queues")
        await wait_until(pilot, lambda: home_table.row_count == 9)
        await pilot.press("j", "enter")  # the second queue: coded visits to bill
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        await wait_until(pilot, lambda: bool(queue.items))
        assert queue.key == "to_bill"
        assert enc_id in [i.record_id for i in queue.items]
        await pilot.press("slash", *"example")
        await wait_until(pilot, lambda: [i.record_id for i in queue.shown] == [enc_id])
    assert patients.find_by_account(store, patient.account_number).id == patient.id
    store.dispose()
