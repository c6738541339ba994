"""A crawl's articles that share a key only through a template's canonical link are exported
as articles of their own, each with its own cluster id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.commit import Committer, Ready
from scraper.crawl.extraction import Extracted
from scraper.crawl.identity import open_index
from scraper.models import Article
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import FetchRecord, ListingRecord, NewURL

runner = CliRunner()

SIBLING = "https://paper.test/politics/latest-story"


def _words(part: str) -> str:
    return " ".join(f"{part}word{i:03d}" for i in range(60))


# Unrelated articles of one site; the template names the sibling as canonical on every page.
TEXTS = {
    "https://paper.test/politics/story-1": _words("alpha"),
    "https://paper.test/politics/story-2": _words("bravo"),
    "https://paper.test/politics/story-3": _words("charlie"),
    SIBLING: _words("delta"),
}


def _commit(db: Path, batches: Sequence[Sequence[str]]) -> None:
    """Crawl-commit the articles at these URLs, one run per batch."""
    store = SQLiteCrawlStore(db)
    try:
        index = open_index(store)
        store.ensure_source("paper", "urls")
        for batch in batches:
            run_id = store.begin_run()
            committer = Committer(store, index, run_id, lambda *_: None, _no_failure)
            entries = [NewURL(url=url, raw=url) for url in batch]
            store.record_listing("paper", ListingRecord(fetch=None, entries=entries), 1)
            for queued in store.due_urls(0.0, 0, 10):
                article = Article(
                    url=queued.url, title=None, text=TEXTS[queued.url], canonical_url=SIBLING
                )
                fetch = FetchRecord(url=queued.url, status=200)
                committer.add(Ready(queued, fetch, Extracted.of(article)))
            committer.flush()
    finally:
        store.close()


def _no_failure(*args: object) -> None:
    raise AssertionError(f"unexpected failure {args}")


def _exported(db: Path) -> dict[str, tuple[str, str | None]]:
    """Each exported article's cluster and duplicate_of, by URL."""
    result = runner.invoke(app, ["export", str(db), "--since", "ALL"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return {r["url"]: (r["cluster"], r["duplicate_of"]) for r in records}


def test_templated_articles_are_exported_with_their_own_clusters(tmp_path: Path) -> None:
    urls = list(TEXTS)
    one, other = tmp_path / "one.db", tmp_path / "other.db"
    _commit(one, [urls[:2], urls[2:]])
    # Another order and other batches: the sibling first, then the rest in reverse.
    _commit(other, [urls[3:], urls[2::-1]])
    exported = _exported(one)
    assert set(exported) == set(urls)
    assert len({cluster for cluster, _ in exported.values()}) == len(urls)
    assert [lead for _, lead in exported.values()] == [None] * len(urls)
    assert _exported(other) == exported
