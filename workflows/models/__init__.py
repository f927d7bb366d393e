"""The messages that cross Temporal boundaries: workflow inputs, updates, queries and activity payloads.

One model per input and result, so fields can be added compatibly. Pure pydantic: imported by workflows through
sandbox passthrough, and by activities and starters directly.
"""

from workflows.models.activities import *  # noqa: F403
from workflows.models.advice import *  # noqa: F403
from workflows.models.archive import *  # noqa: F403
from workflows.models.chain_head import *  # noqa: F403
from workflows.models.chase import *  # noqa: F403
from workflows.models.common import *  # noqa: F403
from workflows.models.common import CASE_REF_PATTERN, STAFF_ID_PATTERN  # noqa: F401
from workflows.models.draft import *  # noqa: F403
from workflows.models.housekeeping import *  # noqa: F403
from workflows.models.process import *  # noqa: F403
from workflows.models.reassessment import *  # noqa: F403
from workflows.models.reconcile import *  # noqa: F403
from workflows.models.review import *  # noqa: F403
from workflows.models.step import *  # noqa: F403
from workflows.models.termly import *  # noqa: F403
