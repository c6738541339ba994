"""What every command that prints articles shares: its format and output options, where the
output goes, and how a failed input is reported."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from scraper.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED
from scraper.credentials import redact
from scraper.export import ExportResult
from scraper.models import Article, Failure
from scraper.output import ArticleWriter, OutputFormat

__all__ = [
    "FormatOption",
    "OutputOption",
    "check_writable",
    "open_output",
    "report_export",
    "report_failure",
    "streamed_articles",
    "with_text",
]

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
]


@contextmanager
def open_output(path: Path | None) -> Iterator[TextIO]:
    """stdout, or ``path`` opened for writing (a usage error when it cannot be).

    A write that fails on the way (a full disk, a closed pipe) ends the command with exit 1 and
    a line saying so, not a traceback.
    """
    try:
        if path is None:
            yield sys.stdout
            return
        try:
            stream = path.open("w", encoding="utf-8")
        except OSError as exc:
            raise typer.BadParameter(f"cannot write {path}: {exc.strerror}") from exc
        with stream:
            yield stream
    except OSError as exc:
        typer.echo(f"scraper: cannot write {path or 'stdout'}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc


@contextmanager
def streamed_articles(fmt: OutputFormat, stream: TextIO) -> Iterator[ArticleWriter]:
    """A writer of articles as they come, closed at the end.

    On Ctrl-C the output is closed too (what was written stays, JSON's array is ended) and the
    command ends with exit 130 and a line saying how many articles were written.
    """
    writer = ArticleWriter(fmt, stream)
    try:
        yield writer
    except KeyboardInterrupt as exc:
        writer.close()
        typer.echo(f"scraper: interrupted; {writer.count} articles written", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from exc
    writer.close()


def check_writable(path: Path) -> None:
    """A usage error unless ``path`` can be opened for writing; the file is left as it was.

    For a command that writes ``path`` only later, and perhaps not at all (a crawl that finds
    another run holding the lock must not empty that run's export file).
    """
    if not path.exists():
        # Not created to find out: removing it again could remove the export another run
        # creates meanwhile.
        folder = path.parent
        if not folder.is_dir():
            raise typer.BadParameter(f"cannot write {path}: no folder {folder}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise typer.BadParameter(f"cannot write {path}: {folder} is not writable")
        return
    try:
        path.open("a", encoding="utf-8").close()
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {path}: {exc.strerror}") from exc


#: Longest input name and reason a failure line shows in full (a URL can be 100,000 chars).
_SOURCE_CHARS = 300
_REASON_CHARS = 1000


def _clip(text: str, limit: int) -> str:
    """``text``, or its two ends with the number of characters left out between them."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}...[{len(text) - 2 * half} characters]...{text[-half:]}"


def report_failure(failure: Failure) -> None:
    """One line on stderr, of bounded length: the input, the kind of failure and why.

    A URL's password is shown as ``***``: stderr goes to logs and mail (cron's, a CI's).
    """
    source = _clip(redact(failure.source), _SOURCE_CHARS)
    reason = _clip(failure.reason, _REASON_CHARS)
    typer.echo(f"scraper: {source}: {failure.kind}: {reason}", err=True)


def with_text(source: str, article: Article) -> Article | Failure:
    """The article, or the failure a crawl records for a page without article text.

    :func:`~scraper.extract.extract` returns such a page as an article with an empty body (a
    library caller may want its metadata); a command reports it as that input's failure, kind
    ``empty``, as the crawl does, rather than print a blank article and exit 0.
    """
    if article.text.strip():
        return article
    return Failure(source, "empty", "no article text found")


def report_export(result: ExportResult) -> None:
    """The export's summary line on stderr, after a line for each article it skipped."""
    for skipped in result.skipped:
        typer.echo(f"scraper: {_clip(skipped.reason, _REASON_CHARS)}; skipped", err=True)
    line = f"exported {result.written} articles"
    if result.skipped:
        line += f", skipped {len(result.skipped)} unreadable (named above)"
    typer.echo(line, err=True)
