"""The 835 remittance advice (005010X221A1): a fast, lenient reader into the shared model
(:mod:`core.x12.x835_model`), and the writer the ClaimDesk sandbox payer uses.

Loops of an 835::

    BPR (payment) TRN (check/EFT trace) [CUR REF*EV REF*F2 DTM*405]
      1000A N1*PR N3 N4 [REF*2U] [PER*CX] PER*BL [PER*IC]     1000B N1*PE N3 N4 [REF*TJ] [RDM]
      2000 LX [TS3 TS2]
        2100 CLP CAS* NM1*QC [NM1*IL NM1*74 NM1*82 NM1*TT NM1*PR NM1*GB] [MIA] [MOA] REF*
             DTM*232/233/036/050 PER* AMT* QTY*
          2110 SVC DTM*472|150+151 CAS* REF* (6R: our line) AMT* (B6: allowed) QTY* LQ*HE*
    PLB* (provider-level adjustments, up to six per segment)

Reading (:func:`parse_835`):

- Separators come from the ISA (files without ISA start at ST), detected by
  :mod:`core.x12.reader`'s own helpers; refusals use the shared answer reader's words
  (:func:`~core.x12.x999.open_answer`). Several interchanges, groups and transaction sets per file are read;
  one :class:`Remittance835` per ST..SE.
- Speed: posting must handle 10,000+ service lines a second end to end, so the reader makes one
  pass over the text with plain string splits (no ``Segment`` objects, no regex per element),
  reads each text a file repeats (amounts, dates, whole CAS and SVC segments) once, and builds
  only the model's own objects (see the notes above ``_Ctx``).
- Amounts become signed integer cents exactly (integer arithmetic on the digits, ``Decimal``
  for anything unusual; never float). An amount with more than two decimals is rounded half to
  even to the cent and noted in ``warnings`` (the balancing check then shows whether it
  mattered): refusing a whole payment for a sub-cent oddity helps nobody. A required amount
  left empty reads as 0 with a warning. Text that is not a number refuses the file.
- Refused (:class:`~core.x12.x999.X12FileError`, one plain sentence naming the segment): text
  that is not X12, a file without an 835, a file cut short (no SE, no IEA, cut in the middle of
  a segment), a CLP without its patient control number, an SVC or CAS outside any claim, a BPR
  missing, an amount that is not a number.
- Everything else odd (unknown or misplaced segments, bad dates, a missing BPR16, values with
  leading spaces, envelope counts that disagree) is read around and noted in ``warnings``,
  each naming its segment number (ISA = 1).
- ``DTM*472`` (one date of service) fills ``service_from`` only; ``DTM*150``/``151`` fill
  ``service_from``/``service_to``. ``rendering_npi`` is NM1*82 NM109 when NM108 is XX (another
  kind of ID is not an NPI). ``patient_member_id`` is NM1*QC NM109, else NM1*IL NM109.

Writing (:func:`build_835`): the sandbox payer's 835, which must pass pyx12 with no findings
and must balance (it is refused with :class:`~core.errors.ValidationError` otherwise).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from core.errors import ValidationError
from core.money import Money
from core.x12.envelope import (
    COMPONENT,
    ELEMENT,
    TERMINATOR,
    Envelope,
    cents_text,
    clean,
    d8,
    segment,
    wrap,
)
from core.x12.reader import (
    _BOM,
    _SEGMENT_ID,
    X12ReadError,
    _decode,
    _guess_separators,
    _separators_from_isa,
)
from core.x12.x835_model import (
    Adjustment835,
    ClaimPayment,
    ProviderAdjustment835,
    Read835,
    Remittance835,
    ServicePayment,
    balance_problems,
)
from core.x12.x999 import X12FileError, kind_of, open_answer

VERSION = "005010X221A1"
WHAT = "an 835 remittance advice"
_ASK = "ask the payer for a corrected 835"
_ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "TA1"})
# Segments an 835 may hold that the model has no place for: read past without a word.
_QUIET = frozenset({"CUR", "RDM", "LX", "TS3", "TS2", "QTY"})
_HEADER = frozenset({"BPR", "TRN", "N1", "N3", "N4", "PER"})
_BODY = frozenset({"SVC", "CAS", "DTM", "REF", "AMT", "LQ", "CLP", "NM1", "MOA", "MIA", "PLB"})
_FRAME = _ENVELOPE | {"ST", "SE"}  # segments that open or close a transaction set
_KNOWN = _QUIET | _HEADER | _BODY | _FRAME
_IS_FRAME = {sid: sid in _FRAME for sid in _KNOWN}  # one look-up per segment
_CAS_GROUPS = frozenset({"CO", "PR", "OA", "PI", "CR"})
_TRIPLES = (2, 5, 8, 11, 14, 17)  # CAS02, CAS05 ... CAS17: reason, amount, quantity
_PLB_PAIRS = (3, 5, 7, 9, 11, 13)  # PLB03/04 ... PLB13/14: reason:reference, amount
_SLOW_NUMBER = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")  # the slow path


# =============================================================================================
# Reading: small helpers shared by the hot loop
#
# Why it is fast (a 10,000-claim file has about 125,000 segments, so each step per segment
# counts): the text is cut with plain str.split; the body segments go through one if-chain,
# most frequent first (DTM, CAS, REF, SVC); a file repeats the same few texts thousands of
# times, so per-file caches remember what a text reads as (amounts, dates, and whole CAS and
# SVC segments); and each service line and claim becomes a model object once, at its end.
# A cache only keeps a reading that gave no warning (warnings name their segment number), so
# a cached reading is exactly what reading the text again would give. The model's objects are
# frozen: one Adjustment835 shared by several lines is safe.
class _Ctx:
    """Per-file reading state: warnings, the caches of texts already read (a file repeats the
    same few values thousands of times), the component separator."""

    __slots__ = ("warnings", "amounts", "dates", "component", "cas", "svc")

    def __init__(self, component: str) -> None:
        self.warnings: list[str] = []
        self.amounts: dict[str, int] = {}
        self.dates: dict[str, dt.date | None] = {}
        self.component = component
        # Whole segments, keyed by their text: CAS -> its adjustments, SVC -> its own values.
        self.cas: dict[str, tuple[Adjustment835, ...]] = {}
        self.svc: dict[str, tuple] = {}

    def warn(self, pos: int, sid: str, text: str) -> None:
        self.warnings.append(f"Segment {pos} ({sid}): {text}")

    def remember(self, cache: dict, read: Callable, e: list[str], pos: int, piece: str) -> Any:
        """``read(self, e, pos)``, kept in ``cache`` under the segment's text when it gave no
        warning."""
        mark = len(self.warnings)
        value = read(self, e, pos)
        if len(self.warnings) == mark:
            cache[piece] = value
        return value

    def money(self, e: list[str], n: int, pos: int, what: str, required: bool = True) -> int:
        """Element ``n`` of segment ``e`` as signed cents (see the module notes)."""
        text = e[n] if n < len(e) else ""
        cents = self.amounts.get(text)
        if cents is not None:
            return cents
        neg = text[:1] == "-"
        body = text[1:] if neg else text
        whole, _, frac = body.partition(".")
        if (
            len(frac) <= 2
            and body.isascii()
            and (whole.isdigit() or (not whole and frac))
            and (not frac or frac.isdigit())
        ):
            cents = int(whole or "0") * 100 + (
                int(frac) * (10 if len(frac) == 1 else 1) if frac else 0
            )
            if neg:
                cents = -cents
            self.amounts[text] = cents  # only exact, warning-free readings are remembered
            return cents
        return self._money_slow(text, e[0], n, pos, what, required)

    def _money_slow(self, text: str, sid: str, n: int, pos: int, what: str, required: bool) -> int:
        name = f"{sid}{n:02d}"
        value = text.strip()
        if not value:
            if required:
                self.warn(pos, sid, f"the {what} ({name}) is empty; it was read as 0.")
            return 0
        if value != text:
            self.warn(pos, sid, f"the {what} ({name}) {text!r} has spaces around it.")
        if not _SLOW_NUMBER.fullmatch(value):
            raise X12FileError(
                f"Segment {pos} ({sid}) has {text!r} as its {what} ({name}), which is not an "
                f"amount of money, so the file cannot be posted: {_ASK}."
            )
        try:
            exact = Decimal(value) * 100
            cents = exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            raise X12FileError(
                f"Segment {pos} ({sid}) has {text!r} as its {what} ({name}), which is too large "
                f"to be an amount of money, so the file cannot be posted: {_ASK}."
            ) from None
        if cents != exact:
            self.warn(
                pos,
                sid,
                f"the {what} ({name}) {text!r} has more than two decimals; it was rounded to "
                f"{Money(int(cents)).format()}.",
            )
        return int(cents)

    def date(self, text: str, pos: int, sid: str, what: str) -> dt.date | None:
        """A D8 date (CCYYMMDD); None with a warning when it is not one."""
        try:
            day = self.dates[text]
        except KeyError:
            day = None
            value = text.strip()
            if len(value) == 8 and value.isascii() and value.isdigit():
                try:
                    day = dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
                except ValueError:
                    day = None
            self.dates[text] = day
        if day is None:
            if text.strip():
                self.warn(pos, sid, f"the {what} {text!r} is not a date (CCYYMMDD); ignored.")
            else:
                self.warn(pos, sid, f"the {what} is missing.")
        return day

    def ident(self, e: list[str], n: int, pos: int, what: str) -> str:
        """An identifier or name: surrounding spaces removed (noted when leading)."""
        text = e[n] if n < len(e) else ""
        if text[:1] == " " and text.strip():
            self.warn(pos, e[0], f"the {what} {text!r} begins with a space; it was read without.")
        return text.strip()


def _el(e: list[str], n: int) -> str:
    return e[n] if n < len(e) else ""


def _constructor(cls: type, names: str) -> Callable[..., Any]:
    """``cls`` itself, to be called with its values in field order (positional: cheaper than
    keywords for the 30,000 lines and claims of a large file), once it is checked that the
    fields are exactly ``names``, in order: a model change stops the import rather than
    shuffle values."""
    fields = dataclasses.fields(cls)
    want = tuple(names.split())
    if tuple(f.name for f in fields) != want or any(f.kw_only for f in fields):
        raise RuntimeError(f"{cls.__name__}'s fields are not {want}: update the 835 reader.")
    return cls


# What an SVC gives, then what the segments after it add: ServicePayment's field order.
_SVC_FIELDS = (
    "qualifier code modifiers charge_cents paid_cents units original_code original_modifiers "
    "original_units"
)
_service_payment = _constructor(
    ServicePayment,
    _SVC_FIELDS + " service_from service_to line_control_number allowed_cents adjustments remarks",
)
# What a CLP gives, then what the segments after it add: ClaimPayment's field order.
_CLP_FIELDS = (
    "patient_control_number status_code charge_cents paid_cents patient_responsibility_cents "
    "filing_indicator payer_claim_number facility_code frequency_code"
)
_claim_payment = _constructor(
    ClaimPayment,
    _CLP_FIELDS + " patient_last patient_first patient_member_id corrected_last corrected_first "
    "rendering_npi crossover_payer service_from service_to received_on adjustments remarks "
    "services position crossover_payer_id",
)


# ---------------------------------------------------------------------------------------------
# Reading: one transaction set
class _Line:
    """A service line being read: its SVC's values, then what DTM, CAS, REF, AMT, LQ add."""

    __slots__ = ("svc", "start", "end", "control", "allowed", "adjustments", "remarks")

    def __init__(self, svc: tuple) -> None:
        self.svc = svc  # from _read_svc, in ServicePayment's field order
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self.control = ""
        self.allowed: int | None = None
        # Tuples grown by concatenation: most lines have one CAS and no LQ, and () + t is t.
        self.adjustments: tuple[Adjustment835, ...] = ()
        self.remarks: tuple[str, ...] = ()

    def freeze(self) -> ServicePayment:
        return _service_payment(
            *self.svc,
            self.start,
            self.end,
            self.control,
            self.allowed,
            self.adjustments,
            self.remarks,
        )


class _Claim:
    """A claim being read: its CLP's values, then what CAS, NM1, MOA, DTM and the lines add."""

    __slots__ = (
        "clp", "last", "first", "member", "insured_member", "corrected_last", "corrected_first",
        "rendering", "crossover", "crossover_id", "start", "end", "received", "adjustments",
        "remarks", "lines", "position",
    )  # fmt: skip

    def __init__(self, clp: tuple, pos: int) -> None:
        self.clp = clp  # from _read_clp, in ClaimPayment's field order
        self.last = self.first = self.member = self.insured_member = ""
        self.corrected_last = self.corrected_first = self.rendering = ""
        self.crossover = self.crossover_id = ""
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self.received: dt.date | None = None
        self.adjustments: tuple[Adjustment835, ...] = ()
        self.remarks: tuple[str, ...] = ()
        self.lines: list[ServicePayment] = []
        self.position = pos

    def freeze(self) -> ClaimPayment:
        return _claim_payment(
            *self.clp,
            self.last,
            self.first,
            self.member or self.insured_member,
            self.corrected_last,
            self.corrected_first,
            self.rendering,
            self.crossover,
            self.start,
            self.end,
            self.received,
            self.adjustments,
            self.remarks,
            tuple(self.lines),
            self.position,
            self.crossover_id,
        )


def _read_clp(cx: _Ctx, e: list[str], pos: int) -> _Claim:
    if len(e) < 10:
        e.extend(("",) * (10 - len(e)))
    pcn = cx.ident(e, 1, pos, "patient control number")
    if not pcn:
        raise X12FileError(
            f"Segment {pos} (CLP) has no patient control number (CLP01), so its payment cannot "
            f"be matched to a claim: {_ASK}."
        )
    status = e[2].strip()
    if not status:
        cx.warn(pos, "CLP", f"claim {pcn} has no status code (CLP02).")
    # An amount already read, inline; cx.money reads (and warns about) the others, in order.
    known = cx.amounts
    charge = known.get(e[3])
    if charge is None:
        charge = cx.money(e, 3, pos, "claim charge")
    paid = known.get(e[4])
    if paid is None:
        paid = cx.money(e, 4, pos, "claim payment")
    patient = known.get(e[5])
    if patient is None:
        patient = cx.money(e, 5, pos, "patient responsibility", required=False)
    clp = (  # _CLP_FIELDS, in order
        pcn,
        status,
        charge,
        paid,
        patient,
        e[6].strip(),
        e[7].strip(),
        e[8].strip(),
        e[9].strip(),
    )
    return _Claim(clp, pos)


def _read_svc(cx: _Ctx, e: list[str], pos: int) -> tuple:
    """An SVC's own values: _SVC_FIELDS, in order."""
    if len(e) < 8:
        e.extend(("",) * (8 - len(e)))
    parts = e[1].split(cx.component)
    if len(parts) == 1:
        parts = _composite_parts(cx, e, 1, pos)
    code = parts[1].strip() if len(parts) > 1 else ""
    if not code:
        cx.warn(pos, "SVC", f"the procedure code (SVC01-2) is missing in {e[1]!r}.")
    modifiers = parts[2:6]
    charge = cx.money(e, 2, pos, "line charge")
    paid = cx.money(e, 3, pos, "line payment")
    if e[6]:
        orig = _composite_parts(cx, e, 6, pos)
        original_code = orig[1].strip() if len(orig) > 1 else ""
        original_modifiers = tuple(m for m in orig[2:6] if m)
    else:
        original_code = ""
        original_modifiers = ()
    return (
        parts[0].strip(),
        code,
        tuple(modifiers) if "" not in modifiers else tuple(m for m in modifiers if m),
        charge,
        paid,
        e[5].strip(),
        original_code,
        original_modifiers,
        e[7].strip(),
    )


def _composite_parts(cx: _Ctx, e: list[str], n: int, pos: int) -> list[str]:
    """The components of composite ``n``. Some senders separate them with another character
    than the ISA16 they declare ("HC>99213" under ISA16 ":"): that is read too, with a warning."""
    text = e[n]
    parts = text.split(cx.component)
    if len(parts) == 1 and len(text) > 3 and not text[2].isalnum() and text[2] != " ":
        cx.warn(
            pos,
            e[0],
            f"{e[0]}{n:02d} {text!r} separates its parts with {text[2]!r}, not the declared "
            f"{cx.component!r}; read as such.",
        )
        parts = text.split(text[2])
    return parts


def _read_cas(cx: _Ctx, e: list[str], pos: int) -> tuple[Adjustment835, ...]:
    """A CAS's adjustments (``e`` has at least three items: see _Txn.feed)."""
    size = len(e)
    if size > 20:
        cx.warn(pos, "CAS", f"CAS holds {size - 1} elements, more than 19; the rest was skipped.")
    e.extend(("", "", ""))  # the last triple may be cut short
    group = e[1].strip()
    if group not in _CAS_GROUPS:
        cx.warn(pos, "CAS", f"{group or 'an empty group'!r} is not a CAS group code.")
    out: list[Adjustment835] = []
    for i in _TRIPLES:
        if i >= size:
            break
        reason = e[i]
        amount = e[i + 1]
        if not reason and not amount:
            continue
        if not reason:
            cx.warn(pos, "CAS", f"the amount {amount!r} in CAS{i + 1:02d} has no reason code.")
        out.append(
            Adjustment835(
                group,
                reason.strip(),
                cx.money(e, i + 1, pos, "adjustment amount"),
                e[i + 2].strip(),
            )
        )
    return tuple(out)


class _Txn:
    """Reads the body of one ST..SE into a :class:`Remittance835`."""

    def __init__(self, cx: _Ctx, st: list[str], version: str, pos: int) -> None:
        self.cx = cx
        self.dates = cx.dates  # the file's caches, one attribute away for the hot segments
        self.cas_seen = cx.cas
        self.svc_seen = cx.svc
        self.control = _el(st, 2).strip()
        if not version:
            cx.warn(
                pos,
                "ST",
                f"transaction {self.control or '?'} does not say its version "
                f"(ST03 or GS08); it was read as {VERSION}.",
            )
        elif not version.startswith("005010X221"):
            cx.warn(
                pos,
                "ST",
                f"transaction {self.control or '?'} declares version {version!r}, "
                f"not {VERSION}; it was read as one.",
            )
        self.bpr: list[str] | None = None
        self.bpr_pos = self.bpr_mark = 0
        self.trn: list[str] | None = None
        self.production: dt.date | None = None
        self.party = ""  # the 1000 loop being read: PR, PE, or another N1 (ignored)
        self.payer: list[str] = []
        self.payer_ref = ""
        self.addresses: dict[str, list[str]] = {}  # PR/PE: [street, city, state, zip]
        self.phone = ""
        self.url = ""
        self.payee: list[str] = []
        self.tax_id = ""
        self.claims: list[ClaimPayment] = []
        self.plb: list[ProviderAdjustment835] = []
        self.claim: _Claim | None = None
        self.line: _Line | None = None
        self.footer = False

    # -- the loop ----------------------------------------------------------------------------
    def feed(self, sid: str, e: list[str], pos: int, piece: str) -> None:
        """One body segment: ``e[0]`` is its ID, ``e[n]`` its element n, ``piece`` its whole
        text (the key of the segment caches). Most frequent segments first."""
        if len(e) < 3:
            e.extend(("", ""))  # e[1] and e[2] always exist below
        if sid == "DTM":
            # A line's date of service, inline when that date was read before (a bad date is
            # remembered as None, and _dtm then gives its warning again).
            line = self.line
            kind = e[1]
            day = self.dates.get(e[2])
            if day is not None and line is not None and (kind == "472" or kind == "150"):
                line.start = day
            else:
                self._dtm(e, pos)
        elif sid == "CAS":
            claim = self.claim
            if claim is None:
                raise X12FileError(
                    f"Segment {pos} (CAS) is an adjustment outside any claim (no CLP before "
                    f"it), so it cannot be posted: {_ASK}."
                )
            adjustments = self.cas_seen.get(piece)
            if adjustments is None:
                adjustments = self.cx.remember(self.cas_seen, _read_cas, e, pos, piece)
            line = self.line
            if line is not None:
                line.adjustments += adjustments
            else:
                claim.adjustments += adjustments
        elif sid == "REF":
            kind = e[1]
            line = self.line
            if line is not None:
                if kind == "6R":
                    value = e[2]  # cx.ident inline when there is nothing to say
                    line.control = (
                        value.strip()
                        if value[:1] != " "
                        else self.cx.ident(e, 2, pos, "line control number")
                    )
            elif self.claim is None and self.party == "PR" and kind == "2U":
                self.payer_ref = self.cx.ident(e, 2, pos, "payer ID")
            elif self.claim is None and self.party == "PE" and kind == "TJ":
                self.tax_id = self.cx.ident(e, 2, pos, "payee tax ID")
        elif sid == "SVC":
            claim = self.claim
            if claim is None:
                raise X12FileError(
                    f"Segment {pos} (SVC) is a service line outside any claim (no CLP before "
                    f"it), so it cannot be posted: {_ASK}."
                )
            if self.line is not None:
                claim.lines.append(self.line.freeze())
            svc = self.svc_seen.get(piece)
            if svc is None:
                svc = self.cx.remember(self.svc_seen, _read_svc, e, pos, piece)
            self.line = _Line(svc)
        elif sid == "CLP":
            self._close_claim()
            if self.footer:
                self.cx.warn(pos, sid, "a claim after the provider adjustments (PLB); read anyway.")
            self.claim = _read_clp(self.cx, e, pos)
        elif sid == "NM1":
            self._nm1(e, pos)
        else:
            self._rare(sid, e, pos)

    def _rare(self, sid: str, e: list[str], pos: int) -> None:
        """The body segments a file holds a few of (``e`` has at least three items)."""
        cx = self.cx
        line = self.line
        claim = self.claim
        if sid == "AMT":
            if line is not None and e[1] == "B6":
                line.allowed = cx.money(e, 2, pos, "allowed amount")
        elif sid == "LQ":
            if line is None:
                cx.warn(pos, sid, "a remark code outside any service line; skipped.")
            elif e[1] == "HE":
                code = e[2].strip()
                if code:
                    line.remarks += (code,)
        elif sid == "MOA" or sid == "MIA":
            if claim is None:
                cx.warn(pos, sid, "claim adjudication details outside any claim; skipped.")
            else:
                picks = range(3, 8) if sid == "MOA" else (5, 20, 21, 22, 23)
                claim.remarks += tuple(c for c in (_el(e, i).strip() for i in picks) if c)
        elif sid == "PLB":
            self._close_claim()
            self.footer = True
            self._plb(e, pos)
        elif sid in _QUIET:
            if sid == "LX":
                self._close_claim()
        elif sid in _HEADER:
            if claim is None and not self.footer:
                self._header(sid, e, pos)
            elif sid != "PER" or line is not None:  # a PER in a claim is its contact
                cx.warn(pos, sid, "a header segment out of place (among the claims); skipped.")
        else:
            cx.warn(pos, sid, f"{sid} is not part of an 835; skipped.")

    def _close_claim(self) -> None:
        claim = self.claim
        if claim is None:
            return
        if self.line is not None:
            claim.lines.append(self.line.freeze())
            self.line = None
        self.claims.append(claim.freeze())
        self.claim = None

    def _dtm(self, e: list[str], pos: int) -> None:
        cx = self.cx
        kind = e[1]
        value = e[2]
        line, claim = self.line, self.claim
        if line is not None:
            if kind == "472" or kind == "150":
                line.start = cx.date(value, pos, "DTM", "service date")
            elif kind == "151":
                line.end = cx.date(value, pos, "DTM", "service end date")
            else:
                cx.warn(pos, "DTM", f"date qualifier {kind!r} does not belong to a service line.")
        elif claim is not None:
            if kind == "232":
                claim.start = cx.date(value, pos, "DTM", "claim statement start date")
            elif kind == "233":
                claim.end = cx.date(value, pos, "DTM", "claim statement end date")
            elif kind == "050":
                claim.received = cx.date(value, pos, "DTM", "claim received date")
            elif kind != "036":
                cx.warn(pos, "DTM", f"date qualifier {kind!r} does not belong to a claim.")
        elif kind == "405":
            self.production = cx.date(value, pos, "DTM", "production date")

    def _nm1(self, e: list[str], pos: int) -> None:
        cx, claim = self.cx, self.claim
        if claim is None or self.line is not None:
            cx.warn(pos, "NM1", "a name outside a claim's header; skipped.")
            return
        kind = e[1]
        if kind == "QC":
            if len(e) < 10:
                e.extend(("",) * (10 - len(e)))
            last, first, member = e[3], e[4], e[9]
            if last[:1] != " " and first[:1] != " " and member[:1] != " ":
                # The usual case, inline: nothing to say, so cx.ident's work is the strip.
                claim.last, claim.first, claim.member = last.strip(), first.strip(), member.strip()
                return
            claim.last = cx.ident(e, 3, pos, "patient last name")
            claim.first = cx.ident(e, 4, pos, "patient first name")
            claim.member = cx.ident(e, 9, pos, "patient ID")
        elif kind == "IL":
            claim.insured_member = cx.ident(e, 9, pos, "insured's member ID")
        elif kind == "74":
            claim.corrected_last = cx.ident(e, 3, pos, "corrected last name")
            claim.corrected_first = cx.ident(e, 4, pos, "corrected first name")
        elif kind == "82":
            if _el(e, 8) == "XX":
                claim.rendering = cx.ident(e, 9, pos, "rendering provider NPI")
        elif kind == "TT":
            claim.crossover = cx.ident(e, 3, pos, "crossover payer name")
            claim.crossover_id = cx.ident(e, 9, pos, "crossover payer ID")

    def _plb(self, e: list[str], pos: int) -> None:
        cx = self.cx
        if len(e) < 15:
            e.extend(("",) * (15 - len(e)))
        provider = cx.ident(e, 1, pos, "provider identifier")
        fiscal = cx.date(e[2], pos, "PLB", "fiscal period date")
        for i in _PLB_PAIRS:
            if not e[i] and not e[i + 1]:
                continue
            reason, _, reference = e[i].partition(cx.component)
            if not reason.strip():
                cx.warn(pos, "PLB", f"the adjustment in PLB{i:02d} has no reason code.")
            self.plb.append(
                ProviderAdjustment835(
                    provider,
                    fiscal,
                    reason.strip(),
                    reference.strip(),
                    cx.money(e, i + 1, pos, "provider adjustment amount"),
                )
            )

    def _header(self, sid: str, e: list[str], pos: int) -> None:
        cx = self.cx
        if sid == "BPR":
            if self.bpr is not None:
                cx.warn(pos, sid, "a second BPR in one transaction; skipped.")
                return
            self.bpr, self.bpr_pos, self.bpr_mark = e, pos, len(cx.warnings)
        elif sid == "TRN":
            if self.trn is None:
                self.trn = e
        elif sid == "N1":
            self.party = _el(e, 1)
            if self.party == "PR":
                self.payer = e
            elif self.party == "PE":
                self.payee = e
            else:
                cx.warn(pos, sid, f"party {self.party!r} is neither payer (PR) nor payee (PE).")
        elif sid in ("N3", "N4"):
            if self.party not in ("PR", "PE"):
                cx.warn(pos, sid, "an address without a payer or payee before it; skipped.")
                return
            address = self.addresses.setdefault(self.party, ["", "", "", ""])
            if sid == "N3":
                address[0] = _el(e, 1).strip()
            else:
                address[1:4] = [_el(e, i).strip() for i in (1, 2, 3)]
        elif sid == "PER" and self.party == "PR":
            kind = _el(e, 1)
            for i in (3, 5, 7):
                qual, value = _el(e, i), _el(e, i + 1).strip()
                if kind == "BL" and qual == "TE" and not self.phone:
                    self.phone = value
                elif kind in ("BL", "IC") and qual == "UR" and not self.url:
                    self.url = value

    # -- the result --------------------------------------------------------------------------
    def finish(self, se_pos: int) -> Remittance835:
        cx = self.cx
        self._close_claim()
        bpr = self.bpr
        if bpr is None:
            raise X12FileError(
                f"Transaction {self.control or '?'} (ending at segment {se_pos}) has no BPR "
                f"segment, so the payment it reports is unknown: {_ASK}."
            )
        pos = self.bpr_pos
        later = cx.warnings[self.bpr_mark :]  # BPR's own warnings go before these
        del cx.warnings[self.bpr_mark :]
        if len(bpr) < 17:
            bpr = bpr + [""] * (17 - len(bpr))
        total = cx.money(bpr, 2, pos, "total payment")
        credit_debit = bpr[3].strip()
        if credit_debit == "D":
            total = -total
        elif credit_debit != "C":
            cx.warn(pos, "BPR", f"BPR03 is {credit_debit!r}, not C (credit) or D (debit).")
        if bpr[16].strip():
            paid_on = cx.date(bpr[16], pos, "BPR", "payment date (BPR16)")
        else:
            paid_on = None
            cx.warn(pos, "BPR", "the payment date (BPR16) is missing.")
        trn = self.trn or []
        if not trn:
            cx.warn(pos, "BPR", f"transaction {self.control} has no TRN (check or EFT number).")
        if not self.payer:
            cx.warn(pos, "BPR", f"transaction {self.control} does not name its payer (N1*PR).")
        cx.warnings.extend(later)
        return Remittance835(
            control_number=self.control,
            handling_code=bpr[1].strip(),
            total_cents=total,
            credit_debit=credit_debit,
            payment_method=bpr[4].strip(),
            payment_date=paid_on,
            trace_number=_el(trn, 2).strip(),
            payer_identifier=_el(trn, 3).strip(),
            payer_name=_el(self.payer, 2).strip(),
            payer_id=_el(self.payer, 4).strip() or self.payer_ref,
            payee_name=_el(self.payee, 2).strip(),
            payee_id=_el(self.payee, 4).strip(),
            payee_id_qualifier=_el(self.payee, 3).strip(),
            production_date=self.production,
            payer_address=_address(self.addresses.get("PR")),
            payer_contact_phone=self.phone,
            payer_contact_url=self.url,
            payee_address=_address(self.addresses.get("PE")),
            payee_tax_id=self.tax_id,
            claims=tuple(self.claims),
            provider_adjustments=tuple(self.plb),
        )


def _address(parts: list[str] | None) -> tuple[str, str, str, str]:
    """(street, city, state, zip), or () when the file gives no address (the model's "none")."""
    return tuple(parts) if parts else ()


# ---------------------------------------------------------------------------------------------
# Reading: the file
def _refuse_like_the_reader(data: str | bytes, fallback: str) -> X12FileError:
    """The refusal the shared answer reader gives for this file (same words for every answer
    type), or ``fallback`` when it would accept what this reader cannot."""
    try:
        open_answer(data, "835", WHAT)
    except X12FileError as exc:
        return exc
    return X12FileError(fallback)


def parse_835(data: str | bytes) -> Read835:
    """Read every 835 transaction set in ``data`` (see the module notes for what is refused and
    what becomes a warning). Raises :class:`X12FileError` with one plain sentence."""
    text = _decode(data).lstrip(_BOM).lstrip(" \t\r\n\x00")
    if not text:
        raise X12FileError("The file is empty.")
    try:
        if text[:3].upper() == "ISA":
            seps, _ = _separators_from_isa(text)
        elif text[:2].upper() in ("ST", "GS") and len(text) > 2:
            seps = _guess_separators(text)
        else:
            raise _refuse_like_the_reader(data, "This is not an X12 file.")
    except X12ReadError as exc:
        if isinstance(exc, X12FileError):
            raise
        raise X12FileError(str(exc)) from None
    elem, term = seps.element, seps.segment
    cx = _Ctx(seps.component)
    warnings = cx.warnings
    if term == "\n":
        pieces = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        tail = ""  # one segment per line: the last line needs no line break
    else:
        pieces = text.split(term)
        tail = pieces[-1].strip(" \t\r\n\x00")  # text after the last terminator
        if tail and tail.split(elem, 1)[0].strip().upper() not in ("IEA", "GE", "SE"):
            shown = tail if len(tail) <= 30 else tail[:27] + "..."
            raise X12FileError(
                f"The file ends in the middle of a segment ({shown!r}) (truncated?): ask the "
                "sender for the whole file."
            )
        if re.search(re.escape(term) + r"\r?\n?[ \t]+\S", text):
            warnings.append("Segments are indented with spaces; they were read without them.")

    remittances: list[Remittance835] = []
    other_sets: list[str] = []
    isa: list[str] | None = None
    gs: list[str] | None = None
    first_envelope: tuple[list[str] | None, list[str] | None] | None = None
    txn: _Txn | None = None
    skipping: str | None = None  # ST01 of a transaction set that is not an 835
    st: list[str] = []
    count = st_in_gs = gs_in_isa = pos = 0
    sid = ""
    closed = False  # the last segment closed its envelope cleanly (SE or IEA that match)
    for piece in pieces:
        piece = piece.strip(" \t\r\n\x00")
        if not piece:
            continue
        pos += 1
        e = piece.split(elem)
        sid = e[0]
        frame = _IS_FRAME.get(sid)
        if frame is None:  # not a known ID as written ("clp", "NM1 ", "ZZZ", damage)
            sid = e[0] = _segment_id(sid, piece, pos)
            frame = sid in _FRAME
        if not frame:
            if txn is not None:  # the usual case: a segment of an 835's body
                count += 1
                txn.feed(sid, e, pos, piece)
                continue
            if skipping is not None:
                count += 1
                continue
        closed = False
        if sid == "ST":
            if txn is not None or skipping is not None:
                _refuse_missing_se(st, pos, sid)
            st, count, st_in_gs = e, 1, st_in_gs + 1
            if _el(e, 1) == "835":
                txn = _Txn(cx, e, _el(e, 3) or (_el(gs, 8) if gs else ""), pos)
            else:
                skipping = _el(e, 1) or "?"
                other_sets.append(skipping)
        elif sid == "SE":
            if txn is None and skipping is None:
                warnings.append(f"Segment {pos} (SE): an SE without its ST; skipped.")
                continue
            count += 1
            closed = _el(e, 1) == str(count) and _el(e, 2) == _el(st, 2)
            if _el(e, 1) != str(count):
                warnings.append(
                    f"Segment {pos} (SE): SE01 says {_el(e, 1) or 'nothing'}, but transaction "
                    f"{_el(st, 2) or '?'} has {count} segments."
                )
            if _el(e, 2) != _el(st, 2):
                warnings.append(
                    f"Segment {pos} (SE): SE02 {_el(e, 2)!r} does not match ST02 {_el(st, 2)!r}."
                )
            if txn is not None:
                remittances.append(txn.finish(pos))
                if first_envelope is None:
                    first_envelope = (isa, gs)
            else:
                warnings.append(
                    f"Segment {pos} (SE): transaction {_el(st, 2) or '?'} is "
                    f"{kind_of([skipping or '?'])}, not an 835; skipped."
                )
            txn = skipping = None
        elif sid in _ENVELOPE:
            if txn is not None or skipping is not None:
                _refuse_missing_se(st, pos, sid)
            if sid == "ISA":
                isa, gs, gs_in_isa = e, None, 0
            elif sid == "GS":
                gs, st_in_gs = e, 0
                gs_in_isa += 1
            elif sid == "GE" and gs is not None:
                if _el(e, 1) != str(st_in_gs):
                    warnings.append(
                        f"Segment {pos} (GE): GE01 says {_el(e, 1) or 'nothing'} transactions, "
                        f"the group has {st_in_gs}."
                    )
                if _el(e, 2) != _el(gs, 6):
                    warnings.append(
                        f"Segment {pos} (GE): GE02 {_el(e, 2)!r} does not match GS06 "
                        f"{_el(gs, 6)!r}."
                    )
                gs = None
            elif sid == "IEA" and isa is not None:
                closed = _el(e, 2).strip() == _el(isa, 13).strip()
                if not closed:
                    warnings.append(
                        f"Segment {pos} (IEA): IEA02 {_el(e, 2)!r} does not match ISA13 "
                        f"{_el(isa, 13)!r}."
                    )
                if _el(e, 1) != str(gs_in_isa):
                    warnings.append(
                        f"Segment {pos} (IEA): IEA01 says {_el(e, 1) or 'nothing'} groups, the "
                        f"interchange has {gs_in_isa}."
                    )
                isa = None
        else:
            warnings.append(
                f"Segment {pos} ({sid}) lies outside any transaction set and was skipped."
            )

    if tail:
        if not closed:
            shown = tail if len(tail) <= 30 else tail[:27] + "..."
            raise X12FileError(
                f"The file ends in the middle of segment {pos} ({shown!r}) (truncated?): ask the "
                "sender for the whole file."
            )
        warnings.append(f"Segment {pos} ({sid}): the file's last segment has no terminator.")
    if txn is not None or skipping is not None:
        raise _refuse_like_the_reader(
            data,
            f"The file ends before the SE segment of transaction {_el(st, 2) or '?'} "
            "(truncated?): ask the sender for the whole file.",
        )
    if not remittances:
        found = kind_of(other_sets) if other_sets else "no transaction set"
        raise _refuse_like_the_reader(data, f"This is {found}, not {WHAT}.")
    if isa is not None or (text[:3].upper() == "ISA" and sid != "IEA"):
        raise _refuse_like_the_reader(
            data,
            "The file ends before its IEA segment (truncated?): ask the sender for the whole file.",
        )
    first_isa, first_gs = first_envelope or (None, None)
    if first_isa is not None:
        ids = (_el(first_isa, 13).strip(), _el(first_isa, 6).strip(), _el(first_isa, 8).strip())
    elif first_gs is not None:
        ids = (_el(first_gs, 6).strip(), _el(first_gs, 2).strip(), _el(first_gs, 3).strip())
    else:
        ids = ("", "", "")
    return Read835(*ids, remittances=tuple(remittances), warnings=tuple(warnings))


def _segment_id(sid: str, piece: str, pos: int) -> str:
    if _SEGMENT_ID.match(sid):
        return sid
    clean_id = sid.strip().upper()
    if _SEGMENT_ID.match(clean_id):
        return clean_id
    shown = piece if len(piece) <= 40 else piece[:37] + "..."
    raise X12FileError(
        f"Segment {pos} is not an X12 segment: {shown!r} (the file is damaged or not X12)."
    )


def _refuse_missing_se(st: list[str], pos: int, sid: str) -> None:
    raise X12FileError(
        f"Transaction {_el(st, 2) or '?'} has no SE segment before segment {pos} ({sid}): the "
        "file is damaged or was cut and joined; ask the sender for the whole file."
    )


# =============================================================================================
# Writing
_STATUS_CODES = frozenset({"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"})
_FILING_CODES = frozenset(
    "12 13 14 15 16 17 AM CH DS HM LM MA MB MC OF TV VA WC ZZ".split()
)  # fmt: skip
_WRITE_GROUPS = ("CO", "PR", "OA", "PI")
_SVC_QUALIFIERS = frozenset({"AD", "ER", "HC", "HP", "IV", "N4", "N6", "NU"})
_PLB_REASONS = frozenset(
    "50 51 72 90 AH AM AP B2 B3 BD BN C5 CR CS CT CV CW DM E3 FB FC GO HM IP IR IS J1 L3 L6 LE "
    "LS OA OB PI PL RA RE SL TL WO WU".split()
)
_HANDLING = frozenset({"C", "D", "H", "I", "P", "U", "X"})
DEFAULT_PAYER_ADDRESS = ("1 SANDBOX WAY", "SAINT PAUL", "MN", "55101")
DEFAULT_PAYER_PHONE = "8005550100"


def _id(value: str, max_len: int) -> str:
    """An identifier as given (its case kept: payers echo them back), made safe for X12."""
    return clean(value, max_len, upper=False)


def _usable(address: Sequence[str]) -> bool:
    """An address N3/N4 can carry: street and city at least (an empty one means "none")."""
    return len(address) == 4 and bool(clean(address[0])) and bool(clean(address[1]))


def _refuse(text: str) -> ValidationError:
    return ValidationError(f"This 835 cannot be written: {text}.")


def _require(value: str, what: str) -> str:
    if not value or not value.strip():
        raise _refuse(f"{what} is missing")
    return value


def _cas_segments(adjustments: Iterable[Adjustment835], where: str) -> list[str]:
    """CAS segments: adjustments grouped by group code (first-seen order), six per segment."""
    by_group: dict[str, list[Adjustment835]] = {}
    for a in adjustments:
        if a.group not in _WRITE_GROUPS:
            raise _refuse(
                f"{where} has an adjustment with group {a.group!r}; a 5010 835 uses CO, PR, OA "
                "or PI"
            )
        if not a.reason.strip() or clean(a.reason, 5) != a.reason:
            raise _refuse(f"{where} has an adjustment with the reason code {a.reason!r}")
        by_group.setdefault(a.group, []).append(a)
    out: list[str] = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            triples: list[object] = []
            for a in items[start : start + 6]:
                triples += [a.reason, cents_text(a.amount_cents), clean(a.quantity, 15)]
            out.append(segment("CAS", group, *triples))
    return out


def _composite(qualifier: str, code: str, modifiers: Sequence[str]) -> str:
    return COMPONENT.join((qualifier, clean(code, 48), *(clean(m, 2) for m in modifiers)))


def _service(c: ClaimPayment, n: int, s: ServicePayment) -> list[str]:
    where = f"claim {c.patient_control_number} line {n}"
    if s.qualifier not in _SVC_QUALIFIERS:
        raise _refuse(f"{where} has the code qualifier {s.qualifier!r} (use HC for CPT/HCPCS)")
    _require(s.code, f"{where}: the procedure code")
    if len(s.modifiers) > 4 or len(s.original_modifiers) > 4:
        raise _refuse(f"{where} has more than four modifiers")
    original = ""
    if s.original_code:
        original = _composite(s.qualifier, s.original_code, s.original_modifiers)
    out = [
        segment(
            "SVC",
            _composite(s.qualifier, s.code, s.modifiers),
            cents_text(s.charge_cents),
            cents_text(s.paid_cents),
            "",
            clean(s.units, 15),
            original,
            clean(s.original_units, 15),
        )
    ]
    if s.service_from is not None and s.service_to not in (None, s.service_from):
        out.append(segment("DTM", "150", d8(s.service_from)))
        out.append(segment("DTM", "151", d8(s.service_to)))
    elif s.service_from is not None:
        out.append(segment("DTM", "472", d8(s.service_from)))
    elif s.service_to is not None:
        raise _refuse(f"{where} has a service end date without a start date")
    out += _cas_segments(s.adjustments, where)
    if s.line_control_number:
        out.append(segment("REF", "6R", _id(s.line_control_number, 50)))
    if s.allowed_cents is not None:
        out.append(segment("AMT", "B6", cents_text(s.allowed_cents)))
    for remark in s.remarks:
        out.append(segment("LQ", "HE", _require(clean(remark, 30), f"{where}: a remark code")))
    return out


def _claim(c: ClaimPayment) -> list[str]:
    pcn = c.patient_control_number
    where = f"claim {pcn or '(no patient control number)'}"
    if not pcn or clean(pcn, 38, upper=False) != pcn:
        raise _refuse(
            f"{where}: the patient control number must be 1-38 characters without "
            "separators (* : ^ ~)"
        )
    if c.status_code not in _STATUS_CODES:
        raise _refuse(f"{where} has the status code {c.status_code!r} (CLP02)")
    if c.filing_indicator not in _FILING_CODES:
        raise _refuse(
            f"{where} has the claim filing indicator {c.filing_indicator!r} (CLP06); an 835 "
            f"uses one of {', '.join(sorted(_FILING_CODES))}"
        )
    _require(c.payer_claim_number, f"{where}: the payer claim number (CLP07)")
    _require(c.patient_last, f"{where}: the patient's last name")
    if len(c.remarks) > 5:
        raise _refuse(f"{where} has {len(c.remarks)} claim remark codes; MOA holds five")
    out = [
        segment(
            "CLP",
            pcn,
            c.status_code,
            cents_text(c.charge_cents),
            cents_text(c.paid_cents),
            cents_text(c.patient_responsibility_cents) if c.patient_responsibility_cents else "",
            c.filing_indicator,
            _id(c.payer_claim_number, 50),
            clean(c.facility_code, 2),
            clean(c.frequency_code, 1),
        )
    ]
    out += _cas_segments(c.adjustments, where)
    member = _id(c.patient_member_id, 80)
    out.append(
        segment(
            "NM1", "QC", "1", clean(c.patient_last, 60), clean(c.patient_first, 35), "", "", "",
            "MI" if member else "", member,
        )
    )  # fmt: skip
    if c.corrected_last or c.corrected_first:
        out.append(
            segment("NM1", "74", "1", clean(c.corrected_last, 60), clean(c.corrected_first, 35))
        )
    if c.rendering_npi:
        npi = c.rendering_npi
        if not (len(npi) == 10 and npi.isdigit()):
            raise _refuse(f"{where}: the rendering NPI {npi!r} is not 10 digits")
        out.append(segment("NM1", "82", "1", "", "", "", "", "", "XX", npi))
    if c.crossover_payer or c.crossover_payer_id:
        _require(c.crossover_payer, f"{where}: the crossover payer's name")
        _require(c.crossover_payer_id, f"{where}: the crossover payer's ID")
        out.append(
            segment(
                "NM1", "TT", "2", clean(c.crossover_payer, 60), "", "", "", "", "PI",
                _id(c.crossover_payer_id, 80),
            )
        )  # fmt: skip
    if c.remarks:
        out.append(segment("MOA", "", "", *(clean(r, 30) for r in c.remarks)))
    if c.service_from is not None:
        out.append(segment("DTM", "232", d8(c.service_from)))
    if c.service_to is not None:
        out.append(segment("DTM", "233", d8(c.service_to)))
    if c.received_on is not None:
        out.append(segment("DTM", "050", d8(c.received_on)))
    for n, s in enumerate(c.services, start=1):
        out += _service(c, n, s)
    return out


def _provider_adjustments(r: Remittance835, paid_on: dt.date) -> list[str]:
    """PLB segments: six adjustments per segment, one run per (provider, fiscal date)."""
    out: list[str] = []
    run: list[ProviderAdjustment835] = []

    def flush() -> None:
        if not run:
            return
        first = run[0]
        pairs: list[str] = []
        for p in run:
            reference = _id(p.reference, 50)
            pairs += [f"{p.reason}{COMPONENT}{reference}" if reference else p.reason]
            pairs += [cents_text(p.amount_cents)]
        provider = _id(first.provider_identifier or r.payee_id, 50)
        out.append(segment("PLB", provider, d8(first.fiscal_date or paid_on), *pairs))
        run.clear()

    for p in r.provider_adjustments:
        if p.reason not in _PLB_REASONS:
            raise _refuse(f"a provider adjustment (PLB) has the reason code {p.reason!r}")
        if run and (
            len(run) == 6
            or (p.provider_identifier, p.fiscal_date)
            != (run[0].provider_identifier, run[0].fiscal_date)
        ):
            flush()
        run.append(p)
    flush()
    return out


def build_835(remittance: Remittance835, envelope: Envelope) -> str:
    """The sandbox payer's 835 for one remittance (one ST..SE in its own ISA/GS).

    Raises :class:`ValidationError` naming the claim when the remittance does not balance or
    cannot be written as a valid 835. Defaults: BPR16 is the envelope's date when the payment
    date is missing, the payer's address and technical contact are the sandbox's when empty,
    the payee ID qualifier is XX (NPI), a PLB without fiscal date uses the payment date.
    ST02 is the envelope's (``remittance.control_number`` is not used); ST03 is left out, as
    the 835 guide wants. Identifiers keep their case; names are written in capitals. A
    ``DTM*472`` is written when a line has one date (``service_to`` None or equal).

    More than six provider adjustments (or several providers or fiscal dates) take several PLB
    segments, as the guide allows; pyx12 4.0.0's stock map then reports "Loop FOOTER exceeded
    max count" (its footer wrapper loop has a repeat of 1), a known false alarm.
    """
    r = remittance
    problems = balance_problems(r)
    if problems:
        raise ValidationError(
            "This remittance does not balance, and a payer's 835 must: " + "; ".join(problems) + "."
        )
    if r.handling_code not in _HANDLING:
        raise _refuse(f"the transaction handling code {r.handling_code!r} (BPR01) is not valid")
    if r.payment_method not in ("CHK", "NON"):
        raise _refuse(
            f"the payment method {r.payment_method!r} needs bank routing and account numbers "
            "(BPR06-BPR15) that the remittance does not carry; use CHK or NON"
        )
    if r.total_cents < 0 and r.credit_debit != "D":
        raise _refuse("a negative total must be marked as a debit (credit_debit D)")
    if r.total_cents > 0 and r.credit_debit == "D":
        raise _refuse("a debit (credit_debit D) must have a negative total")
    if r.credit_debit not in ("C", "D"):
        raise _refuse(f"credit_debit is {r.credit_debit!r}; it must be C or D")
    _require(r.trace_number, "the check or EFT trace number (TRN02)")
    _require(r.payer_identifier, "the payer identifier (TRN03)")
    _require(r.payer_name, "the payer name")
    _require(r.payee_name, "the payee name")
    _require(r.payee_id, "the payee ID (NPI)")
    paid_on = r.payment_date or envelope.created_at.date()
    body = [
        segment(
            "BPR", r.handling_code, cents_text(abs(r.total_cents)), r.credit_debit,
            r.payment_method, "", "", "", "", "", "", "", "", "", "", "", d8(paid_on),
        ),
        segment("TRN", "1", _id(r.trace_number, 50), _id(r.payer_identifier, 10)),
    ]  # fmt: skip
    if r.production_date is not None:
        body.append(segment("DTM", "405", d8(r.production_date)))
    street, city, state, zip_code = (
        r.payer_address if _usable(r.payer_address) else DEFAULT_PAYER_ADDRESS
    )
    body += [
        segment("N1", "PR", clean(r.payer_name, 60)),
        segment("N3", clean(street, 55)),
        segment("N4", clean(city, 30), clean(state, 2), clean(zip_code, 15)),
    ]
    if r.payer_id:
        body.append(segment("REF", "2U", _id(r.payer_id, 50)))
    contact: list[str] = []
    if r.payer_contact_phone or not r.payer_contact_url:
        contact += ["TE", clean(r.payer_contact_phone or DEFAULT_PAYER_PHONE, 256)]
    if r.payer_contact_url:
        # ":" is the component separator: a web address is written without its scheme.
        url = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", r.payer_contact_url.strip())
        contact += ["UR", _id(url, 256)]
    body.append(segment("PER", "BL", "", *contact))
    body.append(
        segment(
            "N1", "PE", clean(r.payee_name, 60), r.payee_id_qualifier or "XX",
            _id(r.payee_id, 80),
        )
    )  # fmt: skip
    if _usable(r.payee_address):
        street, city, state, zip_code = r.payee_address
        body.append(segment("N3", clean(street, 55)))
        body.append(segment("N4", clean(city, 30), clean(state, 2), clean(zip_code, 15)))
    if r.payee_tax_id:
        body.append(segment("REF", "TJ", _id(r.payee_tax_id, 50)))
    if r.claims:
        body.append(segment("LX", "1"))
        for c in r.claims:
            body += _claim(c)
    body += _provider_adjustments(r, paid_on)
    text = wrap(envelope, "HP", "835", VERSION, body)
    # The 835 guide does not use ST03 (the version travels in GS08 only).
    with_st03 = ELEMENT.join(("ST", "835", envelope.st02, VERSION)) + TERMINATOR
    return text.replace(with_st03, ELEMENT.join(("ST", "835", envelope.st02)) + TERMINATOR, 1)
