"""What discovery yields: an article URL found in a feed, sitemap or section page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Discovered", "Listing"]


@dataclass(frozen=True, slots=True)
class Discovered:
    """An article URL as listed (not yet normalised), with its date when the listing gives one.

    ``latest`` is the latest instant a date vaguer than an instant may mean (a day without a
    time, a time without a zone); the age window compares it rather than ``published``.
    ``modified`` is when the listing says the page last changed (a sitemap's ``lastmod``, an
    Atom ``updated``, a JSON Feed's ``date_modified``), the first instant a vague date may
    mean: a stored article listed as changed after it was fetched is fetched again
    (docs/crawl.md), and a day alone must not date a change later than one made that day.
    """

    url: str
    published: datetime | None = None
    latest: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """What one discovery document lists: article URLs, and further documents to read.

    ``children`` are nested sitemaps (from a sitemap index or robots.txt ``Sitemap`` lines),
    with the index's ``lastmod`` as their date when it gives one. ``dropped_children`` counts
    those listed past the cap on how many are kept (see :mod:`scraper.discover.kept_children`).
    """

    entries: tuple[Discovered, ...] = ()
    children: tuple[Discovered, ...] = ()
    dropped_children: int = 0
    #: Sitemap entries left out for their size (see ``sitemaps.MAX_ENTRY_ELEMENTS``).
    oversized_entries: int = 0
