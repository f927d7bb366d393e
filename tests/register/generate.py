"""Fictional SEN registers, for the register tests and the dev-server test of the import: `fictional_register(n)` is
the CSV text a SENCO would export for n made-up pupils (opaque references, no names), the same for the same
arguments."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from register.columns import TEMPLATE_HEADER

LAS = ("Kent", "Surrey", "Medway")
KEY_WORKERS = ("senco", "teacher")


def fictional_register(
    n: int, *, today: date, key_workers: Sequence[str] = KEY_WORKERS, seed: int = 0, prefix: str = "SUP"
) -> str:
    """The template's columns for `n` fictional pupils, case references PREFIX-0001 onwards: about half on SEN
    support (K), a third with an EHC plan (E: an LA of LAS, a plan date in the 11 months before `today`), the rest
    none (N); about one in six looked after; key workers from `key_workers` (or blank, for the default)."""
    pick = random.Random(seed)
    lines = [TEMPLATE_HEADER]
    for number in range(1, n + 1):
        roll = pick.random()
        code = "K" if roll < 0.5 else "E" if roll < 0.85 else "N"
        la = pick.choice(LAS) if code == "E" else ""
        plan_date = (today - timedelta(days=pick.randint(0, 334))).isoformat() if code == "E" else ""
        year = pick.choice(["N", "R", *map(str, range(1, 15))])
        worker = pick.choice([*key_workers, ""])
        looked_after = "yes" if pick.random() < 1 / 6 else "no"
        initials = "".join(pick.choice("ABCDEFGHJKLMNPRSTW") for _ in range(pick.choice([0, 2, 2, 3])))
        lines.append(f"{prefix}-{number:04d},{code},{la},{plan_date},{year},{worker},{looked_after},{initials}")
    return "\n".join(lines) + "\n"
