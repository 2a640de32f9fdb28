"""Clinical scenarios: what happened at a visit, the note a provider wrote, and how it codes.

Each scenario builds a :class:`Visit` from a :class:`Ctx` (the patient, the day, the dice): a
SOAP-style note a coder can code from, the ICD-10-CM diagnoses and the CPT/HCPCS lines the note
supports, and a question a biller might send back to the coder about it. Numbers in the note
(vitals, durations, lab values) come from the dice, so no two notes read the same.

Every diagnosis code used here has a plain-words term in ``DX_TERMS``, and the note's assessment
always names it, so a coder (and a test) can match codes to documentation.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

# Plain words for every diagnosis code the scenarios use; the note's assessment says them.
DX_TERMS: dict[str, str] = {
    "E11.9": "type 2 diabetes without complications",
    "E11.65": "type 2 diabetes with hyperglycemia",
    "Z79.84": "long-term use of oral diabetes medicine",
    "Z79.4": "long-term insulin use",
    "I10": "essential hypertension",
    "E78.5": "hyperlipidemia",
    "E66.9": "obesity",
    "J06.9": "upper respiratory infection",
    "J01.90": "acute sinusitis",
    "J02.0": "strep pharyngitis",
    "J02.9": "acute pharyngitis",
    "N39.0": "urinary tract infection",
    "M54.50": "low back pain",
    "M54.16": "lumbar radiculopathy",
    "M17.11": "osteoarthritis of the right knee",
    "M17.12": "osteoarthritis of the left knee",
    "M25.561": "right knee pain",
    "M25.562": "left knee pain",
    "S93.401A": "sprain of the right ankle",
    "S93.402A": "sprain of the left ankle",
    "Z00.00": "routine adult exam without abnormal findings",
    "Z00.01": "routine adult exam with abnormal findings",
    "Z00.129": "well-child check without abnormal findings",
    "Z00.121": "well-child check with abnormal findings",
    "L20.9": "atopic dermatitis",
    "Z23": "vaccine",
    "Z13.31": "depression screening",
    "Z13.220": "lipid screening",
    "J44.9": "chronic obstructive pulmonary disease",
    "J44.1": "copd exacerbation",
    "F17.210": "nicotine dependence, cigarettes",
    "Z87.891": "former smoker",
    "J45.909": "asthma",
    "J45.20": "mild intermittent asthma",
    "F32.A": "depression",
    "F41.1": "generalized anxiety disorder",
    "K21.9": "gastroesophageal reflux disease",
    "E03.9": "hypothyroidism",
    "S61.411A": "laceration of the right hand",
    "S61.412A": "laceration of the left hand",
    "W26.0XXA": "kitchen knife",
    "B07.9": "viral warts",
    "L98.9": "skin lesion",
    "R07.9": "chest pain",
    "R07.89": "chest wall pain",
    "Z32.01": "positive pregnancy test",
    "Z32.02": "negative pregnancy test",
    "N92.6": "irregular periods",
    "H61.23": "impacted cerumen",
    "J20.9": "acute bronchitis",
    "H66.91": "otitis media of the right ear",
    "H66.92": "otitis media of the left ear",
    "H66.93": "otitis media of both ears",
}


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    pointers: tuple[int, ...] = (1,)


@dataclass(frozen=True, slots=True)
class Visit:
    reason: str  # the visit reason shown in queues
    diagnoses: tuple[str, ...]
    lines: tuple[Line, ...]
    note: str
    query: str  # what a biller might ask the coder/provider about this visit


@dataclass(slots=True)
class Ctx:
    rng: random.Random
    age: int
    age_months: int
    sex: str
    payer_kind: str | None  # the primary payer's kind, None for self-pay
    new_patient: bool
    dos: dt.date
    pos: str = "11"  # place of service: 22 means the hospital does (and bills) the imaging
    first_pt_visit: bool = False
    pt_problem: int = 0  # index into PT_PROBLEMS, fixed for a patient's therapy episode


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    specialty: str  # primary, peds, ortho, pt, nurse
    weight: int
    min_age: int
    max_age: int
    build: Callable[[Ctx], Visit]
    sex: str | None = None
    medicare: bool | None = None  # True: Medicare patients only; False: never Medicare
    months: frozenset[int] | None = None  # only in these months (flu season)
    hospital: bool = False  # may take place in the hospital outpatient department (POS 22)

    def fits(self, age: int, sex: str, payer_kind: str | None, month: int) -> bool:
        if not self.min_age <= age <= self.max_age:
            return False
        if self.sex is not None and sex != self.sex:
            return False
        if self.medicare is not None and (payer_kind == "medicare") != self.medicare:
            return False
        return self.months is None or month in self.months


# -- small helpers ---------------------------------------------------------------------------------


def who(c: Ctx) -> str:
    if c.age < 2:
        months = c.age_months
        return f"{months}-month-old {'boy' if c.sex == 'M' else 'girl'}"
    if c.age < 18:
        return f"{c.age}-year-old {'boy' if c.sex == 'M' else 'girl'}"
    return f"{c.age}-year-old {'man' if c.sex == 'M' else 'woman'}"


def they(c: Ctx) -> str:
    return "He" if c.sex == "M" else "She"


def em(c: Ctx, level: int) -> str:
    """Office visit code for complexity ``level`` 2..5, new or established."""
    return f"9920{level}" if c.new_patient else f"9921{level}"


def preventive(c: Ctx) -> str:
    bands = ((0, "1"), (1, "2"), (5, "3"), (12, "4"), (18, "5"), (40, "6"), (65, "7"))
    digit = "1"
    for lo, d in bands:
        if c.age >= lo:
            digit = d
    return ("9938" if c.new_patient else "9939") + digit


def temp(r: random.Random, fever: bool = False) -> str:
    value = r.uniform(100.5, 102.9) if fever else r.uniform(97.6, 98.9)
    return f"{value:.1f} F"


def vitals(
    c: Ctx, *, fever: bool = False, bp: tuple[int, int] | None = None, spo2: int | None = None
) -> str:
    r = c.rng
    if c.age < 2:
        kg = 3.5 + c.age_months * 0.55 + r.uniform(-0.6, 0.6)
        return (
            f"Temp {temp(r, fever)}, HR {r.randint(105, 150)}, RR {r.randint(24, 40)}, "
            f"Wt {kg:.1f} kg"
        )
    if c.age < 13:
        lb = 22 + c.age * 6.5 + r.uniform(-5, 8)
        return (
            f"Temp {temp(r, fever)}, HR {r.randint(80, 120)}, RR {r.randint(16, 26)}, "
            f"SpO2 {r.randint(97, 100)}%, Wt {lb:.0f} lb"
        )
    sys_, dia = bp or (r.randint(108, 138), r.randint(64, 86))
    return (
        f"BP {sys_}/{dia}, HR {r.randint(58, 96)}, Temp {temp(r, fever)}, RR {r.randint(12, 18)}, "
        f"SpO2 {spo2 or r.randint(94, 100)}%, Wt {r.randint(118, 262)} lb"
    )


def note(*sections: tuple[str, str], plan: list[tuple[str, str]]) -> str:
    """A SOAP note: titled sections, then ASSESSMENT AND PLAN naming every diagnosis."""
    parts = [f"{title}:\n{body}" for title, body in sections]
    items = []
    for i, (code, text) in enumerate(plan, 1):
        term = DX_TERMS[code]
        items.append(f"{i}. {term[0].upper()}{term[1:]}. {text}")
    parts.append("ASSESSMENT AND PLAN:\n" + "\n".join(items))
    return "\n\n".join(parts)


def pick(r: random.Random, *options: str) -> str:
    return r.choice(options)


SIDES = (("right", "RT"), ("left", "LT"))
GENERIC_QUERIES = (
    "Please confirm whether this was a new or an established patient visit; the chart shows an "
    "old visit from another provider.",
    "The visit level selected looks higher than the medical decision making documented; please "
    "review and confirm.",
    "The note is not signed yet; please sign it so the claim can go out.",
)


# -- chronic care ----------------------------------------------------------------------------------


def diabetes(c: Ctx) -> Visit:
    r = c.rng
    a1c = round(r.uniform(6.2, 10.6), 1)
    prev = round(min(12.0, max(5.8, a1c + r.uniform(-1.2, 1.0))), 1)
    high = a1c >= 8.0
    insulin = r.random() < 0.25
    years = r.randint(1, 18)
    metformin = r.choice((500, 850, 1000))
    dx = ("E11.65" if high else "E11.9", "Z79.4" if insulin else "Z79.84")
    lines = [Line(em(c, 4 if high or r.random() < 0.35 else 3), pointers=(1, 2)), Line("83036")]
    cmp = r.random() < 0.45
    if cmp:
        lines += [Line("80053", pointers=(1, 2)), Line("36415", pointers=(1,))]
    meds = f"metformin {metformin} mg twice daily"
    if insulin:
        meds += f" and insulin glargine {r.randint(10, 48)} units at bedtime"
    fasting = r.randint(95, 150) if not high else r.randint(150, 240)
    text = note(
        ("CHIEF COMPLAINT", "Diabetes follow-up."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with type 2 diabetes for {years} years returns for a three-month check. "
            f"Takes {meds}. Home fasting sugars run {fasting - 20}-{fasting + 25} mg/dL. "
            + pick(
                r,
                "Reports good adherence and walks most days.",
                "Admits to missing evening doses a few times a week.",
                "Diet has been harder over the holidays.",
            )
            + " Denies excessive thirst, frequent urination, vision change, or low sugars.",
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            "General: well appearing, no distress. Heart: regular rate and rhythm, no murmur. "
            "Lungs: clear. Feet: monofilament sensation intact both feet, pedal pulses 2+, "
            "no ulcers or calluses.",
        ),
        ("RESULTS", f"Point-of-care A1c today {a1c}% (last visit {prev}%)."),
        plan=[
            (
                dx[0],
                (
                    f"A1c {a1c}%, above goal. Increase metformin and review diet; recheck A1c in 3 months."
                    if high
                    else f"A1c {a1c}%, at goal. Continue current regimen; recheck in 3-6 months."
                ),
            ),
            (
                dx[1],
                f"Continues {meds}."
                + (
                    " Comprehensive metabolic panel drawn today for kidney function." if cmp else ""
                ),
            ),
        ],
    )
    return Visit(
        "Diabetes follow-up",
        dx,
        tuple(lines),
        text,
        "Please document whether the diabetes is controlled or uncontrolled (hyperglycemia) so "
        "the coder can choose between E11.9 and E11.65.",
    )


def hypertension(c: Ctx) -> Visit:
    r = c.rng
    sys_, dia = r.randint(128, 168), r.randint(78, 102)
    drug = pick(r, "lisinopril 10 mg", "lisinopril 20 mg", "amlodipine 5 mg", "losartan 50 mg")
    labs = r.random() < 0.4
    lines = [Line(em(c, r.choice((3, 3, 4))))]
    if labs:
        lines += [Line("80053"), Line("36415")]
    controlled = sys_ < 140 and dia < 90
    text = note(
        ("CHIEF COMPLAINT", "Blood pressure check."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with high blood pressure on {drug} daily. Home readings average "
            f"{sys_ - r.randint(0, 8)}/{dia - r.randint(0, 5)}. No headache, chest pain, "
            "shortness of breath, or leg swelling. "
            + pick(
                r, "Limits salt.", "Drinks two cups of coffee a day.", "Stopped smoking last year."
            ),
        ),
        ("VITALS", vitals(c, bp=(sys_, dia))),
        (
            "EXAM",
            "Heart: regular, no murmur. Lungs: clear. Extremities: no edema. Fundi not examined.",
        ),
        plan=[
            (
                "I10",
                (
                    "Controlled. Continue current dose."
                    if controlled
                    else f"Above goal at {sys_}/{dia}. Increase {drug.split()[0]}; recheck in 4 weeks."
                )
                + (" Metabolic panel today for potassium and creatinine." if labs else ""),
            )
        ],
    )
    return Visit(
        "Hypertension follow-up",
        ("I10",),
        tuple(lines),
        text,
        "Please confirm the blood pressure readings; the vitals and the plan disagree.",
    )


def lipids(c: Ctx) -> Visit:
    r = c.rng
    ldl = r.randint(118, 212)
    statin = pick(r, "atorvastatin 20 mg", "rosuvastatin 10 mg", "simvastatin 40 mg")
    text = note(
        ("CHIEF COMPLAINT", "Cholesterol follow-up."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with high cholesterol, on {statin} for {r.randint(1, 9)} years. "
            "No muscle aches. Last LDL "
            f"{ldl} mg/dL. Fasting today for labs.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Heart regular, no murmur. No xanthomas."),
        plan=[
            (
                "E78.5",
                f"LDL {ldl} mg/dL last time. Lipid panel drawn today; continue {statin}, "
                "discussed diet and exercise.",
            )
        ],
    )
    return Visit(
        "Cholesterol follow-up",
        ("E78.5",),
        (Line(em(c, 3)), Line("80061"), Line("36415")),
        text,
        "The lipid panel has no diagnosis linked in the note; please confirm it was ordered for "
        "hyperlipidemia.",
    )


def chronic_combo(c: Ctx) -> Visit:
    r = c.rng
    a1c = round(r.uniform(6.4, 9.8), 1)
    high = a1c >= 8.0
    sys_, dia = r.randint(126, 160), r.randint(74, 96)
    bmi = round(r.uniform(24.5, 38.5), 1)
    dx = ["E11.65" if high else "E11.9", "I10", "E78.5"]
    if bmi >= 30:
        dx.append("E66.9")
    level = 5 if high and r.random() < 0.3 else 4
    ptr = tuple(range(1, min(4, len(dx)) + 1))
    lines = (
        Line(em(c, level), pointers=ptr),
        Line("83036"),
        Line("80061", pointers=(3,)),
        Line("80053", pointers=(1, 2)),
        Line("36415", pointers=(1, 3)),
    )
    plan = [
        (
            dx[0],
            f"A1c {a1c}%. "
            + ("Add a second agent; " if high else "Continue metformin; ")
            + "diabetic eye exam due.",
        ),
        ("I10", f"BP {sys_}/{dia}. " + ("Increase lisinopril." if sys_ >= 140 else "At goal.")),
        ("E78.5", "On atorvastatin; lipid panel today."),
    ]
    if bmi >= 30:
        plan.append(("E66.9", f"BMI {bmi}. Discussed a walking program and smaller portions."))
    text = note(
        ("CHIEF COMPLAINT", "Follow-up of diabetes, blood pressure and cholesterol."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} here for a chronic care visit. Taking metformin, lisinopril and "
            "atorvastatin. "
            + pick(r, "No new complaints.", "Some fatigue in the afternoons.", "Sleeping poorly.")
            + f" Home sugars {r.randint(110, 190)}-{r.randint(190, 260)} mg/dL.",
        ),
        ("VITALS", vitals(c, bp=(sys_, dia)) + f", BMI {bmi}"),
        ("EXAM", "Heart regular. Lungs clear. Feet: sensation intact, no ulcers. No edema."),
        ("RESULTS", f"Point-of-care A1c {a1c}%."),
        plan=plan,
    )
    return Visit(
        "Chronic care: diabetes, blood pressure, cholesterol",
        tuple(dx),
        lines,
        text,
        "Level 5 needs high-complexity decision making; please confirm what supports it or "
        "lower the level.",
    )


def hypothyroid(c: Ctx) -> Visit:
    r = c.rng
    dose = r.choice((50, 75, 88, 100, 112, 125))
    tsh = round(r.uniform(0.6, 8.9), 2)
    text = note(
        ("CHIEF COMPLAINT", "Thyroid follow-up."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with an underactive thyroid on levothyroxine {dose} mcg daily. "
            + pick(r, "Energy is good.", "Feels tired and cold.", "Some hair thinning.")
            + " Takes it on an empty stomach.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Thyroid: not enlarged, no nodules. Skin: normal. Reflexes normal."),
        ("RESULTS", f"Last TSH {tsh} mIU/L."),
        plan=[
            ("E03.9", f"TSH drawn today; continue levothyroxine {dose} mcg pending the result."),
        ],
    )
    return Visit(
        "Thyroid follow-up",
        ("E03.9",),
        (Line(em(c, 3)), Line("84443"), Line("36415")),
        text,
        GENERIC_QUERIES[0],
    )


def gerd(c: Ctx) -> Visit:
    r = c.rng
    weeks = r.randint(2, 16)
    text = note(
        ("CHIEF COMPLAINT", "Heartburn."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with burning behind the breastbone after meals and at night for {weeks} "
            "weeks, worse with coffee and lying down. No trouble swallowing, no weight loss, "
            "no black stools.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Abdomen soft, mild tenderness in the upper middle, no masses."),
        plan=[
            (
                "K21.9",
                "Omeprazole 20 mg daily for 8 weeks; raise the head of the bed; avoid late meals.",
            ),
        ],
    )
    return Visit("Heartburn", ("K21.9",), (Line(em(c, 3)),), text, GENERIC_QUERIES[1])


def copd(c: Ctx) -> Visit:
    r = c.rng
    flare = r.random() < 0.4
    smoker = r.random() < 0.45
    dx = ["J44.1" if flare else "J44.9", "F17.210" if smoker else "Z87.891"]
    procedures = []
    if flare:
        procedures.append(Line("94640"))
    elif r.random() < 0.4:
        procedures.append(Line("94010"))
    if smoker:
        procedures.append(Line("99406", pointers=(2,)))
    # a separately billed procedure the same day: the visit carries modifier 25
    lines = [Line(em(c, 4), ("25",) if procedures else (), pointers=(1, 2)), *procedures]
    sat = r.randint(88, 93) if flare else r.randint(93, 97)
    text = note(
        ("CHIEF COMPLAINT", "Worse breathing and cough." if flare else "COPD follow-up."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with COPD, {r.randint(20, 60)} pack-years. "
            + (
                f"Three days of more cough with yellow sputum and more shortness of breath; using "
                f"albuterol {r.randint(4, 8)} times a day."
                if flare
                else "Stable on tiotropium daily; albuterol a few times a week."
            )
            + (
                f" Still smokes {r.randint(5, 25)} cigarettes a day."
                if smoker
                else f" Quit smoking {r.randint(2, 20)} years ago."
            ),
        ),
        ("VITALS", vitals(c, spo2=sat) + " on room air"),
        (
            "EXAM",
            "Lungs: "
            + (
                "scattered wheezes, prolonged expiration."
                if flare
                else "diminished at the bases, no wheeze."
            )
            + " Heart regular.",
        ),
        plan=[
            (
                dx[0],
                "Nebulized albuterol given in the office with improvement; prednisone 40 mg for 5 "
                "days."
                if flare
                else "Continue tiotropium. "
                + (
                    "Spirometry today."
                    if any(x.code == "94010" for x in lines)
                    else "Pulmonary rehab discussed."
                ),
            ),
            (
                dx[1],
                f"Counseled on quitting for {r.randint(4, 10)} minutes; nicotine patch offered."
                if smoker
                else "Remains off tobacco.",
            ),
        ],
    )
    return Visit(
        "COPD exacerbation" if flare else "COPD follow-up",
        tuple(dx),
        tuple(lines),
        text,
        "Please document the minutes spent on tobacco cessation counseling to support 99406."
        if smoker
        else GENERIC_QUERIES[1],
    )


def asthma(c: Ctx) -> Visit:
    r = c.rng
    mild = r.random() < 0.5
    code = "J45.20" if mild else "J45.909"
    spiro = r.random() < 0.35
    lines = [Line(em(c, 3))] + ([Line("94010")] if spiro else [])
    text = note(
        ("CHIEF COMPLAINT", "Asthma check."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with asthma. Uses albuterol {r.randint(0, 3)} times a week"
            + (
                ", symptoms twice a month or less, no night waking."
                if mild
                else ", some night cough."
            )
            + " Triggers: "
            + pick(r, "colds.", "exercise.", "pollen.", "cold air.")
            + " No ER visits this year.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Lungs clear, no wheeze, good air movement."),
        plan=[
            (
                code,
                (
                    "Intermittent; albuterol as needed."
                    if mild
                    else "Continue inhaled steroid daily."
                )
                + (" Spirometry in the office today." if spiro else "")
                + " Asthma action plan updated.",
            )
        ],
    )
    return Visit("Asthma follow-up", (code,), tuple(lines), text, GENERIC_QUERIES[0])


def depression(c: Ctx) -> Visit:
    r = c.rng
    phq = r.randint(8, 21)
    text = note(
        ("CHIEF COMPLAINT", "Low mood."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with low mood, poor sleep and loss of interest for {r.randint(3, 16)} "
            "weeks. "
            + pick(r, "Stress at work.", "Recent loss in the family.", "No clear trigger.")
            + " No thoughts of self-harm. PHQ-9 today "
            f"{phq}.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Alert, flat affect, good eye contact, thought process linear."),
        plan=[
            (
                "F32.A",
                f"PHQ-9 score {phq}. Start sertraline 50 mg daily; referral for counseling; "
                "follow up in 4 weeks; crisis line given.",
            )
        ],
    )
    return Visit(
        "Depression",
        ("F32.A",),
        (Line(em(c, 4)), Line("96127")),
        text,
        "Please document severity (mild, moderate or severe) and whether this is a single episode "
        "or recurrent, so a more specific code than F32.A can be used.",
    )


def anxiety(c: Ctx) -> Visit:
    r = c.rng
    gad = r.randint(8, 19)
    text = note(
        ("CHIEF COMPLAINT", "Worry and trouble sleeping."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} reports constant worry most days for over {r.randint(6, 24)} months, "
            "muscle tension, poor sleep and irritability. No panic attacks. GAD-7 today "
            f"{gad}.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Anxious, fidgeting, speech normal, no tremor."),
        plan=[
            (
                "F41.1",
                f"GAD-7 score {gad}. Start escitalopram 10 mg; therapy referral; sleep hygiene "
                "reviewed.",
            )
        ],
    )
    return Visit(
        "Anxiety",
        ("F41.1",),
        (Line(em(c, c.rng.choice((3, 4)))), Line("96127")),
        text,
        GENERIC_QUERIES[1],
    )


def smoking(c: Ctx) -> Visit:
    r = c.rng
    minutes = r.randint(4, 10)
    text = note(
        ("CHIEF COMPLAINT", "Wants to quit smoking."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} smokes {r.randint(5, 30)} cigarettes a day for {r.randint(3, 40)} years, "
            "first cigarette within 30 minutes of waking. Tried quitting "
            f"{r.randint(1, 4)} times.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Lungs clear. Heart regular."),
        plan=[
            (
                "F17.210",
                f"Quit-smoking counseling {minutes} minutes: set a quit date, nicotine patch 21 mg "
                "with gum for cravings, quit line number given.",
            )
        ],
    )
    return Visit(
        "Smoking cessation",
        ("F17.210",),
        (Line(em(c, 3), ("25",)), Line("99406")),
        text,
        "Please document the minutes spent counseling (99406 needs more than 3).",
    )


# -- acute care ------------------------------------------------------------------------------------


def uri(c: Ctx) -> Visit:
    r = c.rng
    days = r.randint(2, 7)
    text = note(
        ("CHIEF COMPLAINT", "Cold symptoms."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with runny nose, sore throat and cough for {days} days. "
            + pick(r, "Low-grade fever at home.", "No fever.", "Sick contacts at school.")
            + " Eating and drinking fine.",
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            "Nasal congestion, mild throat redness without exudate, ears normal, lungs clear.",
        ),
        plan=[("J06.9", "Viral. Fluids, rest, saline spray; return if fever lasts over 3 days.")],
    )
    return Visit(
        "Cold symptoms", ("J06.9",), (Line(em(c, r.choice((2, 3)))),), text, GENERIC_QUERIES[1]
    )


def sinusitis(c: Ctx) -> Visit:
    r = c.rng
    days = r.randint(10, 21)
    text = note(
        ("CHIEF COMPLAINT", "Sinus pressure."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with facial pressure, thick nasal discharge and congestion for {days} "
            "days, worse after initial improvement.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Tender over the maxillary sinuses, purulent drainage, throat clear."),
        plan=[("J01.90", "Amoxicillin-clavulanate for 7 days; nasal steroid spray.")],
    )
    return Visit("Sinus pressure", ("J01.90",), (Line(em(c, 3)),), text, GENERIC_QUERIES[0])


def sore_throat(c: Ctx) -> Visit:
    r = c.rng
    positive = r.random() < 0.45
    code = "J02.0" if positive else "J02.9"
    text = note(
        ("CHIEF COMPLAINT", "Sore throat."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with sore throat and painful swallowing for {r.randint(1, 4)} days"
            + (", fever, no cough." if positive else ", mild cough."),
        ),
        ("VITALS", vitals(c, fever=positive)),
        (
            "EXAM",
            "Tonsils enlarged with "
            + ("white exudate, tender front neck nodes." if positive else "redness, no exudate."),
        ),
        ("RESULTS", f"Rapid strep test {'positive' if positive else 'negative'}."),
        plan=[
            (
                code,
                "Amoxicillin for 10 days; return to school after 24 hours of antibiotics."
                if positive
                else "Likely viral; salt-water gargles and acetaminophen.",
            )
        ],
    )
    return Visit(
        "Sore throat",
        (code,),
        (Line(em(c, 3)), Line("87880", ("QW",))),
        text,
        "Please document the rapid strep result so the diagnosis can be coded.",
    )


def uti(c: Ctx) -> Visit:
    r = c.rng
    text = note(
        ("CHIEF COMPLAINT", "Burning with urination."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with burning and frequency for {r.randint(1, 5)} days. No fever, "
            "no back pain, no vaginal discharge.",
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Abdomen soft, mild suprapubic tenderness, no flank tenderness."),
        ("RESULTS", "Urine dipstick: positive leukocytes and nitrites, trace blood."),
        plan=[("N39.0", "Nitrofurantoin for 5 days; urine culture sent; fluids.")],
    )
    return Visit(
        "Burning with urination",
        ("N39.0",),
        (Line(em(c, 3)), Line("81002")),
        text,
        GENERIC_QUERIES[2],
    )


def bronchitis(c: Ctx) -> Visit:
    r = c.rng
    xray = r.random() < 0.35
    lines = [Line(em(c, 3))] + ([Line("71046")] if xray else [])
    text = note(
        ("CHIEF COMPLAINT", "Cough."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with cough for {r.randint(6, 20)} days, clear to yellow sputum, chest "
            "soreness from coughing. " + pick(r, "Nonsmoker.", "Former smoker.", "Works outdoors."),
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Lungs: scattered rhonchi that clear with cough, no crackles."),
        ("RESULTS", "Chest X-ray two views: no infiltrate." if xray else "No imaging needed."),
        plan=[
            ("J20.9", "Supportive care; honey and fluids; benzonatate at night; no antibiotics.")
        ],
    )
    return Visit("Cough", ("J20.9",), tuple(lines), text, GENERIC_QUERIES[1])


def otitis(c: Ctx) -> Visit:
    r = c.rng
    side = r.choice((("right ear", "H66.91"), ("left ear", "H66.92"), ("both ears", "H66.93")))
    text = note(
        ("CHIEF COMPLAINT", "Ear pain."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} brought in by a parent for ear pain and fussiness for {r.randint(1, 3)} "
            "days after a cold. Pulling at the ear.",
        ),
        ("VITALS", vitals(c, fever=r.random() < 0.5)),
        ("EXAM", f"Tympanic membrane bulging and red in the {side[0]}; throat mildly red."),
        plan=[
            (side[1], "Amoxicillin 10 days; ibuprofen for pain; recheck if not better in 3 days.")
        ],
    )
    return Visit(
        "Ear pain",
        (side[1],),
        (Line(em(c, 3)),),
        text,
        "Please document which ear is affected so laterality can be coded.",
    )


def chest_pain(c: Ctx) -> Visit:
    r = c.rng
    wall = r.random() < 0.5
    code = "R07.89" if wall else "R07.9"
    text = note(
        ("CHIEF COMPLAINT", "Chest pain."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with {r.randint(1, 10)} days of "
            + (
                "sharp pain on the left chest wall, worse with twisting and pressing, after "
                "moving furniture."
                if wall
                else "intermittent pressure in the chest lasting minutes, not clearly with exertion."
            )
            + " No shortness of breath, no sweating, no radiation to the arm or jaw.",
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            "Heart regular, no murmur. Lungs clear. "
            + (
                "Reproducible tenderness over the left 4th-5th ribs."
                if wall
                else "Chest wall not tender."
            ),
        ),
        ("RESULTS", "ECG in the office: normal sinus rhythm, no ST changes, read by me."),
        plan=[
            (
                code,
                "Musculoskeletal; ibuprofen and heat."
                if wall
                else "Normal ECG; stress test ordered; go to the ER for pain at rest.",
            )
        ],
    )
    return Visit(
        "Chest pain",
        (code,),
        (Line(em(c, 4)), Line("93000")),
        text,
        "Please add the ECG interpretation to the note so 93000 can be billed.",
    )


def back_pain(c: Ctx) -> Visit:
    r = c.rng
    radic = r.random() < 0.3
    shot = r.random() < 0.35
    dx = ["M54.50"] + (["M54.16"] if radic else [])
    em_line = Line(
        em(c, 4 if radic else 3), ("25",) if shot else (), pointers=tuple(range(1, len(dx) + 1))
    )
    lines = [em_line]
    if shot:
        lines += [Line("96372"), Line("J1885", units=2)]
    plan = [
        (
            "M54.50",
            "Heat, gentle stretching, naproxen."
            + (" Ketorolac 30 mg given into the muscle in the office." if shot else "")
            + " Physical therapy referral if not better in 2 weeks.",
        )
    ]
    if radic:
        plan.append(("M54.16", "Leg symptoms followed; MRI if weakness develops."))
    text = note(
        ("CHIEF COMPLAINT", "Low back pain."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with low back pain for {r.randint(3, 30)} days after "
            + pick(r, "lifting boxes", "gardening", "a long drive", "no clear injury")
            + "."
            + (
                " Pain shoots down the back of the left leg to the calf."
                if radic
                else " No leg pain."
            )
            + " No numbness in the groin, no bladder or bowel change.",
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            "Tender lower back muscles, reduced bending. "
            + (
                "Straight-leg raise positive on the left, reflexes equal."
                if radic
                else "Straight-leg raise negative, strength normal."
            ),
        ),
        plan=plan,
    )
    return Visit(
        "Low back pain",
        tuple(dx),
        tuple(lines),
        text,
        "The ketorolac dose is missing from the note; please add the milligrams given."
        if shot
        else GENERIC_QUERIES[1],
    )


# -- orthopedics and procedures --------------------------------------------------------------------


def knee_oa(c: Ctx) -> Visit:
    r = c.rng
    side, mod = r.choice(SIDES)
    code = "M17.11" if side == "right" else "M17.12"
    xray = c.pos == "11" and (c.new_patient or r.random() < 0.2)
    lines = [
        Line(em(c, 3 if not c.new_patient else 4), ("25",)),
        Line("20610", (mod,)),
        Line("J3301", units=4),
    ]
    if xray:
        lines.append(Line("73562", (mod,)))
    text = note(
        ("CHIEF COMPLAINT", f"{side.capitalize()} knee pain."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with {side} knee pain for {r.randint(1, 10)} years, worse on stairs and "
            f"after walking {r.randint(1, 6)} blocks, stiff in the morning for under 30 minutes. "
            + pick(
                r,
                "Ibuprofen helps a little.",
                "Last injection helped for four months.",
                "Tried physical therapy.",
            ),
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            f"{side.capitalize()} knee: small effusion, crepitus, joint-line tenderness on the "
            f"inside, flexion to {r.randint(95, 125)} degrees, stable ligaments.",
        ),
        (
            "PROCEDURE",
            f"After consent, the {side} knee was cleaned and injected from the outside with "
            "triamcinolone 40 mg and lidocaine. Tolerated well.",
        ),
        (
            "RESULTS",
            f"X-ray of the {side} knee, three views: joint space narrowing on the inner side, bone spurs."
            if xray
            else "Prior X-ray reviewed.",
        ),
        plan=[(code, "Steroid injection done; home exercises; may repeat in 3 months.")],
    )
    return Visit(
        f"{side.capitalize()} knee pain",
        (code,),
        tuple(lines),
        text,
        "The procedure note does not say which knee was injected; please add laterality.",
    )


def ankle_sprain(c: Ctx) -> Visit:
    r = c.rng
    side, mod = r.choice(SIDES)
    code = "S93.401A" if side == "right" else "S93.402A"
    text = note(
        ("CHIEF COMPLAINT", f"{side.capitalize()} ankle injury."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} rolled the {side} ankle "
            + pick(
                r, "playing basketball", "stepping off a curb", "on a hike", "at soccer practice"
            )
            + f" {r.randint(1, 4)} days ago. Swelling on the outside, able to bear weight with pain.",
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            f"{side.capitalize()} ankle: swelling and bruising over the outer ligaments, "
            "tender in front of the outer ankle bone, no bony tenderness at the back edge, "
            "drawer test stable.",
        ),
        ("RESULTS", f"X-ray of the {side} ankle, three views: no fracture."),
        ("PROCEDURE", f"{side.capitalize()} ankle taped for support."),
        plan=[
            (
                code,
                "Rest, ice, compression, elevation; taping done; ankle exercises; recheck in 2 weeks.",
            )
        ],
    )
    return Visit(
        f"{side.capitalize()} ankle injury",
        (code,),
        (Line(em(c, 3), ("25",)), Line("73610", (mod,)), Line("29540", (mod,))),
        text,
        "Please document which ligament was sprained if known, for a more specific code.",
    )


def laceration(c: Ctx) -> Visit:
    r = c.rng
    side = r.choice(("right", "left"))
    code = "S61.411A" if side == "right" else "S61.412A"
    cm = round(r.uniform(1.0, 2.5), 1)
    tdap = c.age >= 7 and r.random() < 0.4
    dx = (code, "W26.0XXA") + (("Z23",) if tdap else ())
    lines = [Line("12001", pointers=(1, 2))]
    if tdap:
        lines += [Line("90715", pointers=(3,)), Line("90471", pointers=(3,))]
    plan = [
        (
            code,
            f"Simple repair of a {cm} cm wound with {r.randint(3, 6)} stitches; wound care taught; stitches out in 10 days.",
        ),
        ("W26.0XXA", "Cut while cooking at home."),
    ]
    if tdap:
        plan.append(("Z23", "Last tetanus shot over 10 years ago; Tdap vaccine given."))
    text = note(
        ("CHIEF COMPLAINT", "Cut on the hand."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} cut the back of the {side} hand with a kitchen knife {r.randint(1, 5)} "
            "hours ago while slicing vegetables. Bleeding stopped with pressure. No numbness.",
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            f"{cm} cm straight cut on the back of the {side} hand, clean edges, no tendon showing, full motion and sensation.",
        ),
        ("PROCEDURE", "Cleaned and irrigated, numbed with lidocaine, closed in one layer."),
        plan=plan,
    )
    return Visit(
        "Cut on the hand",
        dx,
        tuple(lines),
        text,
        "The wound length is missing; please add it in centimeters.",
    )


def warts(c: Ctx) -> Visit:
    r = c.rng
    n = r.randint(2, 9)
    text = note(
        ("CHIEF COMPLAINT", "Warts."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with {n} warts on the "
            + pick(r, "fingers", "hands", "sole of the foot", "knees")
            + f" for {r.randint(2, 12)} months; over-the-counter treatment did not work.",
        ),
        ("EXAM", f"{n} rough raised lesions, 2-6 mm, typical of common warts."),
        ("PROCEDURE", f"Liquid nitrogen freezing of {n} lesions, two cycles each."),
        plan=[("B07.9", "Viral warts destroyed; may repeat in 3 weeks.")],
    )
    return Visit(
        "Warts",
        ("B07.9",),
        (Line("17110"),),
        text,
        "Please document the number of lesions treated.",
    )


def skin_biopsy(c: Ctx) -> Visit:
    r = c.rng
    mm = r.randint(4, 11)
    site = pick(
        r, "left upper back", "right forearm", "left cheek", "right shoulder", "upper chest"
    )
    text = note(
        ("CHIEF COMPLAINT", "Changing spot on the skin."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} noticed a spot on the {site} that has grown over {r.randint(2, 12)} months "
            "and sometimes bleeds.",
        ),
        ("EXAM", f"{mm} mm pink scaly papule on the {site}, irregular border."),
        (
            "PROCEDURE",
            "After consent and lidocaine, shave biopsy taken and sent to pathology; bleeding controlled.",
        ),
        plan=[("L98.9", "Skin lesion biopsied; results in about a week; wound care reviewed.")],
    )
    return Visit(
        "Skin lesion",
        ("L98.9",),
        (Line("11102"),),
        text,
        "Please update the diagnosis when the pathology result arrives; L98.9 is unspecified.",
    )


def cerumen(c: Ctx) -> Visit:
    r = c.rng
    text = note(
        ("CHIEF COMPLAINT", "Muffled hearing."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with muffled hearing in both ears for {r.randint(1, 6)} weeks; drops did "
            "not help.",
        ),
        ("EXAM", "Both ear canals blocked by hard impacted cerumen; eardrums not visible."),
        (
            "PROCEDURE",
            "Wax removed from both ears with a curette under direct view; eardrums normal after.",
        ),
        plan=[("H61.23", "Impacted cerumen removed from both ears; drops weekly to prevent it.")],
    )
    return Visit(
        "Ear wax",
        ("H61.23",),
        (Line("69210", ("50",)),),
        text,
        "Please confirm instruments were used (not only irrigation) to support 69210.",
    )


def pregnancy_test(c: Ctx) -> Visit:
    r = c.rng
    positive = r.random() < 0.4
    code = "Z32.01" if positive else "Z32.02"
    text = note(
        ("CHIEF COMPLAINT", "Late period."),
        (
            "HISTORY OF PRESENT ILLNESS",
            f"{who(c)} with a period {r.randint(5, 21)} days late; cycles have been irregular "
            "for months. "
            + pick(r, "Some nausea in the mornings.", "No other symptoms.", "Breast tenderness."),
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Abdomen soft, not tender."),
        ("RESULTS", f"Urine pregnancy test {'positive' if positive else 'negative'}."),
        plan=[
            (
                code,
                "Prenatal vitamins; obstetric referral; dating ultrasound ordered."
                if positive
                else "Repeat test in one week if no period.",
            ),
            ("N92.6", "Irregular periods; thyroid and hormone tests if this continues."),
        ],
    )
    return Visit(
        "Late period",
        (code, "N92.6"),
        (Line(em(c, 3), pointers=(1, 2)), Line("81025")),
        text,
        GENERIC_QUERIES[0],
    )


# -- prevention ------------------------------------------------------------------------------------


def wellness_medicare(c: Ctx) -> Visit:
    r = c.rng
    first = c.new_patient
    phq = r.randint(0, 4)
    lines = [Line("G0438" if first else "G0439")]
    dx = ("Z00.00",) if first else ("Z00.00", "Z13.31")
    if not first:
        lines.append(Line("G0444", pointers=(2,)))
    plan = [
        (
            "Z00.00",
            "Personalized prevention plan written: colon cancer screening up to date, "
            "shingles vaccine recommended, fall-risk review negative, advance directive discussed.",
        )
    ]
    if not first:
        plan.append(("Z13.31", f"Yearly depression screening, PHQ-9 score {phq}, negative."))
    text = note(
        ("CHIEF COMPLAINT", "Medicare yearly wellness visit."),
        (
            "HISTORY",
            f"{who(c)} here for the {'first' if first else 'yearly'} Medicare wellness visit. "
            f"Health risk assessment reviewed. Lives {pick(r, 'alone', 'with spouse', 'with family')}. "
            f"Walks {r.randint(0, 5)} days a week. No falls this year.",
        ),
        ("VITALS", vitals(c)),
        (
            "REVIEW",
            "Medication list and providers updated. Hearing and vision screen normal. Cognition: normal recall.",
        ),
        plan=plan,
    )
    return Visit(
        "Medicare yearly wellness visit",
        dx,
        tuple(lines),
        text,
        "Please confirm this is the first wellness visit ever; the payer may have paid G0438 before.",
    )


def flu_season(c: Ctx) -> list[Line]:
    """The flu vaccine and its administration: HCPCS codes for Medicare, CPT for others."""
    if c.payer_kind == "medicare":
        return [Line("Q2035"), Line("G0008")]
    return [Line("90686"), Line("90471")]


def adult_physical(c: Ctx) -> Visit:
    r = c.rng
    abnormal = r.random() < 0.3
    labs = r.random() < 0.6
    flu = c.dos.month in (9, 10, 11, 12, 1, 2, 3) and r.random() < 0.5
    dx = ["Z00.01" if abnormal else "Z00.00"]
    if abnormal:
        dx.append("E66.9")
    lines = [Line(preventive(c), pointers=tuple(range(1, len(dx) + 1)))]
    if labs:
        dx.append("Z13.220")
        lines += [Line("80061", pointers=(len(dx),)), Line("36415", pointers=(len(dx),))]
    plan = [
        (
            dx[0],
            "Age-appropriate screening reviewed; "
            + pick(
                r,
                "colon cancer screening ordered.",
                "skin check normal.",
                "exercise and diet discussed.",
            ),
        )
    ]
    if abnormal:
        plan.append(("E66.9", f"BMI {round(r.uniform(30.2, 38.0), 1)}; nutrition referral."))
    if labs:
        plan.append(("Z13.220", "Fasting lipid screening drawn."))
    if flu:
        dx.append("Z23")
        n = len(dx)
        lines += [Line(x.code, x.modifiers, x.units, (n,)) for x in flu_season(c)]
        plan.append(("Z23", "Flu vaccine given today."))
    text = note(
        ("CHIEF COMPLAINT", "Yearly physical."),
        (
            "HISTORY",
            f"{who(c)} here for a routine physical. Feels well. "
            + pick(r, "Exercises three times a week.", "Sedentary office job.", "Runs on weekends.")
            + " No tobacco. Alcohol "
            + pick(r, "rarely.", "2 drinks a week.", "none."),
        ),
        ("VITALS", vitals(c)),
        ("EXAM", "Normal head, neck, heart, lungs, abdomen, skin and joints."),
        plan=plan,
    )
    return Visit("Yearly physical", tuple(dx), tuple(lines), text, GENERIC_QUERIES[0])


def child_vaccines(c: Ctx) -> list[tuple[str, int]]:
    """Vaccines due at this age: (code, components)."""
    if c.age < 2:
        return [("90700", 3), ("90713", 1)]
    if 4 <= c.age <= 6:
        return [("90700", 3), ("90713", 1), ("90707", 3), ("90716", 1)]
    if 11 <= c.age <= 12:
        return [("90715", 3)]
    return []


def well_child(c: Ctx) -> Visit:
    r = c.rng
    abnormal = r.random() < 0.2
    vaccines = child_vaccines(c)
    if c.dos.month in (9, 10, 11, 12, 1) and c.age_months >= 6:
        vaccines.append(("90686", 1))
    dx = ["Z00.121" if abnormal else "Z00.129"]
    if abnormal:
        dx.append("L20.9")
    lines = [Line(preventive(c), pointers=tuple(range(1, len(dx) + 1)))]
    plan = [
        (
            dx[0],
            "Growth and development on track; safety, sleep and nutrition counseling given.",
        )
    ]
    if abnormal:
        plan.append(("L20.9", "Dry itchy patches on the elbows; thick moisturizer twice daily."))
    if vaccines:
        dx.append("Z23")
        n = len(dx)
        lines += [Line(code, pointers=(n,)) for code, _ in vaccines]
        lines.append(Line("90460", units=len(vaccines), pointers=(n,)))
        extra = sum(k - 1 for _, k in vaccines)
        if extra:
            lines.append(Line("90461", units=extra, pointers=(n,)))
        plan.append(
            (
                "Z23",
                "Vaccines given after counseling the parent on each: "
                + ", ".join(_VACCINE_WORDS[code] for code, _ in vaccines)
                + ".",
            )
        )
    age_text = f"{c.age_months}-month" if c.age < 2 else f"{c.age}-year"
    text = note(
        ("CHIEF COMPLAINT", f"{age_text} well-child check."),
        (
            "HISTORY",
            f"{who(c)} with a parent for a routine checkup. "
            + pick(
                r,
                "Eating well.",
                "Picky eater.",
                "Sleeping through the night.",
                "Doing well in school.",
            )
            + " No concerns from the parent.",
        ),
        ("VITALS", vitals(c)),
        (
            "EXAM",
            "Growth along the curve. Normal heart, lungs, abdomen, hips, skin and development for age.",
        ),
        plan=plan,
    )
    return Visit("Well-child check", tuple(dx), tuple(lines), text, GENERIC_QUERIES[0])


_VACCINE_WORDS = {
    "90700": "DTaP",
    "90713": "polio",
    "90707": "MMR",
    "90716": "chickenpox",
    "90715": "Tdap",
    "90686": "flu",
}


def flu_shot(c: Ctx) -> Visit:
    r = c.rng
    arm = r.choice(("left", "right"))
    text = note(
        ("CHIEF COMPLAINT", "Flu shot."),
        (
            "HISTORY",
            f"{who(c)} here for the seasonal flu vaccine. No fever today, no egg or vaccine "
            "allergy, no prior reaction.",
        ),
        (
            "PROCEDURE",
            f"Flu vaccine 0.5 mL into the {arm} deltoid muscle; lot number recorded; tolerated well.",
        ),
        plan=[("Z23", "Seasonal flu vaccine given; information sheet provided.")],
    )
    return Visit(
        "Flu shot",
        ("Z23",),
        tuple(flu_season(c)),
        text,
        "The vaccine lot number is missing from the note; please add it.",
    )


# -- physical therapy ------------------------------------------------------------------------------

PT_PROBLEMS = (
    ("M54.50", "low back", "lifting"),
    ("M17.11", "right knee", "stairs"),
    ("M17.12", "left knee", "walking"),
    ("M25.561", "right knee", "squatting"),
    ("M25.562", "left knee", "kneeling"),
)

PT_UNITS_PER_VISIT = 3  # 97110 x2 + 97140 x1: what each visit uses of an authorization


def physical_therapy(c: Ctx) -> Visit:
    r = c.rng
    code, area, task = PT_PROBLEMS[c.pt_problem % len(PT_PROBLEMS)]
    lines = []
    if c.first_pt_visit:
        lines.append(Line("97162", ("GP",)))
    lines += [Line("97110", ("GP",), units=2), Line("97140", ("GP",), units=1)]
    minutes = r.randint(38, 52)
    pain = r.randint(2, 7)
    text = note(
        (
            "SUBJECTIVE",
            f"{who(c)} in physical therapy for {area} pain. Pain {pain}/10 today; "
            f"{task} is {pick(r, 'easier', 'still hard', 'a little better')}.",
        ),
        (
            "OBJECTIVE",
            f"Therapeutic exercise 30 minutes (strengthening and range of motion); "
            f"manual therapy {minutes - 30} minutes (soft tissue and joint mobilization). "
            f"Total timed minutes {minutes}.",
        ),
        (
            "PLAN OF CARE",
            "Evaluation done today; goals set for 6-8 weeks."
            if c.first_pt_visit
            else "Continue twice weekly per the plan of care.",
        ),
        plan=[(code, "Improving with therapy; continue the home exercise program.")],
    )
    return Visit(
        "Physical therapy",
        (code,),
        tuple(lines),
        text,
        "The authorization number is not on the visit; please add it before billing.",
    )


# -- the table ---------------------------------------------------------------------------------------

_WINTER = frozenset((9, 10, 11, 12, 1, 2, 3))

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("diabetes", "primary", 10, 30, 95, diabetes),
    Scenario("hypertension", "primary", 10, 28, 95, hypertension),
    Scenario("lipids", "primary", 5, 30, 90, lipids),
    Scenario("chronic_combo", "primary", 6, 45, 95, chronic_combo),
    Scenario("hypothyroid", "primary", 3, 25, 95, hypothyroid),
    Scenario("gerd", "primary", 3, 18, 95, gerd),
    Scenario("copd", "primary", 4, 45, 95, copd),
    Scenario("asthma", "primary", 3, 5, 70, asthma),
    Scenario("depression", "primary", 4, 14, 90, depression),
    Scenario("anxiety", "primary", 4, 14, 85, anxiety),
    Scenario("smoking", "primary", 2, 18, 80, smoking),
    Scenario("uri", "primary", 8, 1, 95, uri),
    Scenario("sinusitis", "primary", 4, 12, 90, sinusitis),
    Scenario("sore_throat", "primary", 5, 3, 60, sore_throat),
    Scenario("uti", "primary", 4, 16, 95, uti, sex="F"),
    Scenario("bronchitis", "primary", 3, 18, 95, bronchitis),
    Scenario("otitis", "peds", 5, 0, 10, otitis),
    Scenario("chest_pain", "primary", 3, 30, 95, chest_pain),
    Scenario("back_pain", "primary", 5, 18, 90, back_pain),
    Scenario("knee_oa", "ortho", 5, 45, 95, knee_oa, hospital=True),
    Scenario("ankle_sprain", "ortho", 3, 10, 65, ankle_sprain),
    Scenario("laceration", "primary", 2, 5, 90, laceration),
    Scenario("warts", "primary", 2, 5, 75, warts),
    Scenario("skin_biopsy", "primary", 2, 30, 95, skin_biopsy),
    Scenario("cerumen", "primary", 2, 40, 95, cerumen),
    Scenario("pregnancy_test", "primary", 2, 16, 45, pregnancy_test, sex="F"),
    Scenario("wellness_medicare", "primary", 6, 65, 95, wellness_medicare, medicare=True),
    Scenario("adult_physical", "primary", 6, 18, 95, adult_physical, medicare=False),
    Scenario("well_child", "peds", 9, 0, 17, well_child),
    Scenario("flu_shot", "nurse", 5, 3, 95, flu_shot, months=_WINTER),
    Scenario("physical_therapy", "pt", 5, 18, 85, physical_therapy),
)

SCENARIO_BY_KEY = {s.key: s for s in SCENARIOS}


def candidates(age: int, sex: str, payer_kind: str | None, month: int) -> list[Scenario]:
    return [s for s in SCENARIOS if s.fits(age, sex, payer_kind, month)]
