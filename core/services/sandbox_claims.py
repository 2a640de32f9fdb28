"""The sandbox clearinghouse and payer front end for claims: it answers every 837 we send.

It works on the sandbox connection's far side (``sandbox/to_payer`` in, ``sandbox/from_payer``
out), the way a clearinghouse's mailbox does, and answers deterministically:

- a **999** for every 837: each transaction set is checked with pyx12; a set with errors is
  rejected (IK5 R) with IK3/IK4 naming the segment, its loop and the claim (CTX*CLM01);
- a **277CA** for the claims in accepted sets, claim by claim, from this database's payers and
  policies (the payer's enrollment roll):

  ======================================================  =================================
  what is wrong                                           277CA answer (category:code:entity)
  ======================================================  =================================
  payer ID (2010BB) not one of the payers on file         A3:116:PR  sent to the wrong payer
  member ID not in the payer's format (Medicare's MBI:    A7:164:IL  contract/member ID
  11 characters, fixed pattern; others 5–20 letters and
  digits)
  no policy with that payer and member ID                 A3:33:IL   subscriber ID not found
  patient's date of birth differs from the payer's        A7:158:QC  date of birth
  coverage not in force on the date of service            A3:88:IL   not eligible on those dates
  ======================================================  =================================

  Everything else is accepted (A2:20) with a payer claim number (REF*1K) derived from our
  patient control number, so the same claim always gets the same number.

Files that cannot be read as an 837 are set aside in ``to_payer/unreadable`` with no answer, as
a real clearinghouse would drop them (its TA1 is out of scope here).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from core.services import exchange
from core.store import Store
from core.x12.control import next_control_number
from core.x12.envelope import Envelope
from core.x12.pyx12_check import validate_x12
from core.x12.reader import X12ReadError
from core.x12.x277ca import CAInfo, CAProvider, ClaimAnswer, build_277ca
from core.x12.x837_read import ClaimSummary, Read837, read_837
from core.x12.x999 import ElementProblem, ReceivedGroup, SegmentProblem, build_999
from db.models import InsurancePolicy, Patient, Payer, Practice, utcnow

COUNTER = "sandbox"
# Medicare Beneficiary Identifier: C A AN N A AN N A A N N (no S, L, O, I, B, Z letters).
_MBI_LETTER = "[AC-HJKMNP-RT-Y]"
MBI = re.compile(
    rf"^[1-9]{_MBI_LETTER}[0-9AC-HJKMNP-RT-Y][0-9]{_MBI_LETTER}[0-9AC-HJKMNP-RT-Y][0-9]"
    rf"{_MBI_LETTER}{_MBI_LETTER}[0-9][0-9]$"
)
_MEMBER = re.compile(r"^[A-Z0-9]{5,20}$")


@dataclass
class SandboxRun:
    processed: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)
    accepted: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    category: str = "A2"
    code: str = "20"
    entity: str = ""
    message: str = ""


def payer_claim_number(pcn: str) -> str:
    digest = hashlib.sha256(pcn.encode()).hexdigest()
    return "SBX" + str(int(digest[:12], 16))[:12].rjust(12, "0")


def judge(session, claim: ClaimSummary) -> Verdict:
    """The payer front end's decision on one claim (see the table in the module docstring)."""
    payer = session.scalars(select(Payer).where(Payer.payer_code == claim.payer_id)).first()
    if payer is None:
        return Verdict(False, "A3", "116", "PR", f"payer ID {claim.payer_id} is not ours")
    member = claim.member_id.strip().upper()
    pattern = MBI if payer.kind == "medicare" else _MEMBER
    if not pattern.match(member):
        what = "a Medicare MBI" if payer.kind == "medicare" else "a member ID"
        return Verdict(False, "A7", "164", "IL", f"{member or 'blank'} is not {what}")
    policies = session.scalars(
        select(InsurancePolicy).where(
            InsurancePolicy.payer_id == payer.id, InsurancePolicy.member_id == claim.member_id
        )
    ).all()
    if not policies:
        return Verdict(False, "A3", "33", "IL", "no member with this ID")
    patient_dobs = {
        dob
        for (dob,) in session.execute(
            select(Patient.date_of_birth).where(Patient.id.in_([p.patient_id for p in policies]))
        )
    }
    if claim.patient_dob and patient_dobs and claim.patient_dob not in patient_dobs:
        return Verdict(False, "A7", "158", "QC", "date of birth does not match")
    day = claim.service_from or dt.date.today()
    if not any(p.effective_from <= day and (p.effective_to is None or day <= p.effective_to)
               for p in policies):  # fmt: skip
        return Verdict(False, "A3", "88", "IL", f"coverage not in force on {day:%m/%d/%Y}")
    return Verdict(True)


@dataclass
class Answered:
    files: list[tuple[str, str]]  # (suffix, text): the 999, then the 277CA if any
    accepted: int = 0
    rejected: int = 0


def answer_837(store: Store, data: bytes, *, now: dt.datetime | None = None) -> Answered:
    """The 999 and (when any set was accepted) the 277CA answering one 837 file.

    Raises X12ReadError when the file is not an 837.
    """
    read = read_837(data)
    now = now or utcnow()
    report = validate_x12(data)
    by_set: dict[str, list] = {}
    for finding in report.errors:
        by_set.setdefault(finding.st02 or read.transaction_controls[0], []).append(finding)
    group = ReceivedGroup.from_x12(data)
    sets = []
    for st in group.sets:
        problems = tuple(_problem(f, read) for f in by_set.get(st.control_number, [])[:20])
        sets.append(dataclasses.replace(st, accepted=not problems, problems=problems))
    group = dataclasses.replace(group, sets=tuple(sets))
    accepted_sets = {s.control_number for s in sets if s.accepted}
    out = Answered(files=[])
    with store.uow() as uow:
        s = uow.session
        submitter = read.sender_id or "CLAIMDESK"
        env = Envelope(sender_id=exchange.SANDBOX_RECEIVER, receiver_id=submitter,
                       control_number=next_control_number(s, COUNTER), created_at=now)  # fmt: skip
        out.files.append(("999", build_999(group, env)))
        claims = [c for c in read.claims if c.st02 in accepted_sets]
        if claims:
            practice = s.scalars(select(Practice).order_by(Practice.id)).first()
            provider = CAProvider(name=practice.name if practice else "PROVIDER",
                                  npi=claims[0].billing_npi or (practice.npi if practice else ""))  # fmt: skip
            verdicts = [judge(s, c) for c in claims]
            answers = [_answer(c, v, provider) for c, v in zip(claims, verdicts, strict=True)]
            out.accepted = sum(v.accepted for v in verdicts)
            out.rejected = len(verdicts) - out.accepted
            info = CAInfo(source_name="CLAIMDESK SANDBOX PAYERS", source_id=exchange.SANDBOX_RECEIVER,
                          receiver_name=practice.name if practice else "SUBMITTER",
                          receiver_id=submitter, provider=provider,
                          batch_trace=read.interchange_control or "0",
                          source_entity="AY", source_qualifier="46")  # fmt: skip
            env2 = Envelope(sender_id=exchange.SANDBOX_RECEIVER, receiver_id=submitter,
                            control_number=next_control_number(s, COUNTER), created_at=now)  # fmt: skip
            out.files.append(("277CA", build_277ca(info, answers, env2)))
    return out


def _problem(finding, read: Read837) -> SegmentProblem:
    position = max(1, finding.position - 2) if finding.position else 1  # ISA, GS come first
    element = None
    match = re.match(r"^[A-Z0-9]{2,3}(\d{2})", finding.element or "")
    if match:
        element = ElementProblem(position=int(match.group(1)), code="7" if "code" in
                                 finding.message else "1")  # fmt: skip
    return SegmentProblem(segment_id=(finding.segment or "ST")[:3], position=position,
                          code="8" if element else "3", loop_id=(finding.loop or "")[:4],
                          elements=(element,) if element else (),
                          claim_ref=finding.claim or "")  # fmt: skip


def _answer(c: ClaimSummary, v: Verdict, provider: CAProvider) -> ClaimAnswer:
    return ClaimAnswer(
        patient_control_number=c.patient_control_number,
        accepted=v.accepted,
        charge_cents=c.total_charge_cents,
        service_from=c.service_from or dt.date.today(),
        service_to=c.service_to,
        patient_last_name=c.patient_last or c.subscriber_last or "UNKNOWN",
        patient_first_name=c.patient_first,
        member_id=c.member_id or "UNKNOWN",
        category=v.category,
        status_code=v.code,
        entity=v.entity,
        payer_claim_number=payer_claim_number(c.patient_control_number) if v.accepted else "",
        message=v.message.upper()[:80],
        provider=provider,
    )


def answer_276(store: Store, data: bytes, *, now: dt.datetime | None = None) -> str:
    """The 277 answering a 276, from where each claim stands in this database (the payer's
    books): not ours -> A4 (not found); with the payer -> P1 (in process); paid -> F1;
    denied -> F2; rejected -> A3."""
    from core.x12.x276 import parse_276
    from core.x12.x277 import StatusAnswer, build_277
    from db.models import Claim, X12FileClaim

    inquiry = parse_276(data)
    now = now or utcnow()
    answers = []
    with store.uow() as uow:
        s = uow.session
        for r in inquiry.requests:
            link = s.scalars(select(X12FileClaim).where(
                X12FileClaim.patient_control_number == r.patient_control_number)).first()  # fmt: skip
            claim = s.get(Claim, link.claim_id) if link else None
            state = claim.status if claim else None
            category, code = {
                None: ("A4", "35"), "paid": ("F1", "65"), "closed": ("F1", "65"),
                "partially_paid": ("F1", "65"), "denied": ("F2", "88"),
                "rejected": ("A3", "21"),
            }.get(state, ("P1", "20"))  # fmt: skip
            answers.append(StatusAnswer(request=r, category=category, status_code=code,
                                        status_date=now.date(),
                                        payer_claim_number=(claim.payer_claim_number or "")
                                        if claim else ""))  # fmt: skip
        env = Envelope(sender_id=exchange.SANDBOX_RECEIVER,
                       receiver_id=inquiry.sender_id or "CLAIMDESK",
                       control_number=next_control_number(s, COUNTER), created_at=now)  # fmt: skip
        return build_277(answers, env, reference=inquiry.reference)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".part"))  # fmt: skip


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".{name}.part"
    part.write_text(text, encoding="ascii", errors="replace")
    os.replace(part, folder / name)


def run(store: Store, *, now: dt.datetime | None = None) -> SandboxRun:
    """Answer every 837 waiting in the sandbox's incoming folder (one pass)."""
    to_payer, from_payer = exchange.sandbox_dirs(store)
    result = SandboxRun()
    for path in _files(to_payer):
        data = path.read_bytes()
        if path.suffix == ".276":
            try:
                text = answer_276(store, data, now=now)
            except X12ReadError:
                target = to_payer / "unreadable"
                target.mkdir(exist_ok=True)
                os.replace(path, target / path.name)
                result.set_aside.append(path.name)
                continue
            _write(from_payer, f"{path.stem}.277", text)
            result.answers.append(f"{path.stem}.277")
            done = to_payer / "processed"
            done.mkdir(exist_ok=True)
            os.replace(path, done / path.name)
            result.processed.append(path.name)
            continue
        try:
            answers = answer_837(store, data, now=now)
        except X12ReadError:
            target = to_payer / "unreadable"
            target.mkdir(exist_ok=True)
            os.replace(path, target / path.name)
            result.set_aside.append(path.name)
            continue
        for suffix, text in answers.files:
            name = f"{path.stem}.{suffix}"
            _write(from_payer, name, text)
            result.answers.append(name)
        result.accepted += answers.accepted
        result.rejected += answers.rejected
        done = to_payer / "processed"
        done.mkdir(exist_ok=True)
        os.replace(path, done / path.name)
        result.processed.append(path.name)
    return result
