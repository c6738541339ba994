"""Fixtures of the CLI tests."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import scraper.cli.isolated

#: Starts the worker that misbehaves on marked pages (see marked_worker.py for the marks).
MARKED_WORKER = (sys.executable, str(Path(__file__).with_name("marked_worker.py")))


@pytest.fixture
def marked_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """``scraper extract`` extracts in the worker that misbehaves on marked pages."""
    monkeypatch.setattr(scraper.cli.isolated, "COMMAND", MARKED_WORKER)


@pytest.fixture
def python_sigint() -> Iterator[None]:
    """Python's own SIGINT handler while the test runs: a background job of a non-interactive
    shell starts with SIGINT ignored, and a command then rightly takes no Ctrl-C."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
