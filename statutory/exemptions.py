"""Exemption ("stop-the-clock") grounds (rule book §3).

reg 8(2) excuses the 6 weeks of a body asked for advice (a school closure is NOT a ground);
reg 5(4) and reg 10(4) (applied to the final plan by reg 13(3) and to re-assessment by
reg 27(3)) excuse the LA's 6/16/20/14-week limits. Review notice, circulation, report, the
15-day windows and reg 22 have no exemption. Where a ground applies the duty becomes "as soon as
practicable"; the parent should be told (SEND Code of Practice 9.43).
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from statutory.clock import fmt
from statutory.rules import get_rule

_WEEK = timedelta(weeks=1)
MIN_CLOSURE = timedelta(weeks=4)  # "a continuous period of not less than 4 weeks"


class ExemptionGround(BaseModel, frozen=True):
    id: str
    regulation: str
    summary: str
    needs_period: bool  # the ground turns on a span of dates: record its start and end


EXEMPTION_GROUNDS: tuple[ExemptionGround, ...] = (
    ExemptionGround(
        id="reg8-2-a",
        regulation="reg 8(2)(a)",
        summary="exceptional personal circumstances affect the child or the child's parent, "
        "or the young person, during the 6 weeks",
        needs_period=False,
    ),
    ExemptionGround(
        id="reg8-2-b",
        regulation="reg 8(2)(b)",
        summary="the child or the child's parent, or the young person, is absent from the LA's "
        "area for a continuous period of at least 4 weeks during the 6 weeks",
        needs_period=True,
    ),
    ExemptionGround(
        id="reg8-2-c",
        regulation="reg 8(2)(c)",
        summary="the child or young person fails to keep an appointment for an examination or "
        "test made by the body during the 6 weeks",
        needs_period=False,
    ),
    ExemptionGround(
        id="la-closure",
        regulation="reg 5(4)(a); reg 10(4)(a) (also by reg 13(3), reg 27(3))",
        summary="the LA asked the head teacher or principal for advice during the period from one "
        "week before a closure of at least 4 continuous weeks to one week before re-opening",
        needs_period=True,
    ),
    ExemptionGround(
        id="la-early-years-closure",
        regulation="reg 5(4)(b); reg 10(4)(b) (also by reg 13(3), reg 27(3))",
        summary="the LA asked an early years provider for advice during the period from one week "
        "before a closure of at least 4 continuous weeks to one week before re-opening",
        needs_period=True,
    ),
    ExemptionGround(
        id="la-personal-circumstances",
        regulation="reg 5(4)(c); reg 10(4)(c) (also by reg 13(3), reg 27(3))",
        summary="exceptional personal circumstances affect the child or the child's parent, "
        "or the young person, during the time limit",
        needs_period=False,
    ),
    ExemptionGround(
        id="la-absence",
        regulation="reg 5(4)(d); reg 10(4)(d) (also by reg 13(3), reg 27(3))",
        summary="the child or the child's parent, or the young person, is absent from the LA's "
        "area for a continuous period of at least 4 weeks during the time limit",
        needs_period=True,
    ),
)

_BY_ID = {g.id: g for g in EXEMPTION_GROUNDS}


def grounds_for(rule_id: str) -> list[ExemptionGround]:
    """The exemption grounds that can excuse `rule_id`'s time limit (empty if none)."""
    return [_BY_ID[g] for g in get_rule(rule_id).exemption_grounds]


def get_ground(rule_id: str, ground_id: str) -> ExemptionGround:
    """The ground `ground_id`, checked to apply to `rule_id`."""
    grounds = grounds_for(rule_id)
    if not grounds:
        raise ValueError(f"rule {rule_id!r} has no exemption grounds")
    for ground in grounds:
        if ground.id == ground_id:
            return ground
    raise ValueError(
        f"ground {ground_id!r} does not apply to rule {rule_id!r}; grounds: {', '.join(g.id for g in grounds)}"
    )


def closure_window(closure_start: date, reopen: date) -> tuple[date, date] | None:
    """The reg 5(4)(a) / 10(4)(a) window for a closure from `closure_start` (first closed day)
    until `reopen` (first day open again): from one week before the closure to one week before
    re-opening, both inclusive; None if the closure is shorter than 4 continuous weeks.

    Closes Wed 22 Jul 2026, re-opens Wed 2 Sep 2026 -> (Wed 15 Jul 2026, Wed 26 Aug 2026).
    """
    if reopen <= closure_start:
        raise ValueError(f"re-opening {fmt(reopen)} must be after the closure starts on {fmt(closure_start)}")
    if reopen - closure_start < MIN_CLOSURE:
        return None
    return closure_start - _WEEK, reopen - _WEEK
