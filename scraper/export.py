"""Exporting stored articles with their cluster ids: JSON Lines, CSV or Markdown.

``--since LAST`` means "what no earlier ``LAST`` export handed on": such an export moves the
store's ``export`` cursor to the last article it wrote, so a cron job that exports after each
crawl passes each article on once. ``ALL`` and dated exports leave the cursor where it is.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from scraper.errors import ConfigError, UnreadableArticle
from scraper.output import OutputFormat, json_line, render
from scraper.store.protocol import CrawlStore, ReadLog, StoredArticle

__all__ = [
    "ExportFormat",
    "ExportResult",
    "Since",
    "Skipped",
    "csv_columns",
    "export_articles",
    "mark_exported",
    "parse_since",
]

CURSOR = "export"
CSV_COLUMNS = (
    "id",
    "url",
    "title",
    "authors",
    "published",
    "source",
    "cluster",
    "duplicate_of",
    "word_count",
    "truncated",
    "stored_at",
    "text",
    "version",
    # Added in session 29: the rest of what an article holds, as the JSON Lines give it.
    "canonical_url",
    "modified",
    "language",
    "site_name",
    "description",
    "image",
    "tags",
    # Session 34: the story's id, which stays while better-ranked pages join (see _record).
    "story",
)
#: The columns before ``version`` (session 26): a file written with them and appended to since
#: keeps them, its rows whole under its header.
CSV_COLUMNS_BEFORE_VERSIONS = CSV_COLUMNS[: CSV_COLUMNS.index("version")]
#: The columns from ``version`` until the rest of the metadata came (session 29).
CSV_COLUMNS_BEFORE_METADATA = CSV_COLUMNS[: CSV_COLUMNS.index("version") + 1]
#: The columns until ``story`` came (session 34).
CSV_COLUMNS_BEFORE_STORY = CSV_COLUMNS[: CSV_COLUMNS.index("story")]


class ExportFormat(enum.StrEnum):
    """Formats of ``scraper export``."""

    JSONL = "jsonl"
    CSV = "csv"
    MARKDOWN = "markdown"


@dataclass(frozen=True, slots=True)
class Since:
    """Which articles to export: after the last export (``last``), or stored since a time."""

    last: bool = False
    time: float | None = None


def parse_since(value: str) -> Since:
    """``LAST``, ``ALL``, or an ISO date or date-time (UTC when it has no zone).

    Raises:
        ConfigError: the value is none of these (``key`` is ``since``).
    """
    if value.upper() == "LAST":
        return Since(last=True)
    if value.upper() == "ALL":
        return Since()
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"expected LAST, ALL or an ISO date, not {value!r}", key="since") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return Since(time=when.timestamp())


def _record(item: StoredArticle) -> dict[str, Any]:
    return {
        **item.article.to_dict(),
        "id": item.id,
        "source": item.source,
        "cluster": item.cluster,
        "duplicate_of": item.duplicate_of,
        "stored_at": datetime.fromtimestamp(item.stored_at, UTC).isoformat(),
        # 2 and up: the story changed at its address since an earlier version was handed on.
        "version": item.version,
        # The cluster's id when its first page was stored: ``cluster`` follows the best-ranked
        # page, so an original stored after its wire copy gives the copy's cluster a new id,
        # while a consumer handed the copy earlier still finds the original under this one.
        "story": item.story or item.cluster,
    }


#: What a spreadsheet takes for the start of a formula (OWASP's "CSV injection" list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, quoted with a leading ``'``.

    Titles and text come from the sites: a page titled ``=HYPERLINK(...)`` must not become a
    live formula in the sheet of whoever opens the export.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_row(item: StoredArticle, columns: Sequence[str]) -> dict[str, Any]:
    record = _record(item)
    record["authors"] = "; ".join(item.article.authors)
    record["tags"] = "; ".join(item.article.tags)
    return {name: _csv_cell(record.get(name)) for name in columns}


def csv_columns(first_line: bytes | None) -> tuple[str, ...]:
    """The CSV columns to write into a file whose first line is ``first_line`` (None: a new
    or empty one): those of its header when it is an export of an earlier version's (before
    ``version``, or before the rest of the metadata), so that appended rows fit it."""
    if first_line is None:
        return CSV_COLUMNS
    names = tuple(next(csv.reader([first_line.decode("utf-8", "replace").rstrip("\r\n")]), []))
    earlier = (CSV_COLUMNS_BEFORE_VERSIONS, CSV_COLUMNS_BEFORE_METADATA, CSV_COLUMNS_BEFORE_STORY)
    return names if names in earlier else CSV_COLUMNS


def _write(
    items: Iterable[StoredArticle],
    fmt: ExportFormat,
    stream: TextIO,
    *,
    header: bool,
    columns: Sequence[str],
) -> int:
    count = 0
    writer = None
    if fmt is ExportFormat.CSV:
        # RFC 4180's CRLF, which also makes the writer quote a cell holding a bare CR: with "\n"
        # such a cell was written unquoted and split its row in two for every reader.
        writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\r\n")
        if header:
            writer.writeheader()
    for item in items:
        count += 1
        if writer is not None:
            writer.writerow(_csv_row(item, columns))
        elif fmt is ExportFormat.JSONL:
            stream.write(json_line(_record(item)))
        else:
            cluster = f"cluster {item.cluster}"
            if item.story and item.story != item.cluster:
                cluster += f" (story {item.story})"
            if item.duplicate_of:
                cluster += f", duplicate of {item.duplicate_of}"
            if item.version > 1:
                cluster += f", version {item.version}"
            body = render(item.article, OutputFormat.MARKDOWN)
            stream.write(f"{body}\n*{cluster}*\n\n---\n\n")
    return count


@dataclass(frozen=True, slots=True)
class Skipped:
    """A stored article an export left out because its record cannot be read back."""

    id: int
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote, and the unreadable articles it skipped."""

    written: int
    skipped: tuple[Skipped, ...] = ()
    #: A ``LAST`` export's new cursor: the last article it wrote or skipped (None: unmoved).
    through: int | None = None


def _readable(
    store: CrawlStore,
    after: int,
    since: float | None,
    skipped: list[Skipped],
    log: ReadLog | None,
) -> Iterator[StoredArticle]:
    """The articles of ``articles_since``, going on past (and noting) those unreadable."""
    while True:
        try:
            for item in store.articles_since(after_id=after, since=since, log=log):
                after = item.id
                yield item
            return
        except UnreadableArticle as exc:
            skipped.append(Skipped(exc.article_id, exc.url, str(exc)))
            after = exc.article_id


def export_articles(
    store: CrawlStore,
    *,
    since: Since,
    fmt: ExportFormat,
    stream: TextIO,
    unique: bool = False,
    header: bool = True,
    columns: Sequence[str] = CSV_COLUMNS,
    mark: bool = True,
) -> ExportResult:
    """Write the selected articles to ``stream``; return how many, and which were skipped.

    An export ``since.last`` moves the export cursor past what it wrote; the others leave it
    where it is, so a one-off ``ALL`` or dated export does not take articles away from the
    cron job that hands them on with ``LAST``.

    Articles carry their clusters as they are now (see ``CrawlStore.articles_since``);
    ``unique`` leaves out articles that duplicate another; ``columns`` are CSV's (see
    :func:`csv_columns`); ``header`` false leaves out CSV's
    header row (for a file that has it already, appended to). An article whose record cannot be
    read back (a damaged row, a record of a newer version) is skipped and named in the result,
    and the cursor moves past it too: one bad record must not stop every later export. With
    ``mark`` false the cursor is left to :func:`mark_exported`, for a caller whose output is
    final only later (a file renamed into place once closed): an export that never lands must
    not take its articles from the next one.

    Raises:
        StoreError: the store cannot be read.
    """
    after = store.cursor(CURSOR) if since.last else 0
    last_id = after
    skipped: list[Skipped] = []

    def selected() -> Iterable[StoredArticle]:
        nonlocal last_id
        # ALL or a date shows the store as it is: an article a crawl updates meanwhile once,
        # as read. LAST hands on every version stored since the last export, both included.
        log = None if since.last else ReadLog()
        for item in _readable(store, after, since.time, skipped, log):
            last_id = max(last_id, item.id)
            if not unique or not (
                item.duplicate_of or (since.last and _handed_before(item, after))
            ):
                yield item

    count = _write(selected(), fmt, stream, header=header, columns=columns)
    stream.flush()
    last_id = max([last_id, *(s.id for s in skipped)])
    through = last_id if since.last and last_id > after else None
    result = ExportResult(written=count, skipped=tuple(skipped), through=through)
    if mark:
        mark_exported(store, result)
    return result


def _handed_before(item: StoredArticle, after: int) -> bool:
    """Whether ``LAST`` exports (the cursor at ``after``) got past another page of the
    article's story, and not past the article's own page: an original stored after its copy
    leads the cluster, but a consumer of unique articles has the story (as the copy) and must
    not get it twice, while a new version of a page it was given is news to it."""
    if after <= 0 or item.story_since is None or item.story_since > after:
        return False
    return (item.first_stored or item.id) > after


def mark_exported(store: CrawlStore, result: ExportResult) -> None:
    """Move the ``LAST`` cursor past what ``result``'s export handed on (if it moves at all).

    Raises:
        StoreError: the store cannot be written.
    """
    if result.through is not None:
        store.set_cursor(CURSOR, result.through)
