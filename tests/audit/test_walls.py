"""The archiving workflow keeps the house's walls: no I/O, settings or store in a workflow module."""

from tests.test_architecture import FORBIDDEN_IN_WORKFLOWS, imported_by


def test_the_archive_workflow_loads_no_io_or_settings():
    assert not imported_by("workflows.archive") & set(FORBIDDEN_IN_WORKFLOWS)
    assert not imported_by("workflows.models") & {"audit"}
