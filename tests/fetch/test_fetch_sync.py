"""SyncFetcher as a Closeable (closed twice, used after close) and shared by threads."""

from __future__ import annotations

import gc
import threading
import warnings

import pytest
from fetch_server import LocalServer, local_options

from scraper.errors import FetchError
from scraper.fetch import SyncFetcher


def test_closing_twice_is_harmless(server: LocalServer) -> None:
    # A helper closed it early; the with block closes it again on the way out.
    with SyncFetcher(local_options()) as fetcher:
        assert fetcher.fetch(server.url("/page/once")).status == 200
        fetcher.close()
    fetcher.close()


def test_a_fetch_after_close_is_a_fetch_error_of_its_url(server: LocalServer) -> None:
    url, other = server.url("/page/late"), server.url("/page/later")
    fetcher = SyncFetcher(local_options())
    fetcher.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(FetchError, match="closed") as raised:
            fetcher.fetch(url)
        results = fetcher.fetch_all([url, other])
        gc.collect()  # a coroutine made and never run warns when it is collected
    assert raised.value.url == url
    assert [(r.url, r.page, type(r.error)) for r in results] == [
        (url, None, FetchError),
        (other, None, FetchError),
    ]
    assert [str(w.message) for w in caught] == []
    assert server.requests() == []


def test_one_fetcher_shared_by_threads_fetches_every_page(server: LocalServer) -> None:
    threads, each = 4, 5
    start = threading.Barrier(threads)
    outcomes: list[object] = []

    def work(n: int) -> None:
        start.wait()
        for i in range(each):
            # Slow enough that, unserialised, the calls overlap on the one loop.
            url = server.url(f"/page/t{n}-{i}?delay=0.02")
            try:
                outcomes.append(fetcher.fetch(url).status)
            except Exception as exc:  # recorded, to show every failure at once
                outcomes.append(f"{type(exc).__name__}: {exc}")

    with SyncFetcher(local_options()) as fetcher:
        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
    assert outcomes == [200] * (threads * each)
    assert len(server.requests()) == threads * each
