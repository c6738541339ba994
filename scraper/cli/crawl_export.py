"""The export a crawl makes after its run: which file, checked before the run, written under
the run's lock."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from functools import partial
from pathlib import Path

import typer

from scraper.cli.exits import EXIT_USAGE
from scraper.cli.outputs import (
    check_not_config,
    check_not_over_store,
    check_writable,
    file_named,
    utf8_stdout,
)
from scraper.config import CrawlConfig, ExportSpec
from scraper.crawl import RunResult
from scraper.errors import ConfigError
from scraper.export import ExportFormat, ExportResult, Since
from scraper.export_file import (
    ExportFile,
    Journal,
    check_not_store,
    check_placeholders,
    expand_path,
    has_placeholders,
    open_export,
)
from scraper.export_journal import hand_on
from scraper.store.crawl_store import SQLiteCrawlStore

__all__ = ["Exporter", "check_export_path", "export_key", "export_spec"]


def export_spec(
    config: CrawlConfig, export: ExportFormat | None, output: Path | None, *, append: bool
) -> ExportSpec | None:
    """What to export after the run: the options, else the config's ``[export]`` table.

    ``-o`` replaces the table's path only: its format and ``append`` stay.
    """
    table = config.export
    named = file_named(output)  # "-" replaces the table's path with stdout
    if export is not None:
        spec = ExportSpec(format=export.value, path=named)
    elif table is None:
        if output is not None or append:
            raise typer.BadParameter(
                "needs --export FORMAT (the config has no [export] table)",
                param_hint="-o/--output" if output is not None else "--append",
            )
        return None
    else:
        spec = table if output is None else replace(table, path=named)
    if append:
        spec = replace(spec, append=True)
    if spec.append and spec.path is None:
        if append:
            raise typer.BadParameter("appends to a file: give -o FILE", param_hint="--append")
        # The config's append, its path replaced by stdout ("-o -"): the option is at fault.
        raise typer.BadParameter(
            "writes to stdout, and the config's [export] table says append = true: give -o"
            " FILE, or leave -o out to append to the table's path",
            param_hint="-o/--output",
        )
    return spec


def export_key(output: Path | None) -> str:
    """What gave the export's path, for its messages: the option or the config's key."""
    return "--output" if output is not None else "export.path"


def check_export_path(
    spec: ExportSpec, config: CrawlConfig, *, key: str, config_file: Path
) -> None:
    """A usage error (2) for an export path with bad placeholders, over the store or the
    config (``config_file``), or one that cannot be written."""
    if spec.path is None:
        return
    try:
        check_placeholders(spec.path, key=key)
        check_not_config(spec.path, config_file, key=key)
        check_not_over_store(spec.path, config.store, key=key)
        # A name with placeholders is checked by its folder, as a file that does not exist yet.
        # One plain line naming the key, as for the config's other errors: as a usage error
        # it was a box that wrapped a long path and named neither --output nor export.path.
        check_writable(spec.path, key=key, append=spec.append)
    except ConfigError as exc:
        typer.echo(f"scraper: config error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


class Exporter:
    """Exports the run's new articles while the lock is held; a failed write is kept to report.

    The file is written only then, to a temporary file renamed over it once complete (or
    appended to, what a failed export added cut off again): a run that ends before, finds
    another run holding the lock or fails to write, leaves the last export where it is for
    whoever reads it. The articles are stored whatever happens to the export, and the export
    cursor moves only once they are written, so ``scraper export --since LAST`` hands on what a
    failed one missed. A name whose placeholders turn out to name the store is kept in
    ``refused`` (a usage error, as the same name is before the run), not written.
    """

    def __init__(self, spec: ExportSpec, *, key: str) -> None:
        self._spec = spec
        self._key = key
        # A name with placeholders is a file per run, for a consumer to take in its time:
        # never replaced, even by a run that gets the same name (two within a second).
        self._per_run = spec.path is not None and not spec.append and has_placeholders(spec.path)
        self.failure: str | None = None
        self.refused: ConfigError | None = None
        self.result: ExportResult | None = None

    def __call__(self, store: SQLiteCrawlStore, result: RunResult) -> None:
        path = self._spec.path
        if path is not None:
            path = self._expanded(path, store, result.run_id)
            try:
                check_not_store(path, store.path, key=self._key)
            except ConfigError as exc:
                self.refused = exc
                return
        try:
            # A close that fails after a failed write (what is still buffered cannot be
            # written either) raises the same error again, caught here all the same. The
            # cursor moves only once the file is in place (renamed, or refused a name taken).
            self.result = hand_on(
                store,
                since=Since(last=True),
                fmt=ExportFormat(self._spec.format),
                open_file=partial(self._open, path),
            )
        except OSError as exc:
            self.failure = f"the export to {path or 'stdout'} failed: {exc.strerror or exc}"

    def _open(
        self, path: Path | None, journal: Journal | None
    ) -> AbstractContextManager[ExportFile]:
        if path is None:
            return nullcontext(ExportFile(utf8_stdout(), fresh=True))
        return open_export(
            path, append=self._spec.append, keep_existing=self._per_run, journal=journal
        )

    @staticmethod
    def _expanded(path: Path, store: SQLiteCrawlStore, run_id: int) -> Path:
        """``path`` with the run's placeholders filled in."""
        run = store.last_run()
        started = run.started_at if run is not None and run.id == run_id else time.time()
        return expand_path(path, started=started, run_id=run_id)
