"""The rule book (docs/law.md, The rules): every statutory time limit sendclock
computes, with its legal basis and counting convention.

A change in the law is a NEW `Rule` version (same id, later `effective_from`), never an edit,
so that a deadline computed under the old law can always be reproduced.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, model_validator

from statutory.clock import fmt

REGS_2014_IN_FORCE = date(2014, 9, 1)  # SEND Regulations 2014 reg 1; CFA 2014 Part 3 commencement

_REGS = "SEND Regulations 2014"
_COP = "SEND Code of Practice"
_PEP_GUIDANCE = "Promoting the education of looked-after and previously looked-after children (DfE, 2018)"
_CFA = "Children and Families Act 2014"
_LA_GROUNDS = ("la-closure", "la-early-years-closure", "la-personal-circumstances", "la-absence")


class Convention(StrEnum):
    """Counting conventions of rule book §2. C6 (the working-day target) applies to all."""

    C1 = "C1"  # "within N days/weeks of E": E excluded, due = E + N
    C2 = "C2"  # "at least N days beginning with D": D is day 1, due = D + N - 1
    C3 = "C3"  # "at least N weeks' notice before meeting M": clear days, due = M - 7N - 1 (or M - 7N, inclusive)
    C4 = "C4"  # "a period of N months starting with D": ends the day before the corresponding date
    C5 = "C5"  # "before <day> in the calendar year of E": due = the day before, in E's year
    C7 = "C7"  # "earliest": the day after the end of N months counted as in Dodds v Walker
    C8 = "C8"  # "at least N months before T" / "within N months of E": the corresponding date N months away
    C9 = "C9"  # a derived planning date: another rule's due date minus a fixed lead (guidance, not law)
    # The school's own commitments (rule book, "School commitments"): dated by the school's terms (statutory/terms.py).
    T1 = "T1"  # "each term": the last school day of the term the anchor falls in (or the next term, in a holiday)
    T2 = "T2"  # "each school year": the last school day of the last (summer) term of the anchor's school year
    # The school's own practice in chasing the LA: counted in the school's working days (no law sets it).
    W1 = "W1"  # "within N school working days of E": E excluded, due = the Nth working day after E


TERM_CONVENTIONS = (Convention.T1, Convention.T2)


class Holder(StrEnum):
    """Who holds a rule's duty, read from its duty-holder (rule book §1). It decides the C6 calendar (an LA works
    through school holidays) and how sendclock follows the step."""

    SCHOOL = "school"  # the school's own duty (remind, then escalate)
    SHARED = "shared"  # the LA with the school (the school's calendar, the school drives it)
    LA = "la"  # the LA's own deadline (a look-out, then "chase the LA"); its target ignores school closures
    PARENT = "parent"  # a period given to the parent or young person (tracked; it closes by itself)
    REQUESTER = "requester"  # an earliest date for whoever makes a request (a prompt)


_UNITS: dict[Convention, set[str]] = {
    Convention.C1: {"days", "weeks"},
    Convention.C2: {"days"},
    Convention.C3: {"days", "weeks"},
    Convention.C4: {"months"},
    Convention.C7: {"months"},
    Convention.C8: {"months"},
    Convention.C9: {"days"},
    Convention.W1: {"days"},
}
# The reg 18 rules a C9 planning date can be derived from (phase-transfer-meeting-by's --post16 and move variants).
TRANSFER_RULES = ("phase-transfer-review", "post16-transfer-review", "post16-move-review")


class Rule(BaseModel, frozen=True):
    id: str
    title: str
    # What the time limit means, in one plain sentence for a SENCO (no rule id, convention code or citation): the
    # dashboard shows it first, with the legal detail (the convention, the basis, the explanation) below it.
    summary: str
    duty_holder: str
    anchor: str
    period: str
    convention: Convention
    amount: int | None
    unit: Literal["days", "weeks", "months"] | None
    fixed_day: tuple[int, int] | None = None
    # C8: "before" counts back from the anchor (reg 18(2): five months before the transfer); "after" forward.
    direction: Literal["before", "after"] | None = None
    # C9: the rule whose due date the planning date is derived from (by default; see TRANSFER_RULES).
    derived_from: str | None = None
    guidance: bool = False  # not a time limit in law: a date derived to plan by, and the explanation says so
    basis: str
    effective_from: date
    effective_to: date | None = None  # last day in force (inclusive); None = still in force
    exemption_grounds: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.convention is Convention.C5:
            if self.fixed_day is None or self.amount is not None or self.unit is not None:
                raise ValueError(f"rule '{self.id}': C5 needs fixed_day and no amount/unit")
            date(2000, *self.fixed_day)  # a real (month, day), leap years included
        elif self.convention in TERM_CONVENTIONS:
            if self.fixed_day is not None or self.amount is not None or self.unit is not None:
                raise ValueError(f"rule '{self.id}': {self.convention} is dated by the school's terms alone")
        else:
            if self.fixed_day is not None:
                raise ValueError(f"rule '{self.id}': fixed_day is for C5 only")
            if self.amount is None or self.amount < 0 or self.unit not in _UNITS[self.convention]:
                raise ValueError(
                    f"rule '{self.id}': {self.convention} needs a non-negative amount and a unit "
                    f"in {sorted(_UNITS[self.convention])}"
                )
        if (self.direction is not None) != (self.convention is Convention.C8):
            raise ValueError(f"rule '{self.id}': direction (before/after) goes with C8, and only with it")
        if (self.derived_from is not None) != (self.convention is Convention.C9):
            raise ValueError(f"rule '{self.id}': derived_from goes with C9, and only with it")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"rule '{self.id}': effective_to is before effective_from")
        return self

    def in_force_on(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    @property
    def holder(self) -> Holder:
        """Who holds the duty (see Holder), from the duty-holder as the rule book writes it."""
        text = self.duty_holder.lower()
        if self.convention is Convention.C7:
            return Holder.REQUESTER
        if text.startswith("parent"):
            return Holder.PARENT
        if text.startswith("la"):
            return Holder.SHARED if " with the " in text else Holder.LA
        return Holder.SCHOOL


def _rule(**fields: Any) -> Rule:
    fields.setdefault("effective_from", REGS_2014_IN_FORCE)
    return Rule(**fields)


RULES: tuple[Rule, ...] = (
    _rule(
        id="ehc-advice",
        title="Advice to the LA for an EHC needs assessment",
        summary="Six weeks from the day you received the LA's request for advice, not counting that day.",
        duty_holder="school (any body asked for advice)",
        anchor="LA request for advice received",
        period='"within 6 weeks of the date on which they receive it"',
        convention=Convention.C1,
        amount=6,
        unit="weeks",
        basis=f"{_REGS} reg 8(1); {_COP} ch. 9",
        exemption_grounds=("reg8-2-a", "reg8-2-b", "reg8-2-c"),
    ),
    _rule(
        id="naming-consultation",
        title="Response to the LA's consultation on naming the school",
        summary="15 days from the day you received the LA's consultation on naming the school, not counting that day "
        "(guidance, not law).",
        duty_holder="school",
        anchor="LA's consultation on naming the school received",
        period='"should respond within 15 days" (guidance)',
        convention=Convention.C1,
        amount=15,
        unit="days",
        basis=f"{_CFA} s39(2), s40(3); {_COP} 9.83",
    ),
    _rule(
        id="draft-plan-representations",
        title="Parent's or young person's window for representations on a draft plan",
        summary="The parent or young person has at least 15 days to comment on the draft plan, counting the day it "
        "was served as the first.",
        duty_holder="parent / young person (school tracks it)",
        anchor="draft plan or amendment notice served",
        period='"at least 15 days, beginning with the day on which the draft plan was served"',
        convention=Convention.C2,
        amount=15,
        unit="days",
        basis=f"{_REGS} reg 13(1)(a); reg 22(2)(c)",
    ),
    _rule(
        id="review-notice",
        title="Notice of the annual review meeting",
        summary="Everyone invited must have at least two weeks' notice of the review meeting, counted back from the "
        "day of the meeting.",
        duty_holder="school hosting the review",
        anchor="annual review meeting date",
        period='"at least two weeks\' notice of the date of the meeting" (14 clear days)',
        convention=Convention.C3,
        amount=2,
        unit="weeks",
        basis=f"{_REGS} reg 20(3) (reg 21(3) if not at school)",
    ),
    _rule(
        id="review-advice-circulation",
        title="Circulation of advice before the annual review meeting",
        summary="The advice for the review must reach everyone invited at least two weeks before the meeting, counted "
        "back from the day of the meeting.",
        duty_holder="school hosting the review",
        anchor="annual review meeting date",
        period='advice circulated "at least two weeks in advance of the review meeting" (14 clear days)',
        convention=Convention.C3,
        amount=2,
        unit="weeks",
        basis=f"{_REGS} reg 20(4); {_COP} 9.176",
    ),
    _rule(
        id="review-report",
        title="Annual review report to everyone invited",
        summary="The review report must go to everyone invited within two weeks after the meeting, not counting the "
        "day of the meeting.",
        duty_holder="school hosting the review",
        anchor="annual review meeting date",
        period='report to all invited "within two weeks of the meeting"',
        convention=Convention.C1,
        amount=2,
        unit="weeks",
        basis=f"{_REGS} reg 20 (report); reg 21(7)",
    ),
    _rule(
        id="review-la-decision",
        title="LA decision to maintain, amend or cease the plan after a review",
        summary="The LA must decide whether to keep, amend or cease the plan within four weeks after the review "
        "meeting, not counting the day of the meeting.",
        duty_holder="LA (school chases it)",
        anchor="annual review meeting date",
        period='decision to maintain, amend or cease "within four weeks of the review meeting"',
        convention=Convention.C1,
        amount=4,
        unit="weeks",
        basis=f"{_REGS} reg 20; R (L, M & P) v Devon CC [2022] EWHC 493 (Admin)",
    ),
    _rule(
        id="amended-plan-final",
        title="Final amended plan after an amendment notice",
        summary="The LA must issue the final amended plan within eight weeks of sending the amendment notice, not "
        "counting that day.",
        duty_holder="LA",
        anchor="amendment notice sent",
        period='final amended plan "within 8 weeks" of sending the notice',
        convention=Convention.C1,
        amount=8,
        unit="weeks",
        basis=f"{_REGS} reg 22(3)",
    ),
    _rule(
        id="annual-review-due",
        title="Annual review of the EHC plan",
        summary="The plan must be reviewed within 12 months, starting with the day it was made or last reviewed.",
        duty_holder="LA with the school",
        anchor="plan first made, or last reviewed",
        period='review "in the period of 12 months starting with" that date',
        convention=Convention.C4,
        amount=12,
        unit="months",
        basis=f"{_CFA} s44(1)",
    ),
    _rule(
        id="phase-transfer-review",
        title="Review and amendment of the plan before a phase transfer",
        summary="Before a move to the next phase of education, the plan must be reviewed and amended before 15 "
        "February of the year of the move.",
        duty_holder="LA with the school",
        anchor="date of the phase transfer",
        period='reviewed and amended "before 15 February in the calendar year of the transfer"',
        convention=Convention.C5,
        amount=None,
        unit=None,
        fixed_day=(2, 14),
        basis=f"{_REGS} reg 18(1)(b)",
    ),
    _rule(
        id="post16-transfer-review",
        title="Review and amendment of the plan before transfer to post-16",
        summary="Before a move from secondary school to post-16, the plan must be reviewed and amended before 31 May "
        "of the year of the move (for a move in 2015).",
        duty_holder="LA with the school",
        anchor="date of transfer from secondary to post-16",
        period='"before 31 May 2015", for a transfer in 2015 (reg 18(3) in place of 31 March)',
        convention=Convention.C5,
        amount=None,
        unit=None,
        fixed_day=(5, 30),
        basis=f"{_REGS} reg 18(1)(a), as modified by reg 18(3) for transfers in 2015",
        effective_from=date(2015, 1, 1),
        effective_to=date(2015, 12, 31),
    ),
    *(
        _rule(
            id="post16-transfer-review",
            title="Review and amendment of the plan before transfer to post-16",
            summary="Before a move from secondary school to post-16, the plan must be reviewed and amended before "
            "31 March of the year of the move.",
            duty_holder="LA with the school",
            anchor="date of transfer from secondary to post-16",
            period='reviewed and amended "before 31 March in the calendar year of the transfer"',
            convention=Convention.C5,
            amount=None,
            unit=None,
            fixed_day=(3, 30),
            basis=f"{_REGS} reg 18(1)(a)",
            effective_from=start,
            effective_to=end,
        )
        for start, end in ((REGS_2014_IN_FORCE, date(2014, 12, 31)), (date(2016, 1, 1), None))
    ),
    _rule(
        id="post16-move-review",
        title="Review and amendment of the plan before a move between post-16 institutions",
        summary="Before a move from one post-16 institution to another, the plan must be reviewed and amended at "
        "least five months before the move.",
        duty_holder="LA with the institution",
        anchor="date of a transfer between two post-16 institutions",
        period='reviewed and amended "at least five months before that transfer takes place"',
        convention=Convention.C8,
        amount=5,
        unit="months",
        direction="before",
        basis=f"{_REGS} reg 18(2)",
    ),
    _rule(
        id="phase-transfer-meeting-by",
        title="Latest review meeting before a phase transfer",
        summary="The latest day for the review meeting that still leaves the LA four weeks to decide and eight weeks "
        "to issue the amended plan before the move's deadline (a date to plan by, not a time limit in law).",
        duty_holder="school hosting the review (guidance, derived)",
        anchor="date of the phase transfer",
        period="the latest review meeting that still leaves the LA its 4 weeks to decide and 8 weeks to finalise "
        "the amended plan before the reg 18 date",
        convention=Convention.C9,
        amount=84,
        unit="days",
        derived_from="phase-transfer-review",
        guidance=True,
        basis=f"{_REGS} reg 18(1), reg 20, reg 22; R (L, M & P) v Devon CC [2022] EWHC 493 (Admin)",
    ),
    _rule(
        id="cease-appeal-window",
        title="Appeal window after a decision to cease the plan",
        summary="The parent or young person has two months from the LA's notice that it will cease the plan to appeal "
        "to the Tribunal; the plan stays in place meanwhile.",
        duty_holder="parent / young person (school tracks it)",
        anchor="LA's notice of a decision to cease the plan",
        period="appeal to the Tribunal within 2 months of the notice (or 1 month from a mediation certificate, if "
        "later); the plan is maintained until then, or until an appeal ends",
        convention=Convention.C8,
        amount=2,
        unit="months",
        direction="after",
        basis=f"{_CFA} s45; {_COP} 9.208; Tribunal Procedure (First-tier Tribunal) (Health, Education and Social "
        f"Care Chamber) Rules 2008 r20",
    ),
    _rule(
        id="reassessment-earliest",
        title="Earliest re-assessment request the LA cannot refuse as too soon",
        summary="The LA may refuse a request for a new assessment made within six months of the last one: this is the "
        "first day it cannot refuse on that ground.",
        duty_holder="school / parent (requester)",
        anchor="last EHC needs assessment carried out",
        period="LA may refuse a request made within 6 months of the last assessment",
        convention=Convention.C7,
        amount=6,
        unit="months",
        basis=f"{_REGS} reg 24; {_COP} 9.186-9.192",
    ),
    _rule(
        id="reassessment-decision",
        title="LA decision on a re-assessment request",
        summary="The LA must decide on a request to re-assess within 15 days of receiving it, not counting that day.",
        duty_holder="LA",
        anchor="re-assessment request received",
        period='decision "within 15 days"',
        convention=Convention.C1,
        amount=15,
        unit="days",
        basis=f"{_REGS} reg 25",
    ),
    _rule(
        id="reassessment-final",
        title="Final plan after a re-assessment",
        summary="The LA must issue the final plan within 14 weeks of its notice that it will re-assess, not counting "
        "that day.",
        duty_holder="LA",
        anchor="notice of decision to re-assess",
        period='final plan "within 14 weeks"',
        convention=Convention.C1,
        amount=14,
        unit="weeks",
        basis=f"{_REGS} reg 27(2)",
        exemption_grounds=_LA_GROUNDS,
    ),
    _rule(
        id="ehc-assessment-decision",
        title="LA decision whether to carry out an EHC needs assessment",
        summary="The LA must decide whether to carry out an EHC needs assessment within six weeks of receiving the "
        "request, not counting that day.",
        duty_holder="LA",
        anchor="EHC needs assessment request received",
        period='decision whether to assess "within 6 weeks"',
        convention=Convention.C1,
        amount=6,
        unit="weeks",
        basis=f"{_REGS} reg 5(1)",
        exemption_grounds=_LA_GROUNDS,
    ),
    _rule(
        id="ehc-no-plan-notice",
        title="LA notice of a decision not to issue an EHC plan",
        summary="If the LA decides not to issue a plan, it must say so within 16 weeks of receiving the assessment "
        "request, not counting that day.",
        duty_holder="LA",
        anchor="EHC needs assessment request received",
        period='notice of a decision not to issue a plan "within 16 weeks"',
        convention=Convention.C1,
        amount=16,
        unit="weeks",
        basis=f"{_REGS} reg 10(1)",
        exemption_grounds=_LA_GROUNDS,
    ),
    _rule(
        id="ehc-final-plan",
        title="Final EHC plan",
        summary="The LA must issue the final EHC plan within 20 weeks of receiving the assessment request, not "
        "counting that day.",
        duty_holder="LA",
        anchor="EHC needs assessment request received",
        period='final plan "within 20 weeks"',
        convention=Convention.C1,
        amount=20,
        unit="weeks",
        basis=f"{_REGS} reg 13(2)",
        exemption_grounds=_LA_GROUNDS,
    ),
    _rule(
        id="sen-support-review",
        title="SEN support review with parents",
        summary="Review the pupil's SEN support plan with the parents once each term, by the term's last school "
        "day: at least three times a year.",
        duty_holder="school (class teacher / key worker with the SENCO)",
        anchor="a pupil placed on SEN support (census code K), then each term",
        period="a review with the parents at least three times a year, one each term",
        convention=Convention.T1,
        amount=None,
        unit=None,
        guidance=True,
        basis=f"{_COP} 6.65, 6.45-6.56 (assess, plan, do, review)",
    ),
    _rule(
        id="pep-review",
        title="PEP review for a looked-after pupil",
        summary="Review the looked-after pupil's personal education plan with the virtual school once each term, by "
        "the term's last school day; where an annual review falls in the same term, one meeting may do both.",
        duty_holder="school (designated teacher) with the virtual school",
        anchor="a looked-after pupil's PEP, then each term",
        period="the PEP reviewed each term",
        convention=Convention.T1,
        amount=None,
        unit=None,
        guidance=True,
        basis=_PEP_GUIDANCE,
    ),
    _rule(
        id="sen-information-report",
        title="SEN information report published on the school's website",
        summary="Publish the updated SEN information report on the school's website within a year of the last one.",
        duty_holder="governing board / proprietor",
        anchor="the report's last publication",
        period="published and updated annually, and as soon as possible after a change",
        convention=Convention.C4,
        amount=12,
        unit="months",
        basis=f"{_CFA} s69(2); {_REGS} reg 51, Sch 1; {_COP} 6.79-6.83",
    ),
    _rule(
        id="send-policy-review",
        title="SEND policy review by the governing board",
        summary="Review the school's SEND policy within a year of its last review, as the policy itself says.",
        duty_holder="governing board",
        anchor="the policy's last review",
        period="reviewed annually, on the date the policy names",
        convention=Convention.C4,
        amount=12,
        unit="months",
        guidance=True,
        basis="the school's own SEND policy",
    ),
    _rule(
        id="annual-progress-report",
        title="Annual report to parents on their child's progress",
        summary="Send each parent a written report on their child's progress by the last school day of the summer "
        "term.",
        duty_holder="school",
        anchor="the school year",
        period="an annual written report to parents on their child's progress",
        convention=Convention.T2,
        amount=None,
        unit=None,
        basis="Education (Pupil Information) (England) Regulations 2005 (maintained schools); the school's SEND policy",
    ),
    # The school's practice in chasing the LA (issue 25): not in the rule book's table, dated in school working days.
    _rule(
        id="la-chase-follow-up",
        title="Follow-up of a chase letter to the LA",
        summary="If the LA has not answered the school's chase letter within 10 school working days, chase it again "
        "or escalate: the LA's own deadline has passed.",
        duty_holder="school (the SENCO chases the LA)",
        anchor="a chase letter sent to the LA about one of its deadlines",
        period="an answer within 10 school working days of the letter (the LA's profile may set another number)",
        convention=Convention.W1,
        amount=10,
        unit="days",
        guidance=True,
        basis="the school's own policy in chasing an LA deadline (las.<name>.chase_follow_up_working_days); the LA's "
        "duty is in the SEND Regulations 2014, at the chased step's regulation",
    ),
)


class UnknownRuleError(ValueError):
    """No rule has this id."""


class RuleNotInForceError(ValueError):
    """The rule exists, but no version of it was in force on the date asked about."""


def rule_ids() -> list[str]:
    """Rule ids in rule book §1 order."""
    return list(dict.fromkeys(r.id for r in RULES))


def versions(rule_id: str) -> list[Rule]:
    """Every version of a rule, oldest first."""
    found = sorted((r for r in RULES if r.id == rule_id), key=lambda r: r.effective_from)
    if not found:
        raise UnknownRuleError(f"unknown rule {rule_id!r}; known rules: {', '.join(rule_ids())}")
    return found


def get_rule(rule_id: str, on: date | None = None) -> Rule:
    """The version of `rule_id` in force on `on` (the latest version if `on` is None)."""
    found = versions(rule_id)
    if on is None:
        return found[-1]
    for rule in reversed(found):
        if rule.in_force_on(on):
            return rule
    spans = "; ".join(
        f"from {fmt(r.effective_from)}" + (f" to {fmt(r.effective_to)}" if r.effective_to else "") for r in found
    )
    raise RuleNotInForceError(f"rule {rule_id!r} is not in force on {fmt(on)}; in force: {spans}")
