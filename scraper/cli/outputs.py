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

from scraper.cli.exits import EXIT_FAILED
from scraper.models import Failure
from scraper.output import OutputFormat

__all__ = ["FormatOption", "OutputOption", "check_writable", "open_output", "report_failure"]

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


def report_failure(failure: Failure) -> None:
    """One line on stderr: the input, the kind of failure and why."""
    typer.echo(f"scraper: {failure.source}: {failure.kind}: {failure.reason}", err=True)
