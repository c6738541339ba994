"""A URL that shows another story each time (a "latest" slot, a daily briefing) gives each
story a cluster and a story of its own, while an update of a page, however rewritten, stays
the page's; its wire copies join the story they copy."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from committed_articles import commit_runs, export_records

from scraper.crawl.identity import Placement
from scraper.crawl.story_breaks import STORY_GAP, another_story, page_key
from scraper.models import Article
from scraper.store.protocol import StoredPage

_DAY = datetime(2026, 3, 2, 7, tzinfo=UTC)


def _story(topic: str, paragraphs: int = 4) -> str:
    return "\n".join(
        " ".join(f"{topic}{p}word{i:02d}" for i in range(30)) for p in range(paragraphs)
    )


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    text: str
    published: datetime | None

    def article(self) -> Article:
        return Article(url=self.url, title=self.title, text=self.text, published=self.published)


SLOT = "https://daily.test/latest"


def _commit(db: Path, pages: list[Page], *, recheck: bool = False) -> list[Placement]:
    """One run of ``pages``; with ``recheck`` the slot is stored and listed as changed."""
    return commit_runs(
        db, [page.article() for page in pages], rechecked=lambda url: recheck and url == SLOT
    )


def _export(db: Path) -> dict[str, dict[str, object]]:
    return {str(r["title"]): r for r in export_records(db, "ALL")}


def test_a_slot_showing_the_next_story_starts_a_story_of_its_own(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    monday, tuesday = _story("tram"), _story("harvest")
    _commit(
        db,
        [
            Page(SLOT, "Monday: tram line", monday, _DAY),
            Page("https://wire.test/tram", "wire: tram line", monday, _DAY),
        ],
    )
    later = _DAY + timedelta(days=1)
    _commit(
        db,
        [
            Page(SLOT, "Tuesday: harvest", tuesday, later),
            Page("https://other.test/harvest", "other: harvest", tuesday, later),
        ],
        recheck=True,
    )
    got = _export(db)
    # Tuesday's story at the slot is clustered with its own copy, not with Monday's.
    assert got["Tuesday: harvest"]["cluster"] == got["other: harvest"]["cluster"]
    assert got["wire: tram line"]["cluster"] != got["Tuesday: harvest"]["cluster"]
    assert got["Tuesday: harvest"]["story"] != got["wire: tram line"]["story"]
    assert got["Tuesday: harvest"]["version"] == 2
    # Monday's text is kept among the slot's versions; its copy keeps its story.
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT record FROM article_versions").fetchall()
    assert [json.loads(r[0])["title"] for r in kept] == ["Monday: tram line"]
    # A third story at the slot starts another, and Tuesday's copy keeps Tuesday's.
    wednesday = _story("bridge")
    next_day = later + timedelta(days=1)
    _commit(db, [Page(SLOT, "Wednesday: bridge", wednesday, next_day)], recheck=True)
    again = _export(db)
    assert again["Wednesday: bridge"]["story"] not in {
        again["other: harvest"]["story"],
        again["wire: tram line"]["story"],
    }
    assert again["other: harvest"]["story"] == got["other: harvest"]["story"]


def test_an_update_of_the_story_at_the_slot_stays_its_story(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    first, second = _story("tram"), _story("harvest")
    _commit(db, [Page(SLOT, "Monday: tram line", first, _DAY)])
    later = _DAY + timedelta(days=1)
    _commit(db, [Page(SLOT, "Tuesday: harvest", second, later)], recheck=True)
    started = _export(db)["Tuesday: harvest"]["story"]
    # The next version of Tuesday's story (a paragraph added, same date) stays in it.
    updated = second + "\n" + " ".join(f"updateword{i:02d}" for i in range(30))
    _commit(db, [Page(SLOT, "Tuesday: harvest (updated)", updated, later)], recheck=True)
    got = _export(db)["Tuesday: harvest (updated)"]
    assert got["story"] == started
    assert got["version"] == 3


@pytest.mark.parametrize(
    ("published", "why"),
    [
        (_DAY, "the same date: rewritten, not replaced"),
        (None, "undated: nothing but the words tells them apart"),
    ],
)
def test_a_rewritten_page_stays_one_page(
    tmp_path: Path, published: datetime | None, why: str
) -> None:
    db = tmp_path / "crawl.db"
    (first,) = _commit(db, [Page(SLOT, "draft", _story("tram"), published)])
    (second,) = _commit(db, [Page(SLOT, "rewrite", _story("harvest"), published)], recheck=True)
    assert second.cluster == first.cluster, why
    got = _export(db)["rewrite"]
    assert got["story"] == first.cluster


def test_another_story_needs_both_another_date_and_other_words() -> None:
    text = _story("tram")
    stored = StoredPage("https://x.test/a", 1, _DAY.timestamp(), text)
    later = _DAY + timedelta(seconds=STORY_GAP)
    # A live blog whose CMS dates each update anew still serves most of what it served.
    grown = text + "\n" + _story("newentry", 1)
    assert not another_story(stored, grown, later)
    assert another_story(stored, _story("harvest"), later)
    assert not another_story(stored, _story("harvest"), _DAY + timedelta(seconds=60))
    assert not another_story(StoredPage("k", 1, None, text), _story("harvest"), later)
    assert not another_story(stored, "", later)


def test_page_keys_follow_the_page_and_its_stories() -> None:
    base = "https://x.test/latest"
    text = _story("tram")
    later = _DAY + timedelta(days=1)
    # No stored article, or one stored before keys were kept: the page's own key.
    assert page_key(base, None, text, later) == base
    assert page_key(base, StoredPage(None, 1, _DAY.timestamp(), text), "x y z w", later) == base
    # Another story takes a key of its own, named for the version it starts.
    stored = StoredPage(base, 2, _DAY.timestamp(), text)
    assert page_key(base, stored, _story("harvest"), later) == f"{base}#story-3"
    # An update keeps the key the stored article has, a story's own included.
    own = StoredPage(f"{base}#story-3", 3, later.timestamp(), _story("harvest"))
    assert page_key(base, own, _story("harvest") + "\nmore words here", later) == own.key
    # A page rewritten under a new canonical link is that page from now on.
    assert page_key("https://x.test/moved", own, _story("harvest"), later) == (
        "https://x.test/moved"
    )
