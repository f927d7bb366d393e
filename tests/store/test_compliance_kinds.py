"""The compliance figures judge duties only: the school's own and the LA's. An earliest date (a re-assessment
request the LA cannot refuse as too soon) and the parent's window are never late, so they are not counted."""

from __future__ import annotations

from datetime import date

from store.compliance import compliance, judged, outcome
from store.web_queries import StepFact

TODAY = date(2027, 3, 10)


def fact(rule_id: str, due: date, status: str = "open", **kw) -> StepFact:
    return StepFact(
        workflow_id=f"wf-{rule_id}",
        process_kind="reassessment",
        case_ref="EHC-0300",
        la="Kent",
        rule_id=rule_id,
        instance=1,
        basis="basis",
        anchor=date(2026, 9, 1),
        due=due,
        target=due,
        owner="senco",
        status=status,
        exempt=False,
        exemption_ground=None,
        completed_on=kw.get("completed_on"),
        on_time=kw.get("on_time"),
        days_late=kw.get("days_late"),
    )


def test_an_earliest_date_and_a_window_are_never_late() -> None:
    earliest = fact("reassessment-earliest", date(2026, 12, 9))  # 91 days past: it came, nothing late
    window = fact("draft-plan-representations", date(2027, 3, 1))
    assert not judged("reassessment-earliest") and not judged("draft-plan-representations")
    assert outcome(earliest, TODAY) is None and outcome(window, TODAY) is None
    late_duty = fact("ehc-advice", date(2027, 3, 1))
    la_late = fact("reassessment-decision", date(2027, 3, 1))
    assert outcome(late_duty, TODAY) is False and outcome(la_late, TODAY) is False
    figures = compliance([earliest, window, late_duty, la_late], 2026, TODAY)
    assert figures.total.counted == 2 and figures.total.on_time == 0
    assert {r.key for r in figures.by_rule} == {"ehc-advice", "reassessment-decision"}
