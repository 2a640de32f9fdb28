"""The work queues on the home screen: what waits for whom."""

from __future__ import annotations

from core.schemas import Frozen
from core.services import claims, encounters
from core.store import Store


class QueueCount(Frozen):
    key: str
    label: str
    count: int
    who: str
    meaning: str


class WorkQueues(Frozen):
    queues: tuple[QueueCount, ...]
    encounters_by_status: dict[str, int]
    claims_by_status: dict[str, int]


def work_queues(store: Store) -> WorkQueues:
    enc = encounters.count_by_status(store)
    clm = claims.count_by_status(store)
    rows = [
        ("to_code", "Visits to code", enc["open"] + enc["query"], "coder",
         "Documented visits without codes, and visits the biller sent back with a question."),
        ("to_bill", "Coded visits to bill", enc["coded"], "biller",
         "Coding is done; build the claim."),
        ("edits", "Claims with edits", clm["edits"] + clm["draft"], "biller",
         "The scrubber found problems (or has not run yet); fix before sending."),
        ("ready", "Claims ready to send", clm["ready"], "biller",
         "Clean claims waiting for the next batch."),
        ("rejected", "Rejected claims", clm["rejected"], "biller",
         "Sent back by the clearinghouse or payer before adjudication: correct and resend."),
        ("with_payer", "Waiting on payers", clm["submitted"] + clm["accepted"] + clm["pending"]
         + clm["appealed"], "biller", "Follow up when a claim has waited 14-30 days."),
        ("denied", "Denied or short-paid", clm["denied"] + clm["partially_paid"], "biller",
         "Appeal, correct and resubmit, or write off."),
    ]  # fmt: skip
    return WorkQueues(
        queues=tuple(
            QueueCount(key=k, label=label, count=n, who=who, meaning=meaning)
            for k, label, n, who, meaning in rows
        ),
        encounters_by_status=enc,
        claims_by_status=clm,
    )
