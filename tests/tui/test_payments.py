"""Pilot tests of the Payments stage (F7) by keyboard alone, on the seeded demo practice.

The acceptance walk (issue: "A Pilot test imports an ERA from the Payments screen, previews,
posts, and works one denial"), then batches (close refused when short, closed once balanced),
a patient payment applied oldest first, and errors shown as notifications, not crashes.

The claims are prepared through core services: two coded visits of Medicare patients, billed,
submitted and accepted through the sandbox (so an 837 is behind them); then an 835 paying one
and denying the other is written into the exchange inbox, built with ``core.x12.x835``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from textual.widgets import Input, Static

from core.schemas import ClaimDetail, CodingIn, ServiceLineIn
from core.services import (
    answers,
    claims,
    denials,
    encounters,
    exchange,
    ledger,
    patients,
    payments,
    practice,
    remittance,
    submission,
)
from core.store import Store
from core.x12.envelope import Envelope
from core.x12.x835_model import Adjustment835 as A
from core.x12.x835_model import ClaimPayment, Remittance835, ServicePayment
from tui.app import ClaimDeskApp
from tui.screens.batches import BatchScreen
from tui.screens.era import ImportDialog, PreviewScreen, RemittanceScreen
from tui.screens.payments import PaymentsScreen
from tui.widgets.claim_panels import ConfirmScreen
from tui.widgets.payment_panels import EobLineForm, PaymentForm, ValuesForm

from .conftest import wait_until

TODAY = dt.date(2026, 11, 2)  # the demo seed's fixed "today"
NOW = dt.datetime(2026, 11, 2, 9, 0)
PAY_DAY = dt.date(2026, 10, 30)
ERA_NAME = "era-20261030.835"
TRACE = "CHK20261030"
WEAVER = "A000193"  # a demo patient who owes on three visits (fixed seed)


# -- preparing claims the payer has, through core services ---------------------------------------


def _medicare_patients(store: Store):
    """Demo patients whose primary payer is Medicare, on their own policy."""
    medicare = {p.payer_code for p in practice.list_payers(store) if p.kind == "medicare"}
    seen: set[int] = set()
    for row in claims.claim_rows(store, limit=1000):
        if row.payer_code not in medicare or row.patient_id in seen:
            continue
        seen.add(row.patient_id)
        detail = patients.get_patient(store, row.patient_id)
        for policy in detail.policies:
            if (policy.rank == 1 and policy.payer_code in medicare
                    and policy.active_on(TODAY - dt.timedelta(days=30))
                    and policy.relationship_code == "18"):  # fmt: skip
                yield detail.patient
                break


def _free_day(store: Store, patient) -> dt.date:
    """A weekday before TODAY with no other visit of this patient (so no duplicate claim)."""
    taken = {e.date_of_service for e in encounters.find_encounters(
        store, patient_text=patient.account_number, limit=500)}  # fmt: skip
    day = TODAY - dt.timedelta(days=6)
    while day in taken or day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def sent_claims(store: Store, count: int = 2) -> list[ClaimDetail]:
    """``count`` coded visits billed, submitted and accepted through the sandbox."""
    provider = practice.list_providers(store)[0]
    built = []
    for patient, _ in zip(_medicare_patients(store), range(count), strict=False):
        enc = encounters.create_encounter(store, dict(
            patient_id=patient.id, date_of_service=_free_day(store, patient),
            place_of_service="11", rendering_provider_id=provider.id,
            clinical_note="Diabetes follow-up; venipuncture for A1c."))  # fmt: skip
        lines = (ServiceLineIn(code="99213", pointers=(1,)),
                 ServiceLineIn(code="36415", pointers=(1,)))  # fmt: skip
        encounters.save_coding(store, enc.id, CodingIn(diagnoses=("E11.9",), lines=lines))
        encounters.mark_coded(store, enc.id)
        built.append(claims.build_claim(store, enc.id, today=TODAY).claim.id)
    submission.submit(store, claim_ids=built, today=TODAY, now=NOW)
    submission.sync(store, now=NOW)
    out = [claims.get_claim(store, cid) for cid in built]
    assert [d.claim.status for d in out] == ["accepted"] * count
    return out


# -- building the 835 (as tests/integration/test_remittance.py does) ------------------------------


def svc(code, charge, paid, *adjs, day, allowed=None, remarks=()):
    return ServicePayment(qualifier="HC", code=code, modifiers=(), charge_cents=charge,
                          paid_cents=paid, service_from=day, adjustments=tuple(adjs),
                          allowed_cents=allowed, units="1", remarks=tuple(remarks))  # fmt: skip


def clp(pcn, status, charge, paid, *services, day, pr=0, number="PAYER123", last="", first=""):
    return ClaimPayment(patient_control_number=pcn, status_code=status, charge_cents=charge,
                        paid_cents=paid, patient_responsibility_cents=pr, filing_indicator="MB",
                        payer_claim_number=number, patient_last=last, patient_first=first,
                        service_from=day, services=tuple(services))  # fmt: skip


def text_835(*claims_paid, trace=TRACE, control=7001) -> bytes:
    from core.x12.x835 import build_835

    total = sum(c.paid_cents for c in claims_paid)
    remit = Remittance835(
        control_number="0001", handling_code="I", total_cents=total, credit_debit="C",
        payment_method="CHK", payment_date=PAY_DAY, trace_number=trace,
        payer_identifier="1999999999", payer_name="SANDBOX MEDICARE", payer_id="SBX01",
        payee_name="MAPLE GROVE FAMILY MEDICINE", payee_id="1234567893",
        payee_id_qualifier="XX", payer_address=("1 PAYER WAY", "SALEM", "OR", "973010001"),
        payer_contact_phone="5035550100", claims=tuple(claims_paid),
    )  # fmt: skip
    return build_835(remit, Envelope("CLAIMDESKSBX", "123456789", control, NOW)).encode()


@dataclass(frozen=True)
class Era:
    paid: ClaimDetail
    denied: ClaimDetail
    data: bytes
    paid_cents: int  # what the payer paid on the first claim
    written_off_cents: int  # its CO-45
    patient_cents: int  # its PR-2
    denied_cents: int  # the second claim's charge, denied CO-50


def _name(store: Store, detail: ClaimDetail) -> dict[str, str]:
    p = patients.get_patient(store, detail.claim.patient_id).patient
    return {"last": p.last_name.upper(), "first": p.first_name.upper()}


def paid_and_denied(store: Store, paid: ClaimDetail, denied: ClaimDetail) -> Era:
    """An 835 paying the first claim (allowed 70%, CO-45 the rest, PR-2 on the first line) and
    denying the second (CO-50 on every line, RARC N115)."""
    pay_lines, pr_total, co_total = [], 0, 0
    for n, ln in enumerate(paid.lines):
        allowed = ln.charge_cents * 70 // 100
        pr = allowed // 5 if n == 0 else 0
        adjs = [A("CO", "45", ln.charge_cents - allowed)] + ([A("PR", "2", pr)] if pr else [])
        pay_lines.append(svc(ln.code, ln.charge_cents, allowed - pr, *adjs,
                             day=ln.date_of_service, allowed=allowed))  # fmt: skip
        pr_total += pr
        co_total += ln.charge_cents - allowed
    paid_total = sum(s.paid_cents for s in pay_lines)
    deny_lines = [svc(ln.code, ln.charge_cents, 0, A("CO", "50", ln.charge_cents),
                      day=ln.date_of_service, remarks=("N115",)) for ln in denied.lines]  # fmt: skip
    charge = denied.claim.total_charge_cents
    data = text_835(
        clp(paid.claim.patient_control_number, "1", paid.claim.total_charge_cents, paid_total,
            *pay_lines, day=paid.lines[0].date_of_service, pr=pr_total, number="26300100",
            **_name(store, paid)),
        clp(denied.claim.patient_control_number, "4", charge, 0, *deny_lines,
            day=denied.lines[0].date_of_service, number="26300101", **_name(store, denied)),
    )  # fmt: skip
    return Era(paid, denied, data, paid_total, co_total, pr_total, charge)


def write_inbox(store: Store, data: bytes, name: str = ERA_NAME) -> Path:
    folder = exchange.inbox_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def prepare(db: str) -> Era:
    """Two accepted claims and the 835 for them, written into the exchange inbox."""
    store = Store(db, actor="biller")
    try:
        paid, denied = sent_claims(store)
        era = paid_and_denied(store, paid, denied)
        write_inbox(store, era.data)
        return era
    finally:
        store.dispose()


# -- the app --------------------------------------------------------------------------------------


def _app(db: str) -> ClaimDeskApp:
    app = ClaimDeskApp(store_url=db, user="biller", today=TODAY)
    app.notes = []  # every notification, as (severity, text)
    notify = app.notify

    def recording_notify(message, *args, **kwargs):
        app.notes.append((kwargs.get("severity", "information"), str(message)))
        return notify(message, *args, **kwargs)

    app.notify = recording_notify
    return app


async def _payments(pilot) -> PaymentsScreen:
    await pilot.press("f7")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PaymentsScreen))
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.pane("eras").loaded_once)
    return screen


async def _form(pilot, form_class) -> ValuesForm:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, form_class))
    form = pilot.app.screen
    first = next(iter(form.fields().values()))
    await wait_until(pilot, lambda: pilot.app.focused is first.control)
    return form


async def _type_into(pilot, form: ValuesForm, values: dict[str, str]) -> None:
    """Focus each named field and type its text (the way a biller tabs through a form)."""
    for name, text in values.items():
        control = form.field(name).control
        control.focus()
        await wait_until(pilot, lambda c=control: pilot.app.focused is c)
        await pilot.press("ctrl+u", *text)


async def _until(pilot, predicate, timeout: float = 20.0) -> None:
    """wait_until, saying on failure what the app notified (a refusal, an error)."""
    try:
        await wait_until(pilot, predicate, timeout)
    except AssertionError:
        raise AssertionError(f"condition not met; notifications: {pilot.app.notes}") from None


def _text(widget: Static) -> str:
    return str(widget.render())


async def _preview(pilot, name: str = ERA_NAME) -> PreviewScreen:
    """i, pick ``name`` in the inbox list, enter: the dry run's preview."""
    app = pilot.app
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, ImportDialog) and app.screen.files)
    dialog = app.screen
    names = [f.path.name for f in dialog.files]
    await pilot.press(*["down"] * names.index(name), "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), timeout=20)
    return app.screen


def _row(table, n: int) -> list[str]:
    return [str(c) for c in table.get_row_at(n)]


async def _to_denial(pilot, pane, claim_id: int) -> None:
    await wait_until(pilot, lambda: any(i.claim_id == claim_id for i in pane.items))
    for _ in range(len(pane.items)):
        if pane.table.current.claim_id == claim_id:
            return
        await pilot.press("j")
    raise AssertionError("the claim is not in the denial queue")


# -- the acceptance walk ----------------------------------------------------------------------------


async def test_import_preview_post_read_and_work_a_denial(demo_db):
    era = prepare(demo_db)
    paid, denied = era.paid.claim, era.denied.claim
    store = Store(demo_db)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        # 1. F7: the ERA list is empty; i lists the inbox; enter on the file: the preview.
        screen = await _payments(pilot)
        assert screen.pane("eras").eras == []
        preview = await _preview(pilot)
        o = preview.outcome
        assert o.dry_run and not o.applied and o.errors == ()
        assert (o.claims_matched, o.paid_cents, o.lines_posted) == (2, era.paid_cents, 4)
        assert o.adjustment_cents_by_group == {
            "CO": era.written_off_cents + era.denied_cents,
            "PR": era.patient_cents,
        }
        summary = _text(preview.query_one("#preview-summary"))
        assert "2 claims matched" in summary and f"paid ${era.paid_cents / 100:,.2f}" in summary
        table = preview.query_one("#postings")
        rows = {r[0]: r for r in (_row(table, n) for n in range(table.row_count))}
        assert rows[paid.patient_control_number][1:] == [
            "processed (1)",
            f"${era.paid_cents / 100:,.2f}",
            f"${era.written_off_cents / 100:,.2f}",
            f"${era.patient_cents / 100:,.2f}",
            "paid",
        ]
        assert rows[denied.patient_control_number][1:] == [
            "denied (4)",
            "$0.00",
            f"${era.denied_cents / 100:,.2f}",
            "",
            "denied",
        ]
        # Nothing is posted by the preview.
        assert remittance.list_remittances(store) == []
        assert claims.get_claim(store, paid.id).claim.status == "accepted"

        # 2. p posts the same bytes: back on the list, the ERA is posted.
        await pilot.press("p")
        eras = screen.pane("eras")
        await wait_until(pilot, lambda: app.screen is screen and len(eras.eras) == 1, timeout=20)
        (posted,) = eras.eras
        assert (posted.status, posted.total_cents, posted.claims_count) == (
            "posted",
            era.paid_cents,
            2,
        )
        assert posted.trace_number == TRACE
        assert any("2 claims posted" in text for _, text in app.notes), app.notes
        assert claims.get_claim(store, paid.id).claim.status == "paid"
        assert claims.get_claim(store, denied.id).claim.status == "denied"

        # 3. enter: the ERA as a readable remittance, each adjustment with its words.
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RemittanceScreen)
                         and app.screen.record is not None)  # fmt: skip
        remit = app.screen
        await wait_until(pilot, lambda: len(remit._cards()) == 2)
        first, second = (_text(c) for c in remit._cards())
        assert paid.patient_control_number in first and "processed as primary" in first
        assert "CO-45" in first and "charge above the fee schedule" in first
        assert f"PR-2 ${era.patient_cents / 100:,.2f} (coinsurance)" in first
        assert denied.patient_control_number in second and "denied" in second
        assert "CO-50" in second and "not medically necessary" in second
        assert "N115" in second and "Local Coverage Determination" in second
        assert "none on this payment" in _text(remit.query_one("#remit-plb"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)

        # 4. Denials (3): the denied claim is there, with the payer's reason in words.
        await pilot.press("3")
        pane = screen.pane("denials")
        await _to_denial(pilot, pane, denied.id)
        item = pane.table.current
        assert item.at_stake_cents == era.denied_cents
        assert [(r.group_code, r.reason_code) for r in item.reasons] == [("CO", "50")]
        detail = _text(pane.query_one("#denial-detail"))
        assert "CO-50" in detail and "not medically necessary" in detail
        assert "Suggested:" in detail

        # 5. w: write it off with the payer's CARC (offered) and a note.
        await pilot.press("w")
        form = await _form(pilot, ValuesForm)
        assert form.field("reason_code").control.value == "50"
        await _type_into(pilot, form, {"note": "No records support the service; per policy."})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await _until(pilot, lambda: all(i.claim_id != denied.id for i in pane.items))
        assert any("written off" in text for _, text in app.notes), app.notes

    # The claim's new status and its ledger, through the services.
    after = claims.get_claim(store, denied.id)
    assert after.claim.status == "closed"
    assert (after.money.paid_cents, after.money.adjustment_cents, after.money.balance_cents) == (
        0,
        era.denied_cents,
        0,
    )
    entries = [e for e in ledger.account_entries(store, denied.patient_id)
               if e.claim_id == denied.id and e.kind == "adjustment"]  # fmt: skip
    assert {(e.group_code, e.reason_code) for e in entries} == {("CO", "50")}
    assert sum(e.amount_cents for e in entries) == -era.denied_cents
    assert all(e.memo.startswith("write-off: No records support") for e in entries)
    money = claims.get_claim(store, paid.id).money
    assert (money.paid_cents, money.adjustment_cents) == (era.paid_cents, era.written_off_cents)
    store.dispose()


# -- denials: a refused action keeps what was typed; an appeal saves its letter -------------------


async def test_a_refused_write_off_reopens_its_form_then_an_appeal_saves_the_letter(demo_db):
    era = prepare(demo_db)
    denied = era.denied.claim
    store = Store(demo_db, actor="biller")
    assert answers.import_bytes(store, ERA_NAME, era.data).applied
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)
        await pilot.press("3")
        pane = screen.pane("denials")
        await _to_denial(pilot, pane, denied.id)

        # More than is open: the service refuses; the form comes back with its message.
        await pilot.press("w")
        form = await _form(pilot, ValuesForm)
        too_much = f"{era.denied_cents / 100 + 10:.2f}"
        await _type_into(pilot, form, {"note": "bundled", "amount": too_much})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuesForm)
                         and app.screen is not form)  # fmt: skip
        again = app.screen
        error = _text(again.query_one("#form-error"))
        assert "at most" in error and f"${era.denied_cents / 100:,.2f}" in error
        assert again.field("note").control.value == "bundled"
        assert again.field("amount").control.value == too_much
        assert claims.get_claim(store, denied.id).claim.status == "denied"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)

        # A transfer of a CO denial needs the override reason: refused in place.
        await pilot.press("t")
        form = await _form(pilot, ValuesForm)
        await _type_into(pilot, form, {"note": "patient asked to pay"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.field("override_reason").error != "")
        assert "signed agreement" in form.field("override_reason").error
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)

        # a: the appeal letter is written to the letters folder and the claim is appealed.
        await pilot.press("a")
        form = await _form(pilot, ValuesForm)
        await _type_into(pilot, form, {"reason_text": "The visit note documents the A1c need."})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("appealed" in t for _, t in app.notes), timeout=20)
    letters = exchange.exchange_root(store) / "letters"
    (letter,) = letters.glob("appeal-*.pdf")
    assert letter.read_bytes().startswith(b"%PDF")
    assert any(str(letter) in text for _, text in app.notes)
    assert claims.get_claim(store, denied.id).claim.status == "appealed"
    assert all(i.claim_id != denied.id for i in denials.denial_queue(store, today=TODAY))
    store.dispose()


# -- batches: refused while short, closed once balanced ------------------------------------------


async def test_a_paper_eob_batch_closes_only_when_it_balances(demo_db):
    era = prepare(demo_db)
    paid = era.paid
    store = Store(demo_db)
    medicare = next(p for p in practice.list_payers(store) if p.kind == "medicare")
    total = f"{era.paid_cents / 100:.2f}"
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)
        await pilot.press("4")
        pane = screen.pane("batches")
        await wait_until(pilot, lambda: pane.loaded_once and pane.payers)

        # n: a new batch for the check (payer chosen by keyboard).
        await pilot.press("n")
        form = await _form(pilot, ValuesForm)
        form.field("payer_id").control.focus()
        await pilot.pause()
        payer_ids = [p.id for p in pane.payers]
        await pilot.press("enter", *["down"] * (payer_ids.index(medicare.id) + 1), "enter")
        assert form.field("payer_id").value() == medicare.id
        await _type_into(pilot, form, {"reference": "100234", "total": total})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, BatchScreen)
                         and app.screen.record is not None)  # fmt: skip
        batch_screen = app.screen
        batch_id = batch_screen.batch_id

        # x while nothing is posted: refused, with the difference.
        await pilot.press("x")
        await wait_until(pilot, lambda: any("short" in t for _, t in app.notes))
        severity, text = next((s, t) for s, t in app.notes if "short" in t)
        assert severity == "error" and f"${era.paid_cents / 100:,.2f} short" in text
        assert payments.batch_status(store, batch_id).status == "open"

        # e: an unknown claim number is refused; the form comes back with what was typed.
        await pilot.press("e")
        form = await _form(pilot, EobLineForm)
        pcn = paid.claim.patient_control_number
        await _type_into(
            pilot,
            form,
            {
                "claim": "CD9999999999",
                "paid": total,
                "adj1": f"CO-45 {era.written_off_cents / 100:.2f}",
                "adj2": f"PR-2 {era.patient_cents / 100:.2f}",
            },
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, EobLineForm)
                         and app.screen is not form)  # fmt: skip
        form = app.screen
        assert "CD9999999999" in _text(form.query_one("#form-error"))
        assert form.field("adj2").control.value == f"PR-2 {era.patient_cents / 100:.2f}"
        await _type_into(pilot, form, {"claim": pcn.lower()})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is batch_screen
                         and batch_screen.batch.posted_cents == era.paid_cents)  # fmt: skip
        assert "balanced" in _text(batch_screen.query_one("#batch-money"))
        assert _row(batch_screen.table, 0)[:3] == [pcn, "", f"${era.paid_cents / 100:,.2f}"]

        # x: balanced now, so it closes.
        await pilot.press("x")
        await wait_until(pilot, lambda: batch_screen.batch.status == "closed")
    out = payments.batch_status(store, batch_id)
    assert (out.status, out.posted_cents, out.remaining_cents) == ("closed", era.paid_cents, 0)
    money = claims.get_claim(store, paid.claim.id).money
    assert (money.paid_cents, money.adjustment_cents) == (era.paid_cents, era.written_off_cents)
    store.dispose()


async def test_voiding_a_posting_takes_it_back(demo_db):
    era = prepare(demo_db)
    store = Store(demo_db, actor="biller")
    medicare = next(p for p in practice.list_payers(store) if p.kind == "medicare")
    batch = payments.open_batch(store, payer_id=medicare.id, method="check", reference="55",
                                deposit_date=TODAY, total=era.paid_cents)  # fmt: skip
    payments.post_eob_line(store, batch.id, era.paid.claim.id, paid=era.paid_cents,
                           adjustments=[("CO", "45", era.written_off_cents)])  # fmt: skip
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)
        await pilot.press("4")
        pane = screen.pane("batches")
        await wait_until(pilot, lambda: len(pane.batches) == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, BatchScreen)
                         and app.screen.record is not None)  # fmt: skip
        batch_screen = app.screen
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: batch_screen.batch is not None
                         and batch_screen.batch.posted_cents == 0)  # fmt: skip
        assert [e.voided for e in batch_screen.batch.entries] == [True, False]
    assert claims.get_claim(store, era.paid.claim.id).money.paid_cents == 0
    store.dispose()


# -- a patient payment, oldest visit first ----------------------------------------------------------


async def _patient_tab(pilot, screen: PaymentsScreen, account: str):
    """Tab 5, the patient found by account number and chosen: the pane, showing the account."""
    await pilot.press("5")
    pane = screen.pane("patient")
    await wait_until(pilot, lambda: isinstance(pilot.app.focused, Input))
    await pilot.press(*account)
    await wait_until(pilot, lambda: len(pane.found) == 1)
    await pilot.press("enter")
    await wait_until(pilot, lambda: pane.account is not None)
    return pane


async def test_a_patient_payment_goes_to_the_oldest_visit_first(demo_db):
    store = Store(demo_db)
    weaver = patients.find_by_account(store, WEAVER)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)
        pane = await _patient_tab(pilot, screen, WEAVER)
        due = pane.account.due
        assert len(due) >= 2 and [d.date_of_service for d in due] == sorted(
            d.date_of_service for d in due
        )
        owed = sum(d.patient_owes_cents for d in due)
        assert f"Owes ${owed / 100:,.2f}" in _text(pane.query_one("#pp-summary"))
        oldest, second = due[0], due[1]
        amount = oldest.patient_owes_cents + 1000  # all of the oldest, $10.00 on the next

        # a with no credit: said so, nothing written.
        await pilot.press("a")
        assert any("no credit" in t for _, t in app.notes)

        await pilot.press("p")
        form = await _form(pilot, PaymentForm)
        assert form.field("apply_to").value() == "oldest"
        await _type_into(pilot, form, {"amount": f"{amount / 100:.2f}", "reference": "4242"})
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: any(t.startswith("Payment ") for _, t in app.notes))
        await _until(pilot, lambda: sum(d.patient_owes_cents for d in pane.account.due)
                     == owed - amount)  # fmt: skip
        assert oldest.claim_id not in {d.claim_id for d in pane.account.due}

        # A copay for a visit is kept as credit (for that visit's claim); f refunds part of it.
        await pilot.press("p")
        form = await _form(pilot, PaymentForm)
        visit = pane.account.visits[0]
        form.field("apply_to").control.focus()
        await pilot.pause()
        await pilot.press("enter", "down", "enter")
        assert form.field("apply_to").value() == f"copay:{visit.encounter_id}"
        await _type_into(pilot, form, {"amount": "40.00", "reference": "4243"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: pane.account.credit_cents == 4000)
        assert "credit $40.00" in _text(pane.query_one("#pp-summary"))
        await pilot.press("f")
        form = await _form(pilot, ValuesForm)
        await _type_into(pilot, form, {"amount": "50.00", "reference": "1001",
                                       "reason": "copay taken twice"})  # fmt: skip
        await pilot.press("ctrl+s")  # more than the credit: refused, the form comes back
        await wait_until(pilot, lambda: isinstance(app.screen, ValuesForm)
                         and app.screen is not form)  # fmt: skip
        form = app.screen
        assert "only $40.00 of unapplied credit" in _text(form.query_one("#form-error"))
        await _type_into(pilot, form, {"amount": "15.00"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: pane.account.credit_cents == 2500)
    assert ledger.account_balance(store, weaver.id).patient_cents == owed - amount - 2500
    taken = [e for e in ledger.account_entries(store, weaver.id)
             if e.kind == "payment" and e.responsibility == "patient" and e.reference == "4242"]  # fmt: skip
    assert {e.claim_id: -e.amount_cents for e in taken} == {
        oldest.claim_id: oldest.patient_owes_cents,
        second.claim_id: 1000,
    }
    store.dispose()


async def test_a_payment_keyed_wrong_is_voided_and_a_closed_batch_reopens(demo_db):
    """v on a patient voids a payment taken outside a batch (reason asked, refused when too
    short and asked again); o on a closed batch reopens it with the reason."""
    store = Store(demo_db, actor="biller")
    weaver = patients.find_by_account(store, WEAVER)
    owed = ledger.account_balance(store, weaver.id).patient_cents
    wrong = payments.take_patient_payment(store, weaver.id, "80.00", method="card",
                                          reference="4242", on=TODAY)  # fmt: skip
    drawer = payments.open_batch(store, kind="patient", method="cash", deposit_date=TODAY,
                                 total="5.00")  # fmt: skip
    payments.take_patient_payment(store, weaver.id, "5.00", method="cash", batch_id=drawer.id)
    payments.close_batch(store, drawer.id)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)
        pane = await _patient_tab(pilot, screen, WEAVER)
        await pilot.press("v")
        form = await _form(pilot, ValuesForm)
        assert form.field("txn").value() == wrong.txn  # the one outside a batch, only
        await _type_into(pilot, form, {"reason": "typo"})
        await pilot.press("ctrl+s")  # too short: the form says so and keeps the choice
        await pilot.pause()
        assert app.screen is form
        await _type_into(pilot, form, {"reason": "keyed $80 for $8"})
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: any("Voided the $80.00 card payment" in t
                                        for _, t in app.notes))  # fmt: skip
        await wait_until(pilot, lambda: app.focused is pane.claims_table)
        await pilot.press("v")  # the voided payment is no longer offered
        form = await _form(pilot, ValuesForm)
        offered = [value for _, value in form.choices]
        assert wrong.txn not in offered
        assert set(offered) <= {p.txn for p in payments.patient_payments(store, weaver.id)
                                if p.batch_id is None and not p.voided}  # fmt: skip
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)

        await pilot.press("4")
        batches = screen.pane("batches")
        await wait_until(pilot, lambda: batches.loaded_once and batches.batches)
        while batches.table.current.id != drawer.id:
            await pilot.press("j")
        await pilot.press("o")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "ReopenForm")
        await pilot.press(*"the drawer had a $10 bill counted as $5")
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: any("is open again" in t for _, t in app.notes))
    assert payments.batch_status(store, drawer.id).status == "open"
    assert ledger.account_balance(store, weaver.id).patient_cents == owed - 500
    assert [p.voided for p in payments.patient_payments(store, weaver.id)][:2] == [False, True]
    store.dispose()


# -- errors are notifications, never crashes --------------------------------------------------------


async def test_bad_files_and_a_second_import_are_refused_with_the_reason(demo_db, tmp_path):
    prepare(demo_db)
    store = Store(demo_db)
    write_inbox(store, b"this is not an X12 file at all", "junk.835")
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)

        # A path that is not there: said in the dialog, which stays open.
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, ImportDialog) and app.screen.files)
        dialog = app.screen
        await pilot.press("tab")
        assert app.focused is dialog.query_one("#import-path")
        await pilot.press(*str(tmp_path / "nowhere.835"), "enter")
        assert "There is no file" in _text(dialog.query_one("#import-error"))
        assert app.screen is dialog
        await pilot.press("escape")

        # Not X12: the service's reason as an error notification; nothing opens.
        await _preview_refused(pilot, "junk.835")
        severity, text = app.notes[-1]
        assert severity == "error" and "junk.835" in text

        # The real file posts; importing it again is refused: "already imported".
        preview = await _preview(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: app.screen is screen and screen.pane("eras").eras)
        await _preview_refused(pilot, ERA_NAME)
        severity, text = app.notes[-1]
        assert severity == "error" and "already imported" in text
        assert preview.outcome.claims_matched == 2
        assert len(remittance.list_remittances(store)) == 1
    store.dispose()


async def _preview_refused(pilot, name: str) -> None:
    app = pilot.app
    count = len(app.notes)
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, ImportDialog) and app.screen.files)
    names = [f.path.name for f in app.screen.files]
    await pilot.press(*["down"] * names.index(name), "enter")
    await wait_until(pilot, lambda: any(s == "error" for s, _ in app.notes[count:]), timeout=20)
    assert isinstance(app.screen, PaymentsScreen)


def _unbalanced(data: bytes) -> bytes:
    """The same 835 with the check total off by $5.00 (BPR02): it no longer balances."""
    text = data.decode()
    sep = text[3]
    start = text.index(f"BPR{sep}")
    parts = text[start:].split(sep, 3)
    amount = f"{float(parts[2]) - 5:.2f}".rstrip("0").rstrip(".")
    return (text[:start] + sep.join([parts[0], parts[1], amount, parts[3]])).encode()


async def test_an_unbalanced_era_is_held_and_an_unknown_claim_waits_in_unmatched(demo_db):
    era = prepare(demo_db)
    store = Store(demo_db)
    write_inbox(store, _unbalanced(era.data), "short.835")
    p = era.paid.claim
    other = text_835(
        clp(p.patient_control_number, "1", p.total_charge_cents, p.total_charge_cents,
            day=PAY_DAY, last="ROSS", first="EDWARD"),
        clp("ZZ0000000001", "1", 5000, 5000, day=PAY_DAY, last="NOBODY", first="KNOWN"),
        trace="CHK777", control=7002)  # fmt: skip
    write_inbox(store, other, "mixed.835")
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)
        eras = screen.pane("eras")

        # Held: the preview says so at the top; p records it, nothing posts.
        preview = await _preview(pilot, "short.835")
        held = preview.query_one("#preview-held")
        assert held.display and "does not balance" in _text(held)
        await pilot.press("p")
        await wait_until(pilot, lambda: app.screen is screen and len(eras.eras) == 1, timeout=20)
        assert eras.eras[0].status == "held"
        assert "Held, nothing posted" in _text(eras.query_one("#era-explain"))
        await pilot.press("enter")  # the held ERA says why at the top
        await wait_until(pilot, lambda: isinstance(app.screen, RemittanceScreen)
                         and app.screen.record is not None)  # fmt: skip
        banner = app.screen.query_one("#remit-held")
        text = _text(banner)
        assert banner.display and "Held for review, nothing was posted" in text
        assert f"total paid ${era.paid_cents / 100 - 5:,.2f}" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        assert claims.get_claim(store, p.id).claim.status == "accepted"

        # A file naming a claim we never sent: ours posts, the other waits in Unmatched.
        await _preview(pilot, "mixed.835")
        await pilot.press("p")
        await wait_until(pilot, lambda: app.screen is screen and len(eras.eras) == 2)
        await pilot.press("2")
        pane = screen.pane("unmatched")
        await wait_until(pilot, lambda: len(pane.items) == 1)
        assert pane.items[0].patient_control_number == "ZZ0000000001"

        # d: a reason shorter than 5 characters is refused in place; a real one closes it.
        await pilot.press("d")
        form = await _form(pilot, ValuesForm)
        await _type_into(pilot, form, {"reason": "no"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.field("reason").error != "")
        await _type_into(pilot, form, {"reason": "another office's patient"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: pane.loaded_once and pane.items == [])
    assert remittance.unmatched_queue(store) == []
    assert claims.get_claim(store, p.id).claim.status == "paid"
    store.dispose()


async def test_an_unmatched_item_is_posted_to_the_claim_it_belongs_to(demo_db):
    """p on an unmatched item: a claim number that is not ours is refused in the form (what
    was typed stays); the right one posts the payment there and empties the queue."""
    from core.services import answers

    era = prepare(demo_db)
    store = Store(demo_db, actor="biller")
    full = lambda d: [svc(ln.code, ln.charge_cents, ln.charge_cents, day=ln.date_of_service)  # noqa: E731
                      for ln in d.lines]  # fmt: skip
    paid, other = era.paid, era.denied
    mangled = other.claim.patient_control_number[:-1] + "X"
    data = text_835(
        clp(paid.claim.patient_control_number, "1", paid.claim.total_charge_cents,
            paid.claim.total_charge_cents, *full(paid), day=PAY_DAY, **_name(store, paid)),
        clp(mangled, "1", other.claim.total_charge_cents, other.claim.total_charge_cents,
            *full(other), day=PAY_DAY, **_name(store, other)),
        trace="CHK888", control=7003)  # fmt: skip
    assert answers.import_bytes(store, "typo.835", data).unmatched == (mangled,)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _payments(pilot)
        await pilot.press("2")
        pane = screen.pane("unmatched")
        await wait_until(pilot, lambda: len(pane.items) == 1)
        await pilot.press("p")
        form = await _form(pilot, ValuesForm)
        await _type_into(pilot, form, {"claim": "CD0000999999", "note": "same patient and date"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuesForm)
                         and app.screen is not form)  # fmt: skip
        form = app.screen
        assert "CD0000999999" in _text(form.query_one("#form-error"))
        assert form.field("note").control.value == "same patient and date"
        await _type_into(pilot, form, {"claim": other.claim.patient_control_number})
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: any(t.startswith(
            f"Posted to {other.claim.patient_control_number}") for _, t in app.notes))  # fmt: skip
        await wait_until(pilot, lambda: pane.items == [])
    money = claims.get_claim(store, other.claim.id).money
    assert money.paid_cents == other.claim.total_charge_cents
    assert claims.get_claim(store, other.claim.id).claim.status == "paid"
    store.dispose()
