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


#: The CLI tests' crawl config: both demo sites, the store ``news.db`` beside it.
NEWS_TOML = """
store = "news.db"
workers = 0
allow_networks = ["127.0.0.0/8"]

[politeness]
min_interval = 0
per_host = 4

[retry]
per_request = 1

[[source]]
name = "herald"
feed = "{herald}/feed.xml"

[[source]]
name = "courier"
feed = "{courier}/feed.json"
"""


@pytest.fixture
def news_toml(sites: dict[str, SiteServer], tmp_path: Path) -> Path:
    """``tmp_path/news.toml``, crawling both demo sites into ``tmp_path/news.db``."""
    path = tmp_path / "news.toml"
    text = NEWS_TOML.format(herald=sites["herald"].base_url, courier=sites["courier"].base_url)
    path.write_text(text, encoding="utf-8")
    return path
