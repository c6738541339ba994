"""Fixtures of the crawl tests: the demo news sites on 127.0.0.1 and a config crawling them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, RetryPolicy
from scraper.demo.runner import demo_config, demo_sites
from scraper.demo.server import SiteServer


@pytest.fixture
def sites() -> Iterator[dict[str, SiteServer]]:
    with demo_sites() as servers:
        yield servers


@pytest.fixture
def config(sites: dict[str, SiteServer], tmp_path: Path) -> CrawlConfig:
    # Inline extraction (workers=0) keeps most tests fast; one test runs the process pool.
    base = demo_config(sites, tmp_path / "crawl.db", workers=0)
    return replace(base, retry=RetryPolicy(max_attempts=2, backoff=0.0, per_request=1))
