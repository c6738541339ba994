"""Fetching pages politely: robots.txt, pacing, retries, caps and an address guard."""

from scraper.fetch.batch import FetchResult, fetch_each
from scraper.fetch.client import NOT_MODIFIED, Fetcher
from scraper.fetch.options import (
    FEED_TYPES,
    HTML_TYPES,
    SITEMAP_TYPES,
    FetchOptions,
    HostPace,
    Limits,
    Politeness,
    RetryPolicy,
    Timeouts,
)
from scraper.fetch.sync import SyncFetcher

__all__ = [
    "FEED_TYPES",
    "HTML_TYPES",
    "NOT_MODIFIED",
    "SITEMAP_TYPES",
    "FetchOptions",
    "FetchResult",
    "Fetcher",
    "HostPace",
    "Limits",
    "Politeness",
    "RetryPolicy",
    "SyncFetcher",
    "Timeouts",
    "fetch_each",
]
