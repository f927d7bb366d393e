"""The draft plan consultation: the LA's draft EHC plan or naming consultation arrived."""

from __future__ import annotations

from workflows.models.common import SendDate
from workflows.models.process import ProcessRunInput

__all__ = ["DraftConsultationInput"]


class DraftConsultationInput(ProcessRunInput):
    # The day the draft plan was served on the parent or young person, if not the day the school received it:
    # their 15 days begin with it (reg 13(1)(a)).
    served_on: SendDate | None = None
