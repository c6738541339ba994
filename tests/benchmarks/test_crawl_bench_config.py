"""The crawl benchmark writes its farm's config as the TOML file a cron user would write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from scraper.config import load_config


@pytest.fixture(scope="module")
def crawl_bench(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("crawl")


def test_the_toml_reads_back_as_the_config_the_benchmark_crawls_with(
    crawl_bench: ModuleType, tmp_path: Path
) -> None:
    bases = ["http://127.0.0.1:8001", "http://127.0.0.1:8002"]
    config = crawl_bench.farm_config(bases, tmp_path / "farm.db", 1)
    path = tmp_path / "farm.toml"
    path.write_text(crawl_bench.config_toml(config))
    assert load_config(path) == config
