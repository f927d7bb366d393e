"""What Temporal says about a process the database holds open, in words: still running, or ended outside sendclock
(when, why, by whom). Asking Temporal is the gateway's (starter/client/visibility.py: running_ids, view,
stopped_outside); this module is the answer, pure data, read by the reconciliation job (activities/reconcile.py),
`sendclock audit verify` and `sendclock process resume`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from statutory.clock import fmt

RUNNING = "running"
NOT_FOUND = "not found"
PROCESS_FILTER = "SendclockProcess IS NOT NULL"  # only sendclock's statutory processes carry it


@dataclass(frozen=True)
class WorkflowView:
    """One workflow's latest run, as Temporal has it."""

    workflow_id: str
    status: str  # RUNNING, "completed", "terminated"... (starter/client/visibility.py STATUS_WORDS), or NOT_FOUND
    run_id: str | None = None
    closed_at: datetime | None = None
    reason: str | None = None
    identity: str | None = None
    last_reset_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def sentence(self, zone: str = "Europe/London") -> str:
        """E.g. 'terminated in Temporal on Wed 2 Dec 2026 at 08:05 (reason: "tidying up"; by temporal-ui)'."""
        if self.status == NOT_FOUND:
            return "no longer known to Temporal (its history was deleted, or it never started)"
        when = ""
        if self.closed_at is not None:
            local = self.closed_at.astimezone(ZoneInfo(zone))
            when = f" on {fmt(local.date())} at {local:%H:%M}"
        detail = "; ".join(
            part
            for part in (
                f'reason: "{self.reason}"' if self.reason else "",
                f"by {self.identity}" if self.identity else "",
            )
            if part
        )
        return f"{self.status} in Temporal{when}" + (f" ({detail})" if detail else "")
