"""``scraper extract``: saved pages in, clean articles out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from scraper.batch import BatchItem, expand_paths, extract_files
from scraper.charset import decode_html, page_charset
from scraper.cli.exits import EXIT_FAILED
from scraper.cli.outputs import FormatOption, OutputOption, open_output, report_failure
from scraper.errors import ScraperError
from scraper.extract import ExtractOptions, explain
from scraper.extract import extract as extract_article
from scraper.extract.decisions import render_explanation
from scraper.models import Article, Failure
from scraper.output import OutputFormat, render, write_articles
from scraper.pagefile import load_page

__all__ = ["extract"]

#: More inputs than this get a progress bar on stderr.
_PROGRESS_FROM = 5


def _from_stdin(url: str | None, options: ExtractOptions, explain_it: bool) -> Article | str:
    data = sys.stdin.buffer.read()
    if explain_it:
        return render_explanation(explain(data, url, options=options))
    return extract_article(data, url=url, options=options)


def _explain_file(path: Path, url: str | None, options: ExtractOptions) -> str:
    """The explanation of a saved page, loaded (sidecar and all) and decoded as extraction does."""
    page = load_page(path, url)
    decoded = decode_html(page.body, page_charset(page))
    return render_explanation(explain(decoded.text, page.effective_url, options=options))


def _explain_files(
    files: list[Path], url: str | None, options: ExtractOptions, stream: TextIO
) -> list[Failure]:
    """Write each file's explanation; those that fail are returned, and the others go on."""
    failures = []
    for path in files:
        try:
            text = _explain_file(path, url, options)
        except Exception as exc:  # one bad page is its own failure, not the command's
            failures.append(Failure.from_error(str(path), exc))
            continue
        stream.write(text)
    return failures


def _stream(
    items: list[Path], url: str | None, options: ExtractOptions, workers: int, timeout: float
) -> list[BatchItem]:
    results = extract_files(items, options, url=url, workers=workers, timeout=timeout)
    if len(items) < _PROGRESS_FROM:
        return list(results)
    with typer.progressbar(results, length=len(items), label="extracting", file=sys.stderr) as bar:
        return list(bar)


def extract(
    paths: Annotated[
        list[Path], typer.Argument(help="HTML files, directories of them, or - for stdin.")
    ],
    url: Annotated[str | None, typer.Option(help="The page's URL (a single input only).")] = None,
    fmt: FormatOption = OutputFormat.TEXT,
    output: OutputOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes for many files.")] = 1,
    timeout: Annotated[
        float,
        typer.Option(
            help="Seconds a page may take with --workers 2 or more; then it fails "
            "(extract_timeout) and the others go on."
        ),
    ] = 60.0,
    explain_it: Annotated[
        bool,
        typer.Option("--explain", help="Show every candidate block, its score and why kept."),
    ] = False,
    no_tables: Annotated[bool, typer.Option("--no-tables", help="Leave tables out.")] = False,
) -> None:
    """Extract the clean article (body and metadata) from saved HTML pages.

    A file saved by `scraper scrape --save-html` is read with its sidecar (URL, headers), so it
    extracts as it did when fetched. A failed file is reported on stderr and the others go on;
    the exit code is 1 when any failed. With --workers 2 or more, a page whose extraction takes
    longer than --timeout fails too (its process is killed); in one process there is no limit.

    Example: scraper extract fixtures/wordpress-news.html --format json
    """
    options = ExtractOptions(include_tables=not no_tables)
    if not timeout > 0:
        raise typer.BadParameter("must be more than 0 seconds", param_hint="--timeout")
    inputs = [p for p in paths if str(p) != "-"]
    if url is not None and len(paths) > 1:
        raise typer.BadParameter("--url applies to a single input", param_hint="--url")
    with open_output(output) as stream:
        if len(paths) == 1 and str(paths[0]) == "-":
            try:
                result = _from_stdin(url, options, explain_it)
            except Exception as exc:  # a bug met on this page is reported as its failure too
                report_failure(Failure.from_error("-", exc))
                raise typer.Exit(EXIT_FAILED) from exc
            stream.write(result if isinstance(result, str) else render(result, fmt))
            return
        try:
            files = expand_paths(inputs)
        except ScraperError as exc:
            raise typer.BadParameter(str(exc)) from exc
        if explain_it:
            failures = _explain_files(files, url, options, stream)
        else:
            items = _stream(files, url, options, workers, timeout)
            failures = [i.result for i in items if isinstance(i.result, Failure)]
            write_articles([i.result for i in items if isinstance(i.result, Article)], fmt, stream)
    for failure in failures:
        report_failure(failure)
    if failures:
        raise typer.Exit(EXIT_FAILED)
