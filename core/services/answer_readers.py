"""Turn parsed 999 / 277CA / 277 files into the verdicts the answers service applies."""

from __future__ import annotations

from core.services.answers import ClaimAck, SetAck
from core.x12.x277 import parse_277
from core.x12.x277ca import parse_277ca
from core.x12.x999 import parse_999


def set_acks_from_999(data: str | bytes) -> tuple[list[SetAck], list[str]]:
    ack = parse_999(data)
    out: list[SetAck] = []
    for group in ack.groups:
        for st in group.sets:
            if st.errors:
                first = st.errors[0]
                code = f"IK3-{first.code}" if first.code else f"IK5-{st.status}"
                message = "; ".join(str(e) for e in st.errors[:3])
            else:
                code = f"IK5-{st.status}" + (f"-{st.codes[0]}" if st.codes else "")
                message = "; ".join(st.code_texts) or st.status_text
            hint = (
                "The clearinghouse could not read this part of the file. Check the claim's "
                "data named in the message (our pyx12 check should have caught it: report it), "
                "correct it and send the claim again."
            )
            if not st.accepted and st.claim_refs:
                message += f" (claims named: {', '.join(st.claim_refs)})"
            out.append(
                SetAck(
                    group_control=group.group_control_number,
                    set_control=st.control_number,
                    accepted=st.accepted,
                    code=code,
                    message=message,
                    fix_hint=hint,
                    with_errors=st.accepted and bool(st.errors or st.codes),
                )  # fmt: skip
            )
        if not group.sets and group.status not in ("A", "E"):
            # A whole group refused without set detail: every set in it is rejected.
            out.append(SetAck(group_control=group.group_control_number, set_control="*",
                              accepted=False, code=f"AK9-{group.status}",
                              message="; ".join(group.code_texts) or group.status_text,
                              fix_hint="The whole file was refused; send it again after "
                                       "checking it with claimdesk x12 validate."))  # fmt: skip
    return out, list(ack.warnings)


def claim_acks_from_277ca(data: str | bytes) -> tuple[list[ClaimAck], list[str]]:
    ack = parse_277ca(data)
    out: list[ClaimAck] = []
    for c in ack.claims:
        if c.outcome == "unknown":
            continue
        main = next((s for s in c.statuses if s.outcome == c.outcome), c.statuses[0])
        out.append(
            ClaimAck(
                pcn=c.patient_control_number,
                accepted=c.accepted,
                code=f"{main.category}:{main.code}" + (f":{main.entity}" if main.entity else ""),
                message=" ".join(c.explanations),
                fix_hint=" ".join(c.fixes),
                payer_claim_number=c.payer_claim_number or None,
            )
        )
    return out, list(ack.warnings)


def claim_acks_from_277(data: str | bytes) -> tuple[list[ClaimAck], list[str]]:
    """A claim-status answer: only rejections and 'pending' move a claim here; payment and
    denial wait for the 835, which carries the money."""
    answer = parse_277(data)
    out: list[ClaimAck] = []
    for c in answer.claims:
        main = c.main
        if main is None:
            continue
        state = c.state
        out.append(
            ClaimAck(
                pcn=c.patient_control_number,
                accepted=state not in ("rejected", "not found"),
                pending=state == "pending",
                code=f"{main.category}:{main.code}",
                message=" ".join(c.explanations) or state,
                fix_hint=" ".join(c.fixes),
                payer_claim_number=c.payer_claim_number or None,
            )
        )
    return out, list(answer.warnings)
