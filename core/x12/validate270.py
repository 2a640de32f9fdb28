"""ClaimDesk's own checks of an outgoing 270 (005010X279A1).

pyx12 4.0 has no 5010 270 map, so what we send is checked here: the envelope (ISA fixed widths,
control numbers that agree, SE/GE/IEA counts), the order and number of segments in each loop,
required segments and elements, element lengths and code values, HL numbering and parents, dates,
and the NPI check digit. A 270 with any finding must not be sent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.codes import npi_problem
from core.x12.reader import ISA_LENGTH, Segment, X12Document, X12ReadError, read_x12
from core.x12.x270 import VERSION


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in an X12 file: where (segment ID, its number in the file, element) and what."""

    segment: str
    position: int
    element: str
    message: str

    def __str__(self) -> str:
        where = self.element or self.segment
        return f"{where} (segment {self.position}): {self.message}"


# (required, min length, max length, kind, allowed codes); kind: AN, ID, DT, TM, N0
_R, _S = True, False
_Spec = tuple[bool, int, int, str, frozenset[str] | None]


def _e(req: bool, lo: int, hi: int, kind: str = "AN", codes: str | None = None) -> _Spec:
    return (req, lo, hi, kind, frozenset(codes.split()) if codes else None)


ELEMENTS: dict[str, tuple[_Spec, ...]] = {
    "BHT": (_e(_R, 4, 4, "ID", "0022"), _e(_R, 2, 2, "ID", "01 13 36"), _e(_S, 1, 50),
            _e(_R, 8, 8, "DT"), _e(_R, 4, 8, "TM")),
    "HL": (_e(_R, 1, 12), _e(_S, 1, 12), _e(_R, 1, 2, "ID", "20 21 22 23"),
           _e(_R, 1, 1, "ID", "0 1")),
    "NM1": (_e(_R, 2, 3, "ID"), _e(_R, 1, 1, "ID", "1 2"), _e(_S, 1, 60), _e(_S, 1, 35),
            _e(_S, 1, 25), _e(_S, 1, 10), _e(_S, 1, 10), _e(_S, 1, 2, "ID"), _e(_S, 2, 80)),
    "TRN": (_e(_R, 1, 2, "ID", "1"), _e(_R, 1, 50), _e(_R, 10, 10), _e(_S, 1, 50)),
    "REF": (_e(_R, 2, 3, "ID"), _e(_R, 1, 50), _e(_S, 1, 80)),
    "N3": (_e(_R, 1, 55), _e(_S, 1, 55)),
    "N4": (_e(_R, 2, 30), _e(_S, 2, 2), _e(_S, 3, 15), _e(_S, 2, 3)),
    "PRV": (_e(_R, 1, 3, "ID"), _e(_S, 2, 3, "ID"), _e(_S, 1, 50)),
    "DMG": (_e(_R, 2, 3, "ID", "D8"), _e(_R, 1, 35, "DT"), _e(_S, 1, 1, "ID", "F M U")),
    "INS": (_e(_R, 1, 1, "ID", "Y N"), _e(_R, 2, 2, "ID")),
    "DTP": (_e(_R, 3, 3, "ID", "102 291 307 472 435 096"), _e(_R, 2, 3, "ID", "D8 RD8"),
            _e(_R, 1, 35)),
    "EQ": (_e(_S, 1, 2), _e(_S, 1, 48), _e(_S, 3, 3, "ID"), _e(_S, 1, 30)),
    "AMT": (_e(_R, 1, 3, "ID"), _e(_R, 1, 18)),
    "III": (_e(_R, 1, 3, "ID"), _e(_R, 1, 30)),
}  # fmt: skip

# Segment order inside each HL loop: (segment ID, most uses). EQ starts the 2110 loop.
_PERSON = (("HL", 1), ("TRN", 2), ("NM1", 1), ("REF", 9), ("N3", 1), ("N4", 1), ("PRV", 1),
           ("DMG", 1), ("INS", 1), ("HI", 1), ("DTP", 2))  # fmt: skip
ORDER: dict[str, tuple[tuple[str, int], ...]] = {
    "20": (("HL", 1), ("NM1", 1)),
    "21": (("HL", 1), ("NM1", 1), ("REF", 9), ("N3", 1), ("N4", 1), ("PRV", 1)),
    "22": _PERSON,
    "23": _PERSON,
}
ORDER_2110 = (("EQ", 1), ("AMT", 2), ("III", 10), ("REF", 1), ("DTP", 1))
PARENT = {"20": None, "21": "20", "22": "21", "23": "22"}
LEVEL_NAME = {"20": "2000A payer", "21": "2000B provider", "22": "2000C subscriber",
              "23": "2000D dependent"}  # fmt: skip
NM1_ENTITIES = {"20": {"PR", "2B", "36", "GP", "P5"},
                "21": {"1P", "2B", "36", "80", "FA", "GP", "P5", "PR"},
                "22": {"IL"}, "23": {"03"}}  # fmt: skip
NM1_QUALIFIERS = {"20": {"PI", "XV", "24", "46", "FI", "NI", "SV", "XX"},
                  "21": {"XX", "PI", "SV", "FI", "24", "34", "46", "PP"},
                  "22": {"MI", "II"}, "23": set()}  # fmt: skip
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
_DIGITS = re.compile(r"^[0-9]+$")


def _is_date(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return len(text) == 8


def _is_time(text: str) -> bool:
    if not _DIGITS.match(text) or len(text) not in (4, 6, 7, 8):
        return False
    return int(text[:2]) < 24 and int(text[2:4]) < 60 and (len(text) < 6 or int(text[4:6]) < 60)


class _Checker:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, seg: Segment | None, element: str, message: str) -> None:
        self.findings.append(
            Finding(seg.id if seg else "", seg.position if seg else 0, element, message)
        )

    def elements(self, seg: Segment) -> None:
        spec = ELEMENTS.get(seg.id)
        if spec is None:
            return
        if len(seg.elements) > len(spec) and any(seg.elements[len(spec) :]):
            self.add(seg, f"{seg.id}{len(spec) + 1:02d}", f"{seg.id} has too many elements")
        for i, (req, lo, hi, kind, codes) in enumerate(spec, start=1):
            ref = f"{seg.id}{i:02d}"
            value = seg.el(i)
            if not value:
                if req:
                    self.add(seg, ref, f"{ref} is required but empty")
                continue
            if kind in ("AN", "ID") and not lo <= len(value) <= hi:
                self.add(seg, ref, f"{ref} {value!r} must be {lo}-{hi} characters long")
            if codes is not None and value not in codes:
                self.add(seg, ref, f"{ref} {value!r} is not one of {', '.join(sorted(codes))}")
            if kind == "DT" and seg.id != "DMG" and not _is_date(value):
                self.add(seg, ref, f"{ref} {value!r} is not a date (CCYYMMDD)")
            if kind == "TM" and not _is_time(value):
                self.add(seg, ref, f"{ref} {value!r} is not a time (HHMM)")

    # -- envelope ----------------------------------------------------------------------------
    def envelope(self, doc: X12Document) -> None:
        segs = doc.segments
        if not doc.has_envelope or segs[0].id != "ISA":
            self.add(segs[0], "ISA", "the file must start with an ISA segment")
            return
        isa = segs[0]
        if doc.isa_text is None or len(doc.isa_text) != ISA_LENGTH:
            got = len(doc.isa_text or "")
            self.add(isa, "ISA", f"ISA must be {ISA_LENGTH} characters long, it is {got}")
        if len(isa.elements) != 16:
            self.add(isa, "ISA", f"ISA must have 16 elements, it has {len(isa.elements)}")
        for i, width in enumerate(ISA_WIDTHS, start=1):
            value = isa.el(i)
            if len(value) != width:
                self.add(isa, f"ISA{i:02d}", f"ISA{i:02d} must be exactly {width} characters")
        checks = {1: {"00", "03"}, 3: {"00", "01"}, 14: {"0", "1"}, 15: {"P", "T"}, 12: {"00501"}}
        for i, allowed in checks.items():
            if isa.el(i) not in allowed:
                self.add(
                    isa,
                    f"ISA{i:02d}",
                    f"ISA{i:02d} {isa.el(i)!r} must be one of {', '.join(sorted(allowed))}",
                )
        if not _DIGITS.match(isa.el(13)):
            self.add(isa, "ISA13", "ISA13 (the interchange control number) must be 9 digits")
        try:
            dt.datetime.strptime(isa.el(9), "%y%m%d")
        except ValueError:
            self.add(isa, "ISA09", f"ISA09 {isa.el(9)!r} is not a date (YYMMDD)")
        if not _is_time(isa.el(10)):
            self.add(isa, "ISA10", f"ISA10 {isa.el(10)!r} is not a time (HHMM)")

        ids = [s.id for s in segs]
        if ids.count("ISA") != 1 or ids.count("GS") != 1 or ids.count("ST") != 1:
            self.add(isa, "", "a 270 from ClaimDesk holds one ISA, one GS and one ST")
        gs = next((s for s in segs if s.id == "GS"), None)
        ge = next((s for s in segs if s.id == "GE"), None)
        iea = segs[-1] if segs[-1].id == "IEA" else None
        if len(segs) < 2 or segs[1].id != "GS":
            self.add(segs[1] if len(segs) > 1 else isa, "GS", "GS must follow ISA")
        if iea is None:
            self.add(segs[-1], "IEA", "the file must end with an IEA segment")
        elif iea.el(2) != isa.el(13):
            self.add(iea, "IEA02", f"IEA02 {iea.el(2)!r} must equal ISA13 {isa.el(13)!r}")
        if iea is not None and iea.el(1) != str(ids.count("GS")):
            self.add(
                iea, "IEA01", f"IEA01 says {iea.el(1)!r} groups, the file has {ids.count('GS')}"
            )
        if gs is not None:
            if gs.el(1) != "HS":
                self.add(gs, "GS01", f"GS01 must be HS for a 270, not {gs.el(1)!r}")
            for i in (2, 3):
                if not 2 <= len(gs.el(i)) <= 15:
                    self.add(gs, f"GS{i:02d}", f"GS{i:02d} must be 2-15 characters")
            if not _is_date(gs.el(4)):
                self.add(gs, "GS04", f"GS04 {gs.el(4)!r} is not a date (CCYYMMDD)")
            if not _is_time(gs.el(5)):
                self.add(gs, "GS05", f"GS05 {gs.el(5)!r} is not a time (HHMM)")
            if not _DIGITS.match(gs.el(6)) or len(gs.el(6)) > 9:
                self.add(gs, "GS06", "GS06 (the group control number) must be 1-9 digits")
            if gs.el(7) != "X":
                self.add(gs, "GS07", "GS07 must be X")
            if gs.el(8) != VERSION:
                self.add(gs, "GS08", f"GS08 must be {VERSION}, not {gs.el(8)!r}")
            if ge is None:
                self.add(gs, "GE", "the group has no GE segment")
            else:
                if ge.el(2) != gs.el(6):
                    self.add(ge, "GE02", f"GE02 {ge.el(2)!r} must equal GS06 {gs.el(6)!r}")
                if ge.el(1) != str(ids.count("ST")):
                    self.add(
                        ge,
                        "GE01",
                        f"GE01 says {ge.el(1)!r} transactions, the group has {ids.count('ST')}",
                    )
        if len(ids) >= 3 and ids[-3:] != ["SE", "GE", "IEA"]:
            self.add(segs[-1], "", "the file must end with SE, GE, IEA")

    # -- transaction -------------------------------------------------------------------------
    def transaction(self, doc: X12Document) -> None:
        txns = doc.of_type("270")
        if not txns:
            self.add(doc.segments[0], "ST01", "the file holds no 270 transaction")
            return
        txn = txns[0]
        st = txn.st
        se = txn.segments[-1] if txn.segments[-1].id == "SE" else None
        if not 4 <= len(st.el(2)) <= 9:
            self.add(st, "ST02", "ST02 (the transaction control number) must be 4-9 characters")
        if st.el(3) != VERSION:
            self.add(st, "ST03", f"ST03 must be {VERSION}, not {st.el(3)!r}")
        if se is None:
            self.add(txn.segments[-1], "SE", "the transaction has no SE segment")
        else:
            if se.el(1) != str(len(txn.segments)):
                self.add(
                    se,
                    "SE01",
                    f"SE01 says {se.el(1)!r} segments, the transaction has "
                    f"{len(txn.segments)} (ST to SE)",
                )
            if se.el(2) != st.el(2):
                self.add(se, "SE02", f"SE02 {se.el(2)!r} must equal ST02 {st.el(2)!r}")
        body = list(txn.body)
        if not body or body[0].id != "BHT":
            self.add(body[0] if body else st, "BHT", "BHT must follow ST")
        for seg in body:
            self.elements(seg)
        bht = body[0] if body and body[0].id == "BHT" else None
        if bht is not None and bht.el(2) != "13":
            self.add(bht, "BHT02", "BHT02 must be 13 (request) in a 270")
        self.hierarchy([s for s in body if s is not bht])

    def hierarchy(self, segs: list[Segment]) -> None:
        if not segs or segs[0].id != "HL":
            self.add(segs[0] if segs else None, "HL", "the 270 must start its loops with HL*1")
            return
        blocks: list[list[Segment]] = []
        for seg in segs:
            if seg.id == "HL":
                blocks.append([seg])
            else:
                blocks[-1].append(seg)
        levels: dict[str, str] = {}  # HL01 -> level code
        children: dict[str, int] = {}
        for n, block in enumerate(blocks, start=1):
            hl = block[0]
            hl_id, parent, level = hl.el(1), hl.el(2), hl.el(3)
            if hl_id != str(n):
                self.add(hl, "HL01", f"HL01 {hl_id!r} out of sequence: expected {n}")
            expected_parent = PARENT.get(level, "")
            if level not in PARENT:
                self.add(hl, "HL03", f"HL03 {level!r} is not a 270 level (20, 21, 22, 23)")
            elif expected_parent is None:
                if parent:
                    self.add(
                        hl, "HL02", "the payer level (HL 20) has no parent: HL02 must be empty"
                    )
            elif parent not in levels:
                self.add(hl, "HL02", f"HL02 {parent!r} does not name an earlier HL")
            elif levels[parent] != expected_parent:
                self.add(
                    hl,
                    "HL02",
                    f"HL {hl_id} ({LEVEL_NAME[level]}) must hang under a level "
                    f"{expected_parent} HL, not level {levels[parent]}",
                )
            if parent:
                children[parent] = children.get(parent, 0) + 1
            levels[hl_id] = level
        for block in blocks:
            hl = block[0]
            has_children = children.get(hl.el(1), 0) > 0
            if hl.el(4) != ("1" if has_children else "0"):
                self.add(
                    hl,
                    "HL04",
                    f"HL04 must be {'1' if has_children else '0'}: this HL "
                    f"{'has' if has_children else 'has no'} children",
                )
            if hl.el(3) in ORDER:
                self.loop(block, hl.el(3), leaf=not has_children)
        present = set(levels.values())
        for level in ("20", "21", "22"):
            if level not in present:
                self.add(
                    blocks[0][0], "HL03", f"the {LEVEL_NAME[level]} loop (HL {level}) is missing"
                )

    def loop(self, block: list[Segment], level: str, *, leaf: bool) -> None:
        order = ORDER[level]
        index = {seg_id: i for i, (seg_id, _) in enumerate(order)}
        most = dict(order)
        pos, used = 0, {}
        eq_seen = False
        in_2110 = False
        idx_2110 = {seg_id: i for i, (seg_id, _) in enumerate(ORDER_2110)}
        pos_2110 = 0
        used_2110: dict[str, int] = {}
        for seg in block:
            if seg.id == "EQ" and level in ("22", "23"):
                in_2110, pos_2110, eq_seen = True, 0, True
                used_2110 = {"EQ": 1}
                self.eq(seg)
                continue
            if in_2110:
                i = idx_2110.get(seg.id)
                if i is None:
                    self.add(
                        seg, seg.id, f"{seg.id} is not allowed after EQ in {LEVEL_NAME[level]}"
                    )
                    continue
                if i < pos_2110:
                    self.add(seg, seg.id, f"{seg.id} is out of order in the EQ loop")
                pos_2110 = max(pos_2110, i)
                used_2110[seg.id] = used_2110.get(seg.id, 0) + 1
                if used_2110[seg.id] > dict(ORDER_2110)[seg.id]:
                    self.add(seg, seg.id, f"{seg.id} is repeated too often in the EQ loop")
                continue
            i = index.get(seg.id)
            if i is None:
                self.add(seg, seg.id, f"{seg.id} is not allowed in the {LEVEL_NAME[level]} loop")
                continue
            if i < pos:
                self.add(
                    seg,
                    seg.id,
                    f"{seg.id} is out of order in the {LEVEL_NAME[level]} "
                    f"loop (it must come before {order[pos][0]})",
                )
            pos = max(pos, i)
            used[seg.id] = used.get(seg.id, 0) + 1
            if used[seg.id] > most[seg.id]:
                self.add(
                    seg,
                    seg.id,
                    f"{seg.id} appears {used[seg.id]} times in the "
                    f"{LEVEL_NAME[level]} loop (at most {most[seg.id]})",
                )
            if seg.id == "NM1":
                self.nm1(seg, level)
            elif seg.id == "DMG":
                self.dmg(seg)
            elif seg.id == "DTP":
                self.dtp(seg)
        hl = block[0]
        if "NM1" not in used:
            self.add(hl, "NM1", f"the {LEVEL_NAME[level]} loop has no NM1 (name) segment")
        if level in ("22", "23"):
            if leaf and not eq_seen:
                self.add(
                    hl,
                    "EQ",
                    f"the {LEVEL_NAME[level]} loop asks nothing: it needs an EQ "
                    "segment (service type)",
                )
            if not leaf and eq_seen:
                self.add(
                    hl, "EQ", "EQ belongs in the dependent loop when the patient is a dependent"
                )

    def nm1(self, seg: Segment, level: str) -> None:
        entity, kind, qual, ident = seg.el(1), seg.el(2), seg.el(8), seg.el(9)
        if entity not in NM1_ENTITIES[level]:
            self.add(
                seg,
                "NM101",
                f"NM101 {entity!r} is not allowed in the {LEVEL_NAME[level]} "
                f"loop ({', '.join(sorted(NM1_ENTITIES[level]))})",
            )
        if kind == "2" and not seg.el(3):
            self.add(seg, "NM103", "NM103 (the organization name) is required")
        if level in ("22", "23") and kind != "1":
            self.add(seg, "NM102", "NM102 must be 1 (a person) for a subscriber or dependent")
        allowed = NM1_QUALIFIERS[level]
        if level == "23":
            if qual or ident:
                self.add(seg, "NM108", "a dependent NM1 carries no ID (the subscriber's does)")
            if not seg.el(3) or not seg.el(4):
                self.add(seg, "NM103", "the dependent's last and first names are required")
        else:
            if not qual or not ident:
                self.add(
                    seg,
                    "NM108",
                    f"NM108 and NM109 (the identifier) are required in the "
                    f"{LEVEL_NAME[level]} loop",
                )
            elif qual not in allowed:
                self.add(
                    seg, "NM108", f"NM108 {qual!r} must be one of {', '.join(sorted(allowed))}"
                )
        if bool(qual) != bool(ident):
            self.add(seg, "NM109", "NM108 and NM109 go together")
        if qual == "XX":
            problem = npi_problem(ident)
            if problem:
                self.add(seg, "NM109", problem)

    def dmg(self, seg: Segment) -> None:
        value = seg.el(2)
        if value and not _is_date(value):
            self.add(seg, "DMG02", f"DMG02 {value!r} is not a date of birth (CCYYMMDD)")
        elif value and dt.datetime.strptime(value, "%Y%m%d").date() > dt.date.today():
            self.add(seg, "DMG02", f"DMG02 {value} is a date of birth in the future")

    def dtp(self, seg: Segment) -> None:
        fmt, value = seg.el(2), seg.el(3)
        if fmt == "D8" and not _is_date(value):
            self.add(seg, "DTP03", f"DTP03 {value!r} is not a date (CCYYMMDD)")
        elif fmt == "RD8":
            start, _, end = value.partition("-")
            if not (_is_date(start) and _is_date(end)) or start > end:
                self.add(seg, "DTP03", f"DTP03 {value!r} is not a date range (CCYYMMDD-CCYYMMDD)")

    def eq(self, seg: Segment) -> None:
        if not seg.el(1) and not seg.el(2):
            self.add(seg, "EQ01", "EQ needs a service type (EQ01) or a procedure (EQ02)")
        for code in seg.repetitions(1):
            if not 1 <= len(code) <= 2 or not code.isalnum():
                self.add(seg, "EQ01", f"EQ01 {code!r} is not a service type code")


def validate_270(data: str | bytes) -> list[Finding]:
    """Every problem found in an outgoing 270; an empty list means it may be sent."""
    try:
        doc = read_x12(data)
    except X12ReadError as exc:
        return [Finding("", 0, "", str(exc))]
    checker = _Checker()
    checker.envelope(doc)
    checker.transaction(doc)
    return checker.findings
