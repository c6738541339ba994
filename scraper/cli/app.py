"""The typer application: wires one module per command.

To add a command, write ``scraper/cli/<name>.py`` with a function and register it below with
one ``app.command(...)`` line, in the marked block.
"""

from __future__ import annotations

import typer

from scraper.cli import crawl as crawl_cmd
from scraper.cli import dedup as dedup_cmd
from scraper.cli import demo as demo_cmd
from scraper.cli import export as export_cmd
from scraper.cli import extract as extract_cmd
from scraper.cli import retry as retry_cmd
from scraper.cli import scrape as scrape_cmd
from scraper.cli import status as status_cmd

app = typer.Typer(
    name="scraper",
    help="Fetch news pages, extract the clean article once, and cluster near-duplicates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def _root() -> None:
    """Fetch news pages, extract the clean article once, and cluster near-duplicates."""


# --- commands (one line each) ---
app.command("extract")(extract_cmd.extract)
app.command("crawl")(crawl_cmd.crawl)
app.command("export")(export_cmd.export)
app.command("status")(status_cmd.status)
app.command("retry")(retry_cmd.retry)
app.command("demo")(demo_cmd.demo)
app.command("scrape")(scrape_cmd.scrape)
app.command("dedup")(dedup_cmd.dedup)
# --- end of commands ---


def main() -> None:
    """Console-script entry point."""
    app()
