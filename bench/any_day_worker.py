"""`python -m bench.any_day_worker`: the worker of `python -m worker`, with the process activities planning on a
calendar where every day is a working day (bench/common.py every_day_calendar), for bench/open_workflows.py
--any-day: its smoke test then finds a reminder due today at a weekend too."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from activities.sendclock import SendclockActivities
from bench.common import every_day_calendar
from config.logging import setup_logging
from config.settings import get_settings
from store.db import make_engine, make_sessionmaker
from worker import run


def main() -> None:
    settings = get_settings()
    setup_logging(settings.logging.level, settings.logging.json_lines)
    sessions = make_sessionmaker(make_engine(settings.resolved_database_url))
    asyncio.run(run(settings, SendclockActivities(settings, sessions, calendar=every_day_calendar())))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # as worker.main: the SDK's core threads can abort the interpreter as it finalizes


if __name__ == "__main__":
    main()
