"""The connection that carries a 270 out and brings a 271 back.

``Clearinghouse`` is what the eligibility service talks to. ``SandboxClearinghouse`` is the one
ClaimDesk ships: it answers every 270 at once, deterministically, from this database's own
payers and policies, the way a payer would. Tests, the demo and training use it; a real
clearinghouse connection (SFTP or a web API) is later work and plugs in through the same protocol.

How the sandbox answers (005010X279A1 271, written by ``core.x12.x271.build_271``):

- payer ID (2100A NM109) not in the payer table: AAA*N**79*C at 2100A (invalid participant);
- provider NPI (2100B) neither the practice's nor a provider's: AAA*N**51*C at 2100B;
- no policy with that payer and member ID: AAA*N**72*C at 2100C (invalid member ID);
- a date of birth that does not match: AAA*N**71*C; a dependent not on that member's policies:
  AAA*N**67*C at 2100D;
- the date of service (DTP*291, else today) outside the policy's effective dates: EB*6
  (inactive) with the plan dates;
- otherwise EB*1 (active) with the plan, and the policy's benefits: copay (EB*B, per visit),
  coinsurance (EB*A), deductible (EB*C, calendar year and remaining), out-of-pocket maximum
  (EB*G, calendar year and remaining, when the policy has one).

"Deductible met" is not invented: it is the sum of the deductible (PR-1) amounts that payer
assigned to the patient on the ledger during the calendar year of the date of service (entries
moved off that payer's side with group PR, reason 1), capped at the deductible. Out-of-pocket
met is the same over PR reasons 1, 2 and 3, capped at the maximum.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ClaimDeskError
from core.store import Store
from core.x12.envelope import Envelope
from core.x12.reader import X12ReadError
from core.x12.x270 import Inquiry, Person, parse_270
from core.x12.x271 import Benefit, Rejection, Response, Subject, build_271
from db.models import (
    Account,
    InsurancePolicy,
    LedgerEntry,
    Patient,
    Payer,
    Practice,
    Provider,
    utcnow,
)

SANDBOX_ID = "CLAIMDESKSBX"
INSURANCE_TYPES = {"medicare": "MB", "medicaid": "MC", "hmo": "HM", "commercial": "C1",
                   "bcbs": "C1"}  # fmt: skip


class ClearinghouseError(ClaimDeskError):
    """The 270 could not be delivered, or no answer came back."""


@runtime_checkable
class Clearinghouse(Protocol):
    """Carries one 270 to the payer and returns the 271 text that came back."""

    name: str
    receiver_id: str  # ISA08/GS03 of the 270s sent through it
    usage: str  # ISA15: T (test) or P (production)

    def exchange_270(self, request_x12: str) -> str:
        """Send the 270 and return the 271; raise ClearinghouseError when that fails."""
        ...


class SandboxClearinghouse:
    """Answers 270s from the database's own payers and policies (see the module docstring)."""

    name = "ClaimDesk sandbox"
    receiver_id = SANDBOX_ID
    usage = "T"

    def __init__(self, store: Store, *, now: dt.datetime | None = None) -> None:
        self.store = store
        self._now = now

    def exchange_270(self, request_x12: str) -> str:
        try:
            inquiry = parse_270(request_x12)
        except X12ReadError as exc:
            raise ClearinghouseError(f"The sandbox could not read the 270: {exc}") from None
        with self.store.uow() as uow:
            response = self.answer(uow.session, inquiry)
        return build_271(response)

    # -- the payer's side --------------------------------------------------------------------
    def answer(self, session: Session, q: Inquiry) -> Response:
        now = self._now or utcnow()
        env = Envelope(
            sender_id=SANDBOX_ID,
            receiver_id=q.envelope.sender_id,
            control_number=q.envelope.control_number,
            created_at=now,
            usage=q.envelope.usage or "T",
        )
        base = dict(envelope=env, reference=q.reference, payer_name=q.payer_name,
                    payer_id=q.payer_id, provider=q.provider)  # fmt: skip
        payer = session.scalars(select(Payer).where(Payer.payer_code == q.payer_id)).first()
        if payer is None:
            return Response(**base, payer_rejections=(Rejection("79"),))
        base["payer_name"] = payer.name
        if not self._known_provider(session, q.provider.npi):
            return Response(**base, provider_rejections=(Rejection("51"),))
        day = q.service_date or now.date()
        echo = dict(trace_number=q.trace_number, trace_originator=q.trace_originator)
        policies = list(
            session.scalars(
                select(InsurancePolicy)
                .where(
                    InsurancePolicy.payer_id == payer.id,
                    func.upper(InsurancePolicy.member_id) == q.subscriber.member_id.upper(),
                )
                .order_by(InsurancePolicy.id)
            )
        )
        sub_echo = echo if q.dependent is None else {}
        if not policies:
            return Response(
                **base,
                subscriber=Subject(q.subscriber, rejections=(Rejection("72"),), **sub_echo),
            )
        if q.dependent is not None:
            policy = self._dependent_policy(session, policies, q.dependent)
            if policy is None:
                return Response(
                    **base,
                    subscriber=Subject(q.subscriber),
                    dependent=Subject(q.dependent, rejections=(Rejection("67"),), **echo),
                )
            subscriber = Subject(_subscriber_of(policy))
            dependent = self._subject(session, policy, q.dependent, day, payer, echo)
            return Response(**base, subscriber=subscriber, dependent=dependent)
        policy = next((p for p in policies if p.relationship_code == "18"), policies[0])
        person = _subscriber_of(policy)
        asked = q.subscriber.date_of_birth
        if asked is not None and person.date_of_birth is not None and asked != person.date_of_birth:
            return Response(
                **base, subscriber=Subject(q.subscriber, rejections=(Rejection("71"),), **echo)
            )
        return Response(**base, subscriber=self._subject(session, policy, person, day, payer, echo))

    def _known_provider(self, session: Session, npi: str) -> bool:
        if session.scalar(select(Practice.id).where(Practice.npi == npi)) is not None:
            return True
        return session.scalar(select(Provider.id).where(Provider.npi == npi)) is not None

    def _dependent_policy(
        self, session: Session, policies: list[InsurancePolicy], asked: Person
    ) -> InsurancePolicy | None:
        for policy in policies:
            patient = session.get(Patient, policy.patient_id)
            if patient is None:
                continue
            same_name = (
                patient.last_name.upper() == asked.last_name.upper()
                and patient.first_name.upper() == asked.first_name.upper()
            )
            same_dob = asked.date_of_birth is None or patient.date_of_birth == asked.date_of_birth
            if same_name and same_dob:
                return policy
        return None

    def _subject(
        self,
        session: Session,
        policy: InsurancePolicy,
        person: Person,
        day: dt.date,
        payer: Payer,
        echo: dict[str, str],
    ) -> Subject:
        in_force = policy.effective_from <= day and (
            policy.effective_to is None or day <= policy.effective_to
        )
        common = dict(
            group_number=policy.group_number or "",
            group_name=policy.plan_name or "",
            plan_begin=policy.effective_from,
            plan_end=policy.effective_to,
            **echo,
        )
        kind = INSURANCE_TYPES.get(payer.kind, "")
        plan = policy.plan_name or payer.name
        if not in_force:
            if policy.effective_to is not None and day > policy.effective_to:
                note = (
                    f"No coverage on {day:%m/%d/%Y}; the plan ended {policy.effective_to:%m/%d/%Y}."
                )
            else:
                note = f"No coverage on {day:%m/%d/%Y}; the plan starts {policy.effective_from:%m/%d/%Y}."
            inactive = Benefit("6", "IND", insurance_type=kind, plan=plan, messages=(note,))
            return Subject(person, benefits=(inactive,), **common)
        benefits = [
            Benefit("1", "IND", insurance_type=kind, plan=plan),
            Benefit("B", "IND", ("98",), period="27", amount_cents=policy.copay_cents, network="Y"),
            Benefit("A", "IND", ("30",), percent=policy.coinsurance_percent, network="Y"),
        ]
        met = _assigned(session, policy, day.year, ("1",))
        ded = policy.deductible_cents
        benefits += [
            Benefit("C", "IND", period="23", amount_cents=ded, network="Y"),
            Benefit("C", "IND", period="29", amount_cents=max(ded - min(met, ded), 0), network="Y"),
        ]
        oop = policy.out_of_pocket_max_cents
        if oop > 0:
            spent = min(_assigned(session, policy, day.year, ("1", "2", "3")), oop)
            benefits += [
                Benefit("G", "IND", period="23", amount_cents=oop, network="Y"),
                Benefit("G", "IND", period="29", amount_cents=oop - spent, network="Y"),
            ]
        return Subject(person, benefits=tuple(benefits), **common)


def _subscriber_of(policy: InsurancePolicy) -> Person:
    return Person(
        last_name=policy.subscriber_last_name,
        first_name=policy.subscriber_first_name,
        date_of_birth=policy.subscriber_date_of_birth,
        sex=policy.subscriber_sex or "",
        member_id=policy.member_id,
    )


def _assigned(
    session: Session, policy: InsurancePolicy, year: int, reasons: tuple[str, ...]
) -> int:
    """Patient-responsibility amounts (PR, ``reasons``) the payer moved off itself in ``year``."""
    total = session.scalar(
        select(func.coalesce(func.sum(-LedgerEntry.amount_cents), 0))
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(
            Account.patient_id == policy.patient_id,
            LedgerEntry.payer_id == policy.payer_id,
            LedgerEntry.responsibility == "insurance",
            LedgerEntry.group_code == "PR",
            LedgerEntry.reason_code.in_(reasons),
            LedgerEntry.amount_cents < 0,
            LedgerEntry.entry_date >= dt.date(year, 1, 1),
            LedgerEntry.entry_date <= dt.date(year, 12, 31),
        )
    )
    return int(total or 0)
