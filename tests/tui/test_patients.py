"""Pilot tests: the Patients stage by keyboard alone, on the seeded demo practice.

Demo patients used here (fixed seed): A000005 Priya Hernandez (Medicare primary + supplement
secondary, balances on both sides), A000001 Stephen Webb (one employer policy) and his wife
A000002 Olivia Webb.
"""

from __future__ import annotations

import sys
import types

import pytest
from textual.widgets import DataTable, Input

from core.services import patients as patient_service
from core.store import Store
from tui.app import ClaimDeskApp
from tui.screens.patient_forms import EndPolicyForm, GuarantorForm, PatientForm, PolicyForm
from tui.screens.patients import BenefitsCard, PatientScreen, PatientsScreen, open_patient
from tui.widgets.fast_table import FastTable
from tui.widgets.forms import FormField, fmt_money, parse_date, parse_money

from .conftest import wait_until


def _app(db: str) -> tuple[ClaimDeskApp, list]:
    seen: list = []
    app = ClaimDeskApp(store_url=db, user="tester")
    app.notes = []  # every notification's text, in order
    notify = app.notify

    def recording_notify(message, *args, **kwargs):
        app.notes.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording_notify
    return app, seen


async def _to_patients(pilot) -> None:
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(pilot.app.focused, Input))


async def _search(pilot, seen: list, text: str) -> FastTable:
    """Clear the search box, type ``text``, wait until its results are on screen."""
    await pilot.press("end", "ctrl+u", *text)
    want = text.strip()
    await wait_until(
        pilot,
        lambda: any(isinstance(m, PatientsScreen.ResultsShown) and m.text == want for m in seen),
    )
    seen.clear()
    return pilot.app.screen.query_one("#patient-results", FastTable)


def _accounts(table: FastTable) -> list[str]:
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]


async def _open_record(pilot, seen: list, account: str) -> PatientScreen:
    await _to_patients(pilot)
    await _search(pilot, seen, account)
    await pilot.press("enter")  # one match: enter opens it
    await wait_until(
        pilot,
        lambda: isinstance(pilot.app.screen, PatientScreen) and pilot.app.screen.record is not None,
    )
    return pilot.app.screen


def _field(screen, name: str) -> FormField:
    return screen.query_one(f"#f-{name}", FormField)


async def _form_ready(pilot, form_class) -> None:
    """The form is up and has put the cursor in its first field."""

    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, form_class):
            return False
        first = next(iter(screen.fields().values()), None)
        return first is not None and pilot.app.focused is first.control

    await wait_until(pilot, ready)


def _store(db: str) -> Store:
    return Store(db, actor="tester")


# -- the small pieces -----------------------------------------------------------------------------


def test_parsers_and_formatters():
    assert parse_date("07/14/1957").isoformat() == "1957-07-14"
    assert parse_date("7/4/1957").isoformat() == "1957-07-04"
    assert parse_date("07141957").isoformat() == "1957-07-14"
    assert parse_date("1957-07-14").isoformat() == "1957-07-14"
    for bad, words in (
        ("13/45/1990", "not a real date"),
        ("07/14/57", "full year"),
        ("x", "MM/DD/YYYY"),
    ):
        with pytest.raises(ValueError, match=words):
            parse_date(bad)
    assert parse_money("$1,234.50") == 123450
    assert parse_money("40") == 4000
    with pytest.raises(ValueError):
        parse_money("12.3.4")
    assert fmt_money(123456) == "$1,234.56"
    assert fmt_money(-500) == "-$5.00"
    assert fmt_money(0) == "$0.00"


# -- search ---------------------------------------------------------------------------------------


async def test_search_by_name_dob_account_and_member_id(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await _to_patients(pilot)
        table = await _search(pilot, seen, "hern, p")
        assert "A000005" in _accounts(table)
        assert str(table.get_row_at(_accounts(table).index("A000005"))[1]) == "07/14/1957"
        table = await _search(pilot, seen, "07/14/1957")
        assert "A000005" in _accounts(table)
        table = await _search(pilot, seen, "a000005")
        assert _accounts(table) == ["A000005"]
        member_id = patient_service.get_patient(_store(demo_db), 5).policies[0].member_id
        table = await _search(pilot, seen, member_id)
        assert _accounts(table) == ["A000005"]
        table = await _search(pilot, seen, "zzq")
        assert table.row_count == 0
        assert "No patient matches" in str(app.screen.query_one("#search-status").render())
        # The table never holds more than a screenful of pages.
        table = await _search(pilot, seen, "a")
        assert 0 < table.row_count <= 50


async def test_typing_fast_shows_the_last_text_results(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await _to_patients(pilot)
        await pilot.press(*"webb")  # no waiting between keys
        await wait_until(
            pilot,
            lambda: any(
                isinstance(m, PatientsScreen.ResultsShown) and m.text == "webb" for m in seen
            ),
        )
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#patient-results", FastTable)
        assert {"A000001", "A000002"} <= set(_accounts(table))
        assert all(str(table.get_row_at(i)[0]).startswith("Webb") for i in range(table.row_count))


# -- the record -----------------------------------------------------------------------------------


async def test_open_record_shows_policies_balances_and_ledger(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _open_record(pilot, seen, "A000005")
        detail = screen.record.detail
        policies = screen.query_one("#policies", DataTable)
        assert policies.row_count == 2
        first, second = policies.get_row_at(0), policies.get_row_at(1)
        assert str(first[0]) == "Primary" and "Medicare Part B" in str(first[1])
        assert str(second[0]) == "Secondary"
        balances = str(screen.query_one("#balances").render())
        for cents in (detail.balance.insurance_cents, detail.balance.patient_cents):
            assert fmt_money(cents) in balances
        assert fmt_money(detail.balance.insurance_cents + detail.balance.patient_cents) in balances
        ledger = screen.query_one("#ledger", DataTable)
        assert ledger.row_count == len(screen.record.entries) > 0
        # the running balance on the last line is the account's total
        assert str(ledger.get_row_at(ledger.row_count - 1)[4]).strip() == fmt_money(
            detail.balance.insurance_cents + detail.balance.patient_cents
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, PatientsScreen))


async def test_open_patient_from_another_stage(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        open_patient(app, 5)
        await wait_until(
            pilot, lambda: isinstance(app.screen, PatientScreen) and app.screen.record is not None
        )
        assert app.current_mode == "patients"
        open_patient(app, 1)  # replaces the open record rather than piling up
        await wait_until(
            pilot, lambda: isinstance(app.screen, PatientScreen) and app.screen.patient_id == 1
        )
        assert len(app.screen_stack) == 2


# -- registration ---------------------------------------------------------------------------------


async def _fill_registration(pilot, *, dob: str, phone: str, state: str, zip_code: str) -> None:
    await pilot.press(*"Ann", "tab", *"Example", "tab", "tab", *dob, "tab")
    await pilot.press("enter", "down", "enter")  # the Sex list: blank -> F
    await pilot.press("tab", *phone, "tab", *"1 Elm", "tab", "tab", *"Bend", "tab")
    await pilot.press(*state, "tab", *zip_code)


async def test_register_by_keyboard_bad_input_kept_in_place_then_saved(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await _to_patients(pilot)
        await pilot.press("ctrl+n")
        await _form_ready(pilot, PatientForm)
        form = app.screen
        await _fill_registration(pilot, dob="02/30/1990", phone="555", state="XX", zip_code="972")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form, "the form stays open"
        errors = {n: _field(form, n).error for n in ("date_of_birth", "phone", "state", "zip_code")}
        assert "not a real date" in errors["date_of_birth"]
        assert "10 digits" in errors["phone"]
        assert "not a US state" in errors["state"]
        assert "5 or 9 digits" in errors["zip_code"]
        assert _field(form, "first_name").error == ""
        assert "4 fields to fix" in str(form.query_one("#form-error").render())
        # everything typed is still there, and focus is on the first field to fix
        typed = {n: _field(form, n).raw() for n in ("first_name", "last_name", "date_of_birth",
                                                     "phone", "state", "zip_code", "city")}  # fmt: skip
        assert typed == {"first_name": "Ann", "last_name": "Example", "date_of_birth": "02/30/1990",
                         "phone": "555", "state": "XX", "zip_code": "972", "city": "Bend"}  # fmt: skip
        assert app.focused is _field(form, "date_of_birth").control
        assert patient_service.search_patients(_store(demo_db), "example, ann") == []
        # a message goes away as soon as its field is right; the others stay until fixed
        await pilot.press("ctrl+u", *"03/15/1990")
        assert _field(form, "date_of_birth").error == ""
        assert _field(form, "zip_code").error
        for name, text in (("phone", "503-555-0142"), ("state", "or"), ("zip_code", "97701")):
            _field(form, name).control.focus()
            await pilot.press("end", "ctrl+u", *text)
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: isinstance(app.screen, PatientScreen) and app.screen.record is not None
        )
        patient = app.screen.record.detail.patient
        assert (patient.first_name, patient.last_name, patient.date_of_birth.isoformat()) == (
            "Ann", "Example", "1990-03-15",
        )  # fmt: skip
        assert (patient.phone, patient.state, patient.zip_code) == ("5035550142", "OR", "97701")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, PatientsScreen))
        await pilot.press("slash")
        table = await _search(pilot, seen, "example, ann")
        assert _accounts(table) == [patient.account_number]


async def test_registering_the_same_person_twice_is_refused_at_the_top(demo_db):
    existing = patient_service.get_patient(_store(demo_db), 5).patient
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await _to_patients(pilot)
        typed = {"first_name": existing.first_name, "last_name": existing.last_name,
                 "date_of_birth": existing.date_of_birth.strftime("%m/%d/%Y"),
                 "address_line1": "1 Elm", "city": "Bend", "state": "OR", "zip_code": "97701"}  # fmt: skip
        app.push_screen(PatientForm(prefill=typed))  # as if typed: the keys are tested above
        await _form_ready(pilot, PatientForm)
        form = app.screen
        await pilot.press("tab", "tab", "tab", "tab", "enter", "down", "enter", "ctrl+s")
        await wait_until(
            pilot, lambda: "already registered" in str(form.query_one("#form-error").render())
        )
        assert existing.account_number in str(form.query_one("#form-error").render())
        assert app.screen is form
        assert {n: _field(form, n).raw() for n in typed} == typed


# -- demographics, guarantor ----------------------------------------------------------------------


async def test_edit_demographics_and_set_a_guarantor(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _open_record(pilot, seen, "A000001")
        await pilot.press("d")
        await _form_ready(pilot, PatientForm)
        form = app.screen
        assert _field(form, "first_name").raw() == "Stephen"
        _field(form, "phone").control.focus()
        await pilot.press("ctrl+u", "end", "ctrl+u", *"(971) 555-0199", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: screen.record.detail.patient.phone == "9715550199")
        assert "(971) 555-0199" in str(screen.query_one("#demographics").render())

        await pilot.press("g")
        await _form_ready(pilot, GuarantorForm)
        await pilot.press(
            *"Olivia", "tab", *"Webb", "tab", "enter", "down", "down", "enter"
        )  # spouse
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: screen.record.detail.guarantor is not None)
        assert "Olivia Webb (spouse)" in str(screen.query_one("#demographics").render())


# -- insurance ------------------------------------------------------------------------------------


async def _choose(pilot, downs: int) -> None:
    await pilot.press("enter", *(["down"] * downs), "enter")


async def test_add_a_secondary_policy_with_the_spouse_as_subscriber(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _open_record(pilot, seen, "A000001")
        assert screen.query_one("#policies", DataTable).row_count == 1
        await pilot.press("p")
        await _form_ready(pilot, PolicyForm)
        form = app.screen
        assert _field(form, "rank").value() == 2, "the next free rank is offered"
        payers = [p.name for p in screen.record.payers]
        await _choose(pilot, payers.index("Sandbox Health Insurance Co") + 1)  # past the blank
        await pilot.press("tab", "tab", *"SH1", "tab", *"G7", "tab", *"01/01/2026")
        _field(form, "relationship_code").control.focus()
        await _choose(pilot, 1)  # 18 self -> 01 spouse
        assert not _field(form, "subscriber_account").disabled
        _field(form, "subscriber_account").control.focus()
        await pilot.press(*"a000002", "tab")
        await wait_until(pilot, lambda: "Webb, Olivia" in str(
            _field(form, "subscriber_account").query_one(".field-note").render()))  # fmt: skip
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: len(screen.record.detail.policies) == 2)
        table = screen.query_one("#policies", DataTable)
        row = table.get_row_at(1)
        assert str(row[0]) == "Secondary" and "Health Insurance" in str(row[1])
        assert str(row[2]) == "SH1"
        policy = screen.record.detail.policies[1]
        assert (policy.relationship_code, policy.subscriber_first_name, policy.subscriber_patient_id) == (
            "01", "Olivia", 2,
        )  # fmt: skip


async def test_a_policy_that_ends_before_it_starts_is_refused_in_place(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _open_record(pilot, seen, "A000001")
        await pilot.press("p")
        await _form_ready(pilot, PolicyForm)
        form = app.screen
        await _choose(pilot, 1)
        await pilot.press("tab", "tab", *"M999", "tab", "tab", *"01/01/2026", "tab", *"12/31/2025")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "end before it starts" in _field(form, "effective_to").error
        assert _field(form, "effective_to").raw() == "12/31/2025"
        assert _field(form, "member_id").raw() == "M999"
        assert len(patient_service.get_patient(_store(demo_db), 1).policies) == 1
        # an unknown subscriber account is refused next to the field, too
        _field(form, "relationship_code").control.focus()
        await _choose(pilot, 1)
        _field(form, "subscriber_account").control.focus()
        await pilot.press(*"A999999", "tab")
        await wait_until(pilot, lambda: "No patient" in _field(form, "subscriber_account").error)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_end_a_policy(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _open_record(pilot, seen, "A000001")
        start = screen.record.detail.policies[0].effective_from
        await pilot.press("x")
        await _form_ready(pilot, EndPolicyForm)
        await pilot.press(*f"{start.month:02d}/{start.day:02d}/{start.year - 1}", "ctrl+s")
        await wait_until(
            pilot, lambda: "cannot end before" in str(app.screen.query_one("#form-error").render())
        )
        await pilot.press("ctrl+u", *"12/31/2099", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: screen.record.detail.policies[0].effective_to is not None)
        assert str(screen.query_one("#policies", DataTable).get_row_at(0)[4]) == "12/31/2099"


# -- eligibility hook -----------------------------------------------------------------------------


async def test_eligibility_without_the_service_says_so(demo_db, monkeypatch):
    monkeypatch.setitem(sys.modules, "core.services.eligibility", None)  # import fails
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await _open_record(pilot, seen, "A000005")
        await pilot.press("e")
        await pilot.pause()
        assert any("Eligibility checks arrive" in n for n in app.notes)
        assert isinstance(app.screen, PatientScreen)


async def test_eligibility_result_shows_as_a_benefits_card(demo_db, monkeypatch):
    calls = []

    def check_eligibility(store, patient_id, service_date=None, rank=1):
        calls.append((patient_id, rank))
        return types.SimpleNamespace(
            coverage_active=True, status="active", copay_cents=2000, coinsurance_percent=20,
            deductible_cents=25700, deductible_remaining_cents=10000,
            out_of_pocket_remaining_cents=150000, messages=("Primary care visits covered",),
            source_lines=("EB*1*IND*30", "EB*B*IND*98***27*20"),
        )  # fmt: skip

    fake = types.ModuleType("core.services.eligibility")
    fake.check_eligibility = check_eligibility
    monkeypatch.setitem(sys.modules, "core.services.eligibility", fake)
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _open_record(pilot, seen, "A000005")
        await pilot.press("down", "e")  # the secondary policy
        await wait_until(pilot, lambda: isinstance(app.screen, BenefitsCard))
        assert calls == [(5, 2)]
        body = str(app.screen.query_one("#card-body").render())
        for words in ("Active", "$20.00", "20%", "$257.00: $157.00 met, $100.00 remaining",
                      "$1,500.00 remaining", "Primary care visits covered", "EB*1*IND*30"):  # fmt: skip
            assert words in body
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_a_broken_eligibility_service_is_a_notification(demo_db, monkeypatch):
    fake = types.ModuleType("core.services.eligibility")

    def check_eligibility(store, patient_id, service_date=None, rank=1):
        raise RuntimeError("clearinghouse timed out")

    fake.check_eligibility = check_eligibility
    monkeypatch.setitem(sys.modules, "core.services.eligibility", fake)
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await _open_record(pilot, seen, "A000005")
        await pilot.press("e")
        await wait_until(pilot, lambda: any("clearinghouse timed out" in n for n in app.notes))
        assert isinstance(app.screen, PatientScreen)


def test_every_patient_binding_has_id_and_help():
    for screen in (PatientsScreen, PatientScreen, PatientForm, GuarantorForm, PolicyForm,
                   EndPolicyForm, BenefitsCard):  # fmt: skip
        assert screen.HELP and len(screen.HELP) > 200, screen
        for binding in screen.BINDINGS:
            assert binding.id and binding.tooltip and binding.description, (screen, binding)


async def test_results_by_keyboard_help_and_prefilled_registration(demo_db):
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await _to_patients(pilot)
        table = await _search(pilot, seen, "webb")
        await pilot.press("down")  # from the search box into the results
        assert app.focused is table
        await pilot.press("j")
        assert table.cursor_row == 1
        await pilot.press("k", "f1")
        assert "Patients: find or register" in str(
            app.screen.query_one("HelpPanel Markdown").source
        )
        await pilot.press("f1", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PatientScreen))
        assert app.screen.patient_id == int(table.key_at(0))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, PatientsScreen))
        await pilot.press("slash")
        await _search(pilot, seen, "zzqx, ann")
        await pilot.press("ctrl+n")
        await _form_ready(pilot, PatientForm)
        assert (_field(app.screen, "last_name").raw(), _field(app.screen, "first_name").raw()) == (
            "Zzqx", "Ann",
        )  # fmt: skip
        assert app.focused is _field(app.screen, "first_name").control


async def test_eligibility_with_the_sandbox_clearinghouse(demo_db):
    """The real service (core.services.eligibility) against the sandbox payer."""
    pytest.importorskip("core.services.eligibility")
    app, seen = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _open_record(pilot, seen, "A000005")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BenefitsCard))
        body = str(app.screen.query_one("#card-body").render())
        assert "Coverage" in body and "Active" in body
        assert "Deductible" in body and "From the 271 answer" in body
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
