"""When a failed URL is tried again: backoff doubling, a limit, permanent failures given up."""

from __future__ import annotations

import time

import pytest

from scraper.cli.status import when_shown
from scraper.config import MAX_ATTEMPTS, MAX_BACKOFF_S, RetryPolicy
from scraper.crawl.run import MAX_RETRY_WAIT_S, longest_wait, retry_at

POLICY = RetryPolicy(max_attempts=4, backoff=100.0)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("timeout", None),
        ("network", None),
        ("http_status", 429),
        ("http_status", 408),
        ("http_status", 500),
        ("http_status", 503),
        ("internal", None),
        ("worker_died", None),
    ],
)
def test_transient_failures_back_off_doubling_until_the_limit(
    kind: str, status: int | None
) -> None:
    now = time.time()
    delays = [retry_at(kind, status, attempt, POLICY) for attempt in (1, 2, 3)]
    assert all(d is not None for d in delays)
    waits = [round((d or 0) - now) for d in delays]
    assert waits == [100, 200, 400]
    assert retry_at(kind, status, 4, POLICY) is None  # the fourth failure gives it up


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("http_status", 404),
        ("http_status", 410),
        ("http_status", 403),
        ("robots", None),
        ("not_html", None),
        ("too_large", None),
        ("redirect", None),
        ("address", None),
        ("decode", None),
        ("content_encoding", None),
        ("empty", None),
        ("invalid_url", None),
    ],
)
def test_permanent_failures_are_given_up_at_once(kind: str, status: int | None) -> None:
    assert retry_at(kind, status, 1, POLICY) is None


def test_a_wait_doubled_past_a_year_is_a_year() -> None:
    # A time past year 9999 was stored, and status could not show it.
    slowest = RetryPolicy(max_attempts=MAX_ATTEMPTS, backoff=MAX_BACKOFF_S)
    due = retry_at("network", None, MAX_ATTEMPTS - 1, slowest)
    assert due is not None and due - time.time() <= MAX_RETRY_WAIT_S
    assert longest_wait(slowest) == MAX_RETRY_WAIT_S
    assert when_shown(due).startswith(str(time.gmtime(due).tm_year))


def test_status_shows_a_time_no_date_holds() -> None:
    # As an older version stored it, from a backoff of 1e300.
    assert when_shown(1e300) == "after 9999"
