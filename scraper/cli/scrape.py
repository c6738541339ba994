"""``scraper scrape``: live URLs in, clean articles out (and, if asked, the pages as fixtures)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.exits import EXIT_FAILED, EXIT_USAGE
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
from scraper.crawl.extraction import ExtractFailed, Extractor, PageJob
from scraper.errors import ConfigError, FetchError, StoreError
from scraper.fetch import (
    Fetcher,
    FetchOptions,
    FetchResult,
    Limits,
    Politeness,
    Timeouts,
    fetch_each,
)
from scraper.fetch.options import DEFAULT_USER_AGENT, RetryPolicy
from scraper.memory import DEFAULT_MEMORY_MB
from scraper.models import Article, Failure, Page
from scraper.output import ArticleWriter, OutputFormat
from scraper.pagefile import save_page

__all__ = ["request_timeouts", "scrape"]

#: The option behind each FetchOptions field a bad value can come from.
_FLAGS = {
    "user_agent": "--user-agent",
    "contact": "--contact",
    "allow_networks": "--allow-network",
    "politeness.min_interval": "--interval",
    "politeness": "--per-host / --concurrency",
    "limits": "--max-mb",
}

_MB = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What one scrape does with each page, and the limits of its extraction."""

    save_html: Path | None
    extract_timeout: float
    memory_mb: int | None


def request_timeouts(timeout: float) -> Timeouts:
    """The limits of one request for ``--timeout`` seconds, body included: the wait for data
    too, as a server that thinks for longer than the fetcher's usual 20 s between reads is
    what a larger --timeout is given for."""
    return Timeouts(connect=min(10.0, timeout), read=timeout, total=timeout)


def _url_lines(data: bytes, source: str) -> tuple[list[str], list[Failure]]:
    """The URLs of a listing (one a line; blanks and # skipped), and its lines that are not
    UTF-8 text, each as its own failure (``FILE:LINE``), so that one of them stops no other."""
    found: list[str] = []
    bad: list[Failure] = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").splitlines(), start=1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            bad.append(Failure(f"{source}:{number}", "input", f"not UTF-8 text: {exc.reason}"))
            continue
        if line and not line.startswith("#"):
            found.append(line)
    return found, bad


def _read_urls(urls: list[str], input_file: Path | None) -> tuple[list[str], list[Failure]]:
    """The command-line URLs, then those of ``--input``; and the listing's unreadable lines."""
    found = list(urls)
    bad: list[Failure] = []
    if input_file is not None:
        try:
            data = standard_input().read() if str(input_file) == "-" else input_file.read_bytes()
        except OSError as exc:
            raise typer.BadParameter(f"cannot read {input_file}: {exc.strerror or exc}") from exc
        listed, bad = _url_lines(data, str(input_file))
        found += listed
        if not found and not bad:
            # A listing made by a script can be empty on a quiet day: nothing to do, not a
            # usage error (and not "give --input", which was given).
            typer.echo(f"scraper: {input_file} lists no URLs", err=True)
    elif not found:
        raise typer.BadParameter("give at least one URL, or --input FILE")
    return found, bad


async def _process(page: Page, run: _Run, extractor: Extractor) -> Article | Failure:
    """Save the page if asked, then extract it in the worker process, so that fetches go on
    and a page that would hang extraction or grow without bound fails alone."""
    # A URL's credentials were for the request: kept, they would stand in the article's url,
    # the sidecar and the saved file's name (pages saved as fixtures end up in repositories).
    page = page.without_userinfo()
    if run.save_html is not None:
        try:
            save_page(page, run.save_html)
        except OSError as exc:
            raise StoreError(f"cannot save the page under {run.save_html}: {exc}") from exc
    outcome = await extractor.extract(PageJob.of(page))
    if isinstance(outcome, ExtractFailed):
        return Failure(page.url, outcome.kind, outcome.reason)
    return Article.from_dict(json.loads(outcome.record))


async def _scrape(urls: list[str], options: FetchOptions, run: _Run, writer: ArticleWriter) -> int:
    """Fetch and extract every URL, writing each article as it comes (in input order); the
    number that failed."""
    failed = 0
    with Progress("scraping", len(urls), output=writer.stream) as progress:
        extractor = Extractor(1, timeout=run.extract_timeout, memory_mb=run.memory_mb)
        async with Fetcher(options) as fetcher, extractor:
            async for result in fetch_each(fetcher, urls):
                outcome = await _outcome(result, run, extractor)
                with progress.item():
                    failed += take_outcome(result.url, outcome, writer)
    return failed


async def _outcome(result: FetchResult, run: _Run, extractor: Extractor) -> Article | Failure:
    """The article of one fetch, or its failure."""
    try:
        if result.page is None:
            raise result.error or FetchError("nothing fetched", url=result.url)
        return await _process(result.page, run, extractor)
    except Exception as exc:  # one bad page is its own failure, not the run's
        return Failure.from_error(result.url, exc)


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
        str | None, typer.Option(help=f"User-Agent to send [default: {DEFAULT_USER_AGENT}].")
    ] = None,
    contact: Annotated[
        str | None, typer.Option(help="A URL or e-mail for site owners, added to the User-Agent.")
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            help="Seconds allowed per request, body included (a request that times out is"
            f" tried {RetryPolicy().attempts} times in all).",
        ),
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
    extract_timeout: Annotated[
        float,
        typer.Option(
            min=0.1, help="Seconds a page's extraction may take; then it fails (extract_timeout)."
        ),
    ] = 60.0,
    memory_mb: MemoryOption = DEFAULT_MEMORY_MB,
) -> None:
    """Fetch news pages and print their clean articles.

    robots.txt is obeyed and each host is paced; private and internal addresses are refused unless
    allowed with --allow-network. A URL that fails, a page with no article text (kind empty: an
    empty body, a 204; too_large: the text lies past the extractor's bounds) and a line of --input
    that is not UTF-8 are each reported on one line of stderr, and the others go on; the exit code
    is then 1. An --input that lists no URLs (an empty day's list) is no error: exit 0. An article
    read from only the first part of a huge page is written, with a warning on stderr. Articles are
    written as they come, in input order, so a run stopped by Ctrl-C or SIGTERM (exit 130 or 143)
    keeps those done. With --save-html each page is kept as served, and `scraper extract` on that
    file gives the same article. Pages are extracted in a worker process, while fetching goes on:
    one that takes longer than --extract-timeout, or needs more memory than --memory-mb (a few
    kilobytes of hostile markup can make the HTML parser build millions of elements), fails alone.

    Example: scraper scrape https://example.org/news/story.html --format json --save-html pages/
    """
    if input_file is not None:
        refuse_output_over_inputs([input_file], output)
    if save_html is not None and save_html.exists() and not save_html.is_dir():
        # Else every page failed to be saved, one by one, and no article was printed.
        typer.echo(f"scraper: --save-html: {save_html} is a file, not a folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    targets, unreadable = _read_urls(urls or [], input_file)
    if user_agent is not None and not user_agent.strip():
        # Taken for "the default" before, silently; the config refuses it the same way.
        raise typer.BadParameter("must not be empty", param_hint="--user-agent")
    try:
        options = FetchOptions(
            user_agent=DEFAULT_USER_AGENT if user_agent is None else user_agent,
            contact=contact,
            timeouts=request_timeouts(timeout),
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
        # Named as the user wrote it: the option, not FetchOptions' field.
        flag = _FLAGS.get(exc.key or "")
        if flag is None:
            raise typer.BadParameter(str(exc)) from exc
        raise typer.BadParameter(exc.detail, param_hint=flag) from exc
    run = _Run(
        save_html=save_html,
        extract_timeout=extract_timeout,
        memory_mb=memory_mb or None,
    )
    for failure in unreadable:
        report_failure(failure)
    failed = len(unreadable)
    starts = WorkerStarts()
    with open_output(output) as stream, streamed_articles(fmt, stream) as writer, starts.kept():
        if targets:
            failed += asyncio.run(_scrape(targets, options, run, writer))
    starts.exit()
    if failed:
        raise typer.Exit(EXIT_FAILED)
