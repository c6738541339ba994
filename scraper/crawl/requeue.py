"""Giving failed URLs another chance, under the run lock (``scraper retry``)."""

from __future__ import annotations

from pathlib import Path

from scraper.crawl.holds import host_urls
from scraper.crawl.lock import RunLock
from scraper.errors import FAILURE_KINDS, ConfigError
from scraper.store.crawl_store import SQLiteCrawlStore

__all__ = ["check_kind", "requeue_failed"]


def check_kind(kind: str | None) -> None:
    """Refuse a kind no failure is recorded under: a typo would match no URL and read as
    nothing to retry.

    Raises:
        ConfigError: ``kind`` is none of :data:`~scraper.errors.FAILURE_KINDS` (key ``kind``).
    """
    if kind is not None and kind not in FAILURE_KINDS:
        raise ConfigError(
            f"no failure kind {kind!r} (kinds: {', '.join(FAILURE_KINDS)})", key="kind"
        )


def requeue_failed(
    store_path: Path,
    *,
    source: str | None = None,
    kind: str | None = None,
    waiting: bool = False,
    host: str | None = None,
    wait: bool = False,
) -> int:
    """Make the given-up URLs of a crawl store due at the next run, with a fresh count of
    attempts (after a site's outage, or a fix to the config that made them fail).

    Args:
        store_path: the crawl's SQLite store.
        source: only this source's URLs.
        kind: only URLs whose latest failure was of this kind (``http_status``,
            ``robots_unavailable``...).
        waiting: also the URLs waiting for a retry, or for the time their host asked for (the
            hosts are then no longer held), which then need not wait for their time.
        host: only the URLs on this host (a key ``scraper status`` names a waiting host by;
            see :func:`~scraper.crawl.holds.host_urls`); with ``waiting``, only this host's
            wait is lifted, the others' are kept.
        wait: wait for a running crawl instead of failing at once.

    Returns:
        How many URLs are due again.

    Raises:
        ConfigError: ``kind`` is no kind a failure is recorded under (:func:`check_kind`).
        StoreLocked: a crawl holds the store and ``wait`` is false (a run reads and writes
            these states; changing them under it could undo its work).
        StoreError: the store cannot be opened or written, does not exist, or is at another
            schema version (a crawl upgrades it).
    """
    check_kind(kind)
    # Opened first: a missing store is an error, not a lock file (and folders) made for it.
    store = SQLiteCrawlStore(store_path, create=False)
    try:
        with RunLock(store_path, wait=wait):
            on = None if host is None else host_urls(host)
            return store.requeue(source=source, kind=kind, waiting=waiting, host=on)
    finally:
        store.close()
