"""uvicorn's factory (dashboard.app.serve, as `sendclock up` runs it): the app on the process settings, with what
start-up built frozen out of the garbage collector's way (a full collection of it inside a request was the slow
tail of every page: docs/performance.md)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fastapi import FastAPI

import dashboard.app
from config.settings import get_settings


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's other objects go back to the collector


def test_serve_builds_the_app_and_freezes_what_start_up_built(tmp_path: Path, monkeypatch, unfrozen) -> None:
    config = tmp_path / "sendclock.toml"
    config.write_text(f'var_dir = "{tmp_path / "var"}"\n')
    monkeypatch.setenv("SENDCLOCK_CONFIG", str(config))
    monkeypatch.setattr(dashboard.app, "setup_logging", lambda *_: None)  # the test process keeps its logging
    get_settings.cache_clear()
    try:
        assert gc.get_freeze_count() == 0
        app = dashboard.app.serve()
    finally:
        get_settings.cache_clear()
    assert isinstance(app, FastAPI)
    assert gc.get_freeze_count() > 10_000, "the modules, the app and its routes are frozen"
    assert app.state.web.settings.var_dir == tmp_path / "var"
