"""Feeds, sitemaps and robots.txt for the demo sites (and the benchmark farm) to serve."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

__all__ = [
    "Item",
    "atom_feed",
    "json_feed",
    "news_sitemap",
    "robots_txt",
    "rss_feed",
    "sitemap_index",
]


@dataclass(frozen=True, slots=True)
class Item:
    """One listed article: where it is, what it is called, when it came out."""

    url: str
    title: str
    published: datetime


def rss_feed(title: str, home: str, items: Sequence[Item]) -> bytes:
    """An RSS 2.0 feed."""
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.url)}</link>"
        f"<guid>{escape(i.url)}</guid><pubDate>{format_datetime(i.published)}</pubDate></item>\n"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(home)}</link>\n{entries}</channel></rss>\n"
    ).encode()


def atom_feed(title: str, home: str, items: Sequence[Item]) -> bytes:
    """An Atom 1.0 feed."""
    entries = "".join(
        f'<entry><title>{escape(i.title)}</title><link href="{escape(i.url)}"/>'
        f"<id>{escape(i.url)}</id><published>{i.published.isoformat()}</published>"
        f"<updated>{i.published.isoformat()}</updated></entry>\n"
        for i in items
    )
    updated = max((i.published for i in items), default=None)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{escape(home)}</id>"
        f"<updated>{updated.isoformat() if updated else ''}</updated>\n{entries}</feed>\n"
    ).encode()


def json_feed(title: str, home: str, items: Sequence[Item]) -> bytes:
    """A JSON Feed 1.1."""
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home,
        "items": [
            {"id": i.url, "url": i.url, "title": i.title, "date_published": i.published.isoformat()}
            for i in items
        ],
    }
    return json.dumps(doc, indent=1).encode()


def news_sitemap(items: Sequence[Item]) -> bytes:
    """A urlset with Google News publication dates."""
    urls = "".join(
        f"<url><loc>{escape(i.url)}</loc><news:news><news:publication_date>"
        f"{i.published.isoformat()}</news:publication_date></news:news></url>\n"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{urls}</urlset>\n"
    ).encode()


def sitemap_index(children: Sequence[str]) -> bytes:
    """A sitemap index."""
    entries = "".join(f"<sitemap><loc>{escape(c)}</loc></sitemap>\n" for c in children)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</sitemapindex>\n"
    ).encode()


def robots_txt(sitemaps: Sequence[str]) -> bytes:
    """A robots.txt that allows everything and names the sitemaps."""
    lines = ["User-agent: *", "Allow: /", *(f"Sitemap: {s}" for s in sitemaps)]
    return ("\n".join(lines) + "\n").encode()
