"""The worker freezes what start-up made (worker.freeze_startup_objects): the garbage collector's full passes skip
those objects; garbage made before is freed first, and cycles made afterwards are still collected."""

from __future__ import annotations

import gc
import weakref

from worker import freeze_startup_objects


class Node:
    pass


def _cycle() -> weakref.ref:
    node = Node()
    node.self = node  # only the collector can free it
    return weakref.ref(node)


def test_startup_objects_are_frozen_garbage_first_freed_and_later_cycles_still_collected() -> None:
    before = _cycle()
    try:
        frozen = freeze_startup_objects()
        assert frozen > 10_000  # the imported modules' objects, at least
        # Nothing joins the permanent generation after the freeze, but other threads (the suite's) may free frozen
        # objects in the meantime, so the count can only have dropped since.
        assert 0 < gc.get_freeze_count() <= frozen
        assert before() is None  # garbage at the time was collected, not frozen
        after = _cycle()
        gc.collect()
        assert after() is None
    finally:
        gc.unfreeze()
