"""One table of commands: it feeds the key bindings, the command palette and the help screen.

A site can remap keys in ``keys.toml`` in the ClaimDesk config directory::

    [keys]
    "mode.home" = "f2"
    "app.quit" = "ctrl+q"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding


@dataclass(frozen=True)
class Command:
    id: str
    key: str
    label: str
    action: str
    help: str
    show: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("app.help", "f1", "Help", "help", "Show help for this screen and the keys that work here."),
    Command("mode.home", "f2", "Home", "switch_mode('home')", "Your work queues: what waits for you."),
    Command("mode.patients", "f3", "Patients", "switch_mode('patients')", "Find and register patients; insurance."),
    Command("mode.encounters", "f4", "Visits", "switch_mode('encounters')", "Visits and the provider's notes."),
    Command("mode.coding", "f5", "Coding", "switch_mode('coding')", "Code visits from their notes."),
    Command("mode.claims", "f6", "Claims", "switch_mode('claims')", "Build, check and send claims."),
    Command("mode.payments", "f7", "Payments", "switch_mode('payments')", "Post remittances and payments."),
    Command("mode.reports", "f8", "Reports", "switch_mode('reports')", "A/R, denials and the office's numbers."),
    Command("mode.codes", "f9", "Codes", "switch_mode('codes')", "Look up ICD-10-CM, CPT and HCPCS codes."),
    Command("app.jump", "ctrl+o", "Jump", "jump", "Jump to any part of the screen by one key.", show=False),
    Command("app.quit", "ctrl+q", "Quit", "quit", "Leave ClaimDesk."),
)  # fmt: skip


# Palette-only commands: app actions with no key of their own anywhere (label, action, help).
PALETTE_ONLY: tuple[tuple[str, str, str], ...] = (
    ("Rejection inbox", "rejection_inbox",
     "Claims that came back (edits, 999, 277CA): fix and send again (i on the Claims screen)."),
    ("Bill next payer", "bill_next_payer",
     "Build the secondary claims of visits the primary has paid (n on the Claims screen)."),
)  # fmt: skip


def app_bindings() -> list[Binding]:
    return [
        Binding(c.key, c.action, c.label, show=c.show, id=c.id, tooltip=c.help) for c in COMMANDS
    ]


def screen_binding_ids() -> set[str]:
    """Ids of the bindings the screens and widgets declare (they can be remapped too)."""
    import inspect

    from textual.dom import DOMNode

    from tui.screens import (
        batches,
        claims,
        coding,
        denials,
        encounters,
        era,
        patient_forms,
        patient_payments,
        patients,
        payments,
        queue,
        rejections,
    )
    from tui.screens import codes as codes_screen
    from tui.screens import home as home_screen
    from tui.widgets import claim_panels, payment_panels

    ids: set[str] = set()
    modules = (coding, encounters, patient_forms, patients, queue, codes_screen, home_screen,
               claims, rejections, claim_panels, payments, era, denials, batches,
               patient_payments, payment_panels)  # fmt: skip
    for module in modules:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode):
                for binding in getattr(cls, "BINDINGS", ()):
                    if isinstance(binding, Binding) and binding.id:
                        ids.add(binding.id)
    return ids


def load_keymap(path: Path) -> dict[str, str]:
    """Binding id -> key(s) from a keys.toml; a missing file means no changes.

    Unknown ids and malformed files raise ValueError with a one-line message.
    """
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise ValueError(f"{path}: [keys] must be a table of binding id = key")
    known = {c.id for c in COMMANDS} | screen_binding_ids()
    unknown = sorted(set(keys) - known)
    if unknown:
        raise ValueError(f"{path}: unknown binding ids {', '.join(unknown)}")
    return {str(k): str(v) for k, v in keys.items()}


def identify(prefix: str, bindings: list) -> list[Binding]:
    """Bindings with an id (``prefix.action``, remappable in keys.toml) and a tooltip each.

    Accepts Binding objects and ``(key, action, description)`` tuples; keeps ids and tooltips
    that are already set.
    """
    out: list[Binding] = []
    for b in bindings:
        if not isinstance(b, Binding):
            key, action, *rest = b
            b = Binding(key, action, rest[0] if rest else "")
        name = b.action.split("(")[0]
        arg = b.action[len(name) :].strip("()'\" ").replace(",", "_").replace(" ", "")
        ident = b.id or f"{prefix}.{name}{'_' + arg if arg else ''}"
        tooltip = b.tooltip or b.description or name.replace("_", " ")
        description = b.description or name.replace("_", " ").capitalize()
        out.append(
            Binding(
                b.key,
                b.action,
                description,
                show=b.show,
                key_display=b.key_display,
                priority=b.priority,
                tooltip=tooltip,
                id=ident,
                system=b.system,
                group=b.group,
            )  # fmt: skip
        )
    return out
