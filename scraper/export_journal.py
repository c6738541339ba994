"""A ``LAST`` export to a file, kept in the store while it is written, so that each article is
handed on exactly once even when the process is killed (``kill -9``) at any moment.

Before the export's file holds a byte of it, the store keeps a pending record: the file, the
hidden temporary file it is written to (or, appending, the file's size before); once it is
written in full, the cursor value it moves to. The file then lands (renamed or linked into
place, or simply complete, appending), and the cursor moves and the record goes in one
transaction. The next ``LAST`` export first settles a record left behind: a file that landed
moves the cursor as it would have; one that did not is undone (its temporary file removed,
what an append added cut off again), and the cursor stays, so that export hands those articles
on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from scraper.errors import StoreError
from scraper.export import (
    CURSOR,
    ExportFormat,
    ExportResult,
    Since,
    csv_columns,
    export_articles,
    mark_exported,
)
from scraper.export_file import ExportFile, Journal, cut_back
from scraper.store.protocol import CrawlStore, PendingExport, PendingFile

__all__ = ["Opener", "hand_on", "settle_pending"]

#: Opens an export's output, keeping its progress in the journal given (None: keep none).
Opener = Callable[[Journal | None], AbstractContextManager[ExportFile]]


class _CursorJournal:
    """The progress of a ``LAST`` export, kept in the store (see the module's text)."""

    def __init__(self, store: CrawlStore) -> None:
        self._store = store
        self.begun = False
        #: Where the export moves the cursor, known once its articles are written.
        self.moves_to: int | None = None

    def begin(self, file: PendingFile) -> None:
        self._store.begin_export(CURSOR, file)
        self.begun = True

    def landing(self) -> None:
        self._store.export_ready(CURSOR, self.moves_to)

    def landed(self) -> None:
        self._store.end_export(CURSOR, self.moves_to)

    def abandoned(self) -> bool:
        # The export's own error is the one to report; a record left behind is settled by
        # the next export (undone, as the export did not land).
        try:
            self._store.end_export(CURSOR, None)
        except StoreError:
            return False
        return True


def hand_on(
    store: CrawlStore,
    *,
    since: Since,
    fmt: ExportFormat,
    open_file: Opener,
    unique: bool = False,
) -> ExportResult:
    """Export the ``since`` articles to what ``open_file`` opens; a ``LAST`` export moves the
    cursor once its file has landed, after settling one a killed process left.

    Stdout and other outputs that are not regular files are written as the articles come;
    there a ``LAST`` export moves the cursor once they are all written.

    Raises:
        StoreError: the store cannot be read or written.
        OSError: the output cannot be written, or a pending export cannot be undone (its
            record stays for the next export to settle).
    """
    journal: _CursorJournal | None = None
    if since.last:
        settle_pending(store)
        journal = _CursorJournal(store)
    with open_file(journal) as sink:
        result = export_articles(
            store,
            since=since,
            fmt=fmt,
            stream=sink.stream,
            unique=unique,
            header=sink.fresh,
            columns=csv_columns(sink.first_line),
            mark=False,
        )
        if journal is not None:
            journal.moves_to = result.through
    if journal is not None and not journal.begun:
        mark_exported(store, result)
    return result


def settle_pending(store: CrawlStore) -> None:
    """Land or undo the ``LAST`` export a killed process left pending (if any).

    Raises:
        StoreError: the store cannot be read or written.
        OSError: what an append added cannot be cut off (the record stays).
    """
    pending = store.pending_export(CURSOR)
    if pending is None:
        return
    store.end_export(CURSOR, pending.moves_to if _landed(pending) else None)


def _landed(pending: PendingExport) -> bool:
    """Whether the pending export's file is in place, its leftovers removed; or, if not, the
    file as it was before."""
    file = pending.file
    target = os.fsdecode(file.target)
    if file.temp is None:
        if not pending.ready:
            _cut_back(target, file)
        return pending.ready
    temp = os.fsdecode(file.temp)
    # Renamed, the temporary file is gone; linked, it is still there as the target too (the
    # process was killed before it removed the name). Written in full and still apart from the
    # target, it never landed.
    landed = pending.ready and (not os.path.lexists(temp) or _same_file(temp, target))
    Path(temp).unlink(missing_ok=True)
    return landed


def _cut_back(target: str, file: PendingFile) -> None:
    """An unfinished append undone, if the file appended to is still there."""
    try:
        fd = os.open(target, os.O_WRONLY)
    except FileNotFoundError:
        return  # taken away (a consumer moved it): there is nothing here to undo
    try:
        info = os.fstat(fd)
        if (info.st_dev, info.st_ino) == (file.device, file.inode):
            cut_back(Path(target), fd, size=file.size, created=file.created)
    finally:
        os.close(fd)


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).samefile(b)
    except OSError:  # the target is gone (a consumer took it): not the same file
        return False
