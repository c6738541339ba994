"""Dates as pages write them: ISO 8601, RFC 2822, epoch digits, "19 November 2019", URL paths.

Everything returned is timezone-aware (naive values get UTC) and inside the plausible window:
not before 1990, not after ``now``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from scraper.extract.metadata_patterns import MONTHS
from scraper.mail_dates import parse_mail_date

__all__ = [
    "EARLIEST",
    "date_from_script",
    "date_from_url",
    "local_day_of",
    "parse_date",
    "parse_date_text",
    "plausible",
]

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# The furthest time zones from UTC.
_WEST = timedelta(hours=12)
_EAST = timedelta(hours=14)
# A longer attribute or meta value is prose, not a date.
_MAX_DATE_CHARS = 100

_ISO_PREFIX = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?Z?")
_EPOCH = re.compile(r"\d{10}(?:\d{3})?")
_MONTH_WORD = r"([^\W\d_]{3,10})\.?"
# "November 19, 2019", "Nov. 19th 2019"
_MDY = re.compile(_MONTH_WORD + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
# "19 November 2019", "19. November 2019", "19 de noviembre de 2019", "19th Nov 2019"
_DMY = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th|er|\.|º)?\s+(?:de\s+)?" + _MONTH_WORD + r",?\s+(?:de\s+)?(\d{4})"
)
# "2019年11月19日" and "2019. 11. 19."
_YMD_CJK = re.compile(r"(\d{4})\s*[年.]\s*(\d{1,2})\s*[月.]\s*(\d{1,2})")
# "19/11/2019", "11-19-2019", "19.11.2019", "2019/11/19"
_NUMERIC = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{2,4})")
# A publication key with an ISO value in embedded application state (Next.js, Nuxt, GraphQL).
_STATE_DATE = re.compile(
    r'"(?:datePublished|publishedAt|publishDate|published_at|publicationDate|firstPublished'
    r'|publishedDate|pubDate)\\?"\s*:\s*\\?"(\d{4}-\d{2}-\d{2}[^"\\]{0,25})'
)
# The day may be followed by any non-digit: "/2019-11-19+Title", "/20191119-title".
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")
# "/2023/october/03/", "/2023/oct/3/"
_URL_WORD_DATE = re.compile(r"/((?:19|20)\d{2})/([^\W\d_]{3,10})/(\d{1,2})(?!\d)")
# Every written date read below has a four-digit year (an all-numeric one with a two-digit year
# is refused): one search settles most texts without trying the five patterns.
_YEAR = re.compile(r"\d{4}")


def plausible(value: datetime, now: datetime) -> bool:
    """True when ``value`` lies between 1990 and ``now`` (a day of slack for clocks ahead)."""
    return EARLIEST <= value <= now + timedelta(days=1)


def local_day_of(instant: datetime, day: date) -> bool:
    """Whether ``day`` is the calendar day somewhere on Earth (UTC-12 to UTC+14) at ``instant``."""
    utc = instant.astimezone(UTC)
    return (utc - _WEST).date() <= day <= (utc + _EAST).date()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _build(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _iso(text: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        pass
    match = _ISO_PREFIX.search(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    if hour is None:
        return _build(int(year), int(month), int(day))
    stamp = f"{year}-{int(month):02d}-{int(day):02d}T{int(hour):02d}:{minute}:{second or '00'}"
    if zone:
        stamp += "+00:00" if zone == "Z" else zone
    try:
        return _aware(datetime.fromisoformat(stamp))
    except ValueError:
        return _build(int(year), int(month), int(day))


def _compact_or_epoch(text: str) -> datetime | None:
    if _EPOCH.fullmatch(text):
        return datetime.fromtimestamp(int(text[:10]), tz=UTC)
    match = _COMPACT.fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups()[:3])
    return _build(year, month, day)


def _rfc2822(text: str) -> datetime | None:
    if "," not in text[:5] and not text[:1].isdigit():
        return None
    try:
        return _aware(parse_mail_date(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        # OverflowError: a year or zone offset of more digits than a C integer holds.
        return None


def parse_date(text: str | None, now: datetime, *, day_first: bool = True) -> datetime | None:
    """A machine-readable date (attribute or meta value) as an aware datetime, if plausible.

    ``day_first`` settles all-numeric dates that read both ways (03-04-2019).
    """
    if not text:
        return None
    text = text.strip()
    if not text or not text[:1].isalnum() or len(text) > _MAX_DATE_CHARS:
        return None
    for parser in (_iso, _compact_or_epoch, _rfc2822):
        value = parser(text)
        if value is not None:
            return value if plausible(value, now) else None
    return parse_date_text(text, now, day_first=day_first)


def _numeric(match: re.Match[str], day_first: bool) -> datetime | None:
    first, second, third = match.groups()
    if len(first) == 4:
        return _build(int(first), int(second), int(third))
    if len(third) != 4:
        return None
    a, b, year = int(first), int(second), int(third)
    if a > 12:
        return _build(year, b, a)
    if b > 12 or not day_first:
        return _build(year, a, b)
    return _build(year, b, a)


def parse_date_text(text: str, now: datetime, *, day_first: bool = True) -> datetime | None:
    """The first plausible date written out in a short human text ("Nov 19, 2019", "19.11.2019").

    ``day_first`` settles all-numeric dates that read both ways (03/04/2019).
    """
    if _YEAR.search(text) is None:
        return None
    lowered = text.lower()
    found: list[tuple[int, datetime | None]] = []
    for match in _MDY.finditer(lowered):
        month = MONTHS.get(match.group(1))
        if month:
            found.append((match.start(), _build(int(match.group(3)), month, int(match.group(2)))))
    for match in _DMY.finditer(lowered):
        month = MONTHS.get(match.group(2))
        if month:
            found.append((match.start(), _build(int(match.group(3)), month, int(match.group(1)))))
    if not found:
        found.extend((m.start(), _iso(m.group(0))) for m in _ISO_PREFIX.finditer(lowered))
        found.extend(
            (m.start(), _build(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            for m in _YMD_CJK.finditer(lowered)
        )
        found.extend((m.start(), _numeric(m, day_first)) for m in _NUMERIC.finditer(lowered))
    # The earliest in the text wins: bylines put "published" before "updated".
    for _, value in sorted(found, key=lambda item: item[0]):
        if value is not None and plausible(value, now):
            return value
    return None


def date_from_url(url: str | None, now: datetime) -> datetime | None:
    """The date spelled in a URL path (/2019/11/19/, /20191119-), the last resort of the cascade."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if match is not None:
        value = _build(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    else:
        worded = _URL_WORD_DATE.search(url.lower())
        month = MONTHS.get(worded.group(2)) if worded is not None else None
        if worded is None or month is None:
            return None
        value = _build(int(worded.group(1)), month, int(worded.group(3)))
    return value if value is not None and plausible(value, now) else None


def date_from_script(text: str, now: datetime) -> datetime | None:
    """The first plausible publication date under a well-known key in a script's JSON text."""
    for match in _STATE_DATE.finditer(text):
        value = parse_date(match.group(1), now)
        if value is not None:
            return value
    return None
