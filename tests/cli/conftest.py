"""Fixtures of the CLI tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import scraper.cli.isolated

#: Starts the worker that misbehaves on marked pages (see marked_worker.py for the marks).
MARKED_WORKER = (sys.executable, str(Path(__file__).with_name("marked_worker.py")))


@pytest.fixture
def marked_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """``scraper extract`` extracts in the worker that misbehaves on marked pages."""
    monkeypatch.setattr(scraper.cli.isolated, "COMMAND", MARKED_WORKER)
