"""Fixtures of the fetcher tests: a fresh local server per test."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fetch_server import LocalServer, install_routes


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A started LocalServer with every misbehaving endpoint installed."""
    local = LocalServer()
    install_routes(local)
    local.start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def no_gc_pauses() -> Iterator[None]:
    """Collect garbage now and not during the test.

    After the suite's big-body tests a full collection can take ~0.1 s; landing between a
    request's start and the server thread's log entry, it distorts the measured intervals.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
