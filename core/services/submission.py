"""Submission: ready claims batched into 837P files, checked by pyx12, sent and answered.

``submit`` takes every ready claim (optionally one payer's, or chosen ones), scrubs them once
more (claims scrub before submission), builds one 837P per 5,000 claims, validates each file
with pyx12 and only then writes it to the outbox, archived in ``x12_files`` with its hash,
control numbers and the claims inside. Claims move ``ready -> batched``. A claim that pyx12
faults goes back to ``edits`` with the finding (claim, loop, segment) and the file is rebuilt
without it; a fault that names no claim stops the file: nothing is written.

``sync`` is the exchange with the clearinghouse: outbox files are sent through the
connection's transport (claims ``batched -> submitted``); on the sandbox connection the sandbox
clearinghouse answers at once; then every answer waiting is fetched, kept in the inbox and
imported (``core.services.answers``): 999s and 277CAs accept or reject claims.

Each claim's submission gets its own patient control number: the first is ``CD`` + the claim id
(``CD0000000042``), a resubmission after a rejection adds ``-2``, ``-3``... so an answer finds
the submission it is about, and a late answer to an earlier one is recognised and ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ClaimDeskError, ConcurrencyError
from core.gc_pause import gc_paused
from core.services import exchange
from core.services.answers import ImportOutcome, import_bytes
from core.services.claims import _record, pcn_for, scrub_and_route
from core.store import Store
from core.workflow import ClaimStatus, transition
from core.x12 import x837 as X
from core.x12.control import next_control_number
from core.x12.envelope import Envelope
from core.x12.pyx12_check import Report, validate_x12
from db.models import (
    Authorization,
    Claim,
    ClaimFinding,
    ClaimLine,
    Diagnosis,
    Encounter,
    ExchangeConnection,
    Facility,
    InsurancePolicy,
    LedgerEntry,
    Patient,
    Payer,
    Practice,
    Provider,
    X12File,
    X12FileClaim,
    utcnow,
)

# progress(stage, done, total): stages "scrub" (claims), then per file "build", "validate"
# (pyx12, the slow part) and "write" (files done of total).
Progress = Callable[[str, int, int], None]
PER_FILE = X.MAX_CLAIMS_PER_TRANSACTION
SEQUENCE = {1: "P", 2: "S", 3: "T"}


class SubmissionError(ClaimDeskError):
    """A file could not be built or failed validation; nothing was written for it."""


@dataclass
class SubmitResult:
    files: list[str] = field(default_factory=list)  # paths written to the outbox
    file_ids: list[int] = field(default_factory=list)
    claims: int = 0  # claims batched
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (pcn, why) back to edits


@dataclass
class SyncResult:
    sent: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    imported: list[ImportOutcome] = field(default_factory=list)
    sandbox_answered: int = 0
    problems: list[str] = field(default_factory=list)
    # Claims built for the next payer of visits the imported 835s settled (crossover), and
    # the visits whose next payer's claim could not be built (with the reason).
    next_payer_claims: list[str] = field(default_factory=list)
    next_payer_problems: list[str] = field(default_factory=list)


def _noop(stage: str, done: int, total: int) -> None:
    return None


# -- from rows to typed 837 claims ---------------------------------------------------------------
def _address(line1, city, state, zip_code, line2=None) -> X.Address:
    return X.Address(line1=line1 or "", city=city or "", state=state or "",
                     zip_code=zip_code or "", line2=line2 or "")  # fmt: skip


def _person_ref(p: Provider) -> X.ProviderRef:
    return X.ProviderRef(last_name=p.last_name, first_name=p.first_name, npi=p.npi,
                         taxonomy=p.taxonomy or "")  # fmt: skip


class _Context:
    """Rows shared by many claims, read once per batch."""

    def __init__(self, session: Session) -> None:
        practice = session.scalars(select(Practice).order_by(Practice.id)).first()
        if practice is None:
            raise SubmissionError("set up the practice before sending claims")
        self.practice = practice
        self.billing = X.BillingProvider(
            name=practice.name, npi=practice.npi, tax_id=practice.tax_id,
            address=_address(practice.address_line1, practice.city, practice.state,
                             practice.zip_code, practice.address_line2),
            taxonomy=practice.taxonomy,
        )  # fmt: skip
        self.providers = {p.id: p for p in session.scalars(select(Provider))}
        self.facilities = {f.id: f for f in session.scalars(select(Facility))}
        self.payers = {p.id: p for p in session.scalars(select(Payer))}
        self.billing_address = (practice.address_line1 or "").upper(), practice.zip_code[:5]


def _subscriber(policy: InsurancePolicy, patient: Patient, sub_patient: Patient | None,
                payer: Payer, rank: int) -> X.Subscriber:  # fmt: skip
    is_self = policy.relationship_code == "18"
    home = sub_patient or patient
    return X.Subscriber(
        member_id=policy.member_id,
        last_name=patient.last_name if is_self else policy.subscriber_last_name,
        first_name=patient.first_name if is_self else policy.subscriber_first_name,
        middle_name=(patient.middle_name or "") if is_self else "",
        date_of_birth=patient.date_of_birth if is_self else policy.subscriber_date_of_birth,
        sex=(patient.sex if is_self else policy.subscriber_sex) or "U",
        address=_address(home.address_line1, home.city, home.state, home.zip_code,
                         home.address_line2),
        payer_sequence=SEQUENCE.get(rank, "T"),
        relationship="18" if is_self else policy.relationship_code,
        group_number=policy.group_number or "",
        filing_indicator=payer.claim_filing_indicator,
    )  # fmt: skip


def _other_payer(session: Session, claim: Claim, ctx: _Context, prior_lines: dict):
    """2320/2330 and 2430 for a secondary claim: what the prior payer paid and adjusted."""
    prior = session.scalars(
        select(Claim)
        .where(
            Claim.encounter_id == claim.encounter_id,
            Claim.payer_rank == claim.payer_rank - 1,
            Claim.status.in_(["paid", "partially_paid", "closed"]),
        )  # fmt: skip
        .order_by(Claim.id.desc())
    ).first()
    if prior is None:
        return None
    policy = session.get(InsurancePolicy, prior.policy_id)
    patient = session.get(Patient, prior.patient_id)
    sub_patient = (session.get(Patient, policy.subscriber_patient_id)
                   if policy.subscriber_patient_id else None)  # fmt: skip
    payer = ctx.payers[prior.payer_id]
    entries = session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.claim_id == prior.id, LedgerEntry.responsibility == "insurance"
        )  # fmt: skip
    ).all()
    by_line: dict[int, dict] = {}
    day = None
    for e in entries:
        if e.claim_line_id is None:
            continue
        slot = by_line.setdefault(e.claim_line_id, {"paid": 0, "adj": {}})
        if e.kind == "payment":
            slot["paid"] += -e.amount_cents
            day = max(day or e.entry_date, e.entry_date)
        elif e.kind in ("adjustment", "transfer") and e.amount_cents < 0:
            group = e.group_code or ("PR" if e.kind == "transfer" else "CO")
            reason = e.reason_code or ("1" if group == "PR" else "45")
            key = (group, reason)
            slot["adj"][key] = slot["adj"].get(key, 0) + -e.amount_cents
            day = max(day or e.entry_date, e.entry_date)
    day = day or dt.date.today()
    prior_number = {line.id: line.line_number for line in prior.lines}
    adjudications: dict[int, X.LineAdjudication] = {}
    for line_id, slot in by_line.items():
        number = prior_number.get(line_id)
        if number is None:
            continue
        adjudications[number] = X.LineAdjudication(
            payer_id=payer.payer_code, paid_cents=slot["paid"], adjudication_date=day,
            adjustments=tuple(X.Adjustment(g, r, c) for (g, r), c in sorted(slot["adj"].items())
                              if c),
        )  # fmt: skip
    prior_lines.update(adjudications)
    return X.OtherPayer837(
        payer=X.PayerRef(name=payer.name, payer_id=payer.payer_code),
        subscriber=_subscriber(policy, patient, sub_patient, payer, prior.payer_rank),
        sequence=SEQUENCE.get(prior.payer_rank, "P"),
        filing_indicator=payer.claim_filing_indicator,
        paid_cents=sum(a.paid_cents for a in adjudications.values()),
        adjudication_date=day,
        payer_claim_number=prior.payer_claim_number or "",
    )


def next_pcn(claim: Claim) -> str:
    base = pcn_for(claim.id)
    return base if not claim.submission_count else f"{base}-{claim.submission_count + 1}"


@gc_paused()  # bulk work (thousands of claims): see core.gc_pause
def claims_837(session: Session, claim_ids: Sequence[int]) -> dict[int, tuple[X.Claim837, int]]:
    """Typed 837 claims (and the version seen) for ``claim_ids``, read in a few queries.

    Plain rows, not ORM objects: this runs for thousands of claims per file.
    """
    ctx = _Context(session)
    ids = list(claim_ids)
    LN, CM, E, D, P, A = ClaimLine, Claim, Encounter, Diagnosis, Patient, InsurancePolicy
    claims = session.execute(
        select(CM.id, CM.encounter_id, CM.patient_id, CM.policy_id, CM.payer_id, CM.payer_rank,
               CM.frequency_code, CM.payer_claim_number, CM.total_charge_cents, CM.version,
               CM.submission_count)
        .where(CM.id.in_(ids)).order_by(CM.id)
    ).all()  # fmt: skip
    lines_of: dict[int, list] = {}
    for row in session.execute(
        select(LN.claim_id, LN.id, LN.line_number, LN.date_of_service, LN.code, LN.modifiers, LN.units,
               LN.charge_cents, LN.pointers)
        .where(LN.claim_id.in_(ids)).order_by(LN.claim_id, LN.line_number)
    ):  # fmt: skip
        lines_of.setdefault(row.claim_id, []).append(row)
    enc_ids = {c.encounter_id for c in claims}
    encounters = {
        e.id: e
        for e in session.execute(
            select(E.id, E.place_of_service, E.rendering_provider_id, E.referring_provider_id,
                   E.facility_id, E.authorization_id, E.authorization_number)
            .where(E.id.in_(enc_ids))
        )
    }  # fmt: skip
    dx_of: dict[int, list[str]] = {}
    for enc_id, code in session.execute(
        select(D.encounter_id, D.code).where(D.encounter_id.in_(enc_ids))
        .order_by(D.encounter_id, D.seq)
    ):  # fmt: skip
        dx_of.setdefault(enc_id, []).append(code)
    policies = {
        p.id: p
        for p in session.execute(
            select(A.id, A.relationship_code, A.member_id, A.subscriber_last_name,
                   A.subscriber_first_name, A.subscriber_date_of_birth, A.subscriber_sex,
                   A.subscriber_patient_id, A.group_number)
            .where(A.id.in_({c.policy_id for c in claims}))
        )
    }  # fmt: skip
    people = {c.patient_id for c in claims} | {
        p.subscriber_patient_id for p in policies.values() if p.subscriber_patient_id
    }
    patients = {
        p.id: p
        for p in session.execute(
            select(P.id, P.last_name, P.first_name, P.middle_name, P.date_of_birth, P.sex,
                   P.address_line1, P.address_line2, P.city, P.state, P.zip_code)
            .where(P.id.in_(people))
        )
    }  # fmt: skip
    auth_ids = {e.authorization_id for e in encounters.values() if e.authorization_id}
    auths = dict(session.execute(select(Authorization.id, Authorization.number)
                                 .where(Authorization.id.in_(auth_ids))).all()) if auth_ids else {}  # fmt: skip
    out: dict[int, tuple[X.Claim837, int]] = {}
    for claim in claims:
        enc = encounters[claim.encounter_id]
        policy = policies[claim.policy_id]
        patient = patients[claim.patient_id]
        payer = ctx.payers[claim.payer_id]
        sub_patient = patients.get(policy.subscriber_patient_id or -1)
        subscriber = _subscriber(policy, patient, sub_patient, payer, claim.payer_rank)
        pat = None
        if policy.relationship_code != "18":
            pat = X.PatientData(
                last_name=patient.last_name, first_name=patient.first_name,
                middle_name=patient.middle_name or "", date_of_birth=patient.date_of_birth,
                sex=patient.sex, relationship=policy.relationship_code,
                address=_address(patient.address_line1, patient.city, patient.state,
                                 patient.zip_code, patient.address_line2),
            )  # fmt: skip
        rendering = ctx.providers.get(enc.rendering_provider_id)
        referring = ctx.providers.get(enc.referring_provider_id or -1)
        facility = None
        fac = ctx.facilities.get(enc.facility_id or -1)
        if fac is not None and (fac.address_line1.upper(), fac.zip_code[:5]) != ctx.billing_address:
            facility = X.FacilityRef(name=fac.name, npi=fac.npi or "",
                                     address=_address(fac.address_line1, fac.city, fac.state,
                                                      fac.zip_code))  # fmt: skip
        others: tuple[X.OtherPayer837, ...] = ()
        prior_lines: dict[int, X.LineAdjudication] = {}
        if claim.payer_rank > 1:
            other = _other_payer(session, claim, ctx, prior_lines)
            others = (other,) if other else ()
        lines = tuple(
            X.ServiceLine837(
                procedure_code=line.code,
                charge_cents=line.charge_cents,
                service_date=line.date_of_service,
                pointers=tuple(int(p) for p in line.pointers.split(":") if p) or (1,),
                units=line.units,
                modifiers=tuple(m for m in line.modifiers.split(":") if m),
                line_control_number=str(line.id),
                line_number=line.line_number,
                adjudications=(prior_lines[line.line_number],)
                if line.line_number in prior_lines else (),
            )
            for line in lines_of.get(claim.id, [])
        )  # fmt: skip
        out[claim.id] = (
            X.Claim837(
                patient_control_number=next_pcn(claim),
                billing_provider=ctx.billing,
                subscriber=subscriber,
                payer=X.PayerRef(name=payer.name, payer_id=payer.payer_code),
                total_charge_cents=claim.total_charge_cents,
                diagnoses=tuple(dx_of.get(claim.encounter_id, ())),
                lines=lines,
                place_of_service=enc.place_of_service,
                frequency_code=claim.frequency_code,
                payer_claim_number=claim.payer_claim_number or ""
                if claim.frequency_code in ("7", "8") else "",
                prior_authorization=enc.authorization_number
                or auths.get(enc.authorization_id or -1, ""),
                patient=pat,
                rendering=_person_ref(rendering) if rendering else None,
                referring=_person_ref(referring) if referring else None,
                facility=facility,
                other_payers=others,
            ),
            claim.version,
        )  # fmt: skip
    return out


# -- submit ----------------------------------------------------------------------------------
def _ready_ids(s: Session, payer_code: str | None, claim_ids: Sequence[int] | None) -> list[int]:
    query = select(Claim.id).where(Claim.status == ClaimStatus.READY.value).order_by(Claim.id)
    if payer_code:
        query = query.join(Payer, Payer.id == Claim.payer_id).where(
            Payer.payer_code == payer_code.strip().upper()
        )
    if claim_ids is not None:
        query = query.where(Claim.id.in_(list(claim_ids)))
    return list(s.scalars(query))


def submit(
    store: Store,
    *,
    payer_code: str | None = None,
    claim_ids: Sequence[int] | None = None,
    connection: str | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    per_file: int = PER_FILE,
) -> SubmitResult:
    """Batch the ready claims into 837P files in the outbox (see the module docstring)."""
    progress = progress or _noop
    today = today or dt.date.today()
    result = SubmitResult()
    with store.uow() as uow:
        s = uow.session
        conn = exchange.connection_in(store, s, connection)
        conn_id = conn.id
        candidates = _ready_ids(s, payer_code, claim_ids)
        progress("scrub", 0, len(candidates))
        found = scrub_and_route(s, candidates, actor=store.actor, today=today)
        ready = _ready_ids(s, payer_code, candidates)
        for cid in sorted(set(candidates) - set(ready)):
            claim = s.get(Claim, cid)
            first = next((f.message for f in found.get(cid, []) if not f.overridden), "")
            result.blocked.append((claim.patient_control_number, first))
    progress("scrub", len(candidates), len(candidates))
    chunks = [ready[i : i + per_file] for i in range(0, len(ready), per_file)]
    for n, chunk in enumerate(chunks):
        path, file_id, count = _one_file(
            store, conn_id, chunk, result, now=now,
            progress=lambda stage, n=n: progress(stage, n, len(chunks)),
        )  # fmt: skip
        progress("write", n + 1, len(chunks))
        if path:
            result.files.append(str(path))
            result.file_ids.append(file_id)
            result.claims += count
    return result


def _one_file(store: Store, conn_id: int, ids: list[int], result: SubmitResult, *,
              now: dt.datetime | None, progress: Callable[[str], None]):  # fmt: skip
    now = now or utcnow()
    progress("build")
    with store.uow() as uow:
        s = uow.session
        conn = s.get(ExchangeConnection, conn_id)
        control = next_control_number(s)
        built_claims = claims_837(s, ids)
        submitter = X.Submitter(name=_practice_name(s), id=conn.submitter_id,
                                contact_name="BILLING OFFICE", phone=_practice_phone(s))  # fmt: skip
        receiver = X.Receiver(name=conn.receiver_name, id=conn.receiver_id)
        env = Envelope(sender_id=conn.submitter_id, receiver_id=conn.receiver_id,
                       control_number=control, created_at=now, usage=conn.usage)  # fmt: skip
    # Outside any transaction: building is quick, pyx12 is not (and must not hold the DB).
    keep = dict(built_claims)
    faults: dict[int, list[str]] = {}
    for _attempt in range(3):
        if not keep:
            return None, None, 0
        batch = X.Batch837(submitter=submitter, receiver=receiver,
                           claims=tuple(c for c, _ in keep.values()))  # fmt: skip
        try:
            built = X.build_837p(batch, env)
        except ClaimDeskError as exc:
            bad = _claim_named(str(exc), keep)
            if bad is None:
                raise SubmissionError(f"the 837 could not be built: {exc}") from None
            faults.setdefault(bad, []).append(str(exc))
            keep.pop(bad)
            continue
        progress("validate")
        report = validate_x12(built.text)
        if report.ok and not report.errors:
            break
        by_pcn = {c.patient_control_number: cid for cid, (c, _) in keep.items()}
        named = {by_pcn[f.claim] for f in report.errors if f.claim in by_pcn}
        if not named:
            raise SubmissionError(_report_text(report))
        for cid in named:
            pcn = keep[cid][0].patient_control_number
            faults.setdefault(cid, []).extend(str(f) for f in report.for_claim(pcn)[:3])
            keep.pop(cid)
    else:
        raise SubmissionError("pyx12 kept finding errors after setting claims aside; nothing sent")
    if faults:
        _hold(store, faults, result)
    if not keep:
        return None, None, 0
    return _persist(store, conn_id, control, env, built, keep)


def _claim_named(message: str, keep: dict) -> int | None:
    for cid, (c, _) in keep.items():
        if c.patient_control_number in message:
            return cid
    return None


def _report_text(report: Report) -> str:
    shown = "; ".join(str(f) for f in report.errors[:3])
    more = f" (and {len(report.errors) - 3} more)" if len(report.errors) > 3 else ""
    return f"pyx12 found errors in the 837 and it was not written: {shown}{more}"


def _hold(store: Store, faults: dict[int, list[str]], result: SubmitResult) -> None:
    """Claims pyx12 (or the builder) faulted go back to edits with the finding."""
    with store.uow() as uow:
        s = uow.session
        for cid, messages in faults.items():
            claim = s.get(Claim, cid)
            message = "; ".join(messages)[:1000]
            s.add(ClaimFinding(claim_id=cid, rule_id="X12_VALIDATION", severity="error",
                               line_number=0, message=message,
                               fix_hint="Correct the data the message names (claim, loop and "
                                        "segment), then scrub and batch the claim again.",
                               source="5010 guide (pyx12)"))  # fmt: skip
            event = transition(claim.status, ClaimStatus.EDITS, actor=store.actor,
                               reason=f"837 validation: {message[:300]}",
                               claim_ref=claim.patient_control_number)  # fmt: skip
            claim.status = event.to_status.value
            _record(s, claim, event)
            result.blocked.append((claim.patient_control_number, message))


def _practice_name(s: Session) -> str:
    return s.scalars(select(Practice.name).order_by(Practice.id)).first() or "PRACTICE"


def _practice_phone(s: Session) -> str:
    return s.scalars(select(Practice.phone).order_by(Practice.id)).first() or "0000000000"


def _persist(store: Store, conn_id: int, control: int, env: Envelope, built, keep: dict):
    text = built.text
    data = text.encode("ascii", errors="replace")
    name = f"claims-{env.isa13}.837"
    folder = exchange.outbox_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    part = folder / f".{name}.part"
    st02 = {c.patient_control_number: c.st02 for c in built.claims}
    with store.uow() as uow:
        s = uow.session
        record = X12File(
            direction="out", transaction="837P", name=name, sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), interchange_control=env.isa13, group_control=str(control),
            sender_id=env.sender_id, receiver_id=env.receiver_id, connection_id=conn_id,
            status="outbox", claims_count=len(keep), content=text, created_by=store.actor,
        )  # fmt: skip
        s.add(record)
        s.flush()
        for cid, (c837, version) in keep.items():
            claim = s.get(Claim, cid)
            if claim.status != ClaimStatus.READY.value or claim.version != version:
                raise ConcurrencyError(
                    f"claim {claim.patient_control_number} changed while the file was built; "
                    "nothing was written: submit again"
                )
            pcn = c837.patient_control_number
            event = transition(claim.status, ClaimStatus.BATCHED, actor=store.actor,
                               reason=f"batched in {name} (ISA13 {env.isa13}) as {pcn}",
                               claim_ref=pcn)  # fmt: skip
            claim.status = event.to_status.value
            claim.patient_control_number = pcn
            claim.submission_count = (claim.submission_count or 0) + 1
            _record(s, claim, event)
            s.add(X12FileClaim(file_id=record.id, claim_id=cid, patient_control_number=pcn,
                               transaction_control=(st02.get(pcn) or "").lstrip("0") or "0"))  # fmt: skip
        uow.audit("batch", "x12_file", record.id, f"{name}: {len(keep)} claims")
        s.flush()
        file_id = record.id
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, final)
    return final, file_id, len(keep)


# -- exchange with the clearinghouse -------------------------------------------------------------
def sync(
    store: Store,
    *,
    connection: str | None = None,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Send what waits in the outbox, let the sandbox answer (sandbox connection), fetch and
    import every answer waiting."""
    progress = progress or _noop
    result = SyncResult()
    with store.uow() as uow:
        conn = exchange.connection_in(store, uow.session, connection)
        conn_out = exchange.ConnectionOut.model_validate(conn)
        waiting = [
            (f.id, f.name)
            for f in uow.session.scalars(
                select(X12File)
                .where(
                    X12File.direction == "out",
                    X12File.status == "outbox",
                    X12File.connection_id == conn.id,
                )  # fmt: skip
                .order_by(X12File.id)
            )
        ]
    with exchange.open_transport(conn_out) as transport:
        for n, (file_id, name) in enumerate(waiting, start=1):
            progress("send", n - 1, len(waiting))
            data = _outbox_bytes(store, file_id, name)
            transport.send(name, data)
            _mark_sent(store, file_id, name)
            result.sent.append(name)
        progress("send", len(waiting), len(waiting))
        if conn_out.sandbox:
            from core.services import sandbox_claims

            run = sandbox_claims.run(store, now=now)
            result.sandbox_answered = len(run.processed)
        answers = transport.list_answers()
        inbox = exchange.inbox_dir(store)
        inbox.mkdir(parents=True, exist_ok=True)
        for n, remote in enumerate(answers, start=1):
            progress("fetch", n - 1, len(answers))
            data = transport.fetch(remote.name)
            local = _keep(inbox, remote.name, data)
            transport.acknowledge(remote.name)
            result.fetched.append(remote.name)
            outcome = import_bytes(store, remote.name, data, today=now.date() if now else None)
            result.imported.append(outcome)
            if not outcome.applied:
                refused = inbox / "refused"
                refused.mkdir(exist_ok=True)
                target = _free_name(refused, local.name)
                os.replace(local, target)
                target.with_name(target.name + ".why.txt").write_text(
                    "\n".join(outcome.errors) + "\n", encoding="utf-8"
                )
                result.problems.extend(outcome.errors)
        progress("fetch", len(answers), len(answers))
    settled = [p.claim_id for o in result.imported if o.type == "835" and o.applied
               for p in o.postings if p.claim_id is not None]  # fmt: skip
    if settled:
        from core.services import crossover

        billed = crossover.bill_next_payers(store, settled, today=now.date() if now else None)
        result.next_payer_claims.extend(billed.built)
        result.next_payer_problems.extend(billed.problems)
    return result


def _outbox_bytes(store: Store, file_id: int, name: str) -> bytes:
    path = exchange.outbox_dir(store) / name
    if path.is_file():
        return path.read_bytes()
    with store.uow() as uow:  # the archive keeps every file whole
        return uow.session.get(X12File, file_id).content.encode("ascii", errors="replace")


def _mark_sent(store: Store, file_id: int, name: str) -> None:
    with store.uow() as uow:
        s = uow.session
        record = s.get(X12File, file_id)
        record.status, record.sent_at = "sent", utcnow()
        for link in s.scalars(select(X12FileClaim).where(X12FileClaim.file_id == file_id)):
            claim = s.get(Claim, link.claim_id)
            if claim.status == ClaimStatus.BATCHED.value:
                event = transition(claim.status, ClaimStatus.SUBMITTED, actor=store.actor,
                                   reason=f"{name} sent to the clearinghouse",
                                   claim_ref=claim.patient_control_number)  # fmt: skip
                claim.status = event.to_status.value
                _record(s, claim, event)
        uow.audit("send", "x12_file", file_id, f"{name} sent")
    path = exchange.outbox_dir(store) / name
    if path.is_file():
        sent = path.parent / "sent"
        sent.mkdir(exist_ok=True)
        os.replace(path, _free_name(sent, name))


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    n = 2
    while target.exists():
        target = folder / f"{name}.{n}"
        n += 1
    return target


def _keep(folder: Path, name: str, data: bytes) -> Path:
    target = folder / name
    if target.exists() and target.read_bytes() != data:
        target = _free_name(folder, name)
    part = folder / f".{target.name}.part"
    part.write_bytes(data)
    os.replace(part, target)
    return target


# -- reading what was sent -------------------------------------------------------------------
def files_for_claim(store: Store, claim_id: int):
    """Every X12 file that carried or answered this claim, oldest first."""
    from core.schemas import X12FileOut

    with store.uow() as uow:
        rows = uow.session.scalars(
            select(X12File)
            .join(X12FileClaim, X12FileClaim.file_id == X12File.id)
            .where(X12FileClaim.claim_id == claim_id)
            .order_by(X12File.id)
        ).unique()
        return [X12FileOut.model_validate(f) for f in rows]


def file_text(store: Store, file_id: int) -> str:
    with store.uow() as uow:
        record = uow.session.get(X12File, file_id)
        if record is None:
            from core.errors import NotFound

            raise NotFound(f"No X12 file with id {file_id}.")
        return record.content


def file_segments(store: Store, file_id: int):
    """The archived file segment by segment, with each segment's loop and its name."""
    from core.x12.view import label_segments

    return label_segments(file_text(store, file_id))


# -- claim status: 276 out, 277 back ---------------------------------------------------------
FOLLOW_UP_DAYS = 14  # no answer this long after sending: ask the payer (DOMAIN: 14-30 days)


def follow_up_ids(session: Session, today: dt.date) -> list[int]:
    """Claims with the payer and quiet for ``FOLLOW_UP_DAYS``: time to ask their status."""
    cutoff = dt.datetime.combine(today - dt.timedelta(days=FOLLOW_UP_DAYS), dt.time())
    return list(
        session.scalars(
            select(Claim.id)
            .where(
                Claim.status.in_(
                    [
                        ClaimStatus.SUBMITTED.value,
                        ClaimStatus.ACCEPTED.value,
                        ClaimStatus.PENDING.value,
                    ]
                ),  # fmt: skip
                Claim.updated_at <= cutoff,
            )
            .order_by(Claim.id)
        )
    )


def request_status(
    store: Store,
    *,
    claim_ids: Sequence[int] | None = None,
    connection: str | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> str | None:
    """Write a 276 asking the status of claims (default: every claim due for follow-up) to
    the outbox; ``sync`` sends it and brings the 277 back. Returns the path, or None."""
    from core.x12.x270 import Person
    from core.x12.x276 import StatusRequest, build_276

    today = today or dt.date.today()
    now = now or utcnow()
    with store.uow() as uow:
        s = uow.session
        conn = exchange.connection_in(store, s, connection)
        ids = list(claim_ids) if claim_ids is not None else follow_up_ids(s, today)
        if not ids:
            return None
        typed = claims_837(s, ids)
        practice = s.scalars(select(Practice).order_by(Practice.id)).first()
        requests = []
        for cid, (c, _version) in sorted(typed.items()):
            current = s.get(Claim, cid)
            sub = c.subscriber
            subscriber = Person(last_name=sub.last_name, first_name=sub.first_name,
                                date_of_birth=sub.date_of_birth, sex=sub.sex,
                                member_id=sub.member_id)  # fmt: skip
            dependent = None
            if c.patient is not None:
                dependent = Person(last_name=c.patient.last_name, first_name=c.patient.first_name,
                                   date_of_birth=c.patient.date_of_birth, sex=c.patient.sex)  # fmt: skip
            days = [line.service_date for line in c.lines]
            requests.append(StatusRequest(
                payer_name=c.payer.name, payer_id=c.payer.payer_id,
                receiver_name=practice.name, receiver_id=conn.submitter_id,
                provider_name=practice.name, provider_npi=practice.npi,
                subscriber=subscriber, dependent=dependent,
                # Ask under the control number the payer knows: the one last sent.
                patient_control_number=current.patient_control_number,
                service_from=min(days), service_to=max(days),
                charge_cents=c.total_charge_cents,
                payer_claim_number=current.payer_claim_number or "",
            ))  # fmt: skip
        control = next_control_number(s)
        env = Envelope(sender_id=conn.submitter_id, receiver_id=conn.receiver_id,
                       control_number=control, created_at=now, usage=conn.usage)  # fmt: skip
        text = build_276(requests, env)
        data = text.encode("ascii", errors="replace")
        name = f"status-{env.isa13}.276"
        record = X12File(
            direction="out", transaction="276", name=name, sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), interchange_control=env.isa13, group_control=str(control),
            sender_id=env.sender_id, receiver_id=env.receiver_id, connection_id=conn.id,
            status="outbox", claims_count=len(requests), content=text, created_by=store.actor,
        )  # fmt: skip
        s.add(record)
        s.flush()
        for r, cid in zip(requests, sorted(typed), strict=True):
            s.add(X12FileClaim(file_id=record.id, claim_id=cid,
                               patient_control_number=r.patient_control_number))  # fmt: skip
        uow.audit("status-request", "x12_file", record.id, f"{name}: {len(requests)} claims")
        folder = exchange.outbox_dir(store)
        folder.mkdir(parents=True, exist_ok=True)
        part, final = folder / f".{name}.part", folder / name
        part.write_bytes(data)
        os.replace(part, final)
        return str(final)
