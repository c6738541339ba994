"""``scraper extract``'s pages extracted in a worker process, as ``scrape`` and ``crawl`` do.

A few kilobytes of hostile markup (100,000 unclosed ``<div>``, formatting tags left open) keep
lexbor busy for tens of seconds or make it grow to gigabytes, and nothing can stop a call into C
within the process that makes it. So the command hands its pages to one worker of
:class:`~scraper.crawl.extraction.Extractor`: a page that takes longer than the time limit
fails (``extract_timeout``) and its worker is replaced, one that needs more than the memory cap
fails (``parse`` or ``out_of_memory``), one its worker dies on fails (``worker_died``); the
others go on. Pages are read a few chunks ahead of the one written, so the worker always has its
next chunk while the outcomes are written in input order. :func:`scraper.extract` itself stays
in the caller's process: a library user chooses.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson

from scraper.batch import BatchItem
from scraper.crawl.extraction import CHUNK, WORKER_COMMAND, ExtractFailed, Extractor, PageJob
from scraper.crawl.jobs import Outcome
from scraper.extract import ExtractOptions
from scraper.extract.options import DEFAULT_OPTIONS
from scraper.models import Article, Failure
from scraper.pagefile import load_page

__all__ = ["COMMAND", "Limits", "extract_isolated", "extract_one_isolated"]

#: How the worker is started (tests start one that misbehaves on pages marked for it).
COMMAND = WORKER_COMMAND

#: Pages read ahead of the one written: two chunks in the worker's pipe and two more ready.
_AHEAD: Final = 4 * CHUNK
#: Seconds the worker gets to exit once its stdin is closed. It has nothing left in hand after
#: the last page; only an interrupted run leaves it a page, whose outcome nobody will read.
_EXIT_WAIT: Final = 1.0


@dataclass(frozen=True, slots=True)
class Limits:
    """What a page's extraction may take: seconds, and megabytes of memory (None: no cap)."""

    timeout: float
    memory_mb: int | None


_Pending = asyncio.Task[Outcome] | Failure


def extract_isolated(
    paths: Sequence[Path],
    options: ExtractOptions,
    limits: Limits,
    take: Callable[[BatchItem], None],
    *,
    url: str | None = None,
) -> None:
    """Extract each saved page in a worker process; ``take`` gets the outcomes in input order.

    A file that cannot be loaded is its own failure, as in :func:`scraper.batch.extract_files`.
    """
    asyncio.run(_extract_all(paths, _job_options(options), limits, take, url))


def extract_one_isolated(
    body: bytes, url: str | None, options: ExtractOptions, limits: Limits
) -> Article | Failure:
    """The article of one page's bytes (stdin's), extracted in a worker process."""
    job = PageJob(url, body, options=_job_options(options))
    return asyncio.run(_extract_one(job, limits))


def _job_options(options: ExtractOptions) -> ExtractOptions | None:
    # The defaults travel as None: nothing to pickle with every page.
    return None if options == DEFAULT_OPTIONS else options


def _extractor(limits: Limits) -> Extractor:
    return Extractor(
        1,
        timeout=limits.timeout,
        memory_mb=limits.memory_mb,
        command=COMMAND,
        exit_wait=_EXIT_WAIT,
    )


async def _extract_one(job: PageJob, limits: Limits) -> Article | Failure:
    async with _extractor(limits) as extractor:
        return _result("-", await extractor.extract(job))


async def _extract_all(
    paths: Sequence[Path],
    options: ExtractOptions | None,
    limits: Limits,
    take: Callable[[BatchItem], None],
    url: str | None,
) -> None:
    ahead: deque[tuple[Path, _Pending]] = deque()
    async with _extractor(limits) as extractor:
        try:
            for path in paths:
                ahead.append((path, _start(extractor, path, url, options)))
                if len(ahead) > _AHEAD:
                    take(await _item(*ahead.popleft()))
            while ahead:
                take(await _item(*ahead.popleft()))
        finally:
            # Interrupted: the pages not written are given up before the worker is closed.
            tasks = [pending for _, pending in ahead if isinstance(pending, asyncio.Task)]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _start(
    extractor: Extractor, path: Path, url: str | None, options: ExtractOptions | None
) -> _Pending:
    try:
        page = load_page(path, url)
    except Exception as exc:  # a file that cannot be loaded is its failure, not the batch's
        return Failure.from_error(str(path), exc)
    return asyncio.ensure_future(extractor.extract(PageJob.of(page, options)))


async def _item(path: Path, pending: _Pending) -> BatchItem:
    if isinstance(pending, Failure):
        return BatchItem(path, pending)
    return BatchItem(path, _result(str(path), await pending))


def _result(source: str, outcome: Outcome) -> Article | Failure:
    if isinstance(outcome, ExtractFailed):
        return Failure(source, outcome.kind, outcome.reason)
    return Article.from_dict(orjson.loads(outcome.record))
