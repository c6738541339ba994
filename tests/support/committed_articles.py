"""Articles committed to a crawl store as a crawl's committer does it, without fetching or
extracting: for the tests of what the store, the dedup index and exports make of the stories."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.commit import Committer, Ready
from scraper.crawl.extraction import Extracted
from scraper.crawl.identity import Placement, open_index
from scraper.models import Article
from scraper.store.crawl_store import RECHECK_MARGIN, SQLiteCrawlStore
from scraper.store.protocol import FetchRecord, ListingRecord, NewURL

__all__ = ["commit_runs", "export_records"]

#: Whether a URL is stored already and listed as changed (its fetch is a recheck).
Rechecked = Callable[[str], bool]


def _never(url: str) -> bool:
    return False


def commit_runs(
    db: Path, *runs: Sequence[Article], rechecked: Rechecked = _never
) -> list[Placement]:
    """Commit the articles, one crawl run per sequence, each from a source named by its URL's
    host (as a config lists one source per site); the placements, in commit order."""
    store = SQLiteCrawlStore(db)
    placed: list[Placement] = []
    try:
        index = open_index(store)
        for articles in runs:
            committer = Committer(
                store,
                index,
                store.begin_run(),
                lambda _, found: placed.append(found),
                _no_failure,
                updated=lambda _, found: placed.append(found),
            )
            for article in articles:
                assert article.url, "a committed article needs its URL"
                committer.add(_ready(store, article, article.url, rechecked(article.url)))
            committer.flush()
    finally:
        store.close()
    return placed


def _ready(store: SQLiteCrawlStore, article: Article, url: str, recheck: bool) -> Ready:
    """The article as fetched and extracted, its URL listed (dated as changed on a recheck)
    and due."""
    source = url.split("/")[2]
    store.ensure_source(source, "urls")
    changed = time.time() + RECHECK_MARGIN if recheck else None
    entry = NewURL(url=url, raw=url, changed=changed)
    store.record_listing(source, ListingRecord(fetch=None, entries=[entry]), 1)
    (queued,) = [q for q in store.due_urls(0.0, 0, 100) if q.url == url]
    assert queued.recheck is recheck, f"{url} was expected recheck={recheck}"
    return Ready(queued, FetchRecord(url=queued.url, status=200), Extracted.of(article))


def _no_failure(*args: object) -> None:
    raise AssertionError(f"unexpected failure {args}")


def export_records(db: Path, since: str, *options: str) -> list[dict[str, object]]:
    """``scraper export DB --since SINCE -f jsonl [OPTIONS]``'s records, in order."""
    result = CliRunner().invoke(app, ["export", str(db), "--since", since, "-f", "jsonl", *options])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]
