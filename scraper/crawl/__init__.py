"""Scheduled crawls: sources -> only new articles -> deduplicated store -> export."""

from __future__ import annotations

from scraper.crawl.run import CrawlEvent, RunResult
from scraper.crawl.runner import run_crawl

__all__ = ["CrawlEvent", "RunResult", "run_crawl"]
