"""Date parsing for the metadata cascade: machine formats, written dates, URL digits, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scraper.extract.dates import date_from_script, date_from_url, parse_date, parse_date_text

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-11-19", datetime(2019, 11, 19, tzinfo=UTC)),
        ("2019-11-19T10:30:00Z", datetime(2019, 11, 19, 10, 30, tzinfo=UTC)),
        ("20191119", datetime(2019, 11, 19, tzinfo=UTC)),
        ("1574168580", datetime(2019, 11, 19, 13, 3, tzinfo=UTC)),
        ("Tue, 19 Nov 2019 10:00:00 GMT", datetime(2019, 11, 19, 10, 0, tzinfo=UTC)),
        ("November 19, 2019", datetime(2019, 11, 19, tzinfo=UTC)),
    ],
)
def test_parse_date_machine_formats(text: str, expected: datetime) -> None:
    value = parse_date(text, NOW)
    assert value is not None
    assert value.replace(second=0, microsecond=0) == expected


def test_parse_date_keeps_the_written_offset() -> None:
    value = parse_date("2019-11-19T23:30:00-05:00", NOW)
    assert value is not None
    assert value.utcoffset() == timedelta(hours=-5)
    assert value.date().isoformat() == "2019-11-19"


def test_naive_values_get_utc() -> None:
    value = parse_date("2019-11-19 08:00:00", NOW)
    assert value == datetime(2019, 11, 19, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2031-01-01", "1985-05-05T00:00:00Z", "0000-00-00", "", "n/a"])
def test_future_ancient_and_junk_dates_are_rejected(text: str) -> None:
    assert parse_date(text, NOW) is None


def test_a_date_a_little_ahead_in_another_timezone_is_kept() -> None:
    ahead = datetime(2024, 6, 1, 23, 0, tzinfo=timezone(timedelta(hours=10)))
    assert parse_date(ahead.isoformat(), NOW) == ahead


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Published on Nov. 19th, 2019 at 3pm", (2019, 11, 19)),
        ("19 November 2019", (2019, 11, 19)),
        ("Veröffentlicht am 19. März 2020", (2020, 3, 19)),
        ("le 3 février 2021", (2021, 2, 3)),
        ("19 de noviembre de 2019", (2019, 11, 19)),
        ("19.11.2019", (2019, 11, 19)),
        ("2019年11月19日", (2019, 11, 19)),
        ("Posted 2019/11/19", (2019, 11, 19)),
    ],
)
def test_written_dates_in_several_languages(text: str, expected: tuple[int, int, int]) -> None:
    value = parse_date_text(text, NOW)
    assert value is not None
    assert (value.year, value.month, value.day) == expected


def test_ambiguous_numeric_dates_follow_the_page_convention() -> None:
    us = parse_date_text("03/04/2019", NOW, day_first=False)
    eu = parse_date_text("03/04/2019", NOW, day_first=True)
    assert us is not None and (us.month, us.day) == (3, 4)
    assert eu is not None and (eu.month, eu.day) == (4, 3)
    # 25 cannot be a month: read the only way possible whatever the convention.
    both = parse_date_text("04/25/2019", NOW, day_first=True)
    assert both is not None and (both.month, both.day) == (4, 25)


def test_first_written_date_wins_over_an_update_date() -> None:
    value = parse_date_text("May 2, 2020 · Updated June 9, 2021", NOW)
    assert value is not None and (value.year, value.month, value.day) == (2020, 5, 2)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/2019/11/19/some-story/", (2019, 11, 19)),
        ("https://news.example/politics/20191119-some-story", (2019, 11, 19)),
        ("https://news.example/2019-11-19/story.html", (2019, 11, 19)),
        ("https://blog.example/articles/2019-11-19+Why+and+how", (2019, 11, 19)),
        ("https://blog.example/2023/october/03/wine-types/", (2023, 10, 3)),
        ("https://blog.example/2023/Okt/3/weinsorten", (2023, 10, 3)),
        ("https://news.example/2019/11/191234/story", None),
        ("https://blog.example/2023/archive/03/", None),
        ("https://news.example/story/123456/", None),
        ("https://news.example/2019/13/45/story", None),
        ("https://news.example/2099/01/01/story", None),
        (None, None),
    ],
)
def test_date_from_url(url: str | None, expected: tuple[int, int, int] | None) -> None:
    value = date_from_url(url, NOW)
    got = (value.year, value.month, value.day) if value is not None else None
    assert got == expected


def test_date_from_embedded_state() -> None:
    state = '{"props":{"slug":"x","publishedAt":"2019-11-19T13:08:55-07:00","tags":[]}}'
    value = date_from_script(state, NOW)
    assert value is not None and value.utcoffset() == timedelta(hours=-7)
    escaped = '{\\"datePublished\\":\\"2019-11-19T00:00:00.000Z\\"}'
    assert date_from_script(escaped, NOW) == datetime(2019, 11, 19, tzinfo=UTC)
    # A generic "date" key is not evidence of publication.
    assert date_from_script('{"date":"2019-11-19"}', NOW) is None


@pytest.mark.parametrize(
    "text",
    ["Posted 3 days ago", "12/05/19", "Nov 19, 19", "Updated 10:45 am", "19 Nov", "Nov 19th"],
)
def test_a_written_date_needs_a_four_digit_year(text: str) -> None:
    assert parse_date_text(text, NOW) is None
