"""Pilot tests of the Claims stage by keyboard alone, on the seeded demo practice.

The acceptance walk (issue: "A Pilot test takes a coded encounter to a submitted claim; the
sandbox's 999 and 277CA come back through exchange sync, one claim is rejected, corrected in
the inbox, resubmitted and accepted; its timeline shows each step."), then the claim screen's
override, notes, print, the batch's refusals and errors shown as notifications.
"""

from __future__ import annotations

import datetime as dt

from textual.command import CommandList, CommandPalette

from core.errors import ValidationError
from core.schemas import CodingIn, ServiceLineIn
from core.services import claims, encounters, patients, practice, rejections, scrub, submission
from core.store import Store
from tui.app import ClaimDeskApp
from tui.screens.claims import ClaimScreen, ClaimsScreen
from tui.screens.patient_forms import PolicyForm
from tui.screens.rejections import InboxScreen
from tui.widgets.claim_panels import (
    ConfirmScreen,
    NoteForm,
    OverrideForm,
    SegmentsScreen,
    Step,
    WorkProgress,
)

from .conftest import wait_until

TODAY = dt.date(2026, 11, 2)  # the demo seed's fixed "today"
IN_ORDER = ["draft", "ready", "batched", "submitted", "rejected", "draft", "ready", "batched",
            "submitted", "accepted"]  # fmt: skip


def _app(db: str) -> ClaimDeskApp:
    app = ClaimDeskApp(store_url=db, user="biller", today=TODAY)
    app.notes = []  # every notification, as (severity, text)
    notify = app.notify

    def recording_notify(message, *args, **kwargs):
        app.notes.append((kwargs.get("severity", "information"), str(message)))
        return notify(message, *args, **kwargs)

    app.notify = recording_notify
    return app


def _policy_data(policy, **change) -> dict:
    data = {k: getattr(policy, k) for k in (
        "payer_id", "rank", "member_id", "group_number", "plan_name", "relationship_code",
        "effective_from", "effective_to", "copay_cents", "coinsurance_percent",
        "deductible_cents", "out_of_pocket_max_cents")}  # fmt: skip
    data.update(change)
    return data


def _medicare_patient(store: Store, day: dt.date):
    """A demo patient whose primary payer, on ``day``, is Medicare, on their own policy."""
    medicare = {p.payer_code for p in practice.list_payers(store) if p.kind == "medicare"}
    seen: set[int] = set()
    for row in claims.claim_rows(store, limit=1000):
        if row.payer_code not in medicare or row.patient_id in seen:
            continue
        seen.add(row.patient_id)
        detail = patients.get_patient(store, row.patient_id)
        for policy in detail.policies:
            if (policy.rank == 1 and policy.payer_code in medicare and policy.active_on(day)
                    and policy.relationship_code == "18"):  # fmt: skip
                return detail.patient, policy
    raise AssertionError("the demo has no Medicare patient")


def _free_day(store: Store, patient, code: str) -> dt.date:
    """A weekday before TODAY with no other visit of this patient (so no duplicate claim)."""
    taken = {e.date_of_service for e in encounters.find_encounters(
        store, patient_text=patient.account_number, limit=500)}  # fmt: skip
    day = TODAY - dt.timedelta(days=6)
    while day in taken or day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _coded_claim(store: Store, lines: tuple[ServiceLineIn, ...], dx=("E11.9",)):
    """A coded visit of a Medicare patient, billed: (claim detail, patient, policy)."""
    patient, policy = _medicare_patient(store, TODAY - dt.timedelta(days=30))
    day = _free_day(store, patient, lines[0].code)
    provider = practice.list_providers(store)[0]
    enc = encounters.create_encounter(store, dict(
        patient_id=patient.id, date_of_service=day, place_of_service="11",
        rendering_provider_id=provider.id, clinical_note="Follow-up visit."))  # fmt: skip
    encounters.save_coding(store, enc.id, CodingIn(diagnoses=dx, lines=lines))
    encounters.mark_coded(store, enc.id)
    return claims.build_claim(store, enc.id, today=TODAY), patient, policy


def _duplicate_claim(store: Store):
    """A claim the scrubber blocks with an error: the same visit billed twice (the second)."""
    line = ServiceLineIn(code="99213", pointers=(1,))
    first, patient, _ = _coded_claim(store, (line,))
    enc = encounters.create_encounter(store, dict(
        patient_id=patient.id, date_of_service=first.lines[0].date_of_service,
        place_of_service="11", rendering_provider_id=practice.list_providers(store)[0].id,
        clinical_note="The same visit, entered twice."))  # fmt: skip
    encounters.save_coding(store, enc.id, CodingIn(diagnoses=("E11.9",), lines=(line,)))
    encounters.mark_coded(store, enc.id)
    second = claims.build_claim(store, enc.id, today=TODAY)
    assert second.claim.status == "edits"
    (finding,) = scrub.findings_for(store, [second.claim.id])[second.claim.id]
    assert finding.rule_id == "DUPLICATE_CLAIM" and finding.severity == "error"
    return second.claim


async def _claims(pilot) -> ClaimsScreen:
    await pilot.press("f6")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClaimsScreen))
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.rows and not screen.fetching)
    return screen


async def _find(pilot, screen: ClaimsScreen, pcn: str) -> None:
    """Search the queue for one claim and leave the cursor on it (in the table)."""
    await pilot.press("slash", *pcn)
    await wait_until(pilot, lambda: [r.patient_control_number for r in screen.shown] == [pcn])
    await pilot.press("enter")
    assert pilot.app.focused is screen.table


async def _open_claim(pilot, screen: ClaimsScreen, pcn: str) -> ClaimScreen:
    await _find(pilot, screen, pcn)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClaimScreen)
                     and pilot.app.screen.record is not None)  # fmt: skip
    return pilot.app.screen


def _statuses(items) -> list[str]:
    return [i.title.split("→")[1].strip() for i in items if i.kind == "status"]


async def test_the_acceptance_walk_submit_reject_fix_resubmit_accept(demo_db):
    store = Store(demo_db)
    line = ServiceLineIn(code="99213", pointers=(1,))
    detail, patient, policy = _coded_claim(store, (line,))
    cid, pcn = detail.claim.id, detail.claim.patient_control_number
    assert detail.claim.status == "ready"
    good_id = policy.member_id
    # The front desk mistyped the Medicare MBI: the scrubber cannot know; the payer refuses.
    patients.update_policy(store, policy.id, _policy_data(policy, member_id=good_id[:-1]))

    app = _app(demo_db)
    seen: list = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        # 1. F6, find the claim, mark it, b: the progress bar follows pyx12's validation.
        queue = await _claims(pilot)
        await _find(pilot, queue, pcn)
        await pilot.press("space")
        assert queue.marked == {cid}
        await pilot.press("b")
        progress = queue.query_one(WorkProgress)
        await wait_until(pilot, lambda: not progress.running, timeout=30)
        stages = [m.stage for m in seen if isinstance(m, Step) and m.job == "submit"]
        assert {"scrub", "build", "validate", "write"} <= set(stages)
        assert progress.query_one("ProgressBar").progress == 100
        assert not progress.has_class("-running")  # hidden again
        assert claims.get_claim(store, cid).claim.status == "batched"
        assert queue.marked == set()
        assert any("1 claim batched" in text for _, text in app.notes)

        # 2. x: sent; the sandbox's 999 and 277CA come back; the claim is rejected.
        await pilot.press("x")
        await wait_until(pilot, lambda: not queue.query_one(WorkProgress).running, timeout=30)
        await wait_until(pilot, lambda: any(r.id == cid and r.status == "rejected"
                                            for r in queue.rows))  # fmt: skip
        assert any("1 rejected" in text for _, text in app.notes), app.notes

        # 3. i: the inbox shows it with the 277CA's reason; c opens the policy form.
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, InboxScreen) and app.screen.loaded)
        inbox = app.screen
        for _ in range(len(inbox.rows)):
            if inbox.table.current.item.claim_id == cid:
                break
            await pilot.press("j")
        item = inbox.table.current.item
        assert item.claim_id == cid and item.source == "277CA" and item.code.startswith("A7")
        assert item.where_to_fix == "policy"
        detail_text = str(inbox.query_one("#inbox-detail").render())
        assert "277CA" in detail_text and "Fix:" in detail_text
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyForm))
        form = app.screen
        assert form.policy is not None and form.policy.id == policy.id
        await wait_until(pilot, lambda: app.focused is form.field("payer_id").control)
        await pilot.press("tab", "tab")
        member = form.field("member_id").control
        assert app.focused is member and member.value == good_id[:-1]  # prefilled: edit mode
        await pilot.press("end", "ctrl+u", *good_id, "ctrl+s")

        # 4. Back in the inbox the claim is corrected: ready, shown as fixed.
        await wait_until(pilot, lambda: app.screen is inbox and cid in inbox.worked)
        assert inbox.worked[cid][1] == "ready"
        assert patients.get_patient(store, patient.id).policies[0].member_id == good_id
        assert any("corrected: now ready" in text for _, text in app.notes)
        await wait_until(pilot, lambda: inbox.rows and inbox.rows[0].worked == "ready")
        while inbox.table.current.item.claim_id != cid:
            await pilot.press("k")
        assert "r sends it again" in str(inbox.query_one("#inbox-detail").render())

        # 5. r: batched again, sent, and the sandbox accepts it this time.
        await pilot.press("r")
        await wait_until(pilot, lambda: inbox.worked[cid][1] == "accepted", timeout=30)
        assert any("was sent again and accepted" in text for _, text in app.notes)
        resubmit_stages = {m.stage for m in seen if isinstance(m, Step) and m.job == "resubmit"}
        assert {"validate", "send", "fetch"} <= resubmit_stages

        # 6. The claim: its timeline shows every step in order, and the two 837 files.
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ClaimScreen)
                         and app.screen.record is not None)  # fmt: skip
        claim_screen = app.screen
        await pilot.press("4")
        tabs = claim_screen.query_one("TabbedContent")
        assert tabs.active == "timeline"
        assert _statuses(claim_screen.record.timeline) == IN_ORDER
        shown = str(claim_screen.query_one("#timeline-text").render())
        assert shown.index("→ rejected") < shown.index("→ accepted")
        sent = [f for f in claim_screen.record.files if f.transaction == "837P"]
        assert len(sent) == 2 and {f.direction for f in sent} == {"out"}
        await pilot.press("3")
        assert tabs.active == "files"
        files = claim_screen.query_one("#files-table")
        while files.current.transaction != "837P":
            await pilot.press("down")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SegmentsScreen)
                         and app.screen.query_one("#segments").items)  # fmt: skip
        segments = app.screen.query_one("#segments")
        assert segments.current.segment_id == "CLM" and pcn in segments.current.text
        assert {s.loop_id for s in segments.items} >= {"2300", "2400", "2010BA"}
        await pilot.press("escape")
        assert app.screen is claim_screen

    # The database agrees.
    final = claims.get_claim(store, cid)
    assert final.claim.status == "accepted"
    assert final.claim.patient_control_number == f"{pcn}-2"
    assert [e.to_status for e in final.events] == IN_ORDER
    assert all(i.claim_id != cid for i in rejections.inbox(store))
    kinds = [i.kind for i in claims.timeline(store, cid)]
    assert kinds.count("answer") == 4 and "rejection" in kinds
    store.dispose()


async def test_override_a_warning_with_a_reason(demo_db):
    store = Store(demo_db)
    lines = (ServiceLineIn(code="99213", pointers=(1,)), ServiceLineIn(code="20610", pointers=(1,)))
    detail, _, _ = _coded_claim(store, lines, dx=("M17.11",))
    cid, pcn = detail.claim.id, detail.claim.patient_control_number
    assert detail.claim.status == "edits"  # E/M + procedure, no modifier 25: a warning
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await _claims(pilot)
        await _find(pilot, queue, pcn)
        row = queue.table.current
        assert row.id == cid and row.warnings == 1 and row.errors == 0
        assert "! 1 warning: Line 1 (99213)" in str(queue.query_one("#claim-explain").render())
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ClaimScreen)
                         and app.screen.record is not None)  # fmt: skip
        screen = app.screen
        await pilot.press("2")
        table = screen.query_one("#findings-table")
        assert app.focused is table
        assert table.current.rule_id == "EM_WITHOUT_25" and table.current.severity == "warning"
        assert "modifier 25" in str(screen.query_one("#finding-detail").render())
        # Too short a reason: the service refuses and the form says so; nothing changes.
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OverrideForm))
        form = app.screen
        await pilot.press(*"ok", "ctrl+s")
        await wait_until(pilot, lambda: "at least 5 characters"
                         in str(form.query_one("#form-error").render()))  # fmt: skip
        assert scrub.findings_for(store, [cid])[cid][0].overridden is False
        await pilot.press("ctrl+u", *"note documents a separate problem", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: screen.record.detail.claim.status == "ready")
        (finding,) = scrub.findings_for(store, [cid])[cid]
        assert finding.overridden and finding.override_reason == "note documents a separate problem"
        assert "✓ overridden" in str(table.get_row_at(0)[0])
        assert any("is now ready" in text for _, text in app.notes)
    store.dispose()


async def test_an_error_cannot_be_overridden_and_says_why(demo_db):
    store = Store(demo_db)
    claim = _duplicate_claim(store)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await _claims(pilot)
        screen = await _open_claim(pilot, queue, claim.patient_control_number)
        await pilot.press("2", "o")
        await wait_until(pilot, lambda: any("errors cannot be overridden" in t
                                            for _, t in app.notes))  # fmt: skip
        assert not isinstance(app.screen, OverrideForm) and app.screen is screen
        assert any(sev == "error" for sev, t in app.notes if "cannot be overridden" in t)
        assert claims.get_claim(store, claim.id).claim.status == "edits"
    store.dispose()


async def test_a_call_is_logged_and_appears_in_the_timeline(demo_db):
    store = Store(demo_db)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await _claims(pilot)
        screen = await _open_claim(pilot, queue, "CD0000000249")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteForm))
        form = app.screen
        # A call with nobody named: the service refuses; the form keeps what was typed.
        await pilot.press("enter", "down", "enter")  # kind: call to the payer
        await wait_until(pilot, lambda: form.field("kind").value() == "call")
        await pilot.press("tab", *"Asked why the claim was rejected", "ctrl+s")
        await wait_until(pilot, lambda: "who you spoke with"
                         in str(form.query_one("#form-error").render()))  # fmt: skip
        assert claims.notes(store, 249) == []
        await pilot.press("tab", *"Dana at provider services", "tab", *"REF-4471", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen and screen.record.notes)
        (note,) = claims.notes(store, 249)
        assert (note.kind, note.contact, note.reference) == ("call", "Dana at provider services",
                                                             "REF-4471")  # fmt: skip
        assert screen.query_one("TabbedContent").active == "notes"
        calls = [i for i in screen.record.timeline if i.kind == "call"]
        assert calls and "Dana at provider services" in calls[0].title
        await pilot.press("4")
        assert "Asked why the claim was rejected" in str(
            screen.query_one("#timeline-text").render())  # fmt: skip
    store.dispose()


async def test_print_writes_real_pdf_files(demo_db):
    from core.services import exchange

    store = Store(demo_db)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await _claims(pilot)
        await _open_claim(pilot, queue, "CD0000000261")
        await pilot.press("p")
        await wait_until(pilot, lambda: any("saved as" in t for _, t in app.notes), timeout=20)
        await pilot.press("P")
        await wait_until(pilot, lambda: sum("saved as" in t for _, t in app.notes) == 2, timeout=20)
    forms = exchange.exchange_root(store) / "forms"
    plain, overlay = forms / "CD0000000261-cms1500.pdf", forms / "CD0000000261-cms1500-overlay.pdf"
    for path in (plain, overlay):
        assert path.read_bytes().startswith(b"%PDF"), path
        assert any(str(path) in t for _, t in app.notes)
    assert plain.read_bytes() != overlay.read_bytes()
    store.dispose()


async def test_the_batch_refuses_claims_that_cannot_go_out(demo_db):
    store = Store(demo_db)
    blocked = _duplicate_claim(store)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await _claims(pilot)
        for pcn, why in ((blocked.patient_control_number, "scrubber found 1 error (first:"),
                         ("CD0000000249", "already rejected"),
                         ("CD0000000262", "scrubber found 1 error (first: Line 1 (99214)")):  # fmt: skip
            await _find(pilot, queue, pcn)
            await pilot.press("space")
            assert queue.marked == set()
            assert any(why in t for sev, t in app.notes if sev == "warning"), (why, app.notes)
            assert str(queue.table.get_row_at(queue.table.cursor_row)[0]) == ""  # no mark box
            await pilot.press("escape")  # clears the search
        await _find(pilot, queue, "CD0000000273")  # a ready, clean claim: selectable
        assert str(queue.table.get_row_at(queue.table.cursor_row)[0]) == "○"
        await pilot.press("space")
        assert queue.marked == {273}
        await pilot.press("space")  # a second space unmarks it
        assert queue.marked == set()
        await pilot.press("space")
        assert queue.marked == {273} and str(queue.table.get_row_at(0)[0]) == "●"
        await pilot.press("escape", "escape")  # the search, then the marks
        assert queue.marked == set()
    store.dispose()


async def test_service_errors_are_notifications_not_crashes(demo_db, monkeypatch):
    from tui.widgets import claim_panels

    def broken_submit(*args, **kwargs):
        raise ValidationError("the clearinghouse connection is not set up")

    def exploding_sync(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(claim_panels.submission, "submit", broken_submit)
    monkeypatch.setattr(claim_panels.submission, "sync", exploding_sync)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await _claims(pilot)
        await pilot.press("b")
        await wait_until(pilot, lambda: any("not set up" in t for _, t in app.notes))
        await wait_until(pilot, lambda: not queue.progress.running)
        await pilot.press("x")
        await wait_until(pilot, lambda: any("disk on fire" in t for _, t in app.notes))
        assert all(sev == "error" for sev, t in app.notes if "not set up" in t or "fire" in t)
        # A claim that does not exist (from the palette, say) says so on its screen.
        app.open_record("claim", 999_999, 0)
        await wait_until(pilot, lambda: any("No claim with id 999999" in t for _, t in app.notes))
        assert isinstance(app.screen, ClaimScreen)
        assert "Could not open" in str(app.screen.query_one("#claim-title").render())
        await pilot.press("escape")
        assert app.screen is queue and app.is_running
        # A claim that is not ready cannot be submitted from its screen.
        screen = await _open_claim(pilot, queue, "CD0000000249")
        await pilot.press("b")
        assert any("only ready claims are batched" in t for _, t in app.notes)
        assert not screen.query_one(WorkProgress).running


async def test_fixing_elsewhere_asks_to_correct_on_the_way_back(demo_db):
    store = Store(demo_db)
    blocked = _duplicate_claim(store)  # an edits item to fix on the claim itself
    em = (ServiceLineIn(code="99213", pointers=(1,)), ServiceLineIn(code="20610", pointers=(1,)))
    warned, _, _ = _coded_claim(store, em, dx=("M17.11",))  # an item to fix in coding
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _claims(pilot)
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, InboxScreen) and app.screen.loaded)
        inbox = app.screen
        where = {r.item.claim_id: r.item.where_to_fix for r in inbox.rows}
        ours = (blocked.id, warned.claim.id)  # the demo's own open work is listed too
        assert {cid: where[cid] for cid in ours} == {blocked.id: "claim", warned.claim.id: "coding"}

        async def to(claim_id: int) -> None:
            while inbox.table.current.item.claim_id != claim_id:
                await pilot.press("j")

        # Coding: c opens the visit on the coder's screen (the Coding stage); F6 comes back.
        await to(warned.claim.id)
        await pilot.press("c")
        await wait_until(pilot, lambda: app.current_mode == "coding"
                         and getattr(app.screen, "encounter_id", None) == warned.claim.encounter_id)  # fmt: skip
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert warned.claim.patient_control_number in str(
            app.screen.query_one("#question").render()
        )
        await pilot.press("y")  # nothing was fixed: corrected, it is scrubbed back into edits
        await wait_until(pilot, lambda: any("corrected: now edits" in t for _, t in app.notes))
        events = claims.get_claim(store, warned.claim.id).events
        assert [e.to_status for e in events][-1] == "edits"
        # Claim: c opens the claim; escape comes back; n leaves it in the inbox untouched.
        await to(blocked.id)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ClaimScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        before = len(claims.get_claim(store, blocked.id).events)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is inbox)
        assert any("stays in the inbox" in t for _, t in app.notes)
        assert len(claims.get_claim(store, blocked.id).events) == before
    store.dispose()


async def test_filters_sort_and_palette_inbox(demo_db):
    store = Store(demo_db)
    counts = claims.count_by_status(store)
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _claims(pilot)
        work = sum(counts[s] for s in ("edits", "ready", "batched", "submitted", "rejected"))
        assert len(queue.rows) == work
        await pilot.press("f")  # the next filter: draft only
        await wait_until(pilot, lambda: not queue.fetching and {r.status for r in queue.rows}
                         == {"draft"})  # fmt: skip
        assert len(queue.rows) == counts["draft"]
        await pilot.press("p")  # one payer
        await wait_until(pilot, lambda: not queue.fetching and queue.payer is not None)
        assert {r.payer_code for r in queue.rows} <= {queue.payer}
        await pilot.press("s", "s", "s")  # largest first
        charges = [r.charge_cents for r in queue.shown]
        assert charges == sorted(charges, reverse=True)
        titles = [str(c.title) for c in app.get_system_commands(app.screen)]
        assert "Rejection inbox" in titles
        await pilot.press("f2")  # from another stage, the palette opens the inbox
        await pilot.press("ctrl+p", *"rejection inbox")

        def offered() -> bool:
            if not isinstance(app.screen, CommandPalette):
                return False
            found = app.screen.query_one(CommandList)
            return found.highlighted is not None and str(
                found.get_option_at_index(found.highlighted).prompt
            ).startswith("Rejection inbox")

        await wait_until(pilot, offered)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InboxScreen))
        assert app.current_mode == "claims"
    store.dispose()


def test_resubmit_refuses_a_claim_that_is_not_ready(demo_db):
    from tui.screens.rejections import resubmit

    store = Store(demo_db)
    claim = _duplicate_claim(store)
    try:
        resubmit(store, claim.id, today=TODAY)
    except ValidationError as exc:
        assert "not ready" in str(exc) and claim.patient_control_number in str(exc)
    else:  # pragma: no cover - the test fails
        raise AssertionError("a claim with errors was sent")
    assert claims.get_claim(store, claim.id).claim.status == "edits"
    assert submission.files_for_claim(store, claim.id) == []
    store.dispose()


async def test_void_a_paid_claim_from_the_claim_screen(demo_db):
    from sqlalchemy import select

    from db.models import Claim
    from tui.screens.claims import VoidForm

    store = Store(demo_db)
    with store.uow() as uow:
        paid = uow.session.scalars(
            select(Claim).where(Claim.status == "paid", Claim.frequency_code == "1",
                                Claim.payer_claim_number.is_not(None)).order_by(Claim.id)
        ).first()  # fmt: skip
        cid, pid, number = paid.id, paid.patient_id, paid.payer_claim_number
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_record("claim", cid, pid)
        await wait_until(pilot, lambda: isinstance(app.screen, ClaimScreen)
                         and app.screen.record is not None)  # fmt: skip
        screen = app.screen
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, VoidForm))
        form = app.screen
        await pilot.press(*"no", "ctrl+s")  # too short: refused, nothing made
        await wait_until(pilot, lambda: "at least 5 characters"
                         in str(form.query_one("#form-error").render()))  # fmt: skip
        await pilot.press("ctrl+u", *"billed to the wrong patient", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
    (void,) = [r for r in claims.claim_rows(store) if r.frequency_code == "8"]
    detail = claims.get_claim(store, void.id)
    assert detail.claim.replaces_claim_id == cid and detail.claim.payer_claim_number == number
    assert detail.claim.status == "ready"
    assert claims.get_claim(store, cid).claim.status == "paid"  # until the payer reverses it


async def test_n_bills_the_next_payer_from_the_queue(demo_db, monkeypatch):
    """n builds the secondary claims due (the service is tested on its own): on the demo
    nothing is due and it says so; with visits due it names the claims built and why any
    could not be."""
    from core.services import crossover

    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await _claims(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: any("No visit is waiting" in t for _, t in app.notes))
        assert not queue.billing_next
        calls = []

        def billed(store, claim_ids=None, *, today=None):
            calls.append(today)
            return crossover.NextPayerBilled(
                built=("CD0000000901", "CD0000000902"),
                problems=("CD0000000777 (Doe, Jane): the next payer's claim was not built: "
                          "the patient has no rank 2 coverage",),
            )  # fmt: skip

        monkeypatch.setattr(crossover, "bill_next_payers", billed)
        await pilot.press("n")
        await wait_until(pilot, lambda: any("2 secondary claims built" in t for _, t in app.notes))
        assert any("CD0000000901, CD0000000902" in t for _, t in app.notes)
        assert any(sev == "warning" and "no rank 2 coverage" in t for sev, t in app.notes)
        assert calls == [app.today]
        # From another stage, the palette's "Bill next payer" does the same on the Claims stage.
        assert "Bill next payer" in [str(c.title) for c in app.get_system_commands(app.screen)]
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.current_mode != "claims")
        await app.run_action("bill_next_payer")
        await wait_until(pilot, lambda: len(calls) == 2 and not queue.billing_next)
        assert app.current_mode == "claims"
