"""Fixtures of the fetcher tests: a fresh local server per test."""

from __future__ import annotations

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
