"""The archiving workflow keeps the house's walls: no I/O, settings or store in a workflow module."""

from tests.architecture_graph import reachable, top

IO_AND_SETTINGS = {"sqlalchemy", "apprise", "fastapi", "config", "store", "activities", "dashboard", "alembic"}


def test_the_archive_workflow_loads_no_io_or_settings():
    assert not {top(m) for m in reachable("workflows.archive")} & IO_AND_SETTINGS
    assert not {top(m) for m in reachable("workflows.models")} & {"audit"}
