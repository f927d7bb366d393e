"""What each step asks, and of whom, in a SENCO's words: the sentence the Today page says for it.

Who holds a rule's duty (rules.Holder) decides what kind of step it is, and so how it is said:
- a duty, the school's own (or shared with the LA, the school driving it): something to do, by a date ("Send your
  advice for EHC-0042 to Kent"); it can be overdue;
- a look-out on another body (the LA's own deadline): the school waits for it, and chases it when it is late
  ("Kent's decision whether to carry out an EHC needs assessment for EHC-0042");
- a window someone else holds (the parent's or young person's period): it is open, then closes by itself; never the
  school's overdue work ("The parent's window for representations on the draft plan for EHC-0042");
- an earliest date: from it something may be done (a re-assessment request the LA cannot refuse as too soon); never
  late ("Ask Kent to re-assess EHC-0042").

Pure data: the templates take the case reference and the LA's name.
"""

from __future__ import annotations

from typing import Literal

from statutory.rules import Holder, Rule, rule_ids

StepKind = Literal["duty", "chase", "window", "prompt"]

KIND_OF_HOLDER: dict[Holder, StepKind] = {
    Holder.SCHOOL: "duty",
    Holder.SHARED: "duty",
    Holder.LA: "chase",
    Holder.PARENT: "window",
    Holder.REQUESTER: "prompt",
}


def step_kind(rule: Rule) -> StepKind:
    """What kind of step a rule makes: a duty, a look-out on the LA, a window the parent holds, an earliest date."""
    return KIND_OF_HOLDER[rule.holder]


# For a duty or an earliest date, what to do (a verb first); for a look-out or a window, what is awaited.
SENTENCES: dict[str, str] = {
    "ehc-advice": "Send your advice for {case} to {la}",
    "naming-consultation": "Reply to {la}'s consultation on naming the school for {case}",
    "draft-plan-representations": "The parent's window for representations on the draft plan for {case}",
    "review-notice": "Send notice of the annual review meeting for {case} to everyone invited",
    "review-advice-circulation": "Circulate the advice for {case}'s annual review to everyone invited",
    "review-report": "Send the annual review report for {case} to everyone invited",
    "review-la-decision": "{la}'s decision after the annual review for {case}: maintain, amend or cease the plan",
    "amended-plan-final": "{la}'s final amended plan for {case}",
    "annual-review-due": "Hold the annual review of the plan for {case} with {la}",
    "phase-transfer-review": "Review and amend the plan for {case} with {la} before the move to the next phase",
    "post16-transfer-review": "Review and amend the plan for {case} with {la} before the move to post-16",
    "post16-move-review": "Review and amend the plan for {case} with {la} before the move between post-16 settings",
    "phase-transfer-meeting-by": "Hold the review meeting for {case} before the move to the next phase",
    "cease-appeal-window": "The parent's window to appeal {la}'s decision to cease the plan for {case}",
    "reassessment-earliest": "Ask {la} to re-assess {case}",
    "reassessment-decision": "{la}'s decision on the request to re-assess {case}",
    "reassessment-final": "{la}'s final plan for {case} after the re-assessment",
    "ehc-assessment-decision": "{la}'s decision whether to carry out an EHC needs assessment for {case}",
    "ehc-no-plan-notice": "{la}'s notice for {case} if it decides not to issue a plan",
    "ehc-final-plan": "{la}'s final EHC plan for {case}",
    "sen-support-review": "Review {case}'s SEN support with the parents",
    "pep-review": "Review {case}'s PEP with the virtual school",
    "sen-information-report": "Publish the updated SEN information report on the school's website",
    "send-policy-review": "Have the governing board review the SEND policy",
    "annual-progress-report": "Send every parent the annual report on their child's progress",
    "la-chase-follow-up": "Follow up your chase letter to {la} for {case}: chase again or escalate if no answer came",
}


def sentence(rule_id: str, case: str, la: str) -> str:
    """The step said as a SENCO would: what to do, or what is awaited, for this case and LA."""
    return SENTENCES[rule_id].format(case=case, la=la)


def missing_sentences() -> list[str]:
    """Rules of the rule book with no sentence (a test holds this empty)."""
    return [r for r in rule_ids() if r not in SENTENCES]
