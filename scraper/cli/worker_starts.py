"""A command whose extraction workers cannot be started: one line, and an exit code of its own.

The pages written before stay written, and the output is closed as it would be at the end (a
JSON array gets its closing bracket), so the refusal is caught inside the output and reported
once the output is closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer

from scraper.cli.exits import EXIT_UNAVAILABLE
from scraper.errors import WorkerUnavailable

__all__ = ["WorkerStarts"]


@dataclass(slots=True)
class WorkerStarts:
    """Whether starting an extraction worker was refused, and why."""

    refused: WorkerUnavailable | None = None

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Around the extraction: a refused start ends it, and is kept for :meth:`exit`."""
        try:
            yield
        except WorkerUnavailable as exc:
            self.refused = exc

    def exit(self) -> None:
        """Exit ``EXIT_UNAVAILABLE`` with the reason, if a start was refused."""
        if self.refused is not None:
            typer.echo(f"scraper: {self.refused}", err=True)
            raise typer.Exit(EXIT_UNAVAILABLE) from self.refused
