"""Custom search attributes: opaque references only (they are stored unencrypted and shown in the Web UI)."""

from temporalio.common import SearchAttributeKey

CASE_REF = SearchAttributeKey.for_keyword("SendclockCaseRef")
PROCESS = SearchAttributeKey.for_keyword("SendclockProcess")
LA = SearchAttributeKey.for_keyword("SendclockLA")
STATUS = SearchAttributeKey.for_keyword("SendclockStatus")
DUE = SearchAttributeKey.for_datetime("SendclockDue")  # the earliest statutory date among open steps
OPEN_RULES = SearchAttributeKey.for_keyword_list("SendclockOpenRules")  # rule ids of the open steps
# The school's opaque id (settings `schools.<id>`; "default" for a single-school install), never its name: set at
# start, and by StatutoryProcess.publish() for a run that began without it (workflows/process.py).
SCHOOL = SearchAttributeKey.for_keyword("SendclockSchool")

# Name -> type, as `temporal server start-dev --search-attribute Name=Type` wants them.
REGISTRATION: dict[str, str] = {
    CASE_REF.name: "Keyword",
    PROCESS.name: "Keyword",
    LA.name: "Keyword",
    STATUS.name: "Keyword",
    DUE.name: "Datetime",
    OPEN_RULES.name: "KeywordList",
    SCHOOL.name: "Keyword",
}
