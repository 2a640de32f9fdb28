"""The synthetic demo practice: deterministic, complete across the lifecycle, and consistent.

One default-size seed (200 patients, 300 visits, seed 0) is shared by most tests; it is read with
plain SQL so the checks do not depend on the services under test elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import sqlite3
import subprocess
from collections import Counter, defaultdict
from types import SimpleNamespace

import pytest
import simple_icd_10_cm as icd

from core import edits
from core.codes import is_modifier_format, is_valid_npi, procedure_kind
from core.errors import ValidationError
from core.money import Money
from core.services import denials, rejections
from core.services.answer_readers import claim_acks_from_277ca, set_acks_from_999
from core.store import Store
from core.workflow import ClaimStatus, EncounterStatus, transition
from core.x12.envelope import Envelope
from core.x12.x277ca import CAInfo, CAProvider, ClaimAnswer, build_277ca
from core.x12.x999 import ElementProblem, ReceivedGroup, ReceivedSet, SegmentProblem, build_999
from sample_data import billing, demo
from sample_data import scenarios as sc
from sample_data.billing import EDITS, REJECTIONS, EditCase, LineIn, scrub_findings
from sample_data.practice import FEE_CHARGES

TODAY = demo.DEFAULT_TODAY
END_OF_TODAY = dt.datetime.combine(TODAY, dt.time(17, 30))


def _new_store(path) -> Store:
    store = Store(str(path), actor="seed-tester")
    store.upgrade()
    return store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """(store, summary, sqlite3 connection) for a default-size demo, seed 0."""
    store = _new_store(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = demo.seed(store)
    con = sqlite3.connect(store.path)
    con.row_factory = sqlite3.Row
    yield store, summary, con
    con.close()
    store.dispose()


def rows(con, sql, *args):
    return con.execute(sql, args).fetchall()


def scalar(con, sql, *args):
    return con.execute(sql, args).fetchone()[0]


# -- the scenario templates, without a database ------------------------------------------------------


def _all_visits():
    """Build every scenario for many patients, days and dice rolls."""
    rng = random.Random(7)
    kinds = (None, "medicare", "medicaid", "commercial", "bcbs", "hmo", "supplemental")
    for scenario in sc.SCENARIOS:
        built = 0
        for _ in range(400):
            age = rng.randint(scenario.min_age, scenario.max_age)
            sex = scenario.sex or rng.choice("MF")
            kind = "medicare" if scenario.medicare else rng.choice(kinds)
            if scenario.medicare is False and kind == "medicare":
                kind = "commercial"
            month = rng.choice(sorted(scenario.months)) if scenario.months else rng.randint(1, 12)
            dos = dt.date(2026, month, rng.randint(1, 28))
            ctx = sc.Ctx(
                rng=rng,
                age=age,
                age_months=age * 12 + rng.randint(0, 11),
                sex=sex,
                payer_kind=kind,
                new_patient=rng.random() < 0.4,
                dos=dos,
                pos=rng.choice(("11", "22")),
                first_pt_visit=rng.random() < 0.3,
                pt_problem=rng.randrange(len(sc.PT_PROBLEMS)),
            )
            assert scenario.fits(age, sex, kind, month)
            yield scenario, ctx, scenario.build(ctx)
            built += 1
        assert built


def test_every_template_codes_billable_and_priced():
    dx_seen, px_seen = set(), set()
    for scenario, ctx, visit in _all_visits():
        assert 1 <= len(visit.diagnoses) <= 12, scenario.key
        assert len(set(visit.diagnoses)) == len(visit.diagnoses), scenario.key
        assert visit.lines and visit.note and visit.reason and visit.query
        assert len(visit.reason) <= 120
        # codes that fit only some patients
        if {"Z00.129", "Z00.121"} & set(visit.diagnoses):
            assert ctx.age < 18
        if {"Z00.00", "Z00.01"} & set(visit.diagnoses):
            assert ctx.age >= 18
        if {"Z32.01", "Z32.02", "N92.6"} & set(visit.diagnoses):
            assert ctx.sex == "F"
        if {"G0438", "G0439", "G0008", "Q2035"} & {x.code for x in visit.lines}:
            assert ctx.payer_kind == "medicare"
        for code in visit.diagnoses:
            dx_seen.add(code)
            assert icd.is_valid_item(code) and icd.is_leaf(code), (scenario.key, code)
            assert sc.DX_TERMS[code].lower() in visit.note.lower(), (scenario.key, code)
        for line in visit.lines:
            px_seen.add(line.code)
            assert line.code in FEE_CHARGES, (scenario.key, line.code)
            assert procedure_kind(line.code) is not None
            assert len(line.modifiers) <= 4
            assert all(is_modifier_format(m) for m in line.modifiers)
            assert 1 <= line.units <= 99
            assert 1 <= len(line.pointers) <= 4
            assert all(1 <= p <= len(visit.diagnoses) for p in line.pointers), scenario.key
    # every code with plain words is billable too, and the templates use them all
    for code in sc.DX_TERMS:
        assert icd.is_leaf(code), code
    assert dx_seen == set(sc.DX_TERMS)
    assert len(sc.SCENARIOS) >= 20 and len(px_seen) >= 40


def test_notes_vary():
    notes = Counter(v.note for s, c, v in _all_visits() if s.key == "diabetes")
    assert len(notes) > 300  # the dice change vitals, doses and lab values


# -- one seeded practice -----------------------------------------------------------------------------


def test_counts_match_the_summary(seeded):
    store, summary, con = seeded
    assert summary.patients == 200 and summary.encounters == 300
    for table, n in summary.counts.items():
        assert scalar(con, f"SELECT count(*) FROM {table}") == n, table
    assert summary.providers >= 3 and summary.payers >= 5 and summary.claims > 250
    assert summary.database == str(store.path)
    assert set(summary.as_dict()) >= {
        "patients", "encounters", "claims", "providers", "payers", "seconds", "database",
    }  # fmt: skip
    assert summary.seconds < 30


def test_practice_providers_facilities_payers(seeded):
    _, _, con = seeded
    (practice,) = rows(con, "SELECT * FROM practices")
    assert is_valid_npi(practice["npi"]) and len(practice["zip_code"]) == 9
    assert re.fullmatch(r"[0-9]{9}", practice["tax_id"])
    npis = [r[0] for r in rows(con, "SELECT npi FROM providers")]
    npis += [r[0] for r in rows(con, "SELECT npi FROM facilities WHERE npi IS NOT NULL")]
    assert npis and all(is_valid_npi(n) for n in npis)
    assert len(set(npis)) == len(npis)
    taxonomies = {r[0] for r in rows(con, "SELECT taxonomy FROM providers")}
    assert {"207Q00000X", "207R00000X"} <= taxonomies and len(taxonomies) >= 4
    assert {r[0] for r in rows(con, "SELECT place_of_service FROM facilities")} >= {"11", "22"}
    payers = {r["kind"]: r for r in rows(con, "SELECT * FROM payers")}
    assert {"medicare", "medicaid", "commercial", "bcbs", "supplemental", "hmo"} <= set(payers)
    assert payers["medicare"]["claim_filing_indicator"] == "MB"
    assert payers["medicare"]["timely_filing_days"] == 365
    assert payers["medicaid"]["claim_filing_indicator"] == "MC"
    assert payers["bcbs"]["claim_filing_indicator"] == "BL"
    assert all(r["payer_code"].startswith("SBX") for r in payers.values())
    roles = {r[0] for r in rows(con, "SELECT role FROM users")}
    assert {"admin", "biller", "coder", "trainer"} <= roles


def test_patients_and_coverage(seeded):
    _, _, con = seeded
    patients = {r["id"]: r for r in rows(con, "SELECT * FROM patients")}
    assert scalar(con, "SELECT count(DISTINCT patient_id) FROM accounts") == len(patients)
    assert len({p["account_number"] for p in patients.values()}) == len(patients)
    ages = []
    for p in patients.values():
        assert re.fullmatch(r"[2-9][0-9]{9}", p["phone"])
        assert re.fullmatch(r"[0-9]{5}([0-9]{4})?", p["zip_code"])
        assert p["sex"] in ("M", "F")
        dob = dt.date.fromisoformat(p["date_of_birth"])
        ages.append((TODAY - dob).days // 365)
    assert min(ages) <= 5 and max(ages) >= 85
    assert len({p["state"] for p in patients.values()}) >= 2

    policies = rows(
        con, "SELECT p.*, y.kind FROM insurance_policies p JOIN payers y ON y.id = p.payer_id"
    )
    member_ids = Counter((r["payer_id"], r["member_id"]) for r in policies)
    assert max(member_ids.values()) == 1
    dependents = [r for r in policies if r["relationship_code"] != "18"]
    assert {r["relationship_code"] for r in dependents} == {"01", "19"}
    for r in dependents:
        sub = patients[r["subscriber_patient_id"]]
        assert (r["subscriber_first_name"], r["subscriber_last_name"]) == (
            sub["first_name"],
            sub["last_name"],
        )
        assert r["subscriber_date_of_birth"] == sub["date_of_birth"]
    for r in policies:
        if r["relationship_code"] == "18":
            assert r["subscriber_patient_id"] is None
            assert r["subscriber_first_name"] == patients[r["patient_id"]]["first_name"]
    by_patient = defaultdict(list)
    for r in policies:
        by_patient[r["patient_id"]].append(r)
    secondary = sum(1 for ps in by_patient.values() if len(ps) > 1)
    assert 0.08 <= secondary / len(patients) <= 0.35
    assert len(by_patient) < len(patients)  # a few self-pay patients
    for ps in by_patient.values():
        assert sorted(p["rank"] for p in ps) == list(range(1, len(ps) + 1))
        if any(p["kind"] == "supplemental" for p in ps):
            assert next(p for p in ps if p["rank"] == 1)["kind"] == "medicare"
    # seniors are on Medicare
    for pid, p in patients.items():
        if (TODAY - dt.date.fromisoformat(p["date_of_birth"])).days > 366 * 66 and by_patient[pid]:
            assert any(x["kind"] == "medicare" for x in by_patient[pid])
    # minors have a guarantor
    minors = [
        p
        for p in patients.values()
        if (TODAY - dt.date.fromisoformat(p["date_of_birth"])).days < 365 * 17
    ]
    assert minors and all(p["guarantor_id"] for p in minors)


def test_every_encounter_and_claim_status_present(seeded):
    _, _, con = seeded
    enc = {r[0] for r in rows(con, "SELECT DISTINCT status FROM encounters")}
    assert enc == {s.value for s in EncounterStatus}
    claims = {r[0] for r in rows(con, "SELECT DISTINCT status FROM claims")}
    assert claims == {s.value for s in ClaimStatus}
    assert scalar(con, "SELECT count(*) FROM claims WHERE payer_rank = 2") > 0
    for r in rows(con, "SELECT * FROM encounters WHERE status = 'query'"):
        assert r["query_note"]


def test_encounters_are_documented_and_coded(seeded):
    _, _, con = seeded
    dx = defaultdict(list)
    for r in rows(con, "SELECT encounter_id, seq, code FROM diagnoses ORDER BY encounter_id, seq"):
        dx[r[0]].append(r[2])
    lines = defaultdict(list)
    for r in rows(con, "SELECT * FROM service_lines ORDER BY encounter_id, seq"):
        lines[r["encounter_id"]].append(r)
    fees = {r[0]: r[1] for r in rows(con, "SELECT code, charge_cents FROM fee_schedule")}
    kinds = {r[0]: r[1] for r in rows(con, "SELECT code, kind FROM fee_schedule WHERE is_demo")}
    for e in rows(con, "SELECT * FROM encounters"):
        dos = dt.date.fromisoformat(e["date_of_service"])
        assert TODAY - dt.timedelta(days=560) <= dos <= TODAY
        assert e["clinical_note"].strip() and e["visit_reason"]
        assert e["place_of_service"] in ("11", "22")
        coded = e["status"] not in ("open", "void")
        assert bool(dx[e["id"]]) == coded and bool(lines[e["id"]]) == coded
        note = e["clinical_note"].lower()
        for code in dx[e["id"]]:
            assert "." in code or len(code) == 3
            assert sc.DX_TERMS[code] in note, (e["id"], code)
        for line in lines[e["id"]]:
            assert line["code"] in fees and kinds.get(line["code"]) == procedure_kind(line["code"])
            assert line["charge_cents"] == fees[line["code"]] * line["units"]
            for p in (line["pointer1"], line["pointer2"], line["pointer3"], line["pointer4"]):
                assert p is None or 1 <= p <= len(dx[e["id"]])
        if e["authorization_id"]:
            auth = rows(con, "SELECT * FROM authorizations WHERE id = ?", e["authorization_id"])[0]
            assert auth["number"] == e["authorization_number"]
            assert auth["patient_id"] == e["patient_id"]


def test_authorizations_count_their_visits(seeded):
    _, _, con = seeded
    auths = rows(con, "SELECT * FROM authorizations")
    assert auths
    for a in auths:
        visits = scalar(con, "SELECT count(*) FROM encounters WHERE authorization_id = ?", a["id"])
        assert a["units_used"] == sc.PT_UNITS_PER_VISIT * visits
        assert a["units_used"] <= a["units_approved"]
        assert a["start_date"] < a["end_date"]


def test_claims_match_their_lines_and_replacements(seeded):
    _, _, con = seeded
    claims = {r["id"]: r for r in rows(con, "SELECT * FROM claims")}
    pcns = [c["patient_control_number"] for c in claims.values()]
    assert len(set(pcns)) == len(pcns) and all(len(p) <= 20 for p in pcns)
    totals = dict(
        rows(con, "SELECT claim_id, sum(charge_cents) FROM claim_lines GROUP BY claim_id")
    )
    for c in claims.values():
        assert c["total_charge_cents"] == totals[c["id"]]
        policy = rows(con, "SELECT * FROM insurance_policies WHERE id = ?", c["policy_id"])[0]
        assert policy["payer_id"] == c["payer_id"] and policy["rank"] == c["payer_rank"]
        assert policy["patient_id"] == c["patient_id"]
        if c["frequency_code"] == "7":
            original = claims[c["replaces_claim_id"]]
            assert original["status"] == "corrected"
            assert c["payer_claim_number"] == original["payer_claim_number"] is not None
        else:
            assert c["frequency_code"] == "1" and c["replaces_claim_id"] is None
    corrected = [c for c in claims.values() if c["status"] == "corrected"]
    replaced = {c["replaces_claim_id"] for c in claims.values() if c["frequency_code"] == "7"}
    assert {c["id"] for c in corrected} == replaced
    for r in rows(con, "SELECT modifiers, pointers FROM claim_lines"):
        assert re.fullmatch(r"([0-9A-Z]{2}(:[0-9A-Z]{2}){0,3})?", r["modifiers"])
        assert re.fullmatch(r"[1-9][0-2]?(:[1-9][0-2]?){0,3}", r["pointers"])


def test_every_event_chain_is_legal(seeded):
    _, _, con = seeded
    claims = {
        r["id"]: r
        for r in rows(
            con,
            "SELECT c.*, e.date_of_service FROM claims c JOIN encounters e ON e.id = c.encounter_id",
        )
    }
    events = defaultdict(list)
    for r in rows(con, "SELECT * FROM claim_events ORDER BY claim_id, id"):
        events[r["claim_id"]].append(r)
    assert set(events) == set(claims)
    for cid, chain in events.items():
        claim = claims[cid]
        first = chain[0]
        assert first["from_status"] is None and first["to_status"] == "draft"
        current = ClaimStatus.DRAFT
        last_at = dt.datetime.fromisoformat(first["at"])
        assert last_at.date() >= dt.date.fromisoformat(claim["date_of_service"])
        assert first["at"] == claim["created_at"]
        for ev in chain[1:]:
            assert ev["from_status"] == current.value
            step = transition(current, ev["to_status"], actor=ev["actor"], reason=ev["reason"])
            current = step.to_status
            at = dt.datetime.fromisoformat(ev["at"])
            assert at > last_at
            last_at = at
        assert current.value == claim["status"]
        assert last_at <= END_OF_TODAY
        assert all(ev["actor"] and ev["reason"] for ev in chain)


def test_ledger_invariants(seeded):
    _, _, con = seeded
    claims = {r["id"]: r for r in rows(con, "SELECT * FROM claims")}
    accounts = dict(rows(con, "SELECT patient_id, id FROM accounts"))
    entries = defaultdict(list)
    for r in rows(con, "SELECT * FROM ledger_entries"):
        assert r["claim_id"] is not None
        assert len(r["txn"]) == 32 and re.fullmatch(r"[0-9a-f]{32}", r["txn"])
        entries[r["claim_id"]].append(r)
    txns = defaultdict(list)
    for es in entries.values():
        for e in es:
            txns[e["txn"]].append(e)
    for cid, claim in claims.items():
        es = entries[cid]
        assert es, cid
        assert all(e["account_id"] == accounts[claim["patient_id"]] for e in es)
        balance = sum(e["amount_cents"] for e in es)
        assert balance >= 0, cid
        if claim["status"] in ("closed", "corrected", "void"):
            assert balance == 0, (cid, claim["status"])
        for bucket in ("insurance", "patient"):
            assert sum(e["amount_cents"] for e in es if e["responsibility"] == bucket) >= 0
        # charges = payments + adjustments + balance: transfers stay within the claim
        assert sum(e["amount_cents"] for e in es if e["kind"] == "transfer") == 0
        billed = [e for e in es if e["kind"] == "charge" and e["group_code"] is None]
        moved = [e for e in es if e["kind"] == "charge" and e["group_code"] == "PR"]
        if claim["payer_rank"] == 1:
            assert (
                sum(e["amount_cents"] for e in billed if e["amount_cents"] > 0)
                == claim["total_charge_cents"]
            )
            assert all(e["amount_cents"] < 0 for e in moved)  # passed on to the secondary
        else:
            # a secondary claim carries what the primary left, not the charges again
            assert not billed and moved and all(e["amount_cents"] > 0 for e in moved)
        for e in es:
            if e["kind"] == "payment":
                assert e["amount_cents"] < 0 and e["reference"]
                assert (e["payer_id"] is None) == (e["responsibility"] == "patient")
            if e["kind"] == "adjustment" and e["responsibility"] == "insurance":
                if e["amount_cents"] == 0:  # a denial left with the payer (tested below)
                    assert e["memo"].startswith(denials.DENIED_MARKER), e["memo"]
                    assert e["group_code"] in ("CO", "PR") and e["reason_code"]
                else:
                    assert e["amount_cents"] < 0 and e["group_code"] == "CO" and e["reason_code"]
        has_payment = any(e["kind"] == "payment" and e["responsibility"] == "insurance" for e in es)
        if claim["status"] in ("denied", "appealed", "draft", "submitted", "rejected"):
            assert not has_payment, cid
        if claim["status"] == "partially_paid":
            assert sum(e["amount_cents"] for e in es if e["responsibility"] == "insurance") > 0
    # the money of a closed claim (and of its secondary) was settled before it closed
    closed_at = dict(
        rows(
            con,
            "SELECT claim_id, max(at) FROM claim_events WHERE to_status = 'closed' GROUP BY claim_id",
        )
    )
    for cid, at in closed_at.items():
        assert max(e["created_at"] for e in entries[cid]) <= at
    for c in claims.values():
        if c["payer_rank"] == 2:
            (primary,) = [
                p
                for p in claims.values()
                if p["encounter_id"] == c["encounter_id"]
                and p["payer_rank"] == 1
                and p["status"] in ("paid", "closed")
            ]
            if primary["id"] in closed_at:
                assert c["status"] == "closed" and c["updated_at"] <= closed_at[primary["id"]]
    for txn, es in txns.items():
        if any(e["group_code"] == "PR" and e["kind"] == "charge" for e in es):
            # a deductible or coinsurance moved from the primary's claim to the secondary's
            assert len(es) == 2 and sum(e["amount_cents"] for e in es) == 0, txn
            ranks = {claims[e["claim_id"]]["payer_rank"]: e for e in es}
            assert set(ranks) == {1, 2} and ranks[1]["amount_cents"] < 0
        if any(e["kind"] == "transfer" for e in es):
            assert all(e["kind"] == "transfer" for e in es)
            assert len(es) == 2 and sum(e["amount_cents"] for e in es) == 0, txn
            assert {e["group_code"] for e in es} == {"PR"}
            assert es[0]["reason_code"] == es[1]["reason_code"] in ("1", "2", "3")
    kinds = Counter(
        (e["kind"], e["group_code"], e["reason_code"]) for es in entries.values() for e in es
    )
    assert kinds[("adjustment", "CO", "45")] and kinds[("payment", None, None)]
    assert {r for k, g, r in kinds if k == "transfer"} == {"1", "2", "3"}


def test_audit_one_record_per_table(seeded):
    store, summary, con = seeded
    audit = rows(con, "SELECT * FROM audit_log")
    assert {a["entity"] for a in audit} == {t for t, n in summary.counts.items() if n}
    assert all(a["actor"] == store.actor for a in audit)
    patients = next(a for a in audit if a["entity"] == "patients")
    assert patients["summary"] == "seed: inserted 200 patients"
    found = next(a for a in audit if a["entity"] == "claim_findings")
    assert found["summary"] == f"seed: inserted {summary.counts['claim_findings']} claim findings"
    assert summary.counts["claim_rejections"] > 0 and summary.counts["claim_findings"] > 0


def test_refuses_a_database_with_patients(seeded):
    store, summary, con = seeded
    before = scalar(con, "SELECT count(*) FROM ledger_entries")
    with pytest.raises(ValidationError, match="already has 200 patients"):
        demo.seed(store, patients=5, encounters=5)
    assert scalar(con, "SELECT count(*) FROM patients") == 200
    assert scalar(con, "SELECT count(*) FROM ledger_entries") == before


# -- the open work carries its reasons ---------------------------------------------------------------


def _events(con, to_status):
    return rows(con, "SELECT * FROM claim_events WHERE to_status = ? ORDER BY id", to_status)


def test_denied_claims_show_their_reason_in_the_denial_queue(seeded):
    store, _, con = seeded
    denied = {r["id"]: r for r in rows(con, "SELECT * FROM claims WHERE status = 'denied'")}
    assert denied
    carc = {}
    for ev in _events(con, "denied"):
        carc[ev["claim_id"]] = re.search(r"CARC (\w+):", ev["reason"]).group(1)
    items = {i.claim_id: i for i in denials.denial_queue(store, today=TODAY)}
    assert set(denied) <= set(items)
    for cid in denied:
        item = items[cid]
        assert item.reasons_source == "ledger" and len(item.reasons) == 1, item
        (reason,) = item.reasons
        assert reason.reason_code == carc[cid]
        assert reason.group_code == ("PR" if carc[cid] == "27" else "CO")
        # what the payer denied is what the claim still owes on the insurance side
        assert reason.amount_cents == item.balance_cents == item.at_stake_cents > 0
        assert "no denial reason" not in item.suggestion.lower()


def test_every_denial_leaves_a_marker_row(seeded):
    _, _, con = seeded
    markers = rows(
        con,
        "SELECT * FROM ledger_entries WHERE amount_cents = 0 AND kind = 'adjustment' ORDER BY id",
    )
    denied = _events(con, "denied")
    assert len(markers) == len(denied) > 0
    by_claim = {m["claim_id"]: m for m in markers}
    claims = {r["id"]: r for r in rows(con, "SELECT * FROM claims")}
    top = scalar(con, "SELECT max(id) FROM ledger_entries WHERE amount_cents != 0")
    assert min(m["id"] for m in markers) > top  # the earlier rows kept their ids
    assert len({m["txn"] for m in markers}) == len(markers)
    for ev in denied:
        m = by_claim[ev["claim_id"]]
        code = re.search(r"CARC (\w+):", ev["reason"]).group(1)
        group = "PR" if code == "27" else "CO"
        assert (m["group_code"], m["reason_code"]) == (group, code)
        assert m["responsibility"] == "insurance" and m["claim_line_id"] is None
        assert m["payer_id"] == claims[ev["claim_id"]]["payer_id"]
        assert m["created_at"] == ev["at"] and m["entry_date"] == ev["at"][:10]
        assert m["created_by"] == ev["actor"]
        # the insurance balance at the denial: what was billed to this payer until then
        before = scalar(
            con,
            "SELECT sum(amount_cents) FROM ledger_entries WHERE claim_id = ? AND "
            "responsibility = 'insurance' AND created_at <= ?",
            ev["claim_id"], ev["at"],
        )  # fmt: skip
        assert m["memo"] == f"denied {Money(before).format()} ({group}-{code}), left with the payer"
        assert denials._marker_cents(m["memo"]) == before > 0


def test_rejection_inbox_has_every_rejected_claim(seeded):
    store, _, con = seeded
    rejected = {r[0] for r in rows(con, "SELECT id FROM claims WHERE status = 'rejected'")}
    assert rejected
    items = [i for i in rejections.inbox(store) if i.source in ("999", "277CA")]
    assert sorted(i.claim_id for i in items) == sorted(rejected)  # one open item each
    latest = {ev["claim_id"]: ev for ev in _events(con, "rejected")}
    for item in items:
        assert item.code and item.message and item.fix_hint and item.severity == "error"
        entry = next(r for r in REJECTIONS if r.event == latest[item.claim_id]["reason"])
        assert (item.source, item.code, item.fix_hint) == (entry.source, entry.code,
                                                           entry.fix_hint)  # fmt: skip
        assert item.since == dt.datetime.fromisoformat(latest[item.claim_id]["at"])


def test_every_rejection_in_a_claims_history_is_recorded(seeded):
    _, _, con = seeded
    claims = {r["id"]: r for r in rows(con, "SELECT * FROM claims")}
    events = defaultdict(list)
    for ev in rows(con, "SELECT * FROM claim_events ORDER BY claim_id, id"):
        events[ev["claim_id"]].append(ev)
    recorded = rows(con, "SELECT * FROM claim_rejections ORDER BY id")
    assert (
        len(recorded)
        == len(_events(con, "rejected"))
        > len([c for c in claims.values() if c["status"] == "rejected"])
    )
    for rej in recorded:
        chain = events[rej["claim_id"]]
        (at,) = [n for n, ev in enumerate(chain) if ev["to_status"] == "rejected"]
        assert rej["received_at"] == chain[at]["at"]
        assert rej["file_id"] is None
        if at == len(chain) - 1:  # still rejected: open in the inbox
            assert claims[rej["claim_id"]]["status"] == "rejected"
            assert rej["resolved_at"] is rej["resolved_by"] is rej["resolution"] is None
        else:  # worked: the event that moved the claim on says how
            nxt = chain[at + 1]
            assert nxt["to_status"] in ("draft", "void")
            assert (rej["resolved_at"], rej["resolved_by"], rej["resolution"]) == (
                nxt["at"], nxt["actor"], nxt["reason"],
            )  # fmt: skip
            entry = next(r for r in REJECTIONS if r.event == chain[at]["reason"])
            if nxt["to_status"] == "draft":
                assert nxt["reason"] == f"reopened to fix the rejection; {entry.fixed}"


def _answer_files(pcn: str):
    """A real 277CA rejecting ``pcn`` for each 277CA case, and a real 999 for the 999 case,
    read back by the readers the answers service uses."""
    env = Envelope("SBXCLEARING", "CLAIMDESK", 9, dt.datetime(2026, 10, 14, 9, 30))
    provider = CAProvider("Demo Practice", "1234567893")
    info = CAInfo(source_name="SANDBOX", source_id="SBX", receiver_name="Demo Practice",
                  receiver_id="CLAIMDESK", provider=provider, batch_trace="1")  # fmt: skip
    out = {}
    for entry in REJECTIONS:
        if entry.source == "277CA":
            category, status, *entity = entry.code.split(":")
            answer = ClaimAnswer(pcn, False, 10000, dt.date(2026, 10, 1), "Doe", "M1234567",
                                 category=category, status_code=status,
                                 entity=entity[0] if entity else "")  # fmt: skip
            (ack,), _ = claim_acks_from_277ca(build_277ca(info, [answer], env))
            out[entry.event] = (ack.code, ack.message, ack.fix_hint)
        else:
            problem = billing._RENDERING_NM1_POSITION
            group = ReceivedGroup("1", (ReceivedSet("0001", accepted=False, problems=(
                SegmentProblem("NM1", problem, "8", "2310B", (ElementProblem(9, "1", "67"),),
                               pcn),)),))  # fmt: skip
            acks, _ = set_acks_from_999(build_999(group, env))
            out[entry.event] = (acks[0].code, acks[0].message, acks[0].fix_hint)
    return out


def test_rejections_read_as_the_answers_service_records_them(seeded):
    """Each demo rejection says what a real 999 or 277CA for that case makes the inbox say."""
    _, _, con = seeded
    seen = set()
    for rej in rows(con, "SELECT * FROM claim_rejections"):
        pcn = scalar(con, "SELECT patient_control_number FROM claims WHERE id = ?",
                     rej["claim_id"])  # fmt: skip
        event = scalar(con, "SELECT reason FROM claim_events WHERE claim_id = ? AND "
                            "to_status = 'rejected'", rej["claim_id"])  # fmt: skip
        assert (rej["code"], rej["message"], rej["fix_hint"]) == _answer_files(pcn)[event]
        seen.add(rej["source"])
    assert seen == {"999", "277CA"}


def test_claims_in_edits_carry_the_scrubbers_findings(seeded):
    _, _, con = seeded
    in_edits = {r[0] for r in rows(con, "SELECT id FROM claims WHERE status = 'edits'")}
    assert in_edits
    found = defaultdict(list)
    for f in rows(con, "SELECT * FROM claim_findings ORDER BY id"):
        found[f["claim_id"]].append(f)
    assert set(found) == in_edits  # a clean scrub left nothing on the others
    latest = {ev["claim_id"]: ev for ev in _events(con, "edits")}
    lines = Counter(r[0] for r in rows(con, "SELECT claim_id FROM claim_lines"))
    by_rule = {case.rule_id: case for case in EDITS}
    for cid, fs in found.items():
        for f in fs:
            assert f["rule_id"] in by_rule and f["source"] in edits.SOURCES
            assert f["message"] and f["fix_hint"] and f["found_at"] == latest[cid]["at"]
            assert 0 <= f["line_number"] <= lines[cid]
        # every claim is stopped by an error, except by the scrubber's one warning case here
        severities = {f["severity"] for f in fs}
        assert "error" in severities or {f["rule_id"] for f in fs} == {"EM_WITHOUT_25"}
        # the event names what the findings say
        case = by_rule[fs[0]["rule_id"]]
        words = {"line": fs[0]["line_number"]}
        dx = re.search(r"\(([A-Z][0-9][0-9A-Z])\)", fs[0]["message"])
        if dx:
            words["dx"] = dx.group(1)
        assert latest[cid]["reason"] == case.event.format(**words)


def _demo_claim(lines, diagnoses=("E11.9", "I10")):
    """A claim as the biller holds it, for scrub_findings (only what it reads)."""
    person = SimpleNamespace(first_name="Ann", last_name="Lee", dob=dt.date(1960, 1, 2), sex="F")
    b = SimpleNamespace(dos=dt.date(2026, 10, 1), diagnoses=diagnoses, person=person)
    claim_lines = [(n, LineIn(n, code, mods, 1, 10000, (1,))) for n, (code, mods) in
                   enumerate(lines, 1)]  # fmt: skip
    c = SimpleNamespace(id=7, pcn="CD0000000007", total=10000 * len(lines), lines=claim_lines,
                        payer=SimpleNamespace(code="SBX01", name="Sandbox Medicare"),
                        policy=SimpleNamespace(member_id="1EG4TE5MK73"))  # fmt: skip
    return b, c


@pytest.mark.parametrize("case", EDITS, ids=lambda c: c.rule_id)
def test_each_edit_case_is_a_rule_the_scrubber_reports(case):
    b, c = _demo_claim([("99213", ("25",)), ("20610", ())])
    found, words = scrub_findings(case, b, c, dt.date(2026, 10, 2))
    assert found and {f.rule_id for f in found} == {case.rule_id}
    assert all(f.source in edits.SOURCES and f.fix_hint for f in found)
    if case.rule_id == "EM_WITHOUT_25":  # the visit line, with 25 taken off
        assert [(f.severity, f.line_number) for f in found] == [("warning", 1)]
        assert "20610" in found[0].message
    if "{line}" in case.event:
        assert [f.line_number for f in found] == [words["line"]] == [2]
    if case.rule_id == "DX_NOT_BILLABLE":
        assert words["dx"] == "E11" and "(E11)" in found[0].message


def test_edit_cases_that_do_not_fit_a_claim_report_nothing():
    # no procedure on the claim: modifier 25 is not the scrubber's business
    b, c = _demo_claim([("99214", ("25",)), ("99406", ())])
    assert scrub_findings(EDITS[1], b, c, dt.date(2026, 10, 2)) == ([], {})
    # a three-character diagnosis has no category to cut it back to; no diagnosis, no range
    b, c = _demo_claim([("99213", ())], diagnoses=("I10",))
    assert scrub_findings(EditCase("DX_NOT_BILLABLE", "x"), b, c, dt.date(2026, 10, 2)) == ([], {})
    b, c = _demo_claim([("99213", ())], diagnoses=())
    assert scrub_findings(EditCase("POINTER_RANGE", "x"), b, c, dt.date(2026, 10, 2)) == ([], {})
    # a rule the scrubber does not have reports nothing rather than an invented finding
    assert scrub_findings(EditCase("NO_SUCH_RULE", "x"), b, c, dt.date(2026, 10, 2)) == ([], {})


# -- determinism and odd sizes ----------------------------------------------------------------------

_DUMPED = (
    "patients", "insurance_policies", "guarantors", "authorizations", "encounters", "diagnoses",
    "service_lines", "claims", "claim_lines", "claim_events", "ledger_entries", "accounts",
    "providers", "payers", "claim_rejections", "claim_findings",
)  # fmt: skip


def _digest(store: Store) -> str:
    h = hashlib.sha256()
    con = sqlite3.connect(store.path)
    for table in _DUMPED:
        for row in con.execute(f"SELECT * FROM {table} ORDER BY id"):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()


def test_same_seed_same_rows_other_seed_other_rows(tmp_path):
    digests = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        store = _new_store(tmp_path / f"{name}.db")
        summary = demo.seed(store, patients=60, encounters=90, seed=seed)
        # the open work is in the digest: every seed this size has some of each
        assert summary.counts["claim_rejections"] and summary.counts["claim_findings"]
        digests.append(_digest(store))
        store.dispose()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_tiny_and_bad_sizes(tmp_path):
    store = _new_store(tmp_path / "tiny.db")
    with pytest.raises(ValidationError):
        demo.seed(store, patients=0)
    summary = demo.seed(store, patients=1, encounters=1)
    assert summary.patients == 1 and summary.encounters == 1
    store.dispose()


def test_a_failed_seed_writes_nothing(tmp_path, monkeypatch):
    store = _new_store(tmp_path / "fail.db")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(demo, "_authorizations", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        demo.seed(store, patients=20, encounters=20)
    con = sqlite3.connect(store.path)
    assert [scalar(con, f"SELECT count(*) FROM {t}") for t in ("patients", "payers", "users")] == [
        0,
        0,
        0,
    ]
    con.close()
    from db.engine import SQLITE_CACHE_KIB

    with store.engine.connect() as pooled:  # the loader's bigger page cache was given back
        assert pooled.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
    monkeypatch.undo()
    assert demo.seed(store, patients=20, encounters=20).patients == 20
    store.dispose()


def test_seed_on_postgresql_then_services_keep_working():
    """The same seed on a real PostgreSQL server (skipped where none can be started)."""
    from core.services import patients

    try:
        from tests.pg import PostgresServer

        server = PostgresServer()
        url = server.start()
    except (ImportError, RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no PostgreSQL server available here: {exc}")
    try:
        store = Store(url, actor="seed-tester")
        store.upgrade()
        summary = demo.seed(store, patients=40, encounters=60, seed=5)
        assert summary.patients == 40 and summary.claims > 40
        # the open work went in too (rejections and findings are numbered by the server)
        assert summary.counts["claim_rejections"] and summary.counts["claim_findings"]
        assert {i.source for i in rejections.inbox(store)} & {"999", "277CA"}
        queue = denials.denial_queue(store, today=TODAY)
        assert all(i.reasons for i in queue if i.status == "denied")
        # ids were given explicitly: the sequences must have moved past them
        new = patients.register_patient(
            store,
            {
                "first_name": "Ada", "last_name": "Sample", "date_of_birth": dt.date(1980, 1, 2),
                "sex": "F", "address_line1": "1 Main St", "city": "Portland", "state": "OR",
                "zip_code": "97201",
            },
        )  # fmt: skip
        assert new.id == 41
        store.dispose()
    finally:
        server.stop()
