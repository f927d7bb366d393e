"""Activity names: workflows call activities by name, so no workflow module imports the activity code (and, through
it, SQLAlchemy or apprise) into the sandbox."""

PLAN_STEP = "plan_step"
RECORD = "record"
NOTIFY = "notify"
SEND_DIGESTS = "send_digests"
DISPATCH_HELD = "dispatch_held"
ARCHIVE_LIST_CLOSED = "archive_list_closed"
ARCHIVE_RUN = "archive_run"
ARCHIVE_ADVANCE = "archive_advance"
RECONCILE_PROCESSES = "reconcile_processes"
PUBLISH_CHAIN_HEAD = "publish_chain_head"
SCHOOL_TERM = "school_term"
