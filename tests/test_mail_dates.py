"""Mail-format dates read with the year as written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scraper.mail_dates import parse_mail_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, 01 Jan 0001 00:00:00 GMT", datetime(1, 1, 1, tzinfo=UTC)),
        ("5 Mar 0099 10:00 +0100", datetime(99, 3, 5, 10, tzinfo=timezone(timedelta(hours=1)))),
        ("Fri, 5 Mar 099 10:00:00 GMT", datetime(99, 3, 5, 10, tzinfo=UTC)),
        # Two digits: RFC 822's years, read by the POSIX rule as before.
        ("Mon, 01 Jan 01 00:00:00 GMT", datetime(2001, 1, 1, tzinfo=UTC)),
        ("Fri, 05 Mar 99 10:00:00 GMT", datetime(1999, 3, 5, 10, tzinfo=UTC)),
        # A day written with a leading zero is not taken for the year.
        ("Mon, 001 Jan 2001 00:00:00 GMT", datetime(2001, 1, 1, tzinfo=UTC)),
        ("Tue, 5 Mar 2019 10:00:00 -0500", datetime(2019, 3, 5, 15, tzinfo=UTC)),
    ],
)
def test_the_year_is_read_as_written(text: str, expected: datetime) -> None:
    assert parse_mail_date(text) == expected


def test_a_zoneless_date_stays_naive() -> None:
    assert parse_mail_date("Mon, 01 Jan 0001 00:00:00") == datetime(1, 1, 1)


@pytest.mark.parametrize("text", ["Sat, 29 Feb 0000 00:00:00 GMT", "not a date"])
def test_year_0_and_no_date_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_mail_date(text)
