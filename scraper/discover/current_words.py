"""Words in a nested sitemap's file name that mark a site's current listing rather than an
archive (``sitemap-news.xml``, ``latest.xml``, ``daily-sitemap.xml``): read by
:mod:`scraper.discover.child_names`, matched anywhere in the lower-cased file name."""

from __future__ import annotations

__all__ = ["CURRENT_WORDS"]

#: "news" covers Google News sitemaps, which by their rules list only the last two days.
CURRENT_WORDS: tuple[str, ...] = (
    "news",
    "latest",
    "recent",
    "today",
    "current",
    "daily",
    "breaking",
)
