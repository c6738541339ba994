"""When to try a request again, and how long to wait first."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scraper.errors import FetchError, FetchTimeout, NetworkError
from scraper.fetch.options import RetryPolicy

#: The longest wait a ``Retry-After`` is read as asking for, in seconds (about 31 years).
LONGEST_ASK = 1e9

__all__ = [
    "LONGEST_ASK",
    "backoff_delay",
    "is_retryable_error",
    "retry_after_seconds",
    "too_long_to_wait",
    "wait_before_retry",
]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (delta-seconds or an HTTP date), or None.

    A date in the past means "now" (0.0); an unparseable value is ignored (None).
    """
    if value is None:
        return None
    text = value.strip()
    # Delta-seconds are ASCII digits: str.isdigit() also takes "²", which float() refuses.
    if text.isascii() and text.isdigit():
        # Any ask this long means "not in any run to come"; unbounded, 400 digits become an
        # infinite float, which messages then show as "inf s".
        return min(float(text), LONGEST_ASK)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: a 20-digit year
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    # A date can lie as far ahead as year 9999 (some 2.5e11 s): held to the same longest ask.
    return min(max(0.0, (when - current).total_seconds()), LONGEST_ASK)


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full-jitter exponential backoff before retry number ``attempt`` (1 for the first)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** (attempt - 1)))
    return rng.uniform(0.0, ceiling)


def wait_before_retry(
    attempt: int, policy: RetryPolicy, rng: random.Random, retry_after: str | None = None
) -> float:
    """Seconds to wait before retry ``attempt``: the server's Retry-After (capped) or backoff."""
    asked = retry_after_seconds(retry_after)
    if asked is not None:
        return min(asked, policy.max_retry_after)
    return backoff_delay(attempt, policy, rng)


def too_long_to_wait(retry_after: str | None, policy: RetryPolicy) -> float | None:
    """The seconds a ``Retry-After`` asks for when that is more than the policy waits, else None.

    Waiting the cap and asking again would only be answered the same: such an answer is final
    for this fetch (a crawl tries the URL again on a later run).
    """
    asked = retry_after_seconds(retry_after)
    return asked if asked is not None and asked > policy.max_retry_after else None


def is_retryable_error(error: FetchError) -> bool:
    """Connect failures, resets and timeouts are worth another try; other errors are final."""
    return isinstance(error, FetchTimeout | NetworkError)
