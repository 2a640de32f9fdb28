"""ClaimDeskApp: one mode (screen stack) per stage, switched with F-keys."""

from __future__ import annotations

import datetime as dt
import gc
from functools import partial
from pathlib import Path

from platformdirs import user_config_dir
from textual.app import App

from core.store import Store
from tui.bindings import COMMANDS, PALETTE_ONLY, app_bindings, load_keymap
from tui.commands import RecordsProvider
from tui.screens.home import HomeScreen
from tui.screens.placeholder import STAGES, StageScreen


def _lazy(module: str, name: str):
    import importlib

    return getattr(importlib.import_module(module), name)()


def _stage(name: str) -> StageScreen:
    title, about = STAGES[name]
    return StageScreen(title, about)


class ClaimDeskApp(App):
    TITLE = "ClaimDesk"
    CSS_PATH = "app.tcss"
    MODES = {
        "home": HomeScreen,
        # The other stages' screens are imported when first opened: a faster first paint.
        "patients": partial(_lazy, "tui.screens.patients", "PatientsScreen"),
        "encounters": partial(_lazy, "tui.screens.encounters", "EncountersScreen"),
        "coding": partial(_lazy, "tui.screens.coding", "CodingScreen"),
        "codes": partial(_lazy, "tui.screens.codes", "CodesScreen"),
        "claims": partial(_lazy, "tui.screens.claims", "ClaimsScreen"),
        "payments": partial(_lazy, "tui.screens.payments", "PaymentsScreen"),
        **{name: partial(_stage, name) for name in ("reports",)},
    }
    DEFAULT_MODE = "home"
    COMMANDS = App.COMMANDS | {RecordsProvider}
    BINDINGS = app_bindings()

    def __init__(self, store_url: str, user: str = "claimdesk", demo: bool = False,
                 keymap_path: Path | None = None, today: dt.date | None = None) -> None:  # fmt: skip
        super().__init__()
        # A fixed "today" freezes the clock for tests and training; None means the real date.
        self._today = today
        self.store = Store(store_url, actor=user)
        self.user = user
        self.demo = demo
        self.keymap_path = keymap_path or Path(user_config_dir("claimdesk")) / "keys.toml"
        self.sub_title = f"{user}{' · DEMO PRACTICE' if demo else ''}"

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def on_mount(self) -> None:
        # Objects made at startup live as long as the app: freeze them so the collector's full
        # passes (75-190 ms measured) stop scanning them between keystrokes.
        self.call_after_refresh(_freeze_startup_objects)
        try:
            keymap = load_keymap(self.keymap_path)
        except ValueError as exc:
            self.notify(str(exc), title="Key map ignored", severity="warning")
        else:
            if keymap:
                self.set_keymap(keymap)

    def open_record(self, kind: str, record_id: int, patient_id: int) -> None:
        """Open a patient, visit or claim wherever the user is."""
        from tui.screens.claims import open_claim
        from tui.screens.encounters import open_encounter
        from tui.screens.patients import open_patient

        if kind == "patient":
            open_patient(self, patient_id)
        elif kind == "encounter":
            open_encounter(self, record_id)
        else:
            open_claim(self, record_id)

    def action_rejection_inbox(self) -> None:
        from tui.screens.rejections import open_inbox

        open_inbox(self)

    def action_bill_next_payer(self) -> None:
        from tui.screens.claims import bill_next_from_anywhere

        bill_next_from_anywhere(self)

    def action_jump(self) -> None:
        from tui.screens.jump import JumpScreen

        targets = [w for w in self.screen.focus_chain if w.display]
        if not targets:
            return

        def go(widget) -> None:
            if widget is not None:
                widget.focus()

        self.push_screen(JumpScreen(targets), go)

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        keys = self._keymap_keys()
        for command in COMMANDS:
            title = f"{command.label}  [{keys.get(command.id, command.key)}]"
            yield _system_command(title, command.help, partial(self.run_action, command.action))
        for label, action, help_text in PALETTE_ONLY:
            yield _system_command(label, help_text, partial(self.run_action, action))

    def _keymap_keys(self) -> dict[str, str]:
        """The key each command id is bound to now (after any remapping)."""
        keys: dict[str, str] = {}
        for key, bindings in self._bindings.key_to_bindings.items():
            for binding in bindings:
                if binding.id:
                    keys.setdefault(binding.id, key)
        return keys


def _freeze_startup_objects() -> None:
    gc.collect()
    gc.freeze()


def _system_command(title: str, help_text: str, callback):
    from textual.app import SystemCommand

    return SystemCommand(title, help_text, callback)


def run_app(store_url: str, user: str, demo: bool = False) -> None:
    ClaimDeskApp(store_url=store_url, user=user, demo=demo).run()
