"""FetchOptions refuses settings the fetcher cannot run with, naming the setting."""

from __future__ import annotations

import math

import pytest

from scraper.errors import ConfigError
from scraper.fetch import FetchOptions, Politeness, Timeouts


@pytest.mark.parametrize("field", ["connect", "read", "total"])
@pytest.mark.parametrize("seconds", [-1.0, 0.0, math.nan, math.inf])
def test_a_deadline_must_be_a_positive_number_of_seconds(field: str, seconds: float) -> None:
    with pytest.raises(ConfigError) as caught:
        FetchOptions(timeouts=Timeouts(**{field: seconds}))
    assert caught.value.key == f"timeouts.{field}"


def test_usual_deadlines_are_accepted() -> None:
    options = FetchOptions(timeouts=Timeouts(connect=0.5, read=2, total=30))
    assert options.timeouts.total == 30


def test_a_nan_interval_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"politeness\.min_interval"):
        FetchOptions(politeness=Politeness(min_interval=math.nan))


@pytest.mark.parametrize("agent", [" ", "/1.0", "  /x (bot)"])
def test_a_user_agent_without_a_product_name_is_refused(agent: str) -> None:
    # robots.txt rules are matched on the name; without one, Fetcher() raised IndexError.
    with pytest.raises(ConfigError) as caught:
        FetchOptions(user_agent=agent)
    assert caught.value.key == "user_agent"


@pytest.mark.parametrize(
    ("agent", "token"), [("NewsBot/2.1 (+https://x.example)", "NewsBot"), ("bot", "bot"), ("", "*")]
)
def test_the_robots_token_is_the_product_name(agent: str, token: str) -> None:
    assert FetchOptions(user_agent=agent).robots_agent == token
