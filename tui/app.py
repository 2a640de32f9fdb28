"""ClaimDeskApp: one mode (screen stack) per stage, switched with F-keys."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from platformdirs import user_config_dir
from textual.app import App

from core.store import Store
from tui.bindings import COMMANDS, app_bindings, load_keymap
from tui.screens.codes import CodesScreen
from tui.screens.coding import CodingScreen
from tui.screens.encounters import EncountersScreen
from tui.screens.home import HomeScreen
from tui.screens.patients import PatientsScreen
from tui.screens.placeholder import STAGES, StageScreen


def _stage(name: str) -> StageScreen:
    title, about = STAGES[name]
    return StageScreen(title, about)


class ClaimDeskApp(App):
    TITLE = "ClaimDesk"
    CSS_PATH = "app.tcss"
    MODES = {
        "home": HomeScreen,
        "patients": PatientsScreen,
        "encounters": EncountersScreen,
        "coding": CodingScreen,
        "codes": CodesScreen,
        **{name: partial(_stage, name) for name in ("claims", "payments", "reports")},
    }
    DEFAULT_MODE = "home"
    BINDINGS = app_bindings()

    def __init__(self, store_url: str, user: str = "claimdesk", demo: bool = False,
                 keymap_path: Path | None = None) -> None:  # fmt: skip
        super().__init__()
        self.store = Store(store_url, actor=user)
        self.user = user
        self.demo = demo
        self.keymap_path = keymap_path or Path(user_config_dir("claimdesk")) / "keys.toml"
        self.sub_title = f"{user}{' · DEMO PRACTICE' if demo else ''}"

    def on_mount(self) -> None:
        try:
            keymap = load_keymap(self.keymap_path)
        except ValueError as exc:
            self.notify(str(exc), title="Key map ignored", severity="warning")
        else:
            if keymap:
                self.set_keymap(keymap)

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for command in COMMANDS:
            if command.action.startswith("switch_mode"):
                mode = command.action.split("'")[1]
                yield _system_command(f"{command.label}  [{command.key.upper()}]", command.help,
                                      partial(self.switch_mode, mode))  # fmt: skip


def _system_command(title: str, help_text: str, callback):
    from textual.app import SystemCommand

    return SystemCommand(title, help_text, callback)


def run_app(store_url: str, user: str, demo: bool = False) -> None:
    ClaimDeskApp(store_url=store_url, user=user, demo=demo).run()
