"""``scraper extract``: saved pages in, clean articles out."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, TextIO

import typer

from scraper.batch import BatchItem, extract_files, find_inputs
from scraper.charset import page_charset
from scraper.cli.exits import EXIT_FAILED
from scraper.cli.isolated import Limits, extract_isolated, extract_one_isolated
from scraper.cli.limits import MemoryOption
from scraper.cli.outputs import (
    FormatOption,
    OutputOption,
    open_output,
    refuse_output_over_inputs,
    report_failure,
    standard_input,
    streamed_articles,
    take_outcome,
)
from scraper.cli.progress import Progress
from scraper.cli.worker_starts import WorkerStarts
from scraper.discover.urls import normalise_url
from scraper.errors import InputError
from scraper.extract import ExtractOptions, explain
from scraper.extract.decisions import Explanation, render_explanation
from scraper.memory import DEFAULT_MEMORY_MB, memory_cap
from scraper.models import Article, Block, Failure
from scraper.output import ArticleWriter, OutputFormat
from scraper.pagefile import load_page, read_page

__all__ = ["extract"]


def _page_url(value: str | None) -> str | None:
    # Taken as given, "example.com/x" became the article's url and the base its links were
    # resolved against, and the run exited 0.
    if value is not None:
        try:
            normalise_url(value)
        except InputError as exc:
            raise typer.BadParameter(str(exc)) from exc
    return value


def _read_stdin() -> bytes:
    try:
        return read_page(standard_input())
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from exc


def _stdin(url: str | None, options: ExtractOptions, limits: Limits, writer: ArticleWriter) -> int:
    """Extract the page on stdin; 1 if it failed (and was reported), else 0."""
    try:
        outcome = extract_one_isolated(_read_stdin(), url, options, limits)
    except Exception as exc:  # a bug met on this page is reported as its failure too
        return _failed(Failure.from_error("-", exc))
    # Written as a file's article is: in JSON one input is an array of one (or none, when it
    # failed), as a folder of one page is, so a reader of the output need not ask which it got.
    return take_outcome("-", outcome, writer)


def _failed(failure: Failure) -> int:
    report_failure(failure)
    return 1


def _explain_file(path: Path, url: str | None, options: ExtractOptions) -> Explanation:
    """The explanation of a saved page, loaded (sidecar and all) and decoded as extraction does."""
    page = load_page(path, url)
    return explain(
        page.body,
        page.effective_url,
        options=options,
        encoding=page_charset(page),
        content_type=page.header("content-type"),
    )


def _why_empty(explanation: Explanation) -> tuple[str, str] | None:
    """The failure kind and reason extraction gives the page explained, None when it finds an
    article: the same rule (:meth:`Article.why_empty`) on the blocks the explanation keeps."""
    kept = (d.block for d in explanation.decisions if d.keep)
    blocks = tuple(Block(b.kind, b.text, b.level) for b in kept)
    return Article.build(blocks=blocks, truncated=explanation.truncated).why_empty()


def _printable(name: str) -> str:
    """A file name as a line of output shows it: a byte that is no UTF-8 (held by the name as a
    lone surrogate, which no encoder takes, so the line ended the run in a traceback) written
    as its escape, as a failure line on stderr shows it (``caf\\udce9.html``)."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _explain_all(sources: list[tuple[str, Callable[[], Explanation]]], stream: TextIO) -> int:
    """Write each input's explanation; those that fail, or find no article, are reported and
    counted, the others go on."""
    failed = 0
    shown = 0
    for source, explained in sources:
        try:
            explanation = explained()
        except Exception as exc:  # one bad page is its own failure, not the command's
            failed += _failed(Failure.from_error(source, exc))
            continue
        if len(sources) > 1:
            # The tables look alike: a line naming the file before each, as head and tail
            # print for several files.
            stream.write(("\n" if shown else "") + f"==> {_printable(source)} <==\n")
        stream.write(render_explanation(explanation))
        shown += 1
        # Shown all the same (why a page gives nothing is what --explain is asked for most),
        # and a failure as extraction reports it, so the exit code is the same with or without.
        empty = _why_empty(explanation)
        if empty is not None:
            failed += _failed(Failure(source, *empty))
    return failed


@dataclass(frozen=True, slots=True, kw_only=True)
class _Batch:
    """How the files of one run are extracted."""

    url: str | None
    options: ExtractOptions
    workers: int
    limits: Limits


def _extract_files(files: list[Path], batch: _Batch, writer: ArticleWriter) -> int:
    """Write each file's article as it comes (in input order); the failures are reported and
    counted."""
    failed = 0
    with Progress("extracting", len(files), output=writer.stream) as progress:

        def take(item: BatchItem) -> None:
            nonlocal failed
            with progress.item():
                failed += take_outcome(str(item.path), item.result, writer)

        if batch.workers > 1 and len(files) > 1:
            items = extract_files(
                files,
                batch.options,
                url=batch.url,
                workers=batch.workers,
                timeout=batch.limits.timeout,
                memory_mb=batch.limits.memory_mb,
            )
            # A stop raised in take() (a signal noticed at the next article) leaves the loop
            # from outside the generator: closing it ends the pool there and then.
            with closing(items):
                for item in items:
                    take(item)
        else:
            # One process for the work, but not this one: a page that hangs the parser or grows
            # without bound must fail alone (scraper.cli.isolated).
            extract_isolated(files, batch.options, batch.limits, take, url=batch.url)
    return failed


def extract(
    args: Annotated[
        list[str],
        # Strings, not click's paths: those take "" (an empty shell variable) for ".", and
        # the run extracted the whole working directory; and click's readability check
        # refused the whole run (exit 2) for one unreadable file, where that input's failure
        # (kind input) lets the others go on.
        typer.Argument(
            metavar="paths",
            help="HTML files, directories of them (hidden ones left out), or - alone for stdin.",
        ),
    ],
    url: Annotated[
        str | None,
        typer.Option(
            callback=_page_url, help="The page's URL, absolute http(s) (a single input only)."
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.TEXT,
    output: OutputOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes for many files.")] = 1,
    timeout: Annotated[
        float,
        typer.Option(
            "--extract-timeout",
            "--timeout",
            help="Seconds a page's extraction may take; then it fails (extract_timeout) and "
            "the others go on.",
        ),
    ] = 60.0,
    memory_mb: MemoryOption = DEFAULT_MEMORY_MB,
    explain_it: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show every candidate block, its score and why kept (text only; a line naming "
            "each file when there are several).",
        ),
    ] = False,
    no_tables: Annotated[bool, typer.Option("--no-tables", help="Leave tables out.")] = False,
) -> None:
    """Extract the clean article (body and metadata) from saved HTML pages.

    A file saved by `scraper scrape --save-html` is read with its sidecar (URL, headers), so it
    extracts as it did when fetched (a sidecar named too, as `saved/*` names it, is no input of its
    own). Each path is an input: a file that cannot be read or extracted, a page with no article
    text (kind empty; too_large when the page is past the extractor's bounds), a missing path, a
    dangling link and a directory with no HTML files are each reported on one line of stderr, and
    the others go on; the exit code is then 1. An article read from only the first part of a huge
    page is written, with a warning on stderr. Exit 2 is for bad options only (- mixed with files,
    an output that is one of the inputs, --explain with a format other than text). Articles are
    written as they come, in input order, so a run stopped by Ctrl-C or SIGTERM (exit 130 or 143)
    keeps those done; JSON is one array whatever the number of inputs (stdin's one page
    included), [] when none gave an article. Pages are extracted in a worker process (in
    --workers processes): one whose extraction takes longer than --extract-timeout fails
    (extract_timeout; its process is killed), and since a few kilobytes of markup can make the HTML
    parser build millions of elements, --memory-mb caps what extraction may hold, so such a page
    fails fast (parse or out_of_memory); the others go on. --explain extracts in this process, under
    --memory-mb but with no time limit; a page it finds no article in is shown, then reported as
    extraction reports it (exit 1).

    Example: scraper extract fixtures/wordpress-news.html --format json
    """
    options = ExtractOptions(include_tables=not no_tables)
    paths = [Path(arg) for arg in args if arg]
    unnamed = [
        Failure("''", InputError.kind, "an empty argument names no file") for arg in args if not arg
    ]
    if not timeout > 0:
        raise typer.BadParameter("must be more than 0 seconds", param_hint="--extract-timeout")
    limits = Limits(timeout=timeout, memory_mb=memory_mb or None)
    if explain_it and fmt is not OutputFormat.TEXT:
        # The report is for a person to read; a program has scraper.extract.explain, which
        # gives the typed record. Ignored, the format would hand a script that asked for JSON
        # a text table.
        raise typer.BadParameter("--explain writes text only", param_hint="--format")
    if url is not None and len(args) > 1:
        raise typer.BadParameter("--url applies to a single input", param_hint="--url")
    from_stdin = [str(p) for p in paths] == ["-"]
    if not from_stdin and any(str(p) == "-" for p in paths):
        raise typer.BadParameter("- (stdin) cannot be mixed with files: give it alone")
    files, missing = ([], []) if from_stdin else find_inputs(paths)
    missing = unnamed + missing
    if url is not None and len(files) > 1:
        # A folder is one path but many pages: one URL for all of them would make them one
        # article's copies to dedup, and resolve each page's links against another's address.
        raise typer.BadParameter(
            f"--url applies to a single input; {paths[0]} holds {len(files)} pages",
            param_hint="--url",
        )
    refuse_output_over_inputs(paths if from_stdin else files, output)
    starts = WorkerStarts()
    with open_output(output) as stream:
        failed = sum(_failed(failure) for failure in missing)
        if explain_it:
            sources: list[tuple[str, Callable[[], Explanation]]] = (
                [("-", lambda: explain(_read_stdin(), url, options=options))]
                if from_stdin
                else [(str(f), partial(_explain_file, f, url, options)) for f in files]
            )
            with memory_cap(limits.memory_mb):  # --explain extracts in this process
                failed += _explain_all(sources, stream)
        else:
            with streamed_articles(fmt, stream) as writer, starts.kept():
                if from_stdin:
                    failed += _stdin(url, options, limits, writer)
                else:
                    batch = _Batch(url=url, options=options, workers=workers, limits=limits)
                    failed += _extract_files(files, batch, writer)
    starts.exit()
    if failed:
        raise typer.Exit(EXIT_FAILED)
