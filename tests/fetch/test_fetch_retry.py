"""Retries: which answers are retried, how long the fetcher waits, Retry-After honoured."""

from __future__ import annotations

import asyncio
import random
import re
import time
from datetime import UTC, datetime

import pytest
from fetch_server import LocalServer, local_options, loopback_resolver, run

from scraper.errors import HostWaiting, HTTPStatusError
from scraper.fetch import Fetcher, FetchOptions, Politeness, RetryPolicy
from scraper.fetch.politeness import HostGate
from scraper.fetch.retry import (
    LONGEST_ASK,
    backoff_delay,
    retry_after_seconds,
    wait_before_retry,
)
from scraper.models import Page

# Timing checks: no garbage-collector pause may land between a request and its log entry.
pytestmark = pytest.mark.usefixtures("no_gc_pauses")


async def _fetch(url: str, options: FetchOptions) -> Page:
    async with Fetcher(options, resolver=loopback_resolver) as fetcher:
        return await fetcher.fetch(url)


def test_503_with_retry_after_seconds_is_retried_after_that_long(server: LocalServer) -> None:
    page = run(_fetch(server.url("/flaky?fail=1&after=1"), local_options()))
    assert page.status == 200
    assert b"recovered" in page.body
    (gap,) = server.start_gaps(path="/flaky")
    assert 0.95 <= gap < 1.5


def test_a_retry_after_over_the_cap_fails_at_once(server: LocalServer) -> None:
    retry = RetryPolicy(attempts=3, base_delay=0.01, max_retry_after=0.3)
    with pytest.raises(HTTPStatusError) as caught:
        # The server asks for 30 s with an HTTP date: more than the 0.3 s we wait.
        run(_fetch(server.url("/too-many"), local_options(retry=retry)))
    assert caught.value.status == 429
    assert caught.value.kind == "http_status"
    assert re.search(
        r"HTTP 429: asked to retry after (29|30) s, more than the 0\.3 s", str(caught.value)
    )
    assert caught.value.retry_after is not None and 29 <= caught.value.retry_after <= 30
    assert len(server.requests(path="/too-many")) == 1  # asked once: no wait of the cap


def test_a_retry_after_of_a_day_fails_at_once_with_its_status(server: LocalServer) -> None:
    url = server.url("/flaky?fail=99&after=86400")
    with pytest.raises(HTTPStatusError, match="after 86400 s, more than the 2 s we wait") as caught:
        run(_fetch(url, local_options()))
    assert caught.value.status == 503
    assert len(server.requests(path="/flaky")) == 1


def test_a_host_that_asked_for_longer_than_the_cap_is_not_asked_again(
    server: LocalServer,
) -> None:
    retry = RetryPolicy(attempts=3, base_delay=0.01, max_retry_after=0.5)

    async def scenario() -> tuple[HTTPStatusError, HostWaiting]:
        async with Fetcher(local_options(retry=retry), resolver=loopback_resolver) as fetcher:
            with pytest.raises(HTTPStatusError) as told:
                await fetcher.fetch(server.url("/flaky?fail=99&after=3600"))
            with pytest.raises(HostWaiting) as waiting:
                await fetcher.fetch(server.url("/page/other"))
            return told.value, waiting.value

    told, waiting = run(scenario())
    assert told.retry_after == 3600.0
    assert 3590 < waiting.retry_after <= 3600
    assert waiting.url == server.url("/page/other")
    assert waiting.kind == "host_waiting"
    assert len(server.requests(path="/flaky")) == 1
    assert server.requests(path="/page/other") == []


def test_a_request_waiting_for_its_turn_fails_once_its_host_asks_for_longer(
    server: LocalServer,
) -> None:
    # The second request waits for the host's interval while the first is answered: it must
    # not be sent when its turn comes, nor after the cap.
    retry = RetryPolicy(attempts=3, base_delay=0.01, max_retry_after=0.5)
    polite = Politeness(min_interval=0.4, per_host_concurrency=2, respect_robots=False)
    options = local_options(retry=retry, politeness=polite)

    async def scenario() -> tuple[Page | BaseException, Page | BaseException]:
        async with Fetcher(options, resolver=loopback_resolver) as fetcher:
            return await asyncio.gather(
                fetcher.fetch(server.url("/flaky?fail=99&after=3600")),
                fetcher.fetch(server.url("/page/other")),
                return_exceptions=True,
            )

    began = time.monotonic()
    told, waiting = run(scenario())
    assert isinstance(told, HTTPStatusError) and told.retry_after == 3600.0
    assert isinstance(waiting, HostWaiting)
    assert server.requests(path="/page/other") == []
    assert time.monotonic() - began < 0.5 + 0.4


def test_a_persistent_503_fails_with_its_status_after_the_attempts(server: LocalServer) -> None:
    retry = RetryPolicy(attempts=3, base_delay=0.01, max_retry_after=0.05)
    with pytest.raises(HTTPStatusError) as caught:
        run(_fetch(server.url("/flaky?fail=99&after=0"), local_options(retry=retry)))
    assert caught.value.status == 503
    assert caught.value.url == server.url("/flaky?fail=99&after=0")
    assert len(server.requests(path="/flaky")) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_other_4xx_are_not_retried(server: LocalServer, status: int) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        run(_fetch(server.url(f"/status/{status}"), local_options()))
    assert caught.value.status == status
    assert len(server.requests()) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_are_retried(server: LocalServer, status: int) -> None:
    with pytest.raises(HTTPStatusError):
        run(_fetch(server.url(f"/status/{status}"), local_options()))
    assert len(server.requests()) == 3


def test_retry_after_parses_seconds_and_dates() -> None:
    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Sun, 29 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 29 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
    # Only ASCII digits are delta-seconds: "²" and Arabic-Indic digits are no number of
    # seconds ("²".isdigit() is true, and float("²") raised).
    assert retry_after_seconds("\u00b2", now) is None
    assert retry_after_seconds("\u0661\u0662", now) is None
    # Four hundred digits are no infinite wait to show as "inf s" in an error message.
    assert retry_after_seconds("9" * 400, now) == LONGEST_ASK
    assert retry_after_seconds(str(10**12), now) == LONGEST_ASK
    # A date is held to the same longest ask ("after 251574759821 s" said nothing more).
    assert retry_after_seconds("Fri, 31 Dec 9999 23:59:59 GMT", now) == LONGEST_ASK
    # A year, day or zone of twenty digits is no date (the mail-date parser overflowed).
    assert retry_after_seconds("Fri, 31 Dec 99999999999999999999 23:59:59 GMT", now) is None
    assert retry_after_seconds("Fri, 31 Dec 2030 23:59:59 +9999999999999999999999", now) is None


def test_a_retry_after_that_is_no_number_leaves_a_plain_retried_503(server: LocalServer) -> None:
    # The header's byte 0xB2 reads as "²": the answer is still a 503 to retry after backoff,
    # not an error of the fetcher's own.
    retry = RetryPolicy(attempts=3, base_delay=0.01)
    page = run(_fetch(server.url("/flaky?fail=1&after=%C2%B2"), local_options(retry=retry)))
    assert page.status == 200
    assert len(server.requests(path="/flaky")) == 2


def test_a_retry_after_date_of_a_twenty_digit_year_leaves_a_plain_retried_503(
    server: LocalServer,
) -> None:
    # Before, OverflowError escaped the fetch from the mail-date parser.
    after = "Fri,%2031%20Dec%2099999999999999999999%2023:59:59%20GMT"
    retry = RetryPolicy(attempts=3, base_delay=0.01)
    page = run(_fetch(server.url(f"/flaky?fail=1&after={after}"), local_options(retry=retry)))
    assert page.status == 200
    assert len(server.requests(path="/flaky")) == 2


def test_backoff_grows_exponentially_with_jitter_under_the_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        delays = [backoff_delay(attempt, policy, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole range
        assert len(set(delays)) > 150


def test_retry_after_beats_backoff_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_retry_after=10.0)
    rng = random.Random(1)
    assert wait_before_retry(1, policy, rng, "4") == 4.0
    assert wait_before_retry(1, policy, rng, "3600") == 10.0
    assert wait_before_retry(1, policy, rng, "garbage") <= 0.5


def test_retry_after_holds_back_the_whole_host(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    defer = HostGate.defer

    async def scenario() -> None:
        # The other page is asked for once the 503's Retry-After has held the host back. A
        # fixed wait for the 503 (0.2 s) raced the server thread: answering later on a loaded
        # machine, it let the page go out before the host was held.
        held = asyncio.Event()

        def defer_and_tell(gate: HostGate, seconds: float) -> None:
            defer(gate, seconds)
            held.set()

        monkeypatch.setattr(HostGate, "defer", defer_and_tell)
        async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
            told = asyncio.create_task(fetcher.fetch(server.url("/flaky?fail=1&after=1")))
            await held.wait()
            await fetcher.fetch(server.url("/page/other"))
            await told

    run(scenario())
    first_503 = server.requests(path="/flaky")[0].start
    (other,) = server.requests(path="/page/other")
    assert other.start - first_503 >= 0.95
