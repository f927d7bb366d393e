"""Activity names: workflows call activities by name, so no workflow module imports the activity code (and, through
it, SQLAlchemy or apprise) into the sandbox."""

PLAN_STEP = "plan_step"
RECORD = "record"
NOTIFY = "notify"
