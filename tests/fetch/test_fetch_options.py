"""FetchOptions refuses settings the fetcher cannot run with, naming the setting."""

from __future__ import annotations

import math
import pickle
from typing import Any

import pytest

from scraper.errors import ConfigError
from scraper.fetch import FetchOptions, HostPace, Limits, Politeness, RetryPolicy, Timeouts


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


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"retry": RetryPolicy(base_delay=-1.0)}, "retry.base_delay"),
        ({"retry": RetryPolicy(max_delay=-0.5)}, "retry.max_delay"),
        ({"retry": RetryPolicy(max_retry_after=-1.0)}, "retry.max_retry_after"),
        ({"retry": RetryPolicy(base_delay=math.nan)}, "retry.base_delay"),
        ({"limits": Limits(max_robots_body=-1)}, "limits.max_robots_body"),
        ({"limits": Limits(max_robots_body=0)}, "limits.max_robots_body"),
    ],
)
def test_a_negative_retry_wait_or_robots_cap_is_refused(options: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        FetchOptions(**options)
    assert caught.value.key == key


@pytest.mark.parametrize(
    "field", ["min_interval", "max_crawl_delay", "robots_ttl", "robots_error_ttl"]
)
@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf, -math.inf])
def test_a_politeness_refuses_what_no_host_could_be_paced_by(field: str, seconds: float) -> None:
    # Built alone, as a caller hands it to RobotsCache, not only inside FetchOptions: an
    # infinite interval never asked a host a second time.
    given: dict[str, Any] = {field: seconds}
    with pytest.raises(ConfigError, match="number of seconds") as caught:
        Politeness(**given)
    assert caught.value.key == f"politeness.{field}"


@pytest.mark.parametrize("interval", [-1.0, math.nan, math.inf])
def test_a_host_pace_needs_a_finite_interval(interval: float) -> None:
    pace = HostPace(min_interval=interval, concurrency=1)
    with pytest.raises(ConfigError) as caught:
        Politeness(hosts={"slow.example": pace})
    assert caught.value.key == "slow.example"


@pytest.mark.parametrize("caps", [{"per_host_concurrency": 0}, {"global_concurrency": 0}])
def test_a_politeness_needs_concurrency(caps: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        Politeness(**caps)
    assert caught.value.key == "politeness"


def _ttls(robots_ttl: float = 3600.0, robots_error_ttl: float = 300.0) -> Politeness:
    return Politeness(robots_ttl=robots_ttl, robots_error_ttl=robots_error_ttl)


@pytest.mark.parametrize("field", ["robots_ttl", "robots_error_ttl"])
@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf, -math.inf])
def test_a_robots_ttl_must_be_a_finite_number_of_seconds(field: str, seconds: float) -> None:
    with pytest.raises(ConfigError, match="number of seconds") as caught:
        FetchOptions(politeness=_ttls(**{field: seconds}))
    assert caught.value.key == f"politeness.{field}"


def test_robots_ttls_of_zero_are_accepted() -> None:
    options = FetchOptions(politeness=Politeness(robots_ttl=0, robots_error_ttl=0.0))
    assert options.politeness.robots_ttl == 0


def test_no_waits_at_all_are_accepted() -> None:
    retry = RetryPolicy(base_delay=0, max_delay=0, max_retry_after=0)
    options = FetchOptions(retry=retry, politeness=Politeness(min_interval=0, max_crawl_delay=0))
    assert options.retry.max_delay == 0


def test_host_paces_cannot_change_once_checked() -> None:
    given = {"slow.example": HostPace(min_interval=5.0, concurrency=1)}
    options = FetchOptions(politeness=Politeness(hosts=given))
    given["slow.example"] = HostPace(min_interval=-1.0, concurrency=0)  # unchecked
    given["other.example"] = HostPace(min_interval=0.0, concurrency=9)
    hosts = options.politeness.hosts
    assert dict(hosts) == {"slow.example": HostPace(min_interval=5.0, concurrency=1)}
    with pytest.raises(TypeError):
        hosts["other.example"] = HostPace(min_interval=0.0, concurrency=9)  # type: ignore[index]


def test_options_are_hashable_and_pickle_with_their_host_paces() -> None:
    def options() -> FetchOptions:
        paces = {"slow.example": HostPace(min_interval=5.0, concurrency=1)}
        return FetchOptions(politeness=Politeness(hosts=paces))

    assert hash(options()) == hash(options())
    assert hash(FetchOptions()) == hash(FetchOptions())
    assert len({options(), options(), FetchOptions()}) == 2
    again = pickle.loads(pickle.dumps(options()))
    assert again == options()
    assert again.politeness.hosts == {"slow.example": HostPace(min_interval=5.0, concurrency=1)}
