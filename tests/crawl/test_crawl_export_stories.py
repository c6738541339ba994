"""Exports give each article its story: an id that stays while better-ranked pages join, so a
consumer handed articles run by run (``--since LAST``) keeps one story under one id, and one
taking unique articles is not handed a story twice."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from committed_articles import commit_runs, export_records
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.identity import Placement
from scraper.models import Article
from scraper.store.stories import Story, StoryCache

runner = CliRunner()


def _words(part: str, count: int = 40) -> str:
    return " ".join(f"{part}word{i:03d}" for i in range(count))


_P, _Q, _R, _S, _T = (_words(p) for p in ("alpha", "bravo", "charlie", "delta", "echo"))


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    text: str
    day: int | None = None
    canonical: str | None = None

    def article(self) -> Article:
        published = datetime(2026, 2, self.day, tzinfo=UTC) if self.day else None
        return Article(
            url=self.url,
            title=self.title,
            text=self.text,
            published=published,
            canonical_url=self.canonical,
        )

    def changed(self, text: str) -> Page:
        """The same page, rewritten: its next version."""
        return Page(self.url, self.title, text, self.day, self.canonical)


# One story: the original, dated first, and a wire copy dated a week later (one host each:
# lines seen on three pages of one site would count as its chrome).
ORIGINAL = Page("https://original.test/story", "original", f"{_P}\n{_Q}\n{_R}", day=2)
COPY = Page("https://copy.test/story", "copy", f"{_P}\n{_Q}\n{_R}", day=9)


def _commit(db: Path, *runs: Sequence[Page], recheck: bool = False) -> list[Placement]:
    """Crawl-commit the pages, one run per sequence; the placements, in commit order.
    ``recheck``: the pages are stored already, and their listing says they changed."""
    articles = ([page.article() for page in pages] for pages in runs)
    return commit_runs(db, *articles, rechecked=lambda _: recheck)


def _export(db: Path, since: str, *options: str) -> list[dict[str, object]]:
    return export_records(db, since, *options)


def _titles(records: list[dict[str, object]]) -> list[object]:
    return [r["title"] for r in records]


def test_a_story_keeps_the_id_its_first_page_was_handed_on_with(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    (copy,) = _commit(db, [COPY])
    (handed,) = _export(db, "LAST")
    assert handed["cluster"] == handed["story"] == copy.cluster
    (original,) = _commit(db, [ORIGINAL])
    (later,) = _export(db, "LAST")
    # The original leads the cluster now, which takes its id; the story is the one the
    # consumer was given with the copy.
    assert later["title"] == "original" and later["duplicate_of"] is None
    assert later["cluster"] == original.cluster != copy.cluster
    assert later["story"] == copy.cluster
    everything = _export(db, "ALL")
    assert {r["cluster"] for r in everything} == {original.cluster}
    assert {r["story"] for r in everything} == {copy.cluster}
    # Markdown names the story beside a cluster id that has moved on from it.
    shown = runner.invoke(app, ["export", str(db), "--since", "ALL", "-f", "markdown"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.count(f"*cluster {original.cluster} (story {copy.cluster})") == 2


def test_a_story_stored_in_one_run_has_one_story_id(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    _commit(db, [COPY, ORIGINAL])
    records = _export(db, "LAST")
    assert len(records) == 2
    assert len({r["story"] for r in records}) == len({r["cluster"] for r in records}) == 1


def test_two_stories_a_later_page_bridges_take_the_older_story(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    # Too far apart in length to be near-duplicates; the bridge is near each.
    short = Page("https://short.test/story", "short", f"{_P}\n{_Q}")
    long = Page("https://long.test/story", "long", f"{_P}\n{_Q}\n{_R}\n{_S}\n{_T}")
    bridge = Page("https://bridge.test/story", "bridge", f"{_P}\n{_Q}\n{_R}", day=1)
    first, second = _commit(db, [short], [long])
    assert first.cluster != second.cluster
    _commit(db, [bridge])
    records = _export(db, "ALL")
    assert len({r["cluster"] for r in records}) == 1
    assert {r["story"] for r in records} == {first.cluster}


def test_a_page_kept_apart_under_a_shared_key_keeps_its_story(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    # A template that names its newest article as every page's canonical: one key, two pages
    # of different stories, kept apart (their cluster ids then take in each page's address).
    latest = "https://site.test/news/latest"
    one = Page("https://site.test/news/one", "one", f"{_P}\n{_Q}\n{_R}", canonical=latest)
    two = Page(
        "https://site.test/news/two", "two", f"{_S}\n{_T}\n{_words('kilo')}", canonical=latest
    )
    _commit(db, [one])
    (handed,) = _export(db, "LAST")
    _commit(db, [two])
    now = {r["title"]: r for r in _export(db, "ALL")}
    assert now["one"]["cluster"] != now["two"]["cluster"]
    assert now["one"]["story"] == handed["story"]


def test_a_unique_consumer_is_not_handed_a_story_twice(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    _commit(db, [COPY])
    assert _titles(_export(db, "LAST", "--unique")) == ["copy"]
    _commit(db, [ORIGINAL])
    # The original leads the story now, but the consumer has the story already.
    assert _export(db, "LAST", "--unique") == []
    # One that asks for everything gets the story once, as it is now.
    assert _titles(_export(db, "ALL", "--unique")) == ["original"]


def test_a_unique_consumer_is_not_handed_a_variant_of_a_page_twice(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    # An AMP copy first, then its canonical page with the same text: the index keeps one
    # document for both, now under the canonical page's address.
    canonical = "https://site.test/story"
    amp = Page("https://site.test/amp/story", "amp", f"{_P}\n{_Q}\n{_R}", canonical=canonical)
    _commit(db, [amp])
    assert _titles(_export(db, "LAST", "--unique")) == ["amp"]
    _commit(db, [Page(canonical, "page", amp.text)])
    assert _export(db, "LAST", "--unique") == []


def test_a_unique_consumer_gets_the_lead_of_a_story_new_in_one_run(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    _commit(db, [COPY, ORIGINAL])
    assert _titles(_export(db, "LAST", "--unique")) == ["original"]


def test_a_unique_consumer_gets_new_versions_of_a_page_it_was_handed(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    _commit(db, [ORIGINAL])
    assert _titles(_export(db, "LAST", "--unique")) == ["original"]
    # A copy comes: a duplicate, left out. Then the original is rewritten.
    _commit(db, [COPY])
    assert _export(db, "LAST", "--unique") == []
    _commit(db, [ORIGINAL.changed(f"{ORIGINAL.text}\n{_words('golf', 10)}")], recheck=True)
    (again,) = _export(db, "LAST", "--unique")
    assert again["title"] == "original" and again["version"] == 2


def test_versions_kept_without_their_ids_do_not_hide_a_lead(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    _commit(db, [ORIGINAL], [COPY])
    _commit(db, [COPY.changed(f"{COPY.text}\n{_words('golf', 10)}")], recheck=True)
    # As the first form of the versions step left them (session 26): no earlier ids.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE article_versions SET article_id = 0")
    conn.close()
    assert _titles(_export(db, "ALL", "--unique")) == ["original"]
    assert _titles(_export(db, "LAST", "--unique")) == ["original"]


def test_a_page_rewritten_under_a_new_key_is_a_new_page_of_another_story(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    live = Page("https://live.test/page", "live", ORIGINAL.text, day=2, canonical=_url("old"))
    _commit(db, [live, COPY])
    assert _titles(_export(db, "LAST", "--unique")) == ["live"]
    # The page becomes another story, under a new canonical link; then that story's original.
    fresh = f"{_words('uniform')}\n{_words('victor')}\n{_words('whiskey')}"
    rewritten = Page(live.url, "rewritten", fresh, day=2, canonical=_url("new"))
    _commit(db, [rewritten], recheck=True)
    _commit(db, [Page("https://other.test/story", "other", fresh, day=1)])
    now = {r["title"]: r for r in _export(db, "ALL")}
    assert now["rewritten"]["cluster"] == now["other"]["cluster"] != now["copy"]["cluster"]
    # Each story its own id: the old page's first version is the old story's only.
    assert now["copy"]["story"] != now["other"]["story"] == now["rewritten"]["story"]
    # The new story was never handed on: its lead goes to the unique consumer.
    assert _titles(_export(db, "LAST", "--unique")) == ["other"]


def _url(slug: str) -> str:
    return f"https://live.test/{slug}"


def test_a_cluster_that_grew_since_it_was_read_is_read_again() -> None:
    asked: list[list[int]] = []
    pages = {7: [(3, 30, "c-three"), (5, 50, "c-five")], 8: [(4, 40, "c-four")]}

    def read(sql: str, params: Sequence[object]) -> list[tuple[int, int, int, str]]:
        wanted = json.loads(str(params[0]))
        asked.append(wanted)
        return [(c, url, first, placed) for c in wanted for first, url, placed in pages[c]]

    cache = StoryCache(read)
    first = cache.stories([(7, 2), (8, 1)])
    assert first[7] == Story("c-three", ((3, 30), (5, 50))) and asked == [[7, 8]]
    assert first[7] is not None and first[7].others_since(30) == 5
    assert cache.stories([(7, 2)])[7] == first[7] and len(asked) == 1
    # A crawl merged cluster 8 into 7 between two pages of the reading: 7 is larger now.
    pages[7].append((4, 40, "c-four"))
    again = cache.stories([(7, 3)])
    assert asked[-1] == [7] and again[7] == Story("c-three", ((3, 30), (4, 40)))
