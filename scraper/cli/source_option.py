"""The ``--source NAME`` of the commands that read a store: a name must be one they know."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer

from scraper.errors import shorten

__all__ = ["check_source"]


def check_source(
    source: str | None, target: Path, *, configured: Iterable[str], stored: Iterable[str]
) -> None:
    """A usage error (2) listing the known sources, for a name neither the config nor the store
    has: a mistyped name must not read as "nothing failed" or "nothing to retry".

    The store's own names count: a source removed or renamed in the config keeps its URLs
    there, under the name `scraper status` shows.
    """
    if source is None:
        return
    known = sorted({*configured, *stored})
    if source not in known:
        listed = ", ".join(known) or "none"
        raise typer.BadParameter(
            # Quoted short: a name pasted by mistake (a whole file) made a 100 KB message.
            f"no source {shorten(source)!r} in {target} or its store (sources: {listed})",
            param_hint="--source",
        )
