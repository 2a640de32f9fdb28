"""Households of demo patients: patients, accounts, guarantors and insurance policies.

Patients come in households so that dependents make sense: a spouse or children on the
subscriber's employer plan (relationship 01 / 19, subscriber copied from that patient), seniors on
Medicare with a supplement, families on Medicaid each with their own policy, a few self-pay.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sample_data import names

# (plan name, copay, coinsurance %, deductible, out-of-pocket max) per payer key; cents.
PLANS: dict[str, tuple[tuple[str, int, int, int, int], ...]] = {
    "medicare": (("Medicare Part B", 0, 20, 25700, 0),),
    "medicaid": (("Sandbox Medicaid Plus", 0, 0, 0, 0), ("Sandbox Medicaid Plus", 400, 0, 0, 0)),
    "commercial": (
        ("Choice PPO 1500", 3000, 20, 150000, 650000),
        ("Value HDHP 3000", 0, 20, 300000, 700000),
        ("Choice PPO 500", 2500, 10, 50000, 400000),
    ),
    "bcbs": (
        ("Blue Preferred 1000", 2500, 20, 100000, 500000),
        ("Blue Basic 2500", 4000, 30, 250000, 800000),
    ),
    "hmo": (("Community HMO 20", 2000, 0, 0, 400000), ("Community HMO 35", 3500, 0, 50000, 600000)),
    "ppo": (
        ("Employers PPO Gold", 2000, 10, 75000, 450000),
        ("Employers PPO Silver", 3500, 20, 200000, 750000),
    ),
    "supplement": (("Medicare Supplement Plan G", 0, 0, 0, 0),),
}

EMPLOYER_PAYERS = ("commercial", "bcbs", "hmo", "ppo")
EMPLOYER_WEIGHTS = (30, 30, 15, 25)

_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
_MBI_ALNUM = _MBI_LETTERS + "0123456789"
_DIRS = ("NE", "SE", "SW", "NW", "N")


@dataclass(slots=True)
class Policy:
    id: int
    payer_key: str
    rank: int
    member_id: str
    copay: int
    coinsurance: int
    deductible: int
    effective_from: dt.date


@dataclass(slots=True)
class Person:
    """What encounter generation needs to know about a patient (rows are already built)."""

    id: int
    account_id: int
    first_name: str
    last_name: str
    sex: str
    dob: dt.date
    earliest: dt.date  # first date a visit can have (registered, born, covered)
    weight: float  # how often this patient is seen, relatively
    policies: list[Policy] = field(default_factory=list)

    @property
    def primary(self) -> Policy | None:
        return self.policies[0] if self.policies else None

    @property
    def secondary(self) -> Policy | None:
        return self.policies[1] if len(self.policies) > 1 else None

    def age_on(self, day: dt.date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))


def age_on(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _visit_weight(age: int) -> float:
    if age < 3:
        return 2.6
    if age < 18:
        return 1.1
    if age < 45:
        return 1.0
    if age < 65:
        return 1.6
    return 2.4


class PeopleBuilder:
    """Builds households until ``total`` patients exist; rows land in ``rows`` by table."""

    def __init__(
        self, rng: random.Random, today: dt.date, ids: dict[str, int], payer_ids: dict[str, int]
    ) -> None:
        self.rng = rng
        self.today = today
        self.ids = ids
        self.payer_ids = payer_ids
        self.people: list[Person] = []
        self.rows: dict[str, list[dict]] = {
            "guarantors": [],
            "patients": [],
            "accounts": [],
            "insurance_policies": [],
        }
        self._member_ids: dict[str, set[str]] = {k: set() for k in PLANS}
        self._suffixes: dict[str, int] = {}
        self._groups = {
            key: [f"{key[:2].upper()}{rng.randrange(10000, 99999)}" for _ in range(40)]
            for key in EMPLOYER_PAYERS
        }

    def _next(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    # -- building blocks ------------------------------------------------------------------------
    def _dob(self, age: int) -> dt.date:
        # A birthday somewhere in the year that makes the patient ``age`` today.
        start = self.today.replace(year=self.today.year - age - 1) + dt.timedelta(days=1)
        return start + dt.timedelta(days=self.rng.randrange(365))

    def _address(self) -> dict:
        rng = self.rng
        city, state, zips = rng.choices(names.CITIES, weights=names.CITY_WEIGHTS)[0]
        street = f"{rng.choice(names.STREETS)} {rng.choice(names.STREET_KINDS)}"
        if city == "Portland":
            street = f"{rng.choice(_DIRS)} {street}"
        zip_code = rng.choice(zips)
        if rng.random() < 0.35:
            zip_code += f"{rng.randrange(10000):04d}"
        return {
            "address_line1": f"{rng.randrange(100, 19999)} {street}",
            "address_line2": f"Apt {rng.randrange(1, 40)}{rng.choice('ABCD')}"
            if rng.random() < 0.15
            else None,
            "city": city,
            "state": state,
            "zip_code": zip_code,
        }

    def _phone(self, state: str) -> str:
        # 555-0100..0199 is reserved for fiction.
        return f"{self.rng.choice(names.AREA_CODES[state])}5550{self.rng.randrange(100, 200):03d}"

    def _member_id(self, payer_key: str) -> str:
        rng, used = self.rng, self._member_ids[payer_key]
        while True:
            if payer_key == "medicare":
                mid = "".join(
                    (
                        str(rng.randrange(1, 10)),
                        rng.choice(_MBI_LETTERS),
                        rng.choice(_MBI_ALNUM),
                        str(rng.randrange(10)),
                        rng.choice(_MBI_LETTERS),
                        rng.choice(_MBI_ALNUM),
                        str(rng.randrange(10)),
                        rng.choice(_MBI_LETTERS),
                        rng.choice(_MBI_LETTERS),
                        f"{rng.randrange(100):02d}",
                    )
                )
            elif payer_key == "medicaid":
                mid = f"MD{rng.randrange(10**9):09d}"
            elif payer_key == "supplement":
                mid = f"SUP{rng.randrange(10**9):09d}"
            else:
                prefix = {"commercial": "SHI", "bcbs": "XJB", "hmo": "CHM", "ppo": "EPN"}[payer_key]
                mid = f"{prefix}{rng.randrange(10**9):09d}"
            if mid not in used:
                used.add(mid)
                return mid

    def _start_date(self, dob: dt.date) -> dt.date:
        rng = self.rng
        year = self.today.year - rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 6, 8))
        start = dt.date(year, rng.choice((1, 1, 1, 1, 4, 7, 10)), 1)
        if start > self.today:
            start = dt.date(self.today.year, 1, 1)
        return max(start, dob)

    # -- one household ----------------------------------------------------------------------------
    def household(self, room: int) -> None:
        """Add one household of at most ``room`` patients."""
        rng = self.rng
        band = rng.choices(((18, 29), (30, 44), (45, 64), (65, 79), (80, 95)), (14, 24, 30, 22, 10))
        head_age = rng.randint(*band[0])
        head_sex = rng.choice("FM")
        last = rng.choice(names.LAST)
        address = self._address()
        members: list[tuple[str, int, str, str]] = [("head", head_age, head_sex, last)]
        if room > 1 and head_age < 82 and rng.random() < 0.38:
            age = min(95, max(18, head_age + rng.randint(-6, 6)))
            sex = ("M" if head_sex == "F" else "F") if rng.random() < 0.95 else head_sex
            members.append(
                ("spouse", age, sex, last if rng.random() < 0.8 else rng.choice(names.LAST))
            )
        if 22 <= head_age <= 55 and rng.random() < 0.5:
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                members.append(
                    ("child", rng.randint(0, min(17, head_age - 18)), rng.choice("FM"), last)
                )
        members = members[:room]

        # patients first: policies point at their subscribers
        made: list[tuple[str, Person, dict]] = []
        guarantor_id: int | None = None
        for role, age, sex, surname in members:
            dob = self._dob(age)
            first = rng.choice(names.FEMALE_FIRST if sex == "F" else names.MALE_FIRST)
            pid = self._next("patients")
            registered = max(
                dob + dt.timedelta(days=rng.randint(2, 20)),
                self.today - dt.timedelta(days=rng.randint(560, 3200)),
            )
            if role == "child" and guarantor_id is None:
                head = made[0][2]
                guarantor_id = self._next("guarantors")
                self.rows["guarantors"].append(
                    {
                        "id": guarantor_id,
                        "first_name": head["first_name"],
                        "last_name": head["last_name"],
                        "date_of_birth": head["date_of_birth"],
                        "relationship_to_patient": "parent",
                        "address_line1": address["address_line1"],
                        "city": address["city"],
                        "state": address["state"],
                        "zip_code": address["zip_code"],
                        "phone": head["phone"],
                    }
                )
            created_at = dt.datetime.combine(registered, dt.time(8)) + dt.timedelta(
                minutes=rng.randrange(600)
            )
            row = {
                "id": pid,
                "account_number": f"A{pid:06d}",
                "first_name": first,
                "middle_name": rng.choice(names.MIDDLE_INITIALS) if rng.random() < 0.6 else None,
                "last_name": surname,
                "date_of_birth": dob,
                "sex": sex,
                **address,
                "phone": self._phone(address["state"]),
                "email": f"{first.lower()}.{surname.lower()}{pid}@{rng.choice(names.EMAIL_DOMAINS)}"
                if age >= 16 and rng.random() < 0.6
                else None,
                "guarantor_id": guarantor_id if role == "child" else None,
                "created_at": created_at,
                "updated_at": created_at,
            }
            self.rows["patients"].append(row)
            account_id = self._next("accounts")
            self.rows["accounts"].append(
                {
                    "id": account_id,
                    "patient_id": pid,
                    "opened_at": created_at,
                    "last_activity_at": created_at,  # moved to the last posting, if any
                    "version": 1,
                }
            )
            person = Person(
                id=pid,
                account_id=account_id,
                first_name=first,
                last_name=surname,
                sex=sex,
                dob=dob,
                earliest=registered,
                weight=_visit_weight(age),
            )
            made.append((role, person, row))
            self.people.append(person)
        self._cover(made)

    # -- insurance --------------------------------------------------------------------------------
    def _policy(
        self,
        person: Person,
        payer_key: str,
        rank: int,
        *,
        subscriber: Person | None = None,
        relationship: str = "18",
        member_id: str | None = None,
        plan: tuple[str, int, int, int, int] | None = None,
        group: str | None = None,
        start: dt.date | None = None,
    ) -> Policy:
        rng = self.rng
        plan = plan or rng.choice(PLANS[payer_key])
        sub = subscriber or person
        start = max(start or self._start_date(person.dob), person.dob)
        pol = Policy(
            id=self._next("insurance_policies"),
            payer_key=payer_key,
            rank=rank,
            member_id=member_id or self._member_id(payer_key),
            copay=plan[1],
            coinsurance=plan[2],
            deductible=plan[3],
            effective_from=start,
        )
        verified = None
        if rng.random() < 0.7:
            verified = dt.datetime.combine(
                self.today - dt.timedelta(days=rng.randrange(1, 200)), dt.time(9)
            ) + dt.timedelta(minutes=rng.randrange(480))
        self.rows["insurance_policies"].append(
            {
                "id": pol.id,
                "patient_id": person.id,
                "payer_id": self.payer_ids[payer_key],
                "rank": rank,
                "member_id": pol.member_id,
                "group_number": group,
                "plan_name": plan[0],
                "relationship_code": relationship,
                "subscriber_patient_id": None if relationship == "18" else sub.id,
                "subscriber_first_name": sub.first_name,
                "subscriber_last_name": sub.last_name,
                "subscriber_date_of_birth": sub.dob,
                "subscriber_sex": sub.sex,
                "effective_from": start,
                "effective_to": None,
                "copay_cents": plan[1],
                "coinsurance_percent": plan[2],
                "deductible_cents": plan[3],
                "out_of_pocket_max_cents": plan[4],
                "verified_at": verified,
            }
        )
        person.policies.append(pol)
        person.earliest = max(person.earliest, start) if rank == 1 else person.earliest
        return pol

    def _medicare(self, person: Person) -> None:
        rng = self.rng
        birthday65 = person.dob.replace(year=person.dob.year + 65, day=1)
        start = max(birthday65, self.today.replace(year=self.today.year - 12, month=1, day=1))
        self._policy(person, "medicare", 1, start=start)
        r = rng.random()
        if r < 0.45:
            self._policy(person, "supplement", 2, start=start)
        elif r < 0.55:
            self._policy(person, "medicaid", 2, start=start)

    def _cover(self, made: list[tuple[str, Person, dict]]) -> None:
        rng = self.rng
        head = made[0][1]
        head_age = age_on(head.dob, self.today)
        if head_age >= 65:
            for _, person, _ in made:
                if age_on(person.dob, self.today) >= 65:
                    self._medicare(person)
                else:
                    self._employer(person)
            return
        r = rng.random()
        if r < 0.05:
            return  # self-pay household
        if r < 0.21:
            start = self._start_date(head.dob)
            for _, person, _ in made:
                self._policy(person, "medicaid", 1, start=start)
            return
        key, plan, group, start, base = self._employer(head)
        spouse_plan = None
        for role, person, _ in made[1:]:
            if role == "spouse":
                if age_on(person.dob, self.today) >= 65:
                    self._medicare(person)
                    continue
                if rng.random() < 0.35:
                    spouse_plan = (person, *self._employer(person))
                    if rng.random() < 0.5:
                        self._policy(
                            person, key, 2, subscriber=head, relationship="01",
                            member_id=self._dependent_id(base), plan=plan, group=group, start=start,
                        )  # fmt: skip
                    continue
            self._policy(
                person, key, 1, subscriber=head, relationship="01" if role == "spouse" else "19",
                member_id=self._dependent_id(base), plan=plan, group=group, start=start,
            )  # fmt: skip
            if role == "child" and spouse_plan is not None and rng.random() < 0.3:
                sp, s_key, s_plan, s_group, s_start, s_base = spouse_plan
                self._policy(
                    person, s_key, 2, subscriber=sp, relationship="19",
                    member_id=self._dependent_id(s_base), plan=s_plan, group=s_group,
                    start=s_start,
                )  # fmt: skip

    def _dependent_id(self, base: str) -> str:
        """Employer plans number the people on one contract: base + 01 subscriber, 02, 03..."""
        self._suffixes[base] += 1
        return f"{base}{self._suffixes[base]:02d}"

    def _employer(self, person: Person) -> tuple[str, tuple, str, dt.date, str]:
        """A self-subscribed employer plan as primary; returns what dependents share."""
        rng = self.rng
        key = rng.choices(EMPLOYER_PAYERS, EMPLOYER_WEIGHTS)[0]
        plan = rng.choice(PLANS[key])
        group = rng.choice(self._groups[key])
        start = self._start_date(person.dob)
        base = self._member_id(key)
        self._suffixes[base] = 1
        self._policy(person, key, 1, member_id=f"{base}01", plan=plan, group=group, start=start)
        return key, plan, group, start, base
