"""Sitemap parsing: dates, namespaces, XML quirks of real generators."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scraper.discover.entry import Discovered
from scraper.discover.sitemaps import parse_sitemap

_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
_BASE = "https://news.example/sitemap.xml"


def _news_entry(date: str) -> Discovered:
    body = (
        f"<urlset {_NS} {_NEWS}><url><loc>https://news.example/a</loc><news:news>"
        f"<news:publication_date>{date}</news:publication_date></news:news></url></urlset>"
    )
    (entry,) = parse_sitemap(body.encode(), _BASE).entries
    return entry


@pytest.mark.parametrize(
    "date",
    [
        "2026-10-31T17:41:42+00:00",
        "2026-10-31T17:41:42.000Z",
        "Sat, 31 Oct 2026 17:41:42 GMT",
        "Sat, 31 Oct 2026 18:41:42 +0100",
        "2026-10-31 17:41:42 +0000",
        " 2026-10-31T17:41:42Z\n",
    ],
)
def test_news_publication_dates_in_the_common_forms(date: str) -> None:
    entry = _news_entry(date)
    assert entry.published == datetime(2026, 10, 31, 17, 41, 42, tzinfo=UTC)
    assert entry.latest is None  # an instant: nothing vaguer to allow for


def test_a_date_with_slashes_and_no_zone_may_mean_twelve_hours_later() -> None:
    # A local time without a zone is read as UTC, but the window allows for UTC-12.
    entry = _news_entry("2026/10/31 17:41")
    assert entry.published == datetime(2026, 10, 31, 17, 41, tzinfo=UTC)
    assert entry.latest == datetime(2026, 11, 1, 5, 41, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "start", "latest"),
    [
        ("2026-10-31", datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC)),
        ("2026/10/31", datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC)),
        ("2026-12", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, 12, tzinfo=UTC)),
        ("2026", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, 12, tzinfo=UTC)),
    ],
)
def test_a_day_month_or_year_lasts_until_its_end_in_the_last_time_zone(
    date: str, start: datetime, latest: datetime
) -> None:
    entry = _news_entry(date)
    assert (entry.published, entry.latest) == (start, latest)


@pytest.mark.parametrize("date", ["yesterday", "2026-02-30", "31/10/2026", ""])
def test_an_unreadable_date_leaves_the_entry_undated(date: str) -> None:
    entry = _news_entry(date)
    assert (entry.url, entry.published, entry.latest) == ("https://news.example/a", None, None)
