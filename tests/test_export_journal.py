"""Settling a ``LAST`` export a killed process left pending: what an unfinished append added is
cut off again, but only from the file it was appended to."""

from __future__ import annotations

import os
from pathlib import Path

from scraper.export import CURSOR
from scraper.export_journal import settle_pending
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import PendingFile


def _appending(store: SQLiteCrawlStore, out: Path, text: str = '{"id": 9, "te') -> None:
    """``out`` as an export left it that was killed after appending ``text`` (by default,
    part of a record)."""
    info = out.stat()
    store.begin_export(
        CURSOR,
        PendingFile(
            target=os.fsencode(out),
            size=info.st_size,
            device=info.st_dev,
            inode=info.st_ino,
        ),
    )
    with out.open("a", encoding="utf-8") as stream:
        stream.write(text)


def test_an_unfinished_append_is_cut_off_and_the_cursor_stays(tmp_path: Path) -> None:
    store = SQLiteCrawlStore(tmp_path / "news.db")
    out = tmp_path / "all.jsonl"
    out.write_text('{"id": 1}\n', encoding="utf-8")
    _appending(store, out)
    settle_pending(store)
    assert out.read_text("utf-8") == '{"id": 1}\n'
    assert (store.pending_export(CURSOR), store.cursor(CURSOR)) == (None, 0)
    store.close()


def test_a_file_put_in_the_appended_ones_place_is_left_alone(tmp_path: Path) -> None:
    store = SQLiteCrawlStore(tmp_path / "news.db")
    out = tmp_path / "all.jsonl"
    out.write_text('{"id": 1}\n', encoding="utf-8")
    _appending(store, out)
    # A consumer took the file over (mv) after the killed run, and a new one was begun.
    out.rename(tmp_path / "taken.jsonl")
    out.write_text('{"id": 1}\n{"id": 2}\n', encoding="utf-8")
    settle_pending(store)
    assert out.read_text("utf-8") == '{"id": 1}\n{"id": 2}\n'
    assert (store.pending_export(CURSOR), store.cursor(CURSOR)) == (None, 0)
    store.close()


def test_an_export_written_in_full_moves_the_cursor_once_settled(tmp_path: Path) -> None:
    store = SQLiteCrawlStore(tmp_path / "news.db")
    out = tmp_path / "all.jsonl"
    out.write_text('{"id": 1}\n', encoding="utf-8")
    _appending(store, out, '{"id": 9}\n')
    store.export_ready(CURSOR, 9)  # written in full: killed before the cursor moved
    settle_pending(store)
    assert out.read_text("utf-8") == '{"id": 1}\n{"id": 9}\n'  # nothing undone
    assert (store.pending_export(CURSOR), store.cursor(CURSOR)) == (None, 9)
    store.close()
