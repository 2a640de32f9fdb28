"""A base screen: runs core services in thread workers and gets results back as messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.screen import Screen

from core.errors import ClaimDeskError
from tui.messages import Failed, Loaded


class ServiceScreen(Screen):
    """Screens call ``self.load(what, service_fn, *args)``; results arrive as Loaded/Failed.

    Requests of one kind (the part of ``what`` before a tab) run in their own worker group.
    Only kinds named in ``CANCELLABLE`` (searches and refreshes, whose older answers are stale
    anyway) let a newer request cancel an older one; saves and checks always run.
    """

    CANCELLABLE: frozenset[str] = frozenset()

    @property
    def store(self):
        return self.app.store  # type: ignore[attr-defined]

    def load(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        kind = what.split("\t", 1)[0]
        self.run_worker(
            partial(self._serve, what, fn, args, kwargs),
            name=what,
            group=f"db:{kind}",
            thread=True,
            exclusive=kind in self.CANCELLABLE,
            exit_on_error=False,
        )

    def _serve(self, what: str, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
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
