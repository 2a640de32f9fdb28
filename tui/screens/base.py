"""A base screen: runs core services in thread workers and gets results back as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.screen import Screen

from core.errors import ClaimDeskError
from tui.messages import Failed, Loaded


class ServiceScreen(Screen):
    """Screens call ``self.load(what, service_fn, *args)``; results arrive as Loaded/Failed."""

    @property
    def store(self):
        return self.app.store  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="db", exit_on_error=False)
    def load(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            value = fn(self.store, *args, **kwargs)
        except ClaimDeskError as exc:
            self.post_message(Failed(what, str(exc)))
        except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
            self.post_message(Failed(what, f"Something went wrong: {type(exc).__name__}: {exc}"))
        else:
            self.post_message(Loaded(what, value))

    def on_failed(self, message: Failed) -> None:
        self.notify(message.error, title="Could not finish", severity="error", timeout=8)
