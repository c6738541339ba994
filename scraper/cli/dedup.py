"""``scraper dedup``: JSONL articles in, the same records out with their near-duplicate cluster."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import sys
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from scraper.cli.exits import EXIT_FAILED, EXIT_STORE
from scraper.cli.outputs import (
    check_not_over_store,
    open_output,
    refuse_output_over_inputs,
    standard_input,
)
from scraper.config import usable_cpus
from scraper.dedup import Assignment, DedupIndex, DedupOptions, Document, summarise
from scraper.errors import ConfigError, DedupError, InputError, RecordError, StoreError
from scraper.output import json_line
from scraper.surrogates import without_surrogates

__all__ = ["dedup"]

#: Bad lines that open an input with no record among them: past this, it is no JSON Lines.
_FIRST_BAD_LINES = 10
#: The first bytes of gzip data (RFC 1952).
_GZIP_MAGIC = b"\x1f\x8b"


def _no_constant(name: str) -> Any:
    # Python reads (and would write back) NaN and Infinity, which are no JSON: the record
    # written out would be a line no other JSON reader takes.
    raise RecordError(f"not JSON: {name} is no JSON value")


def _document(line: bytes) -> tuple[dict[str, Any], Document]:
    try:
        record = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise RecordError(f"not UTF-8: {exc.reason} (byte {exc.start + 1} of the line)") from exc
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc.msg}") from exc
    except ValueError as exc:  # the one other: an integer over int()'s digit limit
        limit = sys.get_int_max_str_digits()
        raise RecordError(f"not JSON we can read: a number of over {limit} digits") from exc
    except RecursionError as exc:
        raise RecordError("not JSON we can read: nested too deeply") from exc
    if not isinstance(record, dict):
        raise RecordError("a record must be a JSON object")
    return record, Document.from_record(record)


class _Reader:
    """The records of a JSONL stream, bad lines reported (with their number) and counted.

    The stream is read as bytes and each line decoded on its own, so a line that is not UTF-8
    is one bad line, not the end of the run. A UTF-8 byte order mark opening the stream is
    dropped.
    """

    def __init__(self, stream: Iterable[bytes], source: str) -> None:
        self._stream = stream
        self._source = source
        self.bad = 0
        self.good = 0

    def records(self) -> Iterator[tuple[dict[str, Any], Document]]:
        """The records, in order.

        Raises:
            InputError: the input is no JSON Lines (its first lines are none, or its gzip
                compression is corrupt).
        """
        try:
            for number, line in enumerate(self._stream, start=1):
                if number == 1:
                    # Read as utf-8-sig: Windows tools add it.
                    line = line.removeprefix(codecs.BOM_UTF8)
                if not line.strip():
                    continue
                try:
                    found = _document(line)
                except RecordError as exc:
                    self.bad += 1
                    typer.echo(f"scraper: {self._source}:{number}: skipped: {exc}", err=True)
                    if not self.good and self.bad >= _FIRST_BAD_LINES:
                        # Binary data, or another format: a line of error per "line" of it
                        # (each newline byte) said nothing more.
                        raise InputError(
                            f"{self._source}: not JSON Lines: its first {self.bad} lines are"
                            " no records; stopped"
                        ) from exc
                    continue
                self.good += 1
                yield found
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self._source}: cannot read the compressed input: {exc}") from exc


def _batches(
    records: Iterator[tuple[dict[str, Any], Document]], size: int | None
) -> Iterator[list[tuple[dict[str, Any], Document]]]:
    if size is None:
        whole = list(records)
        if whole:
            yield whole
        return
    # islice() refuses a count past sys.maxsize (a traceback on `--batch 10**30`); no input
    # holds more records than that, so such a batch is the same one batch.
    while batch := list(islice(records, min(size, sys.maxsize))):
        yield batch


def _place(
    index: DedupIndex, batches: Iterator[list[tuple[dict[str, Any], Document]]], sink: IO[str]
) -> list[Assignment]:
    """Place the batches in turn, writing each batch's records as soon as it is placed."""
    held: deque[list[dict[str, Any]]] = deque()

    def documents() -> Iterator[list[Document]]:
        for batch in batches:
            held.append([record for record, _ in batch])
            yield [doc for _, doc in batch]

    placed: list[Assignment] = []
    for assignments in index.add_batches(documents(), progress=_Bars(held).update):
        for record, assignment in zip(held.popleft(), assignments, strict=True):
            record["cluster"] = assignment.cluster
            record["duplicate_of"] = assignment.duplicate_of
            # A lone surrogate (a "\ud800" escape read in) cannot be written as UTF-8.
            sink.write(without_surrogates(json_line(record)))
        placed += assignments
    return placed


class _Bars:
    """A progress bar on stderr per batch placed, when stderr is a terminal."""

    def __init__(self, held: deque[list[dict[str, Any]]]) -> None:
        self._held = held
        self._bar: Any = None
        self._left = 0

    def update(self, count: int) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None:
            self._left = len(self._held[0])  # the batch being placed is the oldest held
            self._bar = typer.progressbar(length=self._left, label="deduplicating", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(count)
        self._left -= count
        if self._left <= 0:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _open_input(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """``path`` (stdin for "-") opened to read bytes, lines decoded one by one: what to read
    (decompressed, for gzip data: `articles.jsonl.gz` as archived) and what to close."""
    try:
        raw = standard_input() if str(path) == "-" else path.open("rb")
    except OSError as exc:
        raise typer.BadParameter(f"cannot open {path}: {exc.strerror}") from exc
    peek = getattr(raw, "peek", None)
    head = peek(len(_GZIP_MAGIC)) if peek is not None else b""
    if head[: len(_GZIP_MAGIC)] == _GZIP_MAGIC:
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb")), raw
    return raw, raw


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
    batch: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Read and place this many records at a time, writing each batch as it is"
            " placed (bounded memory for big inputs). A record is written with the cluster"
            " and duplicate_of it has when its batch is placed; a later batch can still join"
            " its cluster to another or give it a new lead. The final clusters are mostly"
            " those of one batch (identical on 3,000 corpus records in batches of 64), but a"
            " site's chrome lines are recognised once 3 of its pages are stored, so its first"
            " short pages can be merged on shared chrome: keep batches to thousands."
            " Default: the whole input as one batch, whose clusters do not depend on the"
            " order of its records.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes that analyse the texts (default: the CPUs this process may use).",
        ),
    ] = None,
) -> None:
    """Cluster near-duplicate articles and mark each record with its cluster.

    Reads JSONL records (the `extract --format jsonl` shape, or any objects with `url` and `text`,
    optional `title`, `published`, `canonical_url`; gzip-compressed or not) and writes each back
    with `cluster` (a stable id) and `duplicate_of` (the representative's url, or null). With `--db`
    the index persists, so later runs also match articles seen before. A summary goes to stderr; a
    bad line is reported with its number and skipped (exit 1; so is an output that cannot be written
    in full, and an input whose first 10 lines are no records, read no further). Exit 2: bad options
    (an output that is the input or the --db index among them), 4: store error.

    Example: scraper dedup articles.jsonl -o clustered.jsonl --db dedup.sqlite --batch 10000
    """
    try:
        options = DedupOptions(
            containment=containment, workers=workers if workers is not None else usable_cpus()
        )
    except ConfigError as exc:
        raise typer.BadParameter(exc.detail, param_hint="--containment") from exc
    refuse_output_over_inputs([input_path], output)
    if db is not None and str(output) != "-":
        # Opened for writing first, it would lose the index kept across runs, and SQLite
        # would then write its pages through the records.
        check_not_over_store(
            output, db, key="--output", store_is="the dedup index", writing="the records"
        )
    source, opened = _open_input(input_path)
    reader = _Reader(source, str(input_path))
    try:
        # The records are written as their batches are placed: a full disk or a closed pipe
        # met on the way ends the run as it ends extract's (one line, exit 1).
        with open_output(output) as sink:
            try:
                with DedupIndex.open(db if db is not None else ":memory:", options) as index:
                    assignments = _place(index, _batches(reader.records(), batch), sink)
            except (StoreError, DedupError) as exc:
                typer.echo(f"scraper: dedup index: {exc}", err=True)
                raise typer.Exit(EXIT_STORE) from exc
    except InputError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
    finally:
        if source is not opened:
            source.close()
        if str(input_path) != "-":
            opened.close()
    typer.echo(f"scraper: {summarise(assignments).describe()}", err=True)
    if reader.bad:
        typer.echo(f"scraper: {reader.bad} bad line(s) skipped", err=True)
        raise typer.Exit(EXIT_FAILED)
