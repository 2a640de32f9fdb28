"""Form building blocks: inputs that check what was typed, labelled fields that show their own
error in place, and a modal form screen that validates through a core input model.

How a form checks its input, in order:

1. each input turns its text into a value (``convert``): a date from MM/DD/YYYY, cents from
   "$1,234.50", the ten digits of a phone number... A failure is that field's error;
2. the values go through the core ``*In`` model (``PatientIn``, ``PolicyIn``...). pydantic's
   errors are mapped back to the field they name; errors about the whole form go to the field
   named in ``FIELD_FOR_MODEL_ERROR``, else to the top of the form;
3. only a valid model is handed to a core service (in a worker); the service's own refusal
   (a likely duplicate patient, an overlapping policy) shows at the top of the form.

Nothing the user typed is ever cleared by a failed save.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import pydantic
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Select, Static

from core import codes as C
from core.money import Money
from tui.format import day as format_day
from tui.format import money
from tui.messages import Failed
from tui.screens.base import ServiceScreen

# -- formatting: what the screens show -----------------------------------------------------------


def fmt_money(cents: int | None) -> str:
    """Integer cents as dollars: 123456 -> "$1,234.56", -500 -> "-$5.00", None -> ""."""
    return money(None if cents is None else int(cents))


def fmt_date(day: dt.date | None) -> str:
    return format_day(day)


def fmt_phone(digits: str | None) -> str:
    if not digits:
        return ""
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits


def fmt_zip(zip_code: str | None) -> str:
    if not zip_code:
        return ""
    return f"{zip_code[:5]}-{zip_code[5:]}" if len(zip_code) == 9 else zip_code


# -- parsing: what the user types ----------------------------------------------------------------

_MDY = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})")
_MDY_SHORT_YEAR = re.compile(r"\d{1,2}[/-]\d{1,2}[/-]\d{2}")
_MMDDYYYY = re.compile(r"(\d{2})(\d{2})(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str) -> dt.date:
    """MM/DD/YYYY (also M/D/YYYY, MM-DD-YYYY, MMDDYYYY and YYYY-MM-DD)."""
    raw = text.strip()
    if m := _MDY.fullmatch(raw):
        month, day, year = (int(g) for g in m.groups())
    elif m := _MMDDYYYY.fullmatch(raw):
        month, day, year = (int(g) for g in m.groups())
    elif m := _ISO.fullmatch(raw):
        year, month, day = (int(g) for g in m.groups())
    elif _MDY_SHORT_YEAR.fullmatch(raw):
        raise ValueError(f"type the full year: {raw[:-2]}19{raw[-2:]} or {raw[:-2]}20{raw[-2:]}")
    else:
        raise ValueError(f"{raw!r} is not a date; type it as MM/DD/YYYY")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{raw} is not a real date (MM/DD/YYYY: month first)") from None


def parse_money(text: str) -> int:
    """Dollars as typed ("12", "1,234.50", "$40") -> integer cents; never negative here."""
    try:
        money = Money.parse(text)
    except ValueError:
        raise ValueError(
            f"{text.strip()!r} is not an amount; type dollars and cents, e.g. 25.00"
        ) from None
    if money.cents < 0:
        raise ValueError("the amount cannot be negative")
    return money.cents


def parse_percent(text: str) -> int:
    raw = text.strip().rstrip("%").strip()
    if not raw.isdigit() or not 0 <= int(raw) <= 100:
        raise ValueError("type a whole percent from 0 to 100, e.g. 20")
    return int(raw)


# -- inputs --------------------------------------------------------------------------------------


class FieldInput(Input):
    """A one-line input that converts its text to the value a core model expects."""

    DEFAULT_CSS = """
    FieldInput {
        width: 1fr;
        max-width: 44;
        background: $boost;
        &:focus {
            background: $primary 30%;
        }
        &:disabled {
            background: $surface;
        }
    }
    """

    PLACEHOLDER: ClassVar[str] = ""
    RESTRICT: ClassVar[str | None] = None
    MAX_LENGTH: ClassVar[int] = 0

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str | None = None,
        max_length: int | None = None,
        id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            value,
            placeholder=self.PLACEHOLDER if placeholder is None else placeholder,
            restrict=self.RESTRICT,
            max_length=self.MAX_LENGTH if max_length is None else max_length,
            compact=True,
            id=id,
            **kwargs,
        )

    def convert(self, text: str) -> Any:
        return text.strip()


class TextInput(FieldInput):
    pass


class DateInput(FieldInput):
    """A date typed MM/DD/YYYY."""

    PLACEHOLDER = "MM/DD/YYYY"
    RESTRICT = r"[0-9/\-]*"
    MAX_LENGTH = 10

    def convert(self, text: str) -> dt.date:
        return parse_date(text)


class ZipInput(FieldInput):
    PLACEHOLDER = "97201 or 97201-1234"
    RESTRICT = r"[0-9\- ]*"
    MAX_LENGTH = 10

    def convert(self, text: str) -> str:
        return C.normalize_zip(text)


class PhoneInput(FieldInput):
    PLACEHOLDER = "(503) 555-0100"
    RESTRICT = r"[0-9()\-. +]*"
    MAX_LENGTH = 17

    def convert(self, text: str) -> str:
        return C.normalize_phone(text)


class StateInput(FieldInput):
    """Two-letter state or territory code; suggests as you type."""

    PLACEHOLDER = "OR"
    RESTRICT = r"[A-Za-z]*"
    MAX_LENGTH = 2

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("suggester", SuggestFromList(sorted(C.US_STATES), case_sensitive=False))
        super().__init__(value, **kwargs)

    def convert(self, text: str) -> str:
        return C.normalize_state(text)


class MoneyInput(FieldInput):
    """Dollars and cents; the value is integer cents."""

    PLACEHOLDER = "0.00"
    RESTRICT = r"[0-9$,.]*"
    MAX_LENGTH = 14

    def convert(self, text: str) -> int:
        return parse_money(text)


class PercentInput(FieldInput):
    PLACEHOLDER = "0"
    RESTRICT = r"[0-9%]*"
    MAX_LENGTH = 4

    def convert(self, text: str) -> int:
        return parse_percent(text)


class AccountInput(FieldInput):
    """A patient account number (looked up by the form, not converted here)."""

    PLACEHOLDER = "account no."
    RESTRICT = r"[A-Za-z0-9\-]*"
    MAX_LENGTH = 20

    def convert(self, text: str) -> str:
        return text.strip().upper()


def friendly(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence for the person at the keyboard."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "Required."
    if kind == "string_too_long":
        return f"At most {ctx.get('max_length')} characters."
    msg = str(error.get("msg", "not valid")).removeprefix("Value error, ")
    return msg[:1].upper() + msg[1:]


# -- a labelled field ----------------------------------------------------------------------------


class FormField(Widget):
    """A label, one control and the control's own error line (shown only when there is one).

    ``name`` is the core model's field name. ``model=False`` marks a helper field that is not
    sent to the model as is (the form reads it itself).
    """

    DEFAULT_CSS = """
    FormField {
        height: auto;
        layout: vertical;
    }
    FormField > .field-row {
        height: auto;
    }
    FormField .field-label {
        width: 18;
        padding-right: 1;
        color: $text-muted;
    }
    FormField.-required .field-label {
        color: $text;
    }
    FormField.-focused .field-label {
        color: $accent;
        text-style: bold;
    }
    FormField .field-note {
        width: auto;
        padding-left: 1;
        color: $text-success;
    }
    FormField .field-error {
        display: none;
        padding-left: 18;
        color: $text-error;
        height: auto;
    }
    FormField.-error .field-error {
        display: block;
    }
    FormField.-error .field-label {
        color: $text-error;
    }
    FormField.-error Input {
        background: $error 25%;
    }
    FormField Select {
        width: 1fr;
        max-width: 44;
    }
    FormField:disabled .field-label {
        color: $text-disabled;
    }
    """

    def __init__(
        self,
        name: str,
        label: str,
        control: Widget,
        *,
        required: bool = False,
        width: int | None = None,
        help: str = "",
        model: bool = True,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=f"f-{name}", disabled=disabled)
        self.label = label
        self.control = control
        self.required = required
        self.help = help
        self.model = model
        if width is not None:
            control.styles.width = width
        self.set_class(required, "-required")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(f"{self.label}{' *' if self.required else ''}", classes="field-label")
            yield self.control
            yield Static("", classes="field-note")
        yield Static("", classes="field-error")

    def on_descendant_focus(self) -> None:
        # A class, not :focus-within, so the label's style follows focus out again.
        self.add_class("-focused")

    def on_descendant_blur(self) -> None:
        self.remove_class("-focused")

    def on_mount(self) -> None:
        screen_help = getattr(self.screen, "HELP", "") or ""
        if self.help:
            self.HELP = f"### {self.label}\n\n{self.help}\n\n{screen_help}"

    # -- the value --------------------------------------------------------------------------
    def raw(self) -> str:
        if isinstance(self.control, Input):
            return self.control.value
        if isinstance(self.control, Select):
            return "" if self.control.value is Select.NULL else str(self.control.value)
        return ""

    def value(self) -> Any:
        """The converted value; None when left empty. Raises ValueError for bad input."""
        if isinstance(self.control, Select):
            value = self.control.value
            return None if value is Select.NULL else value
        text = self.raw()
        if not text.strip():
            return None
        convert: Callable[[str], Any] = getattr(self.control, "convert", str.strip)
        return convert(text)

    # -- the error line ---------------------------------------------------------------------
    @property
    def error(self) -> str:
        return (
            str(self.query_one(".field-error", Static).content) if self.has_class("-error") else ""
        )

    def show_error(self, message: str | None) -> None:
        self.query_one(".field-error", Static).update(message or "")
        self.set_class(bool(message), "-error")

    def set_note(self, text: str) -> None:
        self.query_one(".field-note", Static).update(text)

    def check(self) -> bool:
        """Check the typed text now (an empty field is left for the save to judge)."""
        try:
            self.value()
        except ValueError as exc:
            self.show_error(_sentence(str(exc)))
            return False
        self.show_error(None)
        return True

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        if self.raw().strip():
            self.check()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        # Never nag while typing; only take an error away once the text is right.
        if self.has_class("-error"):
            try:
                self.value()
            except ValueError:
                return
            self.show_error(None)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- the form screen -----------------------------------------------------------------------------


class FormScreen(ServiceScreen, ModalScreen):
    """A modal form: ``compose_fields`` yields FormFields; ``submit`` hands a valid model to a
    service with ``self.load("save", ...)``; the Loaded result dismisses the form with it."""

    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen > #dialog {
        width: 100%;
        max-width: 118;
        height: auto;
        max-height: 100%;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    FormScreen #form-error {
        display: none;
        color: $text-error;
        text-style: bold;
        height: auto;
    }
    FormScreen #form-error.-shown {
        display: block;
    }
    FormScreen #fields {
        height: auto;
        max-height: 100%;
        scrollbar-size-vertical: 1;
    }
    FormScreen.-wide #fields {
        layout: grid;
        grid-size: 2;
        grid-rows: auto;
        grid-gutter: 0 2;
    }
    FormScreen .form-keys {
        color: $text-muted;
        height: 1;
    }
    FormScreen .form-note {
        color: $text-warning;
        height: auto;
        column-span: 2;
    }
    FormScreen .form-info {
        color: $text-muted;
        height: auto;
        column-span: 2;
    }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save",
                tooltip="Check the form and save it; problems show next to their fields."),
        Binding("escape", "cancel", "Cancel", id="form.cancel",
                tooltip="Close the form without saving."),
        Binding("f1", "app.help", "Help", id="form.help",
                tooltip="What this form is for and how to fill it in."),
    ]  # fmt: skip

    FORM_TITLE: ClassVar[str] = "Form"
    MODEL: ClassVar[type[pydantic.BaseModel]]
    # A whole-form error (a model validator) that belongs next to one field: text -> field name.
    FIELD_FOR_MODEL_ERROR: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self.FORM_TITLE
            yield Static("", id="form-error")
            with VerticalScroll(id="fields"):
                yield from self.compose_fields()
            yield Static(
                "* required · Tab next field · ctrl+s save · escape cancel", classes="form-keys"
            )
        yield Footer()

    def compose_fields(self) -> Iterable[FormField]:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_mount(self) -> None:
        first = next(iter(self.fields().values()), None)
        if first is not None:
            self.call_after_refresh(first.control.focus)

    # -- reading ----------------------------------------------------------------------------
    def fields(self) -> dict[str, FormField]:
        return {f.name: f for f in self.query(FormField) if f.name}

    def field(self, name: str) -> FormField:
        return self.query_one(f"#f-{name}", FormField)

    def read(self, extra: dict[str, Any] | None = None) -> pydantic.BaseModel | None:
        """Validate the form into MODEL; on failure show every problem in place, return None."""
        fields = self.fields()
        data: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, field in fields.items():
            if field.disabled or not field.model:
                continue
            try:
                value = field.value()
            except ValueError as exc:
                errors[name] = _sentence(str(exc))
                continue
            if value is not None:
                data[name] = value
        data.update(extra or {})
        top: list[str] = []
        model = None
        try:
            model = self.MODEL.model_validate(data)
        except pydantic.ValidationError as exc:
            for err in exc.errors():
                loc = err.get("loc") or ()
                name = str(loc[0]) if loc else ""
                message = friendly(err)
                if name not in fields:
                    name = next(
                        (f for text, f in self.FIELD_FOR_MODEL_ERROR.items() if text in message),
                        "",
                    )
                if name in fields and not fields[name].disabled:
                    errors.setdefault(name, message)
                else:
                    top.append(message)
        for name, field in fields.items():
            field.show_error(errors.get(name))
        if errors or top:
            problems = len(errors)
            lead = (
                f"Not saved: {problems} field{'s' if problems != 1 else ''} to fix (marked in red)."
                if problems
                else "Not saved."
            )
            self.show_form_error(" ".join([lead, *top]))
            first = next((fields[n] for n in fields if n in errors), None)
            if first is not None:
                first.control.focus()
                first.scroll_visible()
            return None
        self.show_form_error(None)
        return model

    def show_form_error(self, message: str | None) -> None:
        banner = self.query_one("#form-error", Static)
        banner.update(message or "")
        banner.set_class(bool(message), "-shown")

    # -- saving -----------------------------------------------------------------------------
    def action_save(self) -> None:
        if self._busy:
            return
        model = self.read(self.extra_values())
        if model is None:
            return
        self._busy = True
        self.show_form_error(None)
        self.submit(model)

    def extra_values(self) -> dict[str, Any]:
        """Values the form adds to the model that are not typed fields (ids, looked-up records)."""
        return {}

    def submit(self, model: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_failed(self, message: Failed) -> None:
        message.prevent_default()  # shown here, in the form, not as a notification
        self._busy = False
        self.show_form_error(f"Not saved: {message.error}")
