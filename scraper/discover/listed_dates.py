"""Dates as listings give them, and the latest instant each may mean (for the age window).

Sitemaps and feeds alike date entries by the day alone, or by a time without a zone: such a
date is read as its earliest instant in UTC, and the age window compares the latest it may
mean, so that a one-day window keeps yesterday's entries all day.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Final

from scraper.discover.entry import Discovered, Listing
from scraper.mail_dates import parse_mail_date

__all__ = [
    "EARLIEST_LISTED",
    "earliest",
    "earliest_in_range",
    "listed_date",
    "vague_until",
    "without_placeholder_dates",
    "zoneless",
]

#: A listed date before this is a placeholder, not news: Unix time 0 (1970-01-01), .NET's
#: ``DateTime.MinValue`` (0001-01-01), a CMS's 1900-01-01. Taken as dates, they put every
#: entry of a listing that uses one out of the age window, and a nested sitemap dated so
#: would never be read. Extraction bounds its dates the same way (``extract.dates.EARLIEST``).
EARLIEST_LISTED: Final = datetime(1990, 1, 1, tzinfo=UTC)
_EARLIEST_LISTED_AT: Final = EARLIEST_LISTED.timestamp()

#: W3C Datetime's coarser precisions: a year, a month, a day.
_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
#: RFC 822's date without its time (``Sun, 29 Nov 2026``), as feeds write a day.
_RFC822_DAY = re.compile(r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})")
_MONTHS = {
    name: f"{n:02d}"
    for n, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
#: UTC-12, where a day ends last: a local time may mean an instant up to this much after UTC's.
_LAST_ZONE = timedelta(hours=12)
#: UTC+14, where a day starts first: a local time may mean an instant up to this much before.
_FIRST_ZONE = timedelta(hours=14)


def listed_date(value: str | None) -> tuple[datetime, datetime | None] | None:
    """A listing's date, and the latest instant it may mean when it is vaguer than an instant.

    Read: W3C Datetime (a year, a month, a day, or a time with or without a zone), the same
    with slashes (``YYYY/MM/DD``) and RFC 822 (a day without a time too). A time without a
    zone is taken as UTC, though it may mean up to 12 hours later (UTC-12); a day, month or
    year may mean up to its end there.
    """
    if not value:
        return None
    text = value.strip()
    if text[4:5] == "/" and text[7:8] == "/":
        text = text[:10].replace("/", "-") + text[10:]
    period = _PERIOD.fullmatch(text)
    if period:
        return _period(*period.groups())
    day = _RFC822_DAY.fullmatch(text)
    if day:
        month = _MONTHS.get(day.group(2).lower())
        return None if month is None else _period(day.group(3), month, day.group(1).zfill(2))
    parsed = _instant(text)
    return None if parsed is None else zoneless(parsed)


def zoneless(parsed: datetime) -> tuple[datetime, datetime | None] | None:
    """An instant read from a listing, in UTC when it has no zone, and then the latest instant
    it may mean (None when it has a zone); None when it has no zone and may mean an instant
    before year 1, which dates nothing."""
    if parsed.tzinfo is not None:
        return parsed, None
    parsed = parsed.replace(tzinfo=UTC)
    if not earliest_in_range(parsed):
        return None
    try:
        return parsed, parsed + _LAST_ZONE
    except OverflowError:  # the last hours of year 9999
        return parsed, None


def earliest(read: tuple[datetime, datetime | None]) -> datetime:
    """The earliest instant a date read by :func:`listed_date` may mean: itself when it is an
    instant, else its start in UTC+14 (a change dated so is surely later than a fetch only
    when that is: a Tokyo sitemap's zoneless ``10:00`` is 01:00 UTC)."""
    start, latest = read
    return start if latest is None else start - _FIRST_ZONE


def earliest_in_range(start: datetime) -> bool:
    """Whether the earliest instant a vague date starting at ``start`` may mean (see
    :func:`earliest`) is one a datetime holds: ``0001-01-01`` may mean one before year 1, a
    placeholder that must not fail the listing it is in."""
    return start - datetime.min.replace(tzinfo=UTC) >= _FIRST_ZONE


def vague_until(text: str | None, published: datetime) -> datetime | None:
    """The latest instant a date's ``text`` may mean, read by :func:`listed_date`, when
    another parser read it as ``published``: None when the text is an instant, or when it
    reads as another one than ``published`` (the other parser's reading is kept then)."""
    read = listed_date(text)
    if read is None or read[0].replace(microsecond=0) != published:
        return None
    return read[1]


def _period(year: str, month: str | None, day: str | None) -> tuple[datetime, datetime] | None:
    try:
        start = datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
        if not earliest_in_range(start):
            return None
        if day:
            end = start + timedelta(days=1)
        elif month:
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        else:
            end = start.replace(year=start.year + 1)
        return start, end + _LAST_ZONE
    except (ValueError, OverflowError):  # no such day, or past year 9999
        return None


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parse_mail_date(text)
    except (TypeError, ValueError, IndexError, OverflowError):  # a year of 20 digits
        return None


def without_placeholder_dates(listing: Listing) -> Listing:
    """``listing`` with the dates before :data:`EARLIEST_LISTED` left out of its entries and
    nested documents: such an entry is undated."""
    entries = tuple(_dated(entry) for entry in listing.entries)
    children = tuple(_dated(child) for child in listing.children)
    if entries == listing.entries and children == listing.children:
        return listing
    return replace(listing, entries=entries, children=children)


def _dated(entry: Discovered) -> Discovered:
    published, modified = entry.published, entry.modified
    # By timestamps: a naive date (a caller's own Discovered) compares as well as an aware one.
    placeholder = published is not None and published.timestamp() < _EARLIEST_LISTED_AT
    stale = modified is not None and modified.timestamp() < _EARLIEST_LISTED_AT
    if not (placeholder or stale):
        return entry
    if placeholder:
        return replace(entry, published=None, latest=None, modified=None if stale else modified)
    return replace(entry, modified=None)
