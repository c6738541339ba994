"""``scraper scrape``: live URLs in, clean articles out (and, if asked, the pages as fixtures)."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.exits import EXIT_FAILED
from scraper.cli.outputs import FormatOption, OutputOption, open_output, report_failure
from scraper.errors import ConfigError, FetchError, StoreError
from scraper.extract import extract_page
from scraper.fetch import Fetcher, FetchOptions, Limits, Politeness, Timeouts, fetch_each
from scraper.fetch.options import DEFAULT_USER_AGENT
from scraper.models import Article, Failure, Page
from scraper.output import OutputFormat, write_articles
from scraper.pagefile import save_page

__all__ = ["scrape"]

#: More URLs than this get a progress bar on stderr.
_PROGRESS_FROM = 5
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What one scrape does with each page besides extracting it."""

    save_html: Path | None
    progress: bool


def _read_urls(urls: list[str], input_file: Path | None) -> list[str]:
    """The command-line URLs, then those of ``--input`` (one a line; blanks and # skipped)."""
    found = list(urls)
    if input_file is not None:
        try:
            text = (
                sys.stdin.read()
                if str(input_file) == "-"
                else input_file.read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {input_file}: {exc}") from exc
        stripped = (line.strip() for line in text.splitlines())
        found += [line for line in stripped if line and not line.startswith("#")]
    if not found:
        raise typer.BadParameter("give at least one URL, or --input FILE")
    return found


async def _process(page: Page, run: _Run) -> Article:
    """Save the page if asked, then extract it (off the event loop, so fetches go on)."""
    if run.save_html is not None:
        try:
            save_page(page, run.save_html)
        except OSError as exc:
            raise StoreError(f"cannot save the page under {run.save_html}: {exc}") from exc
    return await asyncio.to_thread(extract_page, page)


async def _scrape(urls: list[str], options: FetchOptions, run: _Run) -> tuple[list[Article], int]:
    """Fetch and extract every URL; the articles in input order and the number that failed."""
    articles: list[Article] = []
    failed = 0
    with typer.progressbar(
        length=len(urls), label="scraping", file=sys.stderr, hidden=not run.progress
    ) as bar:
        async with Fetcher(options) as fetcher:
            async for result in fetch_each(fetcher, urls):
                bar.update(1)
                try:
                    if result.page is None:
                        raise result.error or FetchError("nothing fetched", url=result.url)
                    articles.append(await _process(result.page, run))
                except Exception as exc:  # one bad page is its own failure, not the run's
                    failed += 1
                    report_failure(Failure.from_error(result.url, exc))
    return articles, failed


def scrape(
    urls: Annotated[
        list[str] | None, typer.Argument(help="Page URLs (http or https).", show_default=False)
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="A file of URLs, one a line (- for stdin)."),
    ] = None,
    fmt: FormatOption = OutputFormat.TEXT,
    output: OutputOption = None,
    save_html: Annotated[
        Path | None,
        typer.Option(
            "--save-html", help="Also save each page as served (+ a sidecar) in this directory."
        ),
    ] = None,
    user_agent: Annotated[
        str | None, typer.Option(help="User-Agent to send [default: scraper/<version> (...)].")
    ] = None,
    contact: Annotated[
        str | None, typer.Option(help="A URL or e-mail for site owners, added to the User-Agent.")
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds allowed per request, body included.")
    ] = 60.0,
    max_mb: Annotated[float, typer.Option(min=0.01, help="Largest page to accept, in MB.")] = 10.0,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests under way at once.")] = 16,
    per_host: Annotated[int, typer.Option(min=1, help="Requests under way per host.")] = 2,
    interval: Annotated[
        float, typer.Option(min=0.0, help="Least seconds between two requests to one host.")
    ] = 1.0,
    ignore_robots: Annotated[
        bool, typer.Option("--ignore-robots", help="Do not read or obey robots.txt.")
    ] = False,
    allow_network: Annotated[
        list[str] | None,
        typer.Option(help="A private network to allow (CIDR, repeatable), e.g. 10.0.0.0/8."),
    ] = None,
    http2: Annotated[bool, typer.Option("--http2", help="Offer HTTP/2 (needs h2).")] = False,
) -> None:
    """Fetch news pages and print their clean articles.

    robots.txt is obeyed and each host is paced; private and internal addresses are refused
    unless allowed with --allow-network. A URL that fails is reported on stderr with its reason
    and the others go on; the exit code is 1 when any failed. With --save-html each page is kept
    as served, and `scraper extract` on that file gives the same article.

    Example: scraper scrape https://example.org/news/story.html --format json --save-html pages/
    """
    targets = _read_urls(urls or [], input_file)
    try:
        options = FetchOptions(
            user_agent=user_agent or DEFAULT_USER_AGENT,
            contact=contact,
            timeouts=Timeouts(connect=min(10.0, timeout), read=min(20.0, timeout), total=timeout),
            limits=Limits(max_body=int(max_mb * _MB), max_decoded=int(2 * max_mb * _MB)),
            politeness=Politeness(
                respect_robots=not ignore_robots,
                min_interval=interval,
                per_host_concurrency=per_host,
                global_concurrency=concurrency,
            ),
            allow_networks=tuple(allow_network or ()),
            http2=http2,
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    run = _Run(save_html=save_html, progress=len(targets) > _PROGRESS_FROM)
    with open_output(output) as stream:
        articles, failed = asyncio.run(_scrape(targets, options, run))
        write_articles(articles, fmt, stream)
    if failed:
        raise typer.Exit(EXIT_FAILED)
