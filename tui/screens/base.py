"""A base screen: runs core services in thread workers and gets results back as messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.screen import Screen
from textual.worker import get_current_worker

from core.errors import ClaimDeskError
from tui.messages import Failed, Loaded


class ServiceWorkers:
    """Runs core services in thread workers for a screen or a pane (mixed into either).

    ``self.load(what, service_fn, *args)`` runs ``service_fn(store, *args)`` in a thread worker;
    the answer comes back as a :class:`Loaded` or :class:`Failed` message. Requests of one kind
    (the part of ``what`` before a tab) run in their own worker group. Only kinds named in
    ``CANCELLABLE`` (searches and refreshes, whose older answers are stale anyway) let a newer
    request cancel an older one; saves and checks always run to the end.
    """

    CANCELLABLE: frozenset[str] = frozenset()

    @property
    def store(self):
        return self.app.store  # type: ignore[attr-defined]

    def worker_group(self, kind: str) -> str:
        return f"db:{kind}"

    def load(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        kind = what.split("\t", 1)[0]
        self.run_worker(  # type: ignore[attr-defined]
            partial(self._serve, what, fn, args, kwargs),
            name=what,
            group=self.worker_group(kind),
            thread=True,
            exclusive=kind in self.CANCELLABLE,
            exit_on_error=False,
        )

    def _serve(self, what: str, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        try:
            value = fn(self.store, *args, **kwargs)
        except ClaimDeskError as exc:
            message: Loaded | Failed = Failed(what, str(exc))
        except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
            message = Failed(what, f"Something went wrong: {type(exc).__name__}: {exc}")
        else:
            message = Loaded(what, value)
        # A newer request of the same kind cancelled this one while it read: its answer is
        # stale and must not overwrite the newer one, which may arrive first.
        if not get_current_worker().is_cancelled:
            self.post_message(message)  # type: ignore[attr-defined]


class ServiceScreen(ServiceWorkers, Screen):
    """A screen whose data comes from core services (see :class:`ServiceWorkers`); a failure
    is a notification, never a traceback."""

    def on_failed(self, message: Failed) -> None:
        self.notify(message.error, title="Could not finish", severity="error", timeout=8)
