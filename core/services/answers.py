"""Answers from the other side: 999 and 277CA (and 277 claim status) files, applied to claims.

One file is applied in one transaction: everything or nothing. Reading is lenient (real
senders' files are rarely spotless): oddities become warnings and structure decides. A file is
refused, and nothing changes, when:

- it cannot be read as X12, or it is not a type ClaimDesk applies here;
- it was imported before (same SHA-256): the same answer never applies twice;
- it speaks only of files or claims ClaimDesk never sent.

Applied answers move claims through the state machine (``core.workflow``): a 999 that rejects
a transaction set rejects every claim in it; a 277CA accepts or rejects claim by claim. Each
rejection lands in the rejection inbox (``claim_rejections``) with its reason in plain words and
a fix hint. The file itself is archived whole in ``x12_files`` with the claims it spoke of.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ClaimDeskError
from core.schemas import Frozen
from core.services.claims import _record
from core.store import Store
from core.workflow import ClaimStatus, transition
from core.x12.reader import X12Document, X12ReadError, read_x12
from db.models import Claim, ClaimRejection, X12File, X12FileClaim

MAX_FILE_BYTES = 200 * 1024 * 1024


class ImportOutcome(Frozen):
    """What importing one file did (or, in a dry run, would do)."""

    file: str
    type: str
    applied: bool
    dry_run: bool = False
    claims_matched: int = 0
    accepted: int = 0
    rejected: int = 0
    unmatched: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    file_id: int | None = None
    # 835 remittances (zero for acknowledgments):
    paid_cents: int = 0
    adjustment_cents_by_group: dict[str, int] = {}
    plb_cents: int = 0
    held: bool = False  # read, but it does not balance: kept for review, nothing posted
    lines_posted: int = 0
    postings: tuple = ()  # remittance.PostedClaim per CLP matched: the preview's detail


@dataclass(frozen=True, slots=True)
class SetAck:
    """A 999's verdict on one transaction set we sent."""

    group_control: str
    set_control: str
    accepted: bool
    code: str
    message: str
    fix_hint: str
    with_errors: bool = False


@dataclass(frozen=True, slots=True)
class ClaimAck:
    """A 277CA's (or 277's) verdict on one claim, by our patient control number."""

    pcn: str
    accepted: bool
    code: str
    message: str
    fix_hint: str
    payer_claim_number: str | None = None
    pending: bool = False


@dataclass
class _Work:
    name: str
    kind: str
    warnings: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    matched: set[int] = field(default_factory=set)
    accepted: int = 0
    rejected: int = 0


class AnswerRefused(ClaimDeskError):
    """The file cannot be applied; nothing was changed."""


# -- what kind of file ---------------------------------------------------------------------------
def detect_type(doc: X12Document) -> str:
    kinds = {t.set_id for t in doc.transactions}
    if not kinds:
        if any(seg.id == "TA1" for seg in doc.segments):
            return "TA1"
        raise AnswerRefused("the file holds no transaction set (no ST segment)")
    if len(kinds) > 1:
        raise AnswerRefused(f"the file mixes transaction types ({', '.join(sorted(kinds))})")
    (kind,) = kinds
    if kind == "277":
        version = doc.transactions[0].version
        return "277CA" if "X214" in version else "277"
    if kind == "837":
        version = doc.transactions[0].version
        return "837I" if "X223" in version else "837P"
    return kind


# -- entry points --------------------------------------------------------------------------------
def import_path(store: Store, path: str | Path, *, dry_run: bool = False,
                today: dt.date | None = None) -> ImportOutcome:  # fmt: skip
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return _refused(path.name, "?", f"{path.name} is larger than 200 MB; not an answer")
        data = path.read_bytes()
    except OSError as exc:
        return _refused(path.name, "?", f"cannot read {path}: {exc.strerror or exc}")
    return import_bytes(store, path.name, data, dry_run=dry_run, today=today)


def import_paths(
    store: Store, paths: Iterable[str | Path], *, dry_run: bool = False
) -> list[ImportOutcome]:
    return [import_path(store, p, dry_run=dry_run) for p in paths]


def _refused(name: str, kind: str, *errors: str, warnings: Sequence[str] = ()) -> ImportOutcome:
    return ImportOutcome(file=name, type=kind, applied=False, errors=tuple(errors),
                         warnings=tuple(warnings))  # fmt: skip


def import_bytes(store: Store, name: str, data: bytes, *, dry_run: bool = False,
                 today: dt.date | None = None) -> ImportOutcome:  # fmt: skip
    """Apply one received file; never raises for bad input (the outcome carries the errors).
    ``today`` (default: the date) is the posting day of an 835 that gives no payment date, and
    the day a voided claim's charges come off."""
    if _looks_like_835(data):
        # Remittances have their own fast path (they can be large): read once, by the 835 parser.
        from core.services.remittance import import_835

        return import_835(store, name, data, dry_run=dry_run, today=today)
    digest = hashlib.sha256(data).hexdigest()
    try:
        doc = read_x12(data)
        kind = detect_type(doc)
    except (X12ReadError, AnswerRefused) as exc:
        return _refused(name, "?", f"{name}: {exc}")
    if kind == "835":
        from core.services.remittance import import_835

        return import_835(store, name, data, dry_run=dry_run, today=today)
    if kind in ("999", "277CA", "277"):
        # The transaction's own reader is stricter about structure (a truncated file, a
        # missing SE/IEA): refuse here, before anything is written.
        try:
            _reader_for(kind)(data)
        except X12ReadError as exc:
            return _refused(name, kind, f"{name}: {exc}")
    with store.uow() as uow:
        s = uow.session
        uow.discard = dry_run
        earlier = s.scalars(
            select(X12File).where(X12File.direction == "in", X12File.sha256 == digest)
        ).first()
        if earlier is not None:
            return _refused(
                name, kind,
                f"{name} was already imported on {earlier.created_at:%m/%d/%Y %H:%M} "
                f"(file #{earlier.id}, {earlier.name}); nothing changed",
            )  # fmt: skip
        work = _Work(name=name, kind=kind, warnings=list(doc.warnings))
        try:
            record = X12File(
                direction="in", transaction=kind, name=name[:200], sha256=digest, size=len(data),
                interchange_control=_isa(doc, 13), group_control=_gs(doc, 6),
                sender_id=_isa(doc, 6), receiver_id=_isa(doc, 8), status="applied",
                content=data.decode("utf-8", errors="replace"), created_by=store.actor,
            )  # fmt: skip
            s.add(record)
            s.flush()
            links = _apply(s, store.actor, record, data, work)
            if not work.matched:
                raise AnswerRefused(_nothing_matched(work))
            record.claims_count = len(work.matched)
            record.summary = json.dumps(
                {
                    "accepted": work.accepted,
                    "rejected": work.rejected,
                    "unmatched": work.unmatched,
                }  # fmt: skip
            )
            s.add_all(links)
            uow.audit("import", "x12_file", record.id, f"{kind} {name}: "
                      f"{work.accepted} accepted, {work.rejected} rejected")  # fmt: skip
            s.flush()
            file_id = record.id
        except AnswerRefused as exc:
            uow.discard = True
            return _refused(name, kind, f"{name}: {exc}", warnings=work.warnings)
        return ImportOutcome(
            file=name, type=kind, applied=not dry_run, dry_run=dry_run,
            claims_matched=len(work.matched), accepted=work.accepted, rejected=work.rejected,
            unmatched=tuple(work.unmatched), warnings=tuple(work.warnings),
            file_id=None if dry_run else file_id,
        )  # fmt: skip


def _looks_like_835(data: bytes) -> bool:
    """True when the file's first transaction set is an 835 (read from the ISA's separators)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    sep = head[3:4] if head[:3] == b"ISA" and len(head) > 3 else b"*"
    term = head[105:106] if head[:3] == b"ISA" and len(head) > 105 else b"~"
    pattern = rb"(?:^|[\s" + re.escape(term) + rb"])ST" + re.escape(sep) + rb"(\d{3})"
    found = re.search(pattern, head)
    return bool(found) and found.group(1) == b"835"


def _nothing_matched(work: _Work) -> str:
    if work.unmatched:
        shown = ", ".join(work.unmatched[:5]) + (" ..." if len(work.unmatched) > 5 else "")
        return f"it speaks only of claims or files ClaimDesk never sent ({shown}); nothing changed"
    return "it speaks of no claim ClaimDesk sent; nothing changed"


def _isa(doc: X12Document, n: int) -> str | None:
    for seg in doc.segments:
        if seg.id == "ISA":
            return seg.el(n).strip()[:15] or None
    return None


def _gs(doc: X12Document, n: int) -> str | None:
    for seg in doc.segments:
        if seg.id == "GS":
            return seg.el(n).strip()[:9] or None
    return None


# -- applying ------------------------------------------------------------------------------------
def _apply(s: Session, actor: str, record: X12File, data: bytes, work: _Work):
    if work.kind == "999":
        from core.services.answer_readers import set_acks_from_999

        acks, warnings = set_acks_from_999(data)
        work.warnings.extend(warnings)
        return _apply_999(s, actor, record, acks, work)
    if work.kind in ("277CA", "277"):
        from core.services.answer_readers import claim_acks_from_277, claim_acks_from_277ca

        reader = claim_acks_from_277ca if work.kind == "277CA" else claim_acks_from_277
        acks, warnings = reader(data)
        work.warnings.extend(warnings)
        return _apply_claim_acks(s, actor, record, acks, work)
    if work.kind.startswith("837"):
        raise AnswerRefused("this is a claim file (837), not an answer to one")
    raise AnswerRefused(f"ClaimDesk does not apply {work.kind} files here")


def _reader_for(kind: str):
    from core.services import answer_readers as r

    return {"999": r.set_acks_from_999, "277CA": r.claim_acks_from_277ca,
            "277": r.claim_acks_from_277}[kind]  # fmt: skip


def _move(s: Session, claim: Claim, target: ClaimStatus, actor: str, reason: str) -> bool:
    """Move ``claim`` to ``target`` if the state machine allows it from where it is."""
    if claim.status == target.value:
        return False
    event = transition(claim.status, target, actor=actor, reason=reason,
                       claim_ref=claim.patient_control_number)  # fmt: skip
    claim.status = event.to_status.value
    _record(s, claim, event)
    return True


def _reject(
    s: Session, claim: Claim, record: X12File, source: str, code: str, message: str, hint: str,
    actor: str,
) -> None:  # fmt: skip
    if claim.status not in (ClaimStatus.SUBMITTED.value, ClaimStatus.ACCEPTED.value,
                            ClaimStatus.PENDING.value):  # fmt: skip
        raise AnswerRefused(
            f"claim {claim.patient_control_number} is {claim.status}; a rejection can only "
            "apply to a claim with the payer"
        )
    _move(s, claim, ClaimStatus.REJECTED, actor, f"{source} {code}: {message}")
    s.add(ClaimRejection(claim_id=claim.id, source=source, code=code[:20], message=message,
                         fix_hint=hint, file_id=record.id))  # fmt: skip


def _apply_999(s: Session, actor: str, record: X12File, acks: Sequence[SetAck], work: _Work):
    links: list[X12FileClaim] = []
    for ack in acks:
        sent = s.scalars(
            select(X12File).where(
                X12File.direction == "out",
                X12File.group_control == ack.group_control.lstrip("0"),
            )
        ).first()
        if sent is None:
            work.unmatched.append(f"group {ack.group_control} set {ack.set_control}")
            continue
        inside = s.execute(
            select(X12FileClaim, Claim)
            .join(Claim, Claim.id == X12FileClaim.claim_id)
            .where(X12FileClaim.file_id == sent.id,
                   X12FileClaim.transaction_control == (ack.set_control.lstrip("0") or "0"))
        ).all()  # fmt: skip
        if not inside:
            work.unmatched.append(f"group {ack.group_control} set {ack.set_control}")
            continue
        for link, claim in inside:
            work.matched.add(claim.id)
            stale = claim.patient_control_number != link.patient_control_number
            outcome = "accepted" if ack.accepted else "rejected"
            links.append(X12FileClaim(file_id=record.id, claim_id=claim.id,
                                      patient_control_number=link.patient_control_number,
                                      transaction_control=link.transaction_control,
                                      outcome=f"{outcome} (999)"))  # fmt: skip
            if stale:
                work.warnings.append(
                    f"{link.patient_control_number}: answer for an earlier submission; ignored"
                )
                continue
            if ack.accepted:
                work.accepted += 1
                if ack.with_errors:
                    work.warnings.append(
                        f"{claim.patient_control_number}: accepted with errors: {ack.message}"
                    )
            else:
                work.rejected += 1
                _reject(s, claim, record, "999", ack.code, ack.message, ack.fix_hint, actor)
    return links


def _apply_claim_acks(
    s: Session, actor: str, record: X12File, acks: Sequence[ClaimAck], work: _Work
):  # fmt: skip
    links: list[X12FileClaim] = []
    pcns = sorted({a.pcn for a in acks})
    sent = {
        link.patient_control_number: link
        for link in s.scalars(
            select(X12FileClaim)
            .join(X12File, X12File.id == X12FileClaim.file_id)
            .where(X12File.direction == "out", X12FileClaim.patient_control_number.in_(pcns))
        )
    }
    source = work.kind
    for ack in acks:
        link = sent.get(ack.pcn)
        if link is None:
            work.unmatched.append(ack.pcn)
            continue
        claim = s.get(Claim, link.claim_id)
        assert claim is not None
        work.matched.add(claim.id)
        links.append(X12FileClaim(file_id=record.id, claim_id=claim.id,
                                  patient_control_number=ack.pcn,
                                  outcome="accepted" if ack.accepted else "rejected"))  # fmt: skip
        if claim.patient_control_number != ack.pcn:
            work.warnings.append(f"{ack.pcn}: answer for an earlier submission; ignored")
            continue
        if ack.accepted:
            work.accepted += 1
            if ack.payer_claim_number:
                claim.payer_claim_number = ack.payer_claim_number[:50]
            if claim.status == ClaimStatus.SUBMITTED.value:
                _move(s, claim, ClaimStatus.ACCEPTED, actor, f"{source}: {ack.message}")
            if ack.pending and claim.status == ClaimStatus.ACCEPTED.value:
                _move(s, claim, ClaimStatus.PENDING, actor, f"{source}: {ack.message}")
        else:
            work.rejected += 1
            _reject(s, claim, record, source, ack.code, ack.message, ack.fix_hint, actor)
    return links
