"""``scraper dedup``: JSONL articles in, the same records out with their near-duplicate cluster."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from scraper.cli.crawl import EXIT_FAILED, EXIT_STORE
from scraper.dedup import Assignment, DedupIndex, DedupOptions, Document, summarise
from scraper.errors import ConfigError, DedupError, RecordError, StoreError

__all__ = ["dedup"]

#: More records than this get a progress bar on stderr.
_PROGRESS_FROM = 2000


def _field(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    raise RecordError(f"{name} must be a string, not {type(value).__name__}")


def _published(record: dict[str, Any]) -> datetime | None:
    raw = _field(record, "published")
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise RecordError(f"published is not an ISO 8601 date: {raw!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # a bare date is read as UTC


def _document(line: str) -> tuple[dict[str, Any], Document]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc.msg}") from exc
    if not isinstance(record, dict):
        raise RecordError("a record must be a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise RecordError("a record needs a string 'text'")
    url = _field(record, "url")
    if not url:
        raise RecordError("a record needs a 'url'")
    doc = Document(
        url=url,
        text=text,
        title=_field(record, "title"),
        published=_published(record),
        canonical=_field(record, "canonical_url"),
    )
    return record, doc


def _read(stream: Iterable[str], source: str) -> tuple[list[tuple[dict[str, Any], Document]], int]:
    records: list[tuple[dict[str, Any], Document]] = []
    bad = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            records.append(_document(line))
        except RecordError as exc:
            bad += 1
            typer.echo(f"scraper: {source}:{number}: skipped: {exc}", err=True)
    return records, bad


def _place(index: DedupIndex, docs: list[Document]) -> list[Assignment]:
    if len(docs) < _PROGRESS_FROM:
        return index.add_many(docs)
    with typer.progressbar(length=len(docs), label="deduplicating", file=sys.stderr) as bar:
        return index.add_many(docs, progress=bar.update)


def _open(path: Path, mode: str) -> TextIO:
    if str(path) == "-":
        return sys.stdin if mode == "r" else sys.stdout
    try:
        stream = path.open("w" if mode == "w" else "r", encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot open {path}: {exc.strerror}") from exc
    return stream


def dedup(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT.jsonl", help="JSONL articles, or - for stdin.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the records here (- for stdout).")
    ] = Path("-"),
    db: Annotated[
        Path | None,
        typer.Option(help="SQLite index kept across runs (default: in memory, this run only)."),
    ] = None,
    containment: Annotated[
        float, typer.Option(help="Share of the shorter text that must appear in the longer.")
    ] = DedupOptions().containment,
) -> None:
    """Cluster near-duplicate articles and mark each record with its cluster.

    Reads JSONL records (the `extract --format jsonl` shape, or any objects with `url` and
    `text`, optional `title`, `published`, `canonical_url`) and writes each back with `cluster`
    (a stable id) and `duplicate_of` (the representative's url, or null). With `--db` the index
    persists, so later runs also match articles seen before. A summary goes to stderr; a bad
    line is reported with its number and skipped (exit 1). Exit 2: bad options, 4: store error.

    Example: scraper dedup articles.jsonl --output clustered.jsonl --db dedup.sqlite
    """
    try:
        options = DedupOptions(containment=containment)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--containment") from exc
    source = _open(input_path, "r")
    try:
        records, bad = _read(source, str(input_path))
    finally:
        if source is not sys.stdin:
            source.close()
    try:
        with DedupIndex.open(db if db is not None else ":memory:", options) as index:
            assignments = _place(index, [doc for _, doc in records])
    except (StoreError, DedupError) as exc:
        typer.echo(f"scraper: dedup index: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc
    sink = _open(output, "w")
    try:
        for (record, _), assignment in zip(records, assignments, strict=True):
            record["cluster"] = assignment.cluster
            record["duplicate_of"] = assignment.duplicate_of
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if sink is not sys.stdout:
            sink.close()
    typer.echo(f"scraper: {summarise(assignments).describe()}", err=True)
    if bad:
        typer.echo(f"scraper: {bad} bad line(s) skipped", err=True)
        raise typer.Exit(EXIT_FAILED)
