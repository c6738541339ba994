"""``scraper crawl``: one scheduled run over the sources of a TOML config."""

from __future__ import annotations

import signal
import threading
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.config_check import config_lines, store_problem
from scraper.cli.crawl_display import Display, summary_line, warning_lines
from scraper.cli.crawl_export import Exporter, check_export_path, export_key, export_spec
from scraper.cli.exits import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_STORE,
    EXIT_TERMINATED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
)
from scraper.cli.outputs import refuse_over_store, report_export
from scraper.config import CrawlConfig, load_config
from scraper.crawl import RunResult, run_crawl
from scraper.errors import ConfigError, CrawlStopped, StoreError, StoreLocked, WorkerUnavailable
from scraper.export import ExportFormat
from scraper.stop_signals import held_back, interrupts

__all__ = ["crawl"]


def crawl(
    config_path: Annotated[Path, typer.Argument(help="The crawl config (TOML).")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for a running crawl instead of exiting (3).")
    ] = False,
    export: Annotated[
        ExportFormat | None,
        typer.Option("--export", help="After the run, export the new articles in this format."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Export to this file, not stdout (- for stdout); {time}, {date} and {run} in"
            " its name make a file per run.",
        ),
    ] = None,
    append: Annotated[
        bool,
        typer.Option("--append", help="Add the export to the file instead of replacing it."),
    ] = False,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="Log every event as a JSON line on stderr.")
    ] = False,
    max_run_seconds: Annotated[
        float | None,
        typer.Option(
            "--max-run-seconds",
            min=0.1,
            help="Take no new URL after this many seconds (the config's max_run_seconds);"
            " what is left waits for the next run.",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Validate the config (and the export path) and say what a run would do; fetch"
            " nothing, leave the store alone, take no lock.",
        ),
    ] = False,
) -> None:
    """Crawl the sources of a TOML config: fetch only new articles, deduplicate, store them.

    Feeds and sitemaps are revalidated with conditional GET; article URLs already stored are
    fetched again only when a listing dates a change after their fetch (refetch_updated), and
    a changed text is stored as the article's next version; failed URLs are retried on later
    runs with backoff. `-o` without
    `--export` uses the format of the config's [export] table. The export replaces the file
    whole once written (`--append` adds to it); `{time}`, `{date}` and `{run}` in its name make
    a file per run, so a consumer that misses a run loses nothing. Exit codes: 0 all went well, 1
    some URLs or sources failed (recorded; see `scraper status`), the export failed to write
    (the articles are stored) or skipped unreadable stored articles (named on stderr), 2 invalid
    config or option, or an output file that cannot be opened or is the store itself, 3 another
    crawl holds the store's lock, 4 the store cannot be used, 5 no extraction worker could be
    started (the run stops; its URLs stay due), 130 interrupted (Ctrl-C), 143
    stopped by SIGTERM (as by `timeout` or a service manager). An interrupted or stopped run
    keeps every article it had extracted; the next run fetches the rest. An export under way
    when the signal comes finishes first; one killed (kill -9) is landed or undone by the next.
    A run that reaches `--max-run-seconds` ends as usual (exit 0 when nothing failed), the URLs
    it did not take left due for the next run: set it below the cron interval so runs never
    queue up. `--check` validates an edited config before cron runs it: exit 0 and a summary
    (sources, store, politeness, export), 2 naming the bad key, or 4 when the store file could
    not be opened or created.

    Example: scraper crawl news.toml --max-run-seconds 240 --export jsonl -o 'new-{run}.jsonl'
    """
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        typer.echo(f"scraper: config error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    if max_run_seconds is not None:
        config = replace(config, max_run_seconds=max_run_seconds)
    spec = export_spec(config, export, output, append=append)
    display = Display(log_json=log_json)
    # A path that cannot be written is a usage error before anything is fetched rather than a
    # failure after the crawl.
    key = export_key(output)
    if spec is not None:
        check_export_path(spec, config, key=key, config_file=config_path)
    if check:
        for line in config_lines(replace(config, export=spec), config_path):
            typer.echo(line)
        problem = store_problem(config)
        if problem is not None:
            typer.echo(f"scraper: store error: {problem}", err=True)
            raise typer.Exit(EXIT_STORE)
        return
    exporter = Exporter(spec, key=key) if spec else None
    result = _run(config, wait=wait, display=display, exporter=exporter)
    if not log_json:
        for line in warning_lines(result):
            typer.echo(line, err=True)
        typer.echo(summary_line(result), err=True)
    if exporter is not None and exporter.refused is not None:
        refuse_over_store(
            exporter.refused,
            then="nothing was exported; the articles are stored all the same, and"
            f" `scraper export {config_path} --since LAST -o FILE` writes them",
        )
    if exporter is not None and exporter.failure is not None:
        typer.echo(
            f"scraper: {exporter.failure}; the articles are stored all the same, and"
            f" `scraper export {config_path} --since LAST` writes them",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED)
    skipped = False
    if exporter is not None and exporter.result is not None:
        report_export(exporter.result)
        skipped = bool(exporter.result.skipped)
    if skipped or not result.ok:
        raise typer.Exit(EXIT_FAILED)


def _stopping() -> AbstractContextManager[list[int]]:
    """Stop signals only noted while a stopped run reports and exits: the stop is under way.
    Ctrl-C pressed twice raised a second KeyboardInterrupt on the way out, and the command
    died of SIGINT (-2) instead of exiting 130."""
    main = threading.current_thread() is threading.main_thread()
    return held_back((signal.SIGINT, signal.SIGTERM) if main else ())


def _run(
    config: CrawlConfig, *, wait: bool, display: Display, exporter: Exporter | None
) -> RunResult:
    """The crawl, its stops and errors turned into the exit codes cron acts on."""
    try:
        # Ctrl-C is taken as SIGTERM is: left to asyncio.run, a second one raised wherever the
        # run was (its record written as failed, a worker not waited for, a silent -2 exit).
        stops = (signal.SIGTERM, *interrupts())
        return run_crawl(config, wait=wait, observer=display, after=exporter, stop_on=stops)
    except KeyboardInterrupt as exc:
        with _stopping():
            # Everything stored so far is committed; the next run resumes with the rest.
            _report_stopped_export(exporter)
            typer.echo(
                "scraper: interrupted; the next run resumes where this one stopped", err=True
            )
        raise typer.Exit(EXIT_INTERRUPTED) from exc
    except CrawlStopped as exc:
        interrupted = exc.signal == signal.SIGINT
        with _stopping():
            _report_stopped_export(exporter)
            how = "interrupted" if interrupted else str(exc)
            typer.echo(f"scraper: {how}; the next run resumes where this one stopped", err=True)
        raise typer.Exit(EXIT_INTERRUPTED if interrupted else EXIT_TERMINATED) from exc
    except StoreLocked as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_LOCKED) from exc
    except ConfigError as exc:
        typer.echo(f"scraper: config error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    except StoreError as exc:
        typer.echo(f"scraper: store error: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc
    except WorkerUnavailable as exc:
        typer.echo(f"scraper: {exc}; the run stopped, its URLs stay due", err=True)
        raise typer.Exit(EXIT_UNAVAILABLE) from exc


def _report_stopped_export(exporter: Exporter | None) -> None:
    """What the export did, when the stop came while it ran (it was let finish)."""
    if exporter is None:
        return
    if exporter.failure is not None:
        typer.echo(f"scraper: {exporter.failure}", err=True)
    elif exporter.result is not None:
        report_export(exporter.result)
