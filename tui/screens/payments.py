"""The Payments stage (F7): ERAs | Unmatched | Denials | Batches | Patient payments, one tab
each. Each tab is a pane that reads and writes through core services in thread workers; a tab
reads its list again each time it is shown, so work done in one tab shows in the others.
The Unmatched tab (remittance claims no claim of ours matched) lives here; the other tabs in
tui.screens.era, .denials and .batches.
"""

from __future__ import annotations

from typing import Any

import pydantic
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from core.services import remittance
from core.services.remittance import RemitClaimOut
from tui.format import clip, day, money
from tui.screens.batches import BatchPane
from tui.screens.denials import DenialPane
from tui.screens.era import SHORT_STATUS, EraPane
from tui.screens.patient_payments import PatientPane
from tui.widgets.claim_panels import WIDE, ClaimTable
from tui.widgets.forms import FormField, TextInput
from tui.widgets.payment_panels import (
    CLP_STATUS,
    ServicePane,
    ValuesForm,
    cell,
    claim_card,
)

# -- the unmatched queue --------------------------------------------------------------------------


class DismissIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    reason: str = pydantic.Field(min_length=5, max_length=300)


class DismissForm(ValuesForm):
    """Why a remittance claim that is not ours needs no posting."""

    HELP = """
## Dismiss an unmatched remittance claim

Only when you are sure no claim of ours is behind it: another office's
patient, a test claim, a claim the payer already took back. Say why in a
few words (at least 5 characters); it is kept with the item and in the
audit log. If it *is* ours (a mistyped control number), do not dismiss:
call the payer and have the payment reissued against the right claim.

`ctrl+s` dismisses it; `escape` closes without changing anything.
"""

    MODEL = DismissIn

    def compose_fields(self) -> Any:
        yield FormField("reason", "Why", TextInput(max_length=300), required=True,
                        help="At least 5 characters: whose claim it is, or why it needs no posting.")  # fmt: skip


class PostUnmatchedIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    claim: str = pydantic.Field(min_length=3, max_length=20)
    note: str = pydantic.Field(min_length=5, max_length=300)


class PostUnmatchedForm(ValuesForm):
    """Which claim an unmatched remittance claim belongs to; saving posts it there."""

    HELP = """
## Post an unmatched remittance claim to our claim

When you have found the claim it belongs to (the payer mistyped or changed
the control number: same patient, date of service and charges), type that
claim's number. The remittance's lines are posted to it exactly as an
import would have (payment, write-offs, the patient's share), and the claim
settles. Say how you know (at least 5 characters): it is kept with the item
and in the audit log. A remittance from one payer cannot pay a claim billed
to another.

`ctrl+s` posts; `escape` closes without changing anything.
"""

    MODEL = PostUnmatchedIn

    def compose_fields(self) -> Any:
        yield FormField("claim", "Our claim", TextInput(max_length=20), required=True, width=16,
                        help="The claim number (CD...) the payment belongs to.")  # fmt: skip
        yield FormField("note", "How you know", TextInput(max_length=300), required=True,
                        help="E.g. same patient, DOS and charges; payer confirmed by phone.")  # fmt: skip


class UnmatchedItemScreen(ModalScreen[None]):
    """One unmatched remittance claim, as the remittance shows it."""

    HELP = """
## An unmatched remittance claim

A claim the payer paid, denied or reversed that ClaimDesk could not find:
no claim was ever sent with this control number. Compare the patient,
date and amounts with your claims. `escape` closes.
"""

    BINDINGS = [Binding("escape", "close", "Close", id="unmatched_item.close", tooltip="Close.")]

    DEFAULT_CSS = """
    UnmatchedItemScreen { align: center middle; }
    UnmatchedItemScreen > VerticalScroll { width: 100%; max-width: 110; height: auto;
        max-height: 100%; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, item: RemitClaimOut) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = f"Unmatched: {self.item.patient_control_number}"
            yield Static(claim_card(self.item, {}))
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


class UnmatchedPane(ServicePane):
    """Remittance claims no claim of ours matched, not yet resolved."""

    HELP = """
## Unmatched remittance claims

Claims in an ERA that ClaimDesk could not find: the control number is not
one we ever sent, or the payer says the claim is not ours (status 23).
Their money was **not** posted anywhere.

For each: compare the patient, date and amounts with your claims. If it
is ours (the payer changed or mistyped the control number), `p` posts it
to that claim; if it is not, `d` dismisses it with the reason. `enter`
shows the item in full.
"""

    BINDINGS = [
        Binding("p", "post_item", "Post to claim", id="unmatched.post",
                tooltip="Post the highlighted item to the claim it belongs to."),
        Binding("d", "dismiss_item", "Dismiss", id="unmatched.dismiss",
                tooltip="Close the highlighted item with the reason it needs no posting."),
        Binding("r", "reload", "Reload", show=False, id="unmatched.reload",
                tooltip="Read the queue again."),
        Binding("j", "cursor_down", "Down", show=False, id="unmatched.down", tooltip="Next item."),
        Binding("k", "cursor_up", "Up", show=False, id="unmatched.up", tooltip="Previous item."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"items"})

    DEFAULT_CSS = """
    UnmatchedPane #unmatched { height: 1fr; }
    UnmatchedPane #unmatched-explain { height: auto; max-height: 3; padding: 0 1;
        color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: list[RemitClaimOut] = []
        self.loaded_once = False

    def compose(self) -> ComposeResult:
        yield Static("Unmatched", id="unmatched-title", classes="title")
        yield ClaimTable(id="unmatched")
        yield Static("", id="unmatched-explain")

    @property
    def table(self) -> ClaimTable:
        return self.query_one("#unmatched", ClaimTable)

    def on_mount(self) -> None:
        wide = self.app.size.width >= WIDE
        for name, width in (("Control no.", 16), ("Patient", 22 if wide else 16),
                            ("DOS", 10), ("Payer says", 24 if wide else 10), ("Billed", 10),
                            ("Paid", 10)):  # fmt: skip
            self.table.add_column(name, width=width)

    def reload(self) -> None:
        self.load("items", remittance.unmatched_queue)

    def focus_main(self) -> None:
        self.table.focus()

    def loaded(self, what: str, value: Any) -> None:
        if what == "items":
            self.items = list(value)
            self.loaded_once = True
            self._fill()
        elif what == "dismiss":
            self.notify("Dismissed: it stays in the remittance with your reason.",
                        title="Unmatched item closed", timeout=6)  # fmt: skip
            self.reload()
        elif what == "post":
            words = (value.status_after or value.status_code).replace("_", " ")
            self.notify(f"Posted to {value.patient_control_number}: paid "
                        f"{money(value.paid_cents)}; the claim is {words}.",
                        title="Unmatched item posted", timeout=8)  # fmt: skip
            if value.note:
                self.notify(value.note, title="Lines", severity="warning", timeout=10)
            self.reload()

    def _fill(self) -> None:
        wide = self.app.size.width >= WIDE
        rows = []
        for i in self.items:
            words = CLP_STATUS.get(i.status_code, "status") if wide else SHORT_STATUS.get(
                i.status_code, "status")  # fmt: skip
            rows.append((i.patient_control_number, clip(i.patient_name or "", 22 if wide else 16),
                         day(i.service_date), clip(words, 24 if wide else 10),
                         cell(i.charge_cents), cell(i.paid_cents)))  # fmt: skip
        self.table.show(self.items, rows)
        self.query_one("#unmatched-title", Static).update(
            f"Unmatched remittance claims — {len(self.items)} to resolve"
        )
        self._explain()

    def _explain(self) -> None:
        box = self.query_one("#unmatched-explain", Static)
        i = self.table.current
        if i is None:
            box.update("Nothing unmatched: every claim in the ERAs was found." if
                       self.loaded_once else "")  # fmt: skip
            return
        box.update(Text.assemble((i.patient_control_number, "bold"), f": {i.note or ''}\n",
                                 ("enter shows it in full · p posts it to our claim · d dismisses it", "dim")))  # fmt: skip

    @on(DataTable.RowHighlighted, "#unmatched")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain()

    @on(DataTable.RowSelected, "#unmatched")
    def _selected(self, event: DataTable.RowSelected) -> None:
        item = self.table.current
        if item is not None:
            self.app.push_screen(UnmatchedItemScreen(item))

    def action_dismiss_item(self, typed: dict | None = None, error: str | None = None) -> None:
        item = self.table.current
        if item is None:
            self.notify("Nothing to dismiss: the queue is empty.", timeout=3)
            return
        form = DismissForm(f"Dismiss {item.patient_control_number}", typed=typed, error=error)

        def done(model: DismissIn | None) -> None:
            if model is not None:
                self._retry = (item, form.typed_values)
                self.load("dismiss", remittance.dismiss_unmatched, item.id, model.reason)

        self.app.push_screen(form, done)

    def action_post_item(self, typed: dict | None = None, error: str | None = None) -> None:
        item = self.table.current
        if item is None:
            self.notify("Nothing to post: the queue is empty.", timeout=3)
            return
        form = PostUnmatchedForm(f"Post {item.patient_control_number} "
                                 f"({money(item.paid_cents)} paid) to our claim",
                                 typed=typed, error=error)  # fmt: skip

        def done(model: PostUnmatchedIn | None) -> None:
            if model is not None:
                self._retry = (item, form.typed_values)
                self.load("post", remittance.post_unmatched, item.id, model.claim,
                          note=model.note, today=self.app.today)  # fmt: skip

        self.app.push_screen(form, done)

    def failed(self, what: str, error: str) -> None:
        if what == "dismiss":
            self.action_dismiss_item(self._retry[1], error)
            return
        if what == "post":
            self.action_post_item(self._retry[1], error)
            return
        super().failed(what, error)

    def action_reload(self) -> None:
        self.reload()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()


# -- the stage ------------------------------------------------------------------------------------

TABS = (("eras", "1 ERAs"), ("unmatched", "2 Unmatched"), ("denials", "3 Denials"),
        ("batches", "4 Batches"), ("patient", "5 Patient payments"))  # fmt: skip


class PaymentsScreen(Screen):
    """Money coming in, and claims the payers said no to."""

    HELP = """
## Payments

Money coming in, and the claims that did not get paid. Five tabs
(`1`-`5`, or `tab` to the tab bar and the arrow keys):

1. **ERAs**: the payers' electronic remittances (835). The exchange sync
   posts them for you; `i` imports a file, with a preview first.
2. **Unmatched**: remittance claims ClaimDesk could not find.
3. **Denials**: denied and underpaid claims, most money x most urgent
   first: correct, appeal, write off, or bill the patient.
4. **Batches**: paper EOBs (a check and its EOB) and deposits, posted
   by hand, line by line, until they balance.
5. **Patient payments**: take a payment, apply or refund credit.

`F1` shows the help of the tab you are in.
"""

    BINDINGS = [
        Binding(str(n), f"tab('{tab}')", label.split(" ", 1)[1], show=False,
                id=f"payments.tab_{tab}", tooltip=f"Show the {label.split(' ', 1)[1]} tab.")
        for n, (tab, label) in enumerate(TABS, start=1)
    ]  # fmt: skip

    DEFAULT_CSS = """
    PaymentsScreen TabbedContent { height: 1fr; }
    PaymentsScreen TabPane { padding: 0; height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="eras", id="payment-tabs"):
            with TabPane(TABS[0][1], id="eras"):
                yield EraPane(id="era-pane")
            with TabPane(TABS[1][1], id="unmatched"):
                yield UnmatchedPane(id="unmatched-pane")
            with TabPane(TABS[2][1], id="denials"):
                yield DenialPane(id="denial-pane")
            with TabPane(TABS[3][1], id="batches"):
                yield BatchPane(id="batch-pane")
            with TabPane(TABS[4][1], id="patient"):
                yield PatientPane(id="patient-pane")
        yield Footer()

    def pane(self, tab: str) -> ServicePane:
        return self.query_one(f"TabPane#{tab}").query_one(ServicePane)

    @property
    def active_pane(self) -> ServicePane:
        return self.pane(self.query_one(TabbedContent).active or "eras")

    def on_mount(self) -> None:
        self.active_pane.reload()
        self.call_after_refresh(self.active_pane.focus_main)

    def on_screen_resume(self) -> None:
        if self._resumed:  # back from an ERA, a batch or a claim: money may have moved
            self.active_pane.reload()
        self._resumed = True

    @on(TabbedContent.TabActivated, "#payment-tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        pane = self.active_pane
        if pane.is_mounted:
            pane.reload()
            pane.focus_main()

    def action_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == tab:
            self.active_pane.focus_main()
        else:
            tabs.active = tab
