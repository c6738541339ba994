"""Scheduled crawls: sources -> only new articles -> deduplicated store -> export.

The names below are loaded when first used: an extraction worker process imports
:mod:`scraper.crawl.worker` only, not the fetcher, feed parsers and store the crawl needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scraper.crawl.run import CrawlEvent, RunResult
    from scraper.crawl.runner import run_crawl

__all__ = ["CrawlEvent", "RunResult", "run_crawl"]


def __getattr__(name: str) -> Any:
    if name in ("CrawlEvent", "RunResult"):
        from scraper.crawl import run

        return getattr(run, name)
    if name == "run_crawl":
        from scraper.crawl.runner import run_crawl

        return run_crawl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
