"""Validating an X12 file through pyx12, with findings a biller can act on.

:func:`validate_x12` runs pyx12's own validator (``x12n_document``, JSON error output, and its
per-segment callback) and turns what pyx12 reports into :class:`Finding` values that name the
claim (CLM01 of the enclosing 2300 loop), the loop and the segment: "claim CD0000000042, loop
2400, segment SV1 (#57): ...". A file with any error finding must not be sent.

Input that pyx12 cannot take (empty, not X12, no ISA, an ISA that is not fixed width, a version
pyx12 has no map for) gives a report that is not ok with a plain reason; so does a crash inside
pyx12 on a malformed segment. Nothing here raises on bad input.

pyx12 logs every error it finds; its logger ("pyx12") is given a null handler and stops
propagating, so the app's own logging is untouched and not flooded. Each call builds its own
pyx12 objects (only the read-only map index is cached), so calls from several worker threads do
not share state.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files as _package_files
from typing import Any

_LOGGER_SILENCED = False


def _silence_pyx12() -> None:
    global _LOGGER_SILENCED
    if _LOGGER_SILENCED:
        return
    log = logging.getLogger("pyx12")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    log.setLevel(logging.CRITICAL)
    _LOGGER_SILENCED = True


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: what (``message``, plain words) and where (claim, loop, segment).

    ``position`` is the segment's number in the file (ISA = 1; the line number when the file has
    one segment per line). ``code`` says who found it and pyx12's code: "segment:3" (a required
    segment is missing), "element:7" (a bad code value), "transaction:4" (SE01 count) ...;
    ClaimDesk's own are "file:..." and "map:not-found". ``detail`` keeps pyx12's own wording.
    """

    severity: str  # "error" or "warning"
    code: str
    message: str
    segment: str = ""
    position: int = 0
    loop: str = ""
    claim: str | None = None  # CLM01 (CLP01 in an 835) of the enclosing claim
    st02: str | None = None  # the transaction set's control number
    element: str = ""  # e.g. "DMG03", "SV101-2"
    detail: str = ""

    def __str__(self) -> str:
        where: list[str] = []
        if self.claim:
            where.append(f"claim {self.claim}")
        elif self.st02 and not self.loop:
            where.append(f"transaction {self.st02}")
        if self.loop:
            where.append(f"loop {self.loop}")
        if self.segment:
            where.append(
                f"segment {self.segment}" + (f" (#{self.position})" if self.position else "")
            )
        elif self.position:
            where.append(f"segment #{self.position}")
        prefix = "warning: " if self.severity == "warning" else ""
        return prefix + (", ".join(where) + ": " if where else "") + self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "segment": self.segment,
            "position": self.position,
            "loop": self.loop,
            "claim": self.claim,
            "element": self.element,
            "st02": self.st02,
        }


@dataclass(frozen=True, slots=True)
class Report:
    ok: bool
    transaction: str | None  # ST01 of the first transaction, e.g. "837"
    version: str | None  # GS08 of the first functional group, e.g. "005010X222A1"
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def for_claim(self, patient_control_number: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.claim == patient_control_number)


# -- plain words for pyx12's codes -------------------------------------------------------------
_ELEMENT_PROBLEM = {
    "1": "is required but missing",
    "2": "is required here (a related element is present) but missing",
    "3": "has too many parts",
    "4": "is too short",
    "5": "is too long",
    "6": "contains characters that are not allowed",
    "7": "holds a code that is not valid here",
    "8": "is not a valid date",
    "9": "is not a valid time",
    "10": "must not be present together with another element",
}
_NOT_FOUND = re.compile(r"^Segment (.*?) not found\.")
_MISSING_SEG = re.compile(r'^Mandatory segment "(.*)" \((\w+)\) missing')
_MISSING_LOOP = re.compile(r'^Mandatory loop "(.*)" \((\w+)\) missing')
_SE_COUNT = re.compile(r"^SE count of (.*) for SE02=.* is wrong\. I count (\d+)")
_HL_COUNT = re.compile(r"^My HL count (\d+) does not match your HL count (.*)$")
_LX_COUNT = re.compile(r"Service Line Number (.*) does not match my count of (\d+)")
_ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
_ENVELOPE_LOOPS = {"ISA_LOOP": "", "GS_LOOP": "", "ST_LOOP": "", "DETAIL": "", "HEADER": "header"}


def _segment_message(seg_id: str, code: str, text: str) -> str:
    m = _NOT_FOUND.match(text)
    if m:
        return (
            f"{m.group(1)} is not expected here: an unknown segment, a segment out of order, or "
            "a wrong qualifier in its first element"
        )
    m = _MISSING_SEG.match(text)
    if m:
        return f"the required segment {m.group(2)} ({m.group(1)}) is missing"
    m = _MISSING_LOOP.match(text)
    if m:
        return f"the required loop {m.group(2)} ({m.group(1)}) is missing"
    m = _HL_COUNT.match(text)
    if m:
        return f"HL01 is {m.group(2)!r}, but this is HL number {m.group(1)} (HLs count 1, 2, 3 ...)"
    m = _LX_COUNT.search(text)
    if m:
        return f"LX01 is {m.group(1)!r}, but this is service line {m.group(2)} of the claim"
    if text == "Segment contains a leading space":
        return f"{seg_id} starts with a space"
    if code == "SEG1":
        return f"{seg_id} ends with an empty element (a trailing separator)"
    if code == "2" and "not used" in text:
        return f"{seg_id} is not used in this transaction"
    return text


def _element_message(ref: str, name: str, code: str, value: object, text: str) -> str:
    problem = _ELEMENT_PROBLEM.get(code)
    if problem is None:
        return text
    return f"{ref} ({name}) {problem}" + (f": {value!r}" if value else "")


def _transaction_message(text: str) -> str:
    m = _SE_COUNT.match(text)
    if m:
        return (
            f"SE01 says the transaction has {m.group(1)} segments, but it has {m.group(2)} "
            "(ST and SE included)"
        )
    return text


# -- maps --------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _map_index(map_path: str | None) -> Any:
    import pyx12.map_index

    return pyx12.map_index.map_index(map_path)


def _map_exists(map_path: str | None, name: str) -> bool:
    if map_path is not None:
        return os.path.isfile(os.path.join(map_path, name))
    return _package_files("pyx12").joinpath("map", name).is_file()


def _known_versions(map_path: str | None, icvn: str, fic: str) -> list[str]:
    index = _map_index(map_path)
    return sorted(
        {
            m["vriic"]
            for m in index.maps
            if m["icvn"] == icvn
            and m["fic"] == fic
            and m["vriic"]
            and m["map_file"]
            and _map_exists(map_path, m["map_file"])
        }
    )


# -- a first look at the text, before pyx12 --------------------------------------------------
@dataclass(slots=True)
class _Look:
    text: str
    findings: list[Finding]
    transaction: str | None = None
    version: str | None = None
    segments: list[str] | None = None  # split as pyx12 splits, when there is an ISA
    fatal: bool = False


def _decode(data: bytes | str) -> tuple[str, bool]:
    if isinstance(data, bytes):
        bom = data.startswith(b"\xef\xbb\xbf")
        if bom:
            data = data[3:]
        try:
            return data.decode("utf-8"), bom
        except UnicodeDecodeError:
            return data.decode("latin-1"), bom
    bom = data.startswith("\ufeff")
    return (data[1:] if bom else data), bom


def _error(code: str, message: str, **where: Any) -> Finding:
    return Finding("error", code, message, **where)


def _first_look(data: bytes | str, map_path: str | None) -> _Look:
    text, bom = _decode(data)
    look = _Look(text, [])
    if bom:
        look.findings.append(
            Finding(
                "warning",
                "file:bom",
                "the file starts with a byte-order mark, which some "
                "receivers reject; it was ignored for this check",
            )
        )
    if not text.strip():
        look.findings.append(_error("file:empty", "The file is empty."))
        look.fatal = True
        return look
    stripped = text.lstrip(" \t\r\n\x00")
    if stripped != text:
        look.findings.append(
            Finding(
                "warning",
                "file:leading-space",
                "the file has blank space before its first segment; it was ignored for this check",
            )
        )
        look.text = text = stripped
    head = text[:3].upper()
    if head != "ISA":
        look.fatal = True
        if text[:2].upper() in ("ST", "GS") and len(text) > 2 and not text[2].isalnum():
            _glean_without_isa(look)
            look.findings.append(
                _error(
                    "file:no-isa",
                    "The file has no ISA interchange header: an X12 file must "
                    "begin with an ISA segment (it begins with "
                    f"{text[:2].upper()}).",
                    segment=text[:2].upper(),
                    position=1,
                )
            )
        else:
            shown = text[:20].splitlines()[0] if text[:20].strip() else text[:20]
            look.findings.append(
                _error(
                    "file:not-x12",
                    "This is not an X12 file: it should begin with an ISA "
                    f"segment, but begins with {shown!r}.",
                )
            )
        return look
    if len(text) < 106:
        look.findings.append(
            _error(
                "file:isa",
                "The file ends inside its ISA segment (an ISA is 106 characters).",
                segment="ISA",
                position=1,
            )
        )
        look.fatal = True
        return look
    element, terminator = text[3], text[105]
    isa = text[:105]
    if element.isalnum() or isa.count(element) != 16 or terminator.isalnum() or terminator == " ":
        look.findings.append(
            _error(
                "file:isa",
                "The ISA segment is not the fixed 106 characters with 16 elements, "
                "so its separators cannot be read (pad ISA06 and ISA08 to 15 characters).",
                segment="ISA",
                position=1,
            )
        )
        look.fatal = True
        return look
    icvn = text[84:89]
    if icvn not in ("00401", "00501"):
        look.findings.append(
            _error(
                "file:isa",
                f"ISA12 says version {icvn!r}; pyx12 reads 00401 and 00501 only.",
                segment="ISA",
                position=1,
            )
        )
        look.fatal = True
        return look
    # Split as pyx12 does: on the terminator, line breaks before a segment dropped, stop at an
    # empty segment. Segment n of this list is line n of pyx12's count.
    segments: list[str] = []
    for piece in text.split(terminator):
        piece = piece.lstrip("\r\n")
        if not piece:
            break
        segments.append(piece)
    look.segments = segments
    sep = element
    for n, seg in enumerate(segments, start=1):
        seg_id = seg.split(sep, 1)[0].strip().upper()
        if seg_id == "GS":
            parts = seg.split(sep)
            fic = parts[1].strip() if len(parts) > 1 else ""
            vriic = parts[8].strip() if len(parts) > 8 else ""
            if look.version is None:
                look.version = vriic or None
            name = _map_index(map_path).get_filename(icvn, vriic, fic)
            if name is None or not _map_exists(map_path, name):
                known = _known_versions(map_path, icvn, fic)
                close = [v for v in known if v[:10] == vriic[:10]] or known
                hint = f" (it knows {', '.join(close)} for this functional group)" if close else ""
                look.findings.append(
                    _error(
                        "map:not-found",
                        f"pyx12 has no map for {vriic or 'an empty GS08'} "
                        f"(functional group {fic or '?'}), so this file cannot be checked"
                        f"{hint}.",
                        segment="GS",
                        position=n,
                        element="GS08",
                    )
                )
                look.fatal = True
        elif seg_id == "ST" and look.transaction is None:
            parts = seg.split(sep)
            look.transaction = parts[1].strip() if len(parts) > 1 else None
    return look


def _glean_without_isa(look: _Look) -> None:
    """Transaction and version of a file without ISA, for the report (lenient reader)."""
    from core.x12.reader import X12ReadError, read_x12

    try:
        doc = read_x12(look.text)
    except X12ReadError:
        return
    if doc.transactions:
        first = doc.transactions[0]
        look.transaction = first.set_id or None
        look.version = (first.gs.el(8) if first.gs else first.st.el(3)) or None


# -- running pyx12 -----------------------------------------------------------------------------
class _Trace:
    """What pyx12's callback saw, per segment number: id, loop, transaction and claim."""

    def __init__(self) -> None:
        self.seg_id: list[str] = [""]
        self.loop: list[str] = [""]
        self.st02: list[str | None] = [None]
        self.claim: list[str | None] = [None]
        self.root: Any = None  # the map of the transaction seen last
        self.first_invalid = 0  # the first segment after which pyx12's verdict was "invalid"
        # pyx12's JSON output leaves out element errors of envelope segments (ISA, GS, ST, SE,
        # GE, IEA); they are collected here with pyx12's own segment validator.
        self.envelope_errors: list[tuple[int, str, str | None, list[Any]]] = []
        self._st02: str | None = None
        self._claim: str | None = None

    def __call__(self, seg: Any, src: Any, node: Any, valid: bool) -> None:
        line = src.get_cur_line()
        seg_id = seg.get_seg_id()
        if seg_id == "ST":
            self._st02, self._claim = seg.get_value("ST02"), None
        elif seg_id in ("HL", "SE", "GS", "ISA"):
            self._claim = None
        elif seg_id == "CLM":
            self._claim = seg.get_value("CLM01") or None
        elif seg_id == "CLP":
            self._claim = seg.get_value("CLP01") or None
        loop = ""
        parent = node.get_parent() if node is not None else None
        if parent is not None:
            loop = parent.id or ""
            loop = _ENVELOPE_LOOPS.get(loop, loop)
            if seg_id not in _ENVELOPE_IDS:
                self.root = getattr(node, "root", None)  # the transaction's map
        while len(self.seg_id) <= line:
            self.seg_id.append("")
            self.loop.append("")
            self.st02.append(None)
            self.claim.append(None)
        if not valid and not self.first_invalid:
            self.first_invalid = line
        if seg_id in _ENVELOPE_IDS and node is not None and node.is_segment():
            try:
                _, errors = node.is_valid_errors(seg)
            except Exception:  # noqa: BLE001 - pyx12 already ran this check once
                errors = []
            if errors:
                self.envelope_errors.append((line, seg_id, self._st02, errors))
        self.seg_id[line] = seg_id
        self.loop[line] = loop
        self.st02[line] = self._st02
        self.claim[line] = self._claim
        if seg_id == "SE":
            self._st02 = None

    def at(self, line: int) -> tuple[str, str, str | None, str | None]:
        if 0 < line < len(self.seg_id):
            return self.seg_id[line], self.loop[line], self.st02[line], self.claim[line]
        return "", "", None, None

    @property
    def last_line(self) -> int:
        return len(self.seg_id) - 1


def _loops_of(root: Any, seg_id: str, pos: int, name: str) -> list[str]:
    """Loop IDs in the map holding a segment with this ID, position and name."""
    out: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        pos_map = getattr(node, "pos_map", None)
        if pos_map is None:
            continue
        for children in pos_map.values():
            for child in children:
                if child.is_loop():
                    stack.append(child)
                elif child.is_segment() and child.id == seg_id and child.pos == pos:
                    if child.name == name:
                        out.append(node.id)
    return out


def _run_pyx12(text: str, map_path: str | None, trace: _Trace) -> tuple[bool, dict]:
    import pyx12.params
    import pyx12.x12n_document

    _silence_pyx12()
    out = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        pyx12.params.params(),
        io.StringIO(text),
        None,
        None,
        fd_json=out,
        map_path=map_path,
        callback=trace,
    )
    raw = out.getvalue()
    return bool(ok), (json.loads(raw) if raw.strip() else {})


def _findings_from_json(doc: dict, trace: _Trace) -> list[Finding]:
    found: list[Finding] = []
    missing_cache: dict[tuple[str, int, str], list[str]] = {}

    def envelope(kind: str, node: dict, default_seg: str) -> None:
        line = int(node.get("cur_line") or 0)
        seg_id, _, st02, _ = trace.at(line)
        for err in node.get("errors") or []:
            code, text = str(err.get("err_cde", "")), str(err.get("err_str", ""))
            message = _transaction_message(text) if kind == "transaction" else text
            found.append(
                _error(
                    f"{kind}:{code}",
                    message,
                    segment=seg_id or default_seg,
                    position=line,
                    st02=st02 if kind == "transaction" else None,
                    detail=text,
                )
            )

    for line, seg_id, st02, errors in trace.envelope_errors:
        for err in errors:
            node = getattr(err, "map_node", None)
            ref = (getattr(node, "id", None) if node is not None else None) or err.refdes or seg_id
            if ref.isdigit():
                ref = f"{seg_id}{ref}"
            if node is not None:
                message = _element_message(ref, node.name, err.err_cde, err.err_val, err.err_str)
            else:
                message = err.err_str
            found.append(
                _error(
                    f"element:{err.err_cde}",
                    message,
                    segment=seg_id,
                    position=line,
                    st02=st02 if seg_id in ("ST", "SE") else None,
                    element=ref,
                    detail=err.err_str,
                )
            )
    for isa in doc.get("interchanges") or []:
        for gs in isa.get("groups") or []:
            for st in gs.get("transactions") or []:
                for seg in st.get("segments") or []:
                    found.extend(_segment_findings(seg, trace, missing_cache))
                envelope("transaction", st, "SE")
            envelope("group", gs, "GE")
        envelope("interchange", isa, "IEA")
    return found


def _segment_findings(
    seg: dict, trace: _Trace, cache: dict[tuple[str, int, str], list[str]]
) -> list[Finding]:
    out: list[Finding] = []
    line = int(seg.get("cur_line") or 0)
    seg_id = str(seg.get("seg_id") or "")
    _, loop, st02, claim = trace.at(line)
    for err in seg.get("errors") or []:
        code, text = str(err.get("err_cde", "")), str(err.get("err_str", ""))
        where_loop, where_claim, where_st02 = loop, claim, st02
        m_loop = _MISSING_LOOP.match(text)
        if m_loop or _MISSING_SEG.match(text):
            # Found when the next segment arrived: the claim and loop are those before it.
            _, prev_loop, prev_st02, prev_claim = trace.at(line - 1)
            where_claim, where_st02 = prev_claim, prev_st02
            if m_loop:
                where_loop = m_loop.group(2)
            else:
                key = (seg_id, int(seg.get("pos") or 0), str(seg.get("name") or ""))
                if key not in cache:
                    cache[key] = _loops_of(trace.root, *key) if trace.root is not None else []
                candidates = cache[key]
                if prev_loop in candidates or not candidates:
                    where_loop = prev_loop
                else:
                    where_loop = candidates[0]
        out.append(
            _error(
                f"segment:{code}",
                _segment_message(seg_id, code, text),
                segment=seg_id,
                position=line,
                loop=where_loop,
                claim=where_claim,
                st02=where_st02,
                detail=text,
            )
        )
    for ele in seg.get("elements") or []:
        ele_pos, sub_pos = ele.get("ele_pos"), ele.get("subele_pos")
        ref = f"{seg_id}{int(ele_pos):02d}" if isinstance(ele_pos, int) else seg_id
        if isinstance(sub_pos, int):
            ref += f"-{sub_pos}"
        name = str(ele.get("name") or "")
        for err in ele.get("errors") or []:
            code, text = str(err.get("err_cde", "")), str(err.get("err_str", ""))
            message = _element_message(ref, name, code, err.get("err_val"), text)
            out.append(
                _error(
                    f"element:{code}",
                    message,
                    segment=seg_id,
                    position=line,
                    loop=loop,
                    claim=claim,
                    st02=st02,
                    element=ref,
                    detail=text,
                )
            )
    return out


def validate_x12(data: bytes | str, *, map_path: str | None = None) -> Report:
    """Check an X12 file with pyx12; ``Report.ok`` is true only when pyx12 finds nothing wrong.

    ``map_path`` is a folder of pyx12 maps (with its maps.xml) to use instead of pyx12's own;
    a folder that does not exist is a programming error and raises ``ValueError``.
    """
    if map_path is not None:
        map_path = os.fspath(map_path)
        if not os.path.isfile(os.path.join(map_path, "maps.xml")):
            raise ValueError(f"{map_path} is not a pyx12 map folder (it has no maps.xml)")
    look = _first_look(data, map_path)
    if look.fatal:
        return Report(False, look.transaction, look.version, tuple(look.findings))
    trace = _Trace()
    segments = look.segments or []
    findings = list(look.findings)
    try:
        ok, doc = _run_pyx12(look.text, map_path, trace)
    except Exception as exc:  # noqa: BLE001 - pyx12 fails on some malformed input
        line = trace.last_line + 1
        seg_text = segments[line - 1] if 0 < line <= len(segments) else ""
        seg_id = seg_text.split(look.text[3], 1)[0].strip().upper() if seg_text else ""
        _, loop, st02, claim = trace.at(line - 1)
        shown = seg_text if len(seg_text) <= 60 else seg_text[:57] + "..."
        findings.append(
            _error(
                "pyx12:failed",
                f"pyx12 could not read this segment ({shown!r}) and stopped, "
                "so the file is not valid as it stands",
                segment=seg_id,
                position=line,
                loop=loop,
                claim=claim,
                st02=st02,
                detail=f"{type(exc).__name__}: {exc}",
            )
        )
        return Report(False, look.transaction, look.version, tuple(findings))
    findings += _findings_from_json(doc, trace)
    if not ok and not any(f.severity == "error" for f in findings):
        line = trace.first_invalid
        seg_id, loop, st02, claim = trace.at(line)
        findings.append(
            _error(
                "pyx12:rejected",
                "pyx12 rejected the file here without saying why",
                segment=seg_id,
                position=line,
                loop=loop,
                claim=claim,
                st02=st02,
            )
        )
    has_errors = any(f.severity == "error" for f in findings)
    return Report(ok and not has_errors, look.transaction, look.version, tuple(findings))
