"""What a nested sitemap's URL says of it, for a child whose index ``lastmod`` is older than
the age window and which was never read: the one evidence there is before reading it.

A date in the URL (``sitemap-2019-02.xml``, ``/2026/11/30/``, ``sitemap-20261130.xml``) names
the period the child covers, and decides: an archive's period ended before the window. With no
date, a word of :data:`~scraper.discover.current_words.CURRENT_WORDS` in its file name marks a
current listing whatever its ``lastmod`` (a news sitemap dated by its file's creation).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scraper.discover.current_words import CURRENT_WORDS
from scraper.discover.listed_dates import listed_date

__all__ = ["named_until", "names_current"]

#: A year of 19xx or 20xx, then optionally a month and a day, with or without separators;
#: no digit just before or after, so page numbers and ids are not read as years.
_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})"
    r"(?:[-_/.]?(0[1-9]|1[0-2])(?:[-_/.]?(0[1-9]|[12][0-9]|3[01]))?)?(?![0-9])"
)


def named_until(url: str) -> float | None:
    """The latest instant of the latest period a date in ``url``'s path or query names (its
    end in the westernmost zone, as listing dates are read), or None when it names none."""
    parts = urlsplit(url)
    ends: list[float] = []
    for match in _DATE.finditer(f"{parts.path}?{parts.query}"):
        year, month, day = match.groups()
        text = year + (f"-{month}" if month else "") + (f"-{day}" if day else "")
        read = listed_date(text)
        if read is not None and read[1] is not None:
            ends.append(read[1].timestamp())
    return max(ends, default=None)


def names_current(url: str, oldest: float) -> bool:
    """Whether ``url`` names a period reaching into the window that starts at ``oldest``, or,
    naming no date, a current listing by a word of its file name."""
    until = named_until(url)
    if until is not None:
        return until >= oldest
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    return any(word in name for word in CURRENT_WORDS)
