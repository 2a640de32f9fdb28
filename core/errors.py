"""Errors a user can act on. Services raise these; the CLI and TUI show their message as is."""

from __future__ import annotations


class ClaimDeskError(Exception):
    """Base class: ``str(error)`` is one plain sentence for the user."""


class ValidationError(ClaimDeskError):
    """Input that cannot be accepted (a bad date, an unknown code, a malformed NPI...)."""


class NotFound(ClaimDeskError):
    """A record the user named does not exist."""


class IllegalTransition(ClaimDeskError):
    """A claim cannot move from its current status to the one asked for."""

    def __init__(self, claim_ref: str, current: str, target: str, allowed: list[str]) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed
        allowed_text = ", ".join(allowed) if allowed else "none (this is a final status)"
        super().__init__(
            f"Claim {claim_ref} is {current!r} and cannot move to {target!r}; "
            f"from {current!r} it can move to: {allowed_text}."
        )


class ConcurrencyError(ClaimDeskError):
    """Someone else changed the record since it was read."""


class StoreError(ClaimDeskError):
    """The database cannot be opened or used (bad URL, missing folder, not upgraded...)."""


class ImportFileError(ClaimDeskError):
    """A file to import is missing or not in the expected format. Nothing was written."""
