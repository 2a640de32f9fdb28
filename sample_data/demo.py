"""Seed the synthetic demo practice: ``seed(store, patients=200, encounters=300, seed=0)``.

Deterministic: the same seed, sizes and ``today`` give the same rows (ids, names, notes,
timestamps, ledger transaction ids), because every choice comes from one ``random.Random(seed)``
and every date is measured from ``today`` (a fixed day by default), never from the clock. Only
the audit records carry the real time of seeding.

Nothing here is real: names come from small built-in lists, phone numbers are in the 555-01xx
range reserved for fiction, payer IDs start with SBX, NPIs are random digits with a correct check
digit.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

from core.errors import ValidationError
from core.services.bulk import TABLE_ORDER, BulkLoader
from core.store import Store
from core.workflow import EncounterStatus
from db.models import Base, ClaimFinding, ClaimRejection
from sample_data import scenarios as sc
from sample_data.billing import (
    DOS_WINDOWS,
    UNBILLED,
    Billable,
    Biller,
    LineIn,
    allocate_outcomes,
    schedule,
)
from sample_data.people import PeopleBuilder, Person
from sample_data.practice import (
    FEE_CHARGES,
    PAYER_BY_KEY,
    PAYERS,
    fee_rows,
    reference_rows,
    user_rows,
)

DEFAULT_TODAY = dt.date(2026, 11, 2)
CHUNK = 2000  # visits generated and inserted together
PATIENT_FLUSH = 5000

Progress = Callable[[str, int, int], None]

# Tables the seed fills that core.services.bulk does not handle (not in TABLE_ORDER): written
# after everything else through the loader's unit of work, numbered by the database, and
# audited and counted like the others.
EXTRA_TABLES: dict[str, type[Base]] = {
    "claim_rejections": ClaimRejection,
    "claim_findings": ClaimFinding,
}

_STATUS = {
    "open": EncounterStatus.OPEN,
    "query": EncounterStatus.QUERY,
    "coded": EncounterStatus.CODED,
    "enc_void": EncounterStatus.VOID,
}


@dataclass(frozen=True)
class SeedSummary:
    """What a seed wrote: rows per table, how long it took, and where."""

    counts: dict[str, int]
    seconds: float
    database: str
    seed: int

    @property
    def patients(self) -> int:
        return self.counts.get("patients", 0)

    @property
    def encounters(self) -> int:
        return self.counts.get("encounters", 0)

    @property
    def claims(self) -> int:
        return self.counts.get("claims", 0)

    @property
    def providers(self) -> int:
        return self.counts.get("providers", 0)

    @property
    def payers(self) -> int:
        return self.counts.get("payers", 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "encounters": self.encounters,
            "claims": self.claims,
            "providers": self.providers,
            "payers": self.payers,
            "seconds": round(self.seconds, 2),
            "database": self.database,
            "seed": self.seed,
            "tables": dict(self.counts),
        }


@dataclass(slots=True)
class _Slot:
    """One planned visit."""

    dos: dt.date
    order: int
    outcome: str
    person: Person
    scenario: str
    minutes: int  # minutes after 8:00 the patient was seen
    auth: tuple[int, str] | None = None
    first_pt: bool = False
    pt_problem: int = 0


@dataclass(slots=True)
class _Chooser:
    """Scenario choice, cached per (age, sex, payer kind, month)."""

    cache: dict[tuple, tuple[list[sc.Scenario], list[int]]] = field(default_factory=dict)

    def choose(
        self, rng: random.Random, age: int, sex: str, kind: str | None, month: int
    ) -> sc.Scenario | None:
        key = (age, sex, kind, month)
        entry = self.cache.get(key)
        if entry is None:
            options = sc.candidates(age, sex, kind, month)
            entry = (options, list(itertools.accumulate(s.weight for s in options)))
            self.cache[key] = entry
        options, cum = entry
        if not options:
            return None
        return options[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _check(patients: int, encounters: int) -> None:
    if patients < 1:
        raise ValidationError("the demo practice needs at least 1 patient")
    if encounters < 0:
        raise ValidationError("the number of encounters cannot be negative")


def seed(
    store: Store,
    *,
    patients: int = 200,
    encounters: int = 300,
    seed: int = 0,
    progress: Progress | None = None,
    today: dt.date = DEFAULT_TODAY,
) -> SeedSummary:
    """Fill an empty, migrated database with the synthetic demo practice.

    Raises ValidationError (nothing written) when the database already has patients or the
    demo payers. ``progress(stage, done, total)`` is called as patients and visits are written.
    """
    _check(patients, encounters)
    started = time.perf_counter()
    rng = random.Random(seed)
    limit = dt.datetime.combine(today, dt.time(17, 30))
    report = progress or (lambda stage, done, total: None)

    with BulkLoader(store) as load:
        existing = load.count("patients")
        if existing:
            raise ValidationError(
                f"this database already has {existing:,} patients; seed a new database file"
            )
        codes = {code for (code,) in load.values("payers", "payer_code")}
        clash = sorted(p.code for p in PAYERS if p.code in codes)
        if clash:
            raise ValidationError(
                f"this database already has the demo payers ({', '.join(clash)}); "
                "seed a new database file"
            )
        ids = {name: load.next_id(name) for name in TABLE_ORDER}
        opened = dt.datetime.combine(today.replace(year=today.year - 8, day=1), dt.time(9))

        # -- reference data
        users = {u for (u,) in load.values("users", "username")}
        load.insert("users", user_rows(users, ids["users"], opened))
        priced = {
            code: cents
            for code, modifier, cents in load.values(
                "fee_schedule", "code", "modifier", "charge_cents"
            )
            if not modifier
        }
        load.insert("fee_schedule", fee_rows(set(priced), ids["fee_schedule"]))
        charges = {**FEE_CHARGES, **priced}
        ref, provider_ids, facility_ids, payer_ids = reference_rows(rng, ids, opened)
        load.insert_many(ref)

        # -- patients
        people = PeopleBuilder(rng, today, ids, payer_ids)
        while len(people.people) < patients:
            people.household(patients - len(people.people))
            if len(people.rows["patients"]) >= PATIENT_FLUSH:
                load.insert_many(people.rows)
                for rows in people.rows.values():
                    rows.clear()
                report("patients", len(people.people), patients)
        load.insert_many(people.rows)
        report("patients", len(people.people), patients)

        # -- visits: plan all, then write in chunks in date order
        slots = _plan(rng, people.people, encounters, today)
        auths = _authorizations(rng, slots, payer_ids, ids)
        load.insert("authorizations", auths)

        biller = Biller(rng, limit, ids, payer_ids)
        writer = _VisitWriter(rng, ids, charges, provider_ids, facility_ids, biller, limit)
        for start in range(0, len(slots), CHUNK):
            for slot in slots[start : start + CHUNK]:
                writer.write(slot)
            batch = {**writer.rows, **biller.rows}
            for name in ("claims", "claim_events"):
                batch[name].sort(key=lambda r: r["id"])
            load.insert_many(batch)
            for rows in itertools.chain(writer.rows.values(), biller.rows.values()):
                rows.clear()
            report("encounters", min(start + CHUNK, len(slots)), len(slots))

        # the claims' open work: denial markers (after every other ledger row), rejections and
        # scrubber findings
        held = biller.held_rows()
        load.insert("ledger_entries", held.pop("ledger_entries"))
        extra = {name: _insert_extra(load, name, held[name]) for name in EXTRA_TABLES}

        load.update_column("accounts", "last_activity_at", biller.activity)
        load.audit_inserts("seed")
        for name, n in extra.items():
            if n:
                load.uow.audit("create", name, None, f"seed: inserted {n:,} {_label(name)}")
        counts = {name: load.inserted.get(name, 0) for name in TABLE_ORDER} | extra
        database = load.database
    return SeedSummary(
        counts=counts,
        seconds=time.perf_counter() - started,
        database=database,
        seed=seed,
    )


def _insert_extra(load: BulkLoader, name: str, rows: list[dict]) -> int:
    """Insert rows of one of :data:`EXTRA_TABLES` in one executemany; returns how many."""
    if rows:
        load.uow.session.execute(insert(EXTRA_TABLES[name]), rows)
    return len(rows)


def _label(table: str) -> str:
    return table.replace("_", " ")


# -- planning --------------------------------------------------------------------------------------


def _plan(rng: random.Random, people: list[Person], total: int, today: dt.date) -> list[_Slot]:
    """Who is seen when, for what, and how far each visit has got: sorted by date."""
    if total == 0 or not people:
        return []
    counts = allocate_outcomes(total)
    outcomes = [o for o, n in counts.items() for _ in range(n)]
    rng.shuffle(outcomes)
    cum = list(itertools.accumulate(p.weight for p in people))
    chooser = _Chooser()
    pt_anchors: list[tuple[Person, dt.date]] = []  # patients in therapy, and when they started
    in_therapy: set[int] = set()
    slots: list[_Slot] = []
    for order, outcome in enumerate(outcomes):
        slot = None
        for attempt in range(60):
            # after many misses (tiny or odd populations) settle for an unbilled visit
            want = outcome if attempt < 40 else "coded"
            person = people[bisect.bisect_right(cum, rng.random() * cum[-1])]
            if want not in UNBILLED and person.primary is None:
                continue
            lo, hi = DOS_WINDOWS[want]
            room = (today - person.earliest).days
            if room < lo:
                continue
            dos = _weekday(
                today - dt.timedelta(days=rng.randint(lo, min(hi, room))),
                earliest=max(person.earliest, today - dt.timedelta(days=hi)),
                latest=today - dt.timedelta(days=lo),
            )
            scenario = chooser.choose(rng, _age(person, dos), person.sex, _kind(person), dos.month)
            if scenario is None:
                continue
            if scenario.key == "physical_therapy" and pt_anchors and rng.random() < 0.7:
                # therapy comes in series: usually another visit for someone already in therapy
                prior, anchor = pt_anchors[rng.randrange(len(pt_anchors))]
                first = max(anchor, prior.earliest, today - dt.timedelta(days=hi))
                last = min(anchor + dt.timedelta(days=75), today - dt.timedelta(days=lo))
                if first <= last and (want in UNBILLED or prior.primary is not None):
                    person = prior
                    dos = _weekday(
                        first + dt.timedelta(days=rng.randint(0, (last - first).days)),
                        earliest=first,
                        latest=last,
                    )
            if scenario.key == "physical_therapy" and person.id not in in_therapy:
                in_therapy.add(person.id)
                pt_anchors.append((person, dos))
            slot = _Slot(dos, order, want, person, scenario.key, rng.randrange(0, 540))
            break
        if slot is None:
            continue  # no patient can have this visit (say, every patient born today)
        slots.append(slot)
    slots.sort(key=lambda s: (s.dos, s.minutes, s.order))
    return slots


def _weekday(day: dt.date, earliest: dt.date, latest: dt.date) -> dt.date:
    """The office is closed at weekends: Saturday visits move to Friday, Sunday's to Monday
    (or the other way when the first choice falls outside ``earliest``..``latest``)."""
    wd = day.weekday()
    if wd < 5:
        return day
    friday = day - dt.timedelta(days=wd - 4)
    monday = day + dt.timedelta(days=7 - wd)
    for choice in (friday, monday) if wd == 5 else (monday, friday):
        if earliest <= choice <= latest:
            return choice
    return day


def _age(person: Person, day: dt.date) -> int:
    return person.age_on(day)


def _kind(person: Person) -> str | None:
    """The primary payer's kind (medicare, commercial...), None for self-pay."""
    if person.primary is None:
        return None
    return PAYER_BY_KEY[person.primary.payer_key].kind


def _authorizations(
    rng: random.Random, slots: list[_Slot], payer_ids: dict[str, int], ids: dict[str, int]
) -> list[dict]:
    """Prior authorizations for therapy series (not for Medicare or self-pay patients).

    Each therapy visit uses ``PT_UNITS_PER_VISIT`` units; some authorizations have expired,
    some are used up or about to be.
    """
    series: dict[int, list[_Slot]] = {}
    for slot in slots:
        if slot.scenario == "physical_therapy":
            series.setdefault(slot.person.id, []).append(slot)
    rows = []
    for visits in series.values():
        problem = rng.randrange(len(sc.PT_PROBLEMS))
        for v in visits:
            v.pt_problem = problem
        visits[0].first_pt = True
        policy = visits[0].person.primary
        if policy is None or policy.payer_key == "medicare":
            continue
        i = 0
        while i < len(visits):
            start = visits[i].dos - dt.timedelta(days=rng.randint(0, 10))
            end = start + dt.timedelta(days=rng.choice((60, 90)))
            episode = [v for v in visits[i:] if v.dos <= end]
            i += len(episode)
            used = sc.PT_UNITS_PER_VISIT * len(episode)
            approved = used + rng.choice((0, 3, 3, 6, 9, 12, 24))
            auth_id = ids["authorizations"]
            ids["authorizations"] += 1
            number = f"PA{rng.randrange(10**8):08d}"
            area = sc.PT_PROBLEMS[problem][1]
            for v in episode:
                v.auth = (auth_id, number)
            rows.append(
                {
                    "id": auth_id,
                    "patient_id": visits[0].person.id,
                    "payer_id": payer_ids[policy.payer_key],
                    "number": number,
                    "service_codes": "97161 97162 97110 97140",
                    "units_approved": approved,
                    "units_used": used,
                    "start_date": start,
                    "end_date": end,
                    "note": f"Physical therapy for {area} pain, {approved} units of 15 minutes "
                    "approved by phone; ask for more before they run out.",
                }
            )
    return rows


# -- writing visits --------------------------------------------------------------------------------

_PRIMARY_ADULT = (("family", 40), ("internal", 35), ("np", 25))
_PRIMARY_CHILD = (("peds", 60), ("family", 25), ("np", 15))
_BY_SPECIALTY = {
    "peds": (("peds", 80), ("family", 20)),
    "ortho": (("ortho", 1),),
    "pt": (("pt", 1),),
    "nurse": (("np", 60), ("family", 40)),
}


class _VisitWriter:
    def __init__(
        self,
        rng: random.Random,
        ids: dict[str, int],
        charges: dict[str, int],
        provider_ids: dict[str, int],
        facility_ids: dict[str, int],
        biller: Biller,
        limit: dt.datetime,
    ) -> None:
        self.rng = rng
        self.ids = ids
        self.charges = charges
        self.providers = provider_ids
        self.facilities = facility_ids
        self.biller = biller
        self.limit = limit
        self.seen: set[int] = set()
        self.rows: dict[str, list[dict]] = {"encounters": [], "diagnoses": [], "service_lines": []}

    def _next(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _provider(self, specialty: str, age: int) -> int:
        if specialty == "primary":
            table = _PRIMARY_ADULT if age >= 18 else _PRIMARY_CHILD
        else:
            table = _BY_SPECIALTY[specialty]
        keys, weights = zip(*table, strict=True)
        return self.providers[self.rng.choices(keys, weights)[0]]

    def write(self, slot: _Slot) -> None:
        rng = self.rng
        person = slot.person
        scenario = sc.SCENARIO_BY_KEY[slot.scenario]
        age = person.age_on(slot.dos)
        new = person.id not in self.seen and rng.random() < 0.35
        self.seen.add(person.id)

        facility, pos = "main" if rng.random() < 0.7 else "west", "11"
        if scenario.specialty == "pt":
            facility = "west"
        elif scenario.hospital and rng.random() < 0.5:
            facility, pos = "hospital", "22"
        referring = None
        if scenario.specialty == "pt":
            referring = self.providers[rng.choice(("ortho", "family", "outside"))]
        elif scenario.specialty == "ortho":
            r = rng.random()
            if r < 0.35:
                referring = self.providers["outside"]
            elif r < 0.5 or (person.primary and person.primary.payer_key == "hmo"):
                referring = self.providers["family"]

        months = (slot.dos.year - person.dob.year) * 12 + slot.dos.month - person.dob.month
        ctx = sc.Ctx(
            rng=rng,
            age=age,
            age_months=max(0, months - (slot.dos.day < person.dob.day)),
            sex=person.sex,
            payer_kind=_kind(person),
            new_patient=new,
            dos=slot.dos,
            pos=pos,
            first_pt_visit=slot.first_pt,
            pt_problem=slot.pt_problem,
        )
        visit = scenario.build(ctx)

        enc_id = self._next("encounters")
        seen_at = dt.datetime.combine(slot.dos, dt.time(8)) + dt.timedelta(minutes=slot.minutes)
        seen_at, coded_at, claim_at = schedule(
            seen_at, [rng.randint(3600, 2 * 86400), rng.randint(600, 86400)], self.limit
        )
        status = _STATUS.get(slot.outcome, EncounterStatus.BILLED)
        note = visit.note
        updated = {
            EncounterStatus.OPEN: seen_at,
            EncounterStatus.QUERY: coded_at,
            EncounterStatus.CODED: coded_at,
            EncounterStatus.VOID: coded_at,
            EncounterStatus.BILLED: claim_at,
        }[status]
        if status == EncounterStatus.VOID:
            note += "\n\nVOIDED: this visit was entered twice; see the other visit the same day."
        self.rows["encounters"].append(
            {
                "id": enc_id,
                "patient_id": person.id,
                "date_of_service": slot.dos,
                "place_of_service": pos,
                "rendering_provider_id": self._provider(scenario.specialty, age),
                "referring_provider_id": referring,
                "facility_id": self.facilities[facility],
                "authorization_id": slot.auth[0] if slot.auth else None,
                "authorization_number": slot.auth[1] if slot.auth else None,
                "visit_reason": visit.reason,
                "clinical_note": note,
                "status": status.value,
                "query_note": visit.query if status == EncounterStatus.QUERY else None,
                "created_at": seen_at,
                "created_by": "demo-frontdesk",
                "updated_at": updated,
            }
        )
        if status in (EncounterStatus.OPEN, EncounterStatus.VOID):
            return

        for seq, code in enumerate(visit.diagnoses, 1):
            self.rows["diagnoses"].append(
                {"id": self._next("diagnoses"), "encounter_id": enc_id, "seq": seq, "code": code}
            )
        lines: list[LineIn] = []
        for seq, line in enumerate(visit.lines, 1):
            line_id = self._next("service_lines")
            mods = (*line.modifiers, None, None, None, None)
            ptrs = (*line.pointers, None, None, None, None)
            charge = self.charges[line.code] * line.units
            self.rows["service_lines"].append(
                {
                    "id": line_id,
                    "encounter_id": enc_id,
                    "seq": seq,
                    "code": line.code,
                    "modifier1": mods[0],
                    "modifier2": mods[1],
                    "modifier3": mods[2],
                    "modifier4": mods[3],
                    "units": line.units,
                    "charge_cents": charge,
                    "pointer1": ptrs[0],
                    "pointer2": ptrs[1],
                    "pointer3": ptrs[2],
                    "pointer4": ptrs[3],
                }
            )
            lines.append(
                LineIn(line_id, line.code, line.modifiers, line.units, charge, line.pointers)
            )
        if status != EncounterStatus.BILLED:
            return
        self.biller.bill(
            Billable(
                encounter_id=enc_id,
                person=person,
                account_id=person.account_id,
                dos=slot.dos,
                visit_at=seen_at,
                claim_at=claim_at,
                lines=lines,
                scenario=slot.scenario,
                has_auth=slot.auth is not None,
                diagnoses=tuple(visit.diagnoses),
            ),
            slot.outcome,
        )
