"""A stop signal is not lost where Python drops the exception its handler raises.

A handler that raises while a worker process forks runs inside an at-fork hook: Python prints
the exception as ignored and the batch went on to its end, exit 0. So the batch holds stop
signals back while its workers start, and the writer of `extract` and `scrape` stops at its
next article once SIGTERM came, whatever became of the exception. (Ctrl-C keeps Python's own
handler, which asyncio.run needs to shut its loop down cleanly.)
"""

from __future__ import annotations

import contextlib
import io
import signal
from collections.abc import Callable
from types import FrameType

import pytest
import typer

from scraper.batch import _starting_workers
from scraper.cli.exits import EXIT_TERMINATED
from scraper.cli.outputs import streamed_articles
from scraper.models import Article
from scraper.output import OutputFormat


def _article(title: str) -> Article:
    return Article(url=None, title=title, text=f"{title}. Some text.")


def _swallowed(signum: int) -> None:
    """The signal, its handler's exception dropped as an at-fork hook drops it."""
    with contextlib.suppress(KeyboardInterrupt):
        signal.raise_signal(signum)


def test_a_sigterm_whose_exception_was_swallowed_stops_the_batch_at_its_next_article() -> None:
    stream = io.StringIO()
    with pytest.raises(typer.Exit) as stopped, streamed_articles(OutputFormat.JSONL, stream) as w:
        w.write(_article("First"))
        _swallowed(signal.SIGTERM)
        w.write(_article("Second"))
    assert stopped.value.exit_code == EXIT_TERMINATED
    assert stream.getvalue().count("\n") == 1  # the first article only


def test_a_signal_swallowed_after_the_last_article_still_ends_the_command_as_stopped() -> None:
    with pytest.raises(typer.Exit) as stopped, streamed_articles(OutputFormat.JSONL, io.StringIO()):
        _swallowed(signal.SIGTERM)
    assert stopped.value.exit_code == EXIT_TERMINATED


def test_stop_signals_wait_until_the_workers_have_started() -> None:
    seen: list[str] = []

    def noted(name: str) -> Callable[[int, FrameType | None], None]:
        def handler(signum: int, frame: FrameType | None) -> None:
            del signum, frame
            seen.append(name)

        return handler

    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, noted("SIGTERM")),
        signal.SIGINT: signal.signal(signal.SIGINT, noted("SIGINT")),
    }
    try:
        with _starting_workers():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)
            seen.append("started")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    # Acted on after the block, in the order they came, by the handlers that were there.
    assert seen == ["started", "SIGINT", "SIGTERM"]
