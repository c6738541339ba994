"""The commands that only read a crawl store (status, export) check its near-duplicate index's
schema version as they check the crawl tables': they read the clusters through those tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper.crawl.identity import open_index
from scraper.errors import StoreError
from scraper.store import sketches
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.dedup_schema import DEDUP_SCHEMA_VERSION


def test_the_readers_version_is_the_index_s_number_of_steps() -> None:
    # A step added to the index without this number made every reader refuse every store.
    assert len(sketches.STEPS) == DEDUP_SCHEMA_VERSION


def _crawled_store(path: Path) -> None:
    """A store as a crawl leaves it: its tables and its index's."""
    store = SQLiteCrawlStore(path)
    open_index(store)
    store.close()


def _set_dedup_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE schema_migrations SET version = ? WHERE component = 'dedup'", (version,)
        )
    conn.close()


@pytest.mark.parametrize(
    ("version", "said"),
    [
        (DEDUP_SCHEMA_VERSION + 1, "newer than this scraper knows"),
        (DEDUP_SCHEMA_VERSION - 1, "the next `scraper crawl` upgrades it"),
    ],
)
def test_a_reader_refuses_an_index_at_another_version(
    tmp_path: Path, version: int, said: str
) -> None:
    db = tmp_path / "news.db"
    _crawled_store(db)
    SQLiteCrawlStore(db, create=False).close()  # at this scraper's version: read as it is
    _set_dedup_version(db, version)
    with pytest.raises(StoreError, match=f"schema for dedup is version {version}.*{said}"):
        SQLiteCrawlStore(db, create=False)


def test_a_store_whose_crawl_never_opened_its_index_is_read(tmp_path: Path) -> None:
    # Killed between its tables and its index: there are no clusters to misread.
    db = tmp_path / "news.db"
    SQLiteCrawlStore(db).close()
    SQLiteCrawlStore(db, create=False).close()
