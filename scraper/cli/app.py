"""The typer application: wires one module per command.

To add a command, write ``scraper/cli/<name>.py`` with a function and add it to
:data:`COMMANDS` below, in the marked block.

The console script loads only the module of the command it runs: each command module imports
what its command needs (the crawl's fetcher, store and feed parsers; the extractor; numpy for
dedup), and loading them all cost every invocation about 0.8 s, ``scraper extract page.html``
and ``scraper status`` included. ``--help`` and a mistyped command load every module, to list
them. ``app`` (the whole application, for tests and embedding) is built on first use.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import platform
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    #: Every command (:func:`build_app`), made by the module's ``__getattr__`` when asked for.
    app: typer.Typer

__all__ = ["COMMANDS", "app", "build_app", "main"]

# --- commands: name -> (module, function) ---
COMMANDS: dict[str, tuple[str, str]] = {
    "extract": ("scraper.cli.extract", "extract"),
    "crawl": ("scraper.cli.crawl", "crawl"),
    "export": ("scraper.cli.export", "export"),
    "status": ("scraper.cli.status", "status"),
    "retry": ("scraper.cli.retry", "retry"),
    "demo": ("scraper.cli.demo", "demo"),
    "scrape": ("scraper.cli.scrape", "scrape"),
    "dedup": ("scraper.cli.dedup", "dedup"),
}
# --- end of commands ---

_HELP = "Fetch news pages, extract the clean article once, and cluster near-duplicates."
_VERSION = "--version"


def version_line() -> str:
    """What ``scraper --version`` prints: the release, and what a bug report or a speed figure
    also depends on (the interpreter; whether the extraction modules were compiled, or installed
    as plain Python by a build without a C compiler: about 15% more CPU a page, the same
    output)."""
    try:
        release = importlib.metadata.version("scraper")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree never installed
        release = "unknown (not installed)"
    # Found, not imported: loading the compiled pipeline costs some 60 ms.
    spec = importlib.util.find_spec("scraper.extract.pipeline")
    origin = spec.origin if spec is not None else None
    compiled = origin is not None and not origin.endswith(".py")
    build = "compiled" if compiled else "pure Python"
    return f"scraper {release} (Python {platform.python_version()}, extraction {build})"


def _show_version(asked: bool) -> None:
    if asked:
        typer.echo(version_line())
        raise typer.Exit()


def build_app(only: Sequence[str] | None = None) -> typer.Typer:
    """The application with the commands named in ``only`` (every command when None)."""
    built = typer.Typer(
        name="scraper",
        help=_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",
    )

    # A callback makes the application a group even with one command registered, so that
    # ``scraper extract ...`` parses the same whichever commands were loaded.
    @built.callback(help=_HELP)
    def _root(
        version: Annotated[
            bool,
            typer.Option(
                _VERSION,
                callback=_show_version,
                is_eager=True,
                help="Show the version, the Python and whether extraction is compiled; exit.",
            ),
        ] = False,
    ) -> None:
        del version  # handled by its callback, before any command

    for name, (module, function) in COMMANDS.items():
        if only is None or name in only:
            built.command(name)(getattr(importlib.import_module(module), function))
    return built


def _needed(argv: Sequence[str]) -> list[str] | None:
    """The one command ``argv`` runs, when its first argument names one; else None (all)."""
    first = argv[0] if argv else None
    if first == _VERSION:
        return []  # answered before any command is looked at: none needs loading
    return [first] if first in COMMANDS else None


def main() -> None:
    """Console-script entry point."""
    try:
        build_app(_needed(sys.argv[1:]))()
    finally:
        # The command is over, its exit code on its way: a stop signal now (Ctrl-C pressed
        # twice) would have the process die of it (-2) instead of exiting with that code.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
