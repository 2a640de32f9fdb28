"""Command-palette providers: find patients, visits and claims from anywhere (ctrl+p)."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from core.errors import ClaimDeskError
from core.services import lookup


class RecordsProvider(Provider):
    """Type a name, date of birth, account, member ID, claim number or visit number."""

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2:
            return
        app = self.app
        try:
            found = await asyncio.to_thread(lookup.find_anything, app.store, query)
        except ClaimDeskError:
            return
        matcher = self.matcher(query)
        for item in found:
            score = max(matcher.match(item.title), 0.5)
            yield Hit(
                score,
                f"{item.kind.capitalize()}: {item.title}",
                partial(app.open_record, item.kind, item.record_id, item.patient_id),
                help=item.detail,
            )

    async def discover(self) -> Hits:
        yield DiscoveryHit(
            "Find a patient, visit or claim…",
            lambda: None,
            help="Type a name, date of birth, account or member ID, claim number or visit number",
        )
