"""Running a crawl from a config: the lock, the store, the real fetcher, the process pool."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Sequence

from scraper.config import CrawlConfig
from scraper.crawl.auth import with_credentials
from scraper.crawl.extraction import Extractor
from scraper.crawl.fetching import fetch_options
from scraper.crawl.identity import open_index
from scraper.crawl.lock import RunLock
from scraper.crawl.run import Observer, RunParts, RunResult, crawl_once
from scraper.discover.urls import normalise_url
from scraper.errors import ConfigError, CrawlStopped
from scraper.fetch.client import Fetcher
from scraper.stop_signals import held_back, interrupts
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.sqlite import refuse_foreign_file

__all__ = ["run_crawl"]


def _ignore(event: object) -> None:
    del event


def run_crawl(
    config: CrawlConfig,
    *,
    wait: bool = False,
    observer: Observer | None = None,
    after: Callable[[SQLiteCrawlStore, RunResult], None] | None = None,
    stop_on: Sequence[int] = (),
) -> RunResult:
    """Run one crawl of ``config`` under the store's run lock.

    Args:
        config: the crawl configuration.
        wait: wait for another run holding the lock instead of failing at once.
        observer: receives progress events.
        after: called with the open store and the result while the lock is still held (the
            CLI exports there, so an export sees exactly this run's articles). It is not cut
            short: one of ``stop_on``, or Ctrl-C, that comes while it runs is acted on once it
            is done (:class:`CrawlStopped`, ``KeyboardInterrupt``); one that came before it,
            after the run, skips it.
        stop_on: signals (say ``SIGTERM``) that end the run early and cleanly while it goes:
            the articles already extracted are stored, the run is recorded, and
            :class:`CrawlStopped` is raised. Only a call from the main thread can take these.

    Returns:
        The run's counters, per-source reports and failures.

    Raises:
        StoreLocked: another run holds the lock and ``wait`` is false.
        StoreError: the store (or its dedup index) cannot be opened or written.
        ConfigError: the fetcher rejects a setting, or ``stop_on`` is given outside the main
            thread.
        CrawlStopped: one of ``stop_on`` arrived; the next run resumes where this one stopped.
    """
    # Before the lock: another tool's file is refused without a lock file left beside it.
    refuse_foreign_file(config.store)
    with RunLock(config.store, wait=wait):
        store = SQLiteCrawlStore(config.store)
        try:
            # Held back from start to end: the run takes them (below) while its loop goes,
            # and outside it one that came is acted on once the step in hand is done, never
            # by the default action (the process killed on the spot, half an export left).
            interrupted: list[int] = []
            with held_back(stop_on) as held:
                result = asyncio.run(_stoppable(config, store, observer or _ignore, stop_on, held))
                if after is not None and not held:
                    # The export is short and hands articles on: cut in half it would give
                    # them twice or not at all. Ctrl-C waits for it too.
                    with held_back(interrupts()) as interrupted:
                        after(store, result)
            if held:
                raise _stopped(held[0])
            if interrupted:
                raise KeyboardInterrupt
            return result
        finally:
            store.close()


def _stopped(signum: int) -> CrawlStopped:
    return CrawlStopped(f"stopped by {signal.Signals(signum).name}", signal=signum)


async def _stoppable(
    config: CrawlConfig,
    store: SQLiteCrawlStore,
    observer: Observer,
    stop_on: Sequence[int],
    held: list[int],
) -> RunResult:
    # A signal cancels the run's task, as asyncio does with Ctrl-C, rather than raising at
    # whatever line is running (which could be inside a store transaction): cancellation
    # reaches only awaits, and the run's own cleanup (storing the batch in hand, recording the
    # run, closing workers) then goes as usual.
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received:
            main.cancel()
        received.append(signum)

    previous = {signum: signal.getsignal(signum) for signum in stop_on}
    try:
        try:
            for signum in stop_on:
                loop.add_signal_handler(signum, stop, signum)
        except (ValueError, RuntimeError) as exc:
            raise ConfigError(f"cannot take stop signals here: {exc}", key="stop_on") from exc
        if held:  # came before the loop took them: stop before the run begins
            raise _stopped(held[0])
        return await _crawl(config, store, observer)
    except asyncio.CancelledError:
        if not received:
            raise
        main.uncancel()
        raise _stopped(received[0]) from None
    finally:
        # asyncio leaves the default action behind, which a signal could meet before the
        # handler held before goes back: blocked in between, it waits for that handler.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, stop_on) if stop_on else None
        try:
            for signum, handler in previous.items():
                if loop.remove_signal_handler(signum) and handler is not None:
                    signal.signal(signum, handler)
        finally:
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


async def _crawl(config: CrawlConfig, store: SQLiteCrawlStore, observer: Observer) -> RunResult:
    dedup = open_index(store)  # an unusable index stops the run before any worker starts
    async with (
        Fetcher(fetch_options(config)) as bare,
        Extractor(
            config.workers, timeout=config.extract_timeout, memory_mb=config.extract_memory_mb
        ) as extractor,
    ):
        fetcher = with_credentials(bare, config.sources)
        parts = RunParts(
            store=store,
            fetcher=fetcher,
            extractor=extractor,
            dedup=dedup,
            normalise=normalise_url,
            observer=observer,
        )
        return await crawl_once(config, parts)
