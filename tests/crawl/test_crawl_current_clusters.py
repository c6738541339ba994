"""Readers of a crawl store see the clusters as the dedup index has them now, not as placed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.commit import Committer, Ready
from scraper.crawl.extraction import Extracted
from scraper.crawl.identity import Placement, open_index
from scraper.models import Article
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import FetchRecord, ListingRecord, NewURL

runner = CliRunner()


def _words(part: str) -> str:
    return " ".join(f"{part}word{i:03d}" for i in range(40))


# A trimmed copy and a long update of one story, too far apart in length to be
# near-duplicates (though the copy is contained in the update), and the original, dated first,
# a near-duplicate of each. (Two different stories are never merged through a third page.)
_P, _Q, _R, _S, _T = (_words(p) for p in ("alpha", "bravo", "charlie", "delta", "echo"))
TEXTS = {
    "first": f"{_P}\n{_Q}",
    "second": f"{_P}\n{_Q}\n{_R}\n{_S}\n{_T}",
    "bridge": f"{_P}\n{_Q}\n{_R}",
    # The same story twice: a copy dated after its original.
    "copy": f"{_P}\n{_Q}\n{_R}",
    "original": f"{_P}\n{_Q}\n{_R}",
}
DAYS = {"copy": 9, "original": 2, "bridge": 1}


def _url(name: str) -> str:
    # One host each: lines seen on three pages of one site would count as its chrome.
    return f"https://{name}.test/story"


def _commit(db: Path, batches: Sequence[Sequence[str]]) -> list[Placement]:
    """Crawl-commit the named articles, one run per batch; the placements, in commit order."""
    store = SQLiteCrawlStore(db)
    placed: list[Placement] = []
    try:
        index = open_index(store)
        for batch in batches:
            run_id = store.begin_run()
            committer = Committer(
                store, index, run_id, lambda _, found: placed.append(found), _no_failure
            )
            for name in batch:
                committer.add(_ready(store, name))
            committer.flush()
    finally:
        store.close()
    return placed


def _ready(store: SQLiteCrawlStore, name: str) -> Ready:
    store.ensure_source(name, "urls")
    entry = NewURL(url=_url(name), raw=_url(name))
    store.record_listing(name, ListingRecord(fetch=None, entries=[entry]), 1)
    (queued,) = [q for q in store.due_urls(0.0, 0, 10) if q.source == name]
    day = DAYS.get(name)
    published = datetime(2026, 2, day, tzinfo=UTC) if day else None
    article = Article(url=queued.url, title=name, text=TEXTS[name], published=published)
    return Ready(queued, FetchRecord(url=queued.url, status=200), Extracted.of(article))


def _no_failure(*args: object) -> None:
    raise AssertionError(f"unexpected failure {args}")


def _status_duplicates(db: Path) -> dict[str, int]:
    result = runner.invoke(app, ["status", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return {s["name"]: s["duplicates"] for s in json.loads(result.stdout)["sources"]}


def test_a_later_batch_that_bridges_two_stored_clusters_shows_in_status(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    placed = _commit(db, [["first"], ["second"]])
    assert [p.duplicate_of for p in placed] == [None, None]
    assert _status_duplicates(db) == {"first": 0, "second": 0}
    # The bridge joins both stored articles and, earliest, leads the merged cluster: the two
    # stored before it are now its duplicates, though each was placed as its own lead.
    (bridge,) = _commit(db, [["bridge"]])
    assert bridge.duplicate_of is None
    assert _status_duplicates(db) == {"bridge": 0, "first": 1, "second": 1}
    store = SQLiteCrawlStore(db)
    try:
        stored = {a.article.title: a for a in store.articles_since()}
        assert {a.cluster for a in stored.values()} == {bridge.cluster}
        assert stored["first"].duplicate_of == stored["second"].duplicate_of == _url("bridge")
        assert stored["bridge"].duplicate_of is None
        # Per run: what each run stored and what of it is a duplicate now.
        assert [store.run_duplicates(run) for run in (1, 2, 3)] == [1, 1, 0]
    finally:
        store.close()


def test_two_commit_orders_give_the_same_status(tmp_path: Path) -> None:
    one, other = tmp_path / "one.db", tmp_path / "other.db"
    placed_one = _commit(one, [["first"], ["second"], ["bridge"]])
    placed_other = _commit(other, [["bridge", "second"], ["first"]])
    # As placed, the counts follow the arrival order...
    assert sum(p.duplicate_of is not None for p in placed_one) == 0
    assert sum(p.duplicate_of is not None for p in placed_other) == 2
    # ...but the clusters, and what status reports, do not.
    assert _status_duplicates(one) == _status_duplicates(other)
    assert _status_duplicates(one) == {"bridge": 0, "first": 1, "second": 1}


def test_an_earlier_original_arriving_later_takes_the_lead(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    copy, original = _commit(db, [["copy"], ["original"]])
    assert copy.duplicate_of is original.duplicate_of is None
    store = SQLiteCrawlStore(db)
    try:
        current = {a.article.title: a for a in store.articles_since()}
    finally:
        store.close()
    # The cluster id follows the representative: the copy moves to the original's cluster.
    assert current["copy"].duplicate_of == _url("original")
    assert current["copy"].cluster == current["original"].cluster == original.cluster
    assert current["copy"].cluster != copy.cluster
    assert _status_duplicates(db) == {"copy": 1, "original": 0}
