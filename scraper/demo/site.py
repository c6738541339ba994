"""The demo news sites: invented articles (``content/*.toml``) rendered into pages and listings.

Each site serves its articles with site chrome, an AMP copy of each, RSS, Atom and JSON feeds, a
sitemap index with a news sitemap (AMP copies listed too), robots.txt naming the sitemap, and a
section page. Feeds and the section page link with tracking parameters and fragments, so one
article is listed under several URL variants.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from string import Template
from typing import Any

from scraper.demo.listings import (
    Item,
    atom_feed,
    json_feed,
    news_sitemap,
    robots_txt,
    rss_feed,
    sitemap_index,
)
from scraper.demo.server import Resource

__all__ = ["DemoArticle", "DemoSite", "load_sites", "render_site"]

_HTML = "text/html; charset=utf-8"
_XML = "application/xml"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoArticle:
    """One invented article."""

    slug: str
    title: str
    author: str
    published: datetime
    paragraphs: tuple[str, ...]
    render_twice: bool = False
    syndicated_from: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSite:
    """One invented news site."""

    name: str
    slug: str
    section: str
    updated: datetime
    articles: tuple[DemoArticle, ...]


def _template(name: str) -> Template:
    return Template(
        resources.files("scraper.demo").joinpath("templates").joinpath(name).read_text("utf-8")
    )


def load_sites() -> tuple[DemoSite, ...]:
    """The packaged demo sites, syndicated copies resolved to their original's paragraphs."""
    folder = resources.files("scraper.demo").joinpath("content")
    raw = [
        tomllib.loads(entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    originals = {
        f"{site['slug']}/{a['slug']}": tuple(a["paragraphs"])
        for site in raw
        for a in site["article"]
    }

    def paragraphs(a: dict[str, Any]) -> tuple[str, ...]:
        if not a.get("syndicated_from"):
            return tuple(a["paragraphs"])
        # A wire copy as papers run it: their dateline on the lead, the tail trimmed to fit.
        copy = list(originals[a["syndicated_from"]][: -int(a.get("trim", 0)) or None])
        copy[0] = f"{a.get('dateline', '')}{copy[0]}"
        return tuple(copy)

    return tuple(
        DemoSite(
            name=site["name"],
            slug=site["slug"],
            section=site["section"],
            updated=datetime.fromisoformat(site["updated"]),
            articles=tuple(
                DemoArticle(
                    slug=a["slug"],
                    title=a["title"],
                    author=a["author"],
                    published=datetime.fromisoformat(a["published"]),
                    paragraphs=paragraphs(a),
                    render_twice=bool(a.get("render_twice")),
                    syndicated_from=a.get("syndicated_from"),
                )
                for a in site["article"]
            ),
        )
        for site in raw
    )


def article_path(site: DemoSite, article: DemoArticle) -> str:
    """Where an article lives on its site."""
    return f"/{site.section}/{article.published.year}/{article.slug}"


def _story(article: DemoArticle) -> str:
    paragraphs = "\n".join(f"    <p>{html.escape(p)}</p>" for p in article.paragraphs)
    return _template("story.html").substitute(
        title=html.escape(article.title),
        author=html.escape(article.author),
        published=article.published.isoformat(),
        date=article.published.strftime("%d %B %Y"),
        paragraphs=paragraphs,
    )


def _pages(site: DemoSite, base: str, article: DemoArticle) -> dict[str, Resource]:
    path = article_path(site, article)
    story = _story(article)
    others = [a for a in site.articles if a is not article][:3]
    related = "".join(
        f'<li><a href="{article_path(site, o)}">{html.escape(o.title)}</a></li>' for o in others
    )
    fields = {
        "title": html.escape(article.title),
        "site": html.escape(site.name),
        "canonical": base + path,
        "amp": base + path + "/amp",
        "published": article.published.isoformat(),
        "author": html.escape(article.author),
        "section": site.section,
        "related": related,
    }
    body = story + "\n" + story if article.render_twice else story
    full = _template("article.html").substitute(fields, body=body)
    amp = _template("amp.html").substitute(fields, body=story)
    return {
        path: Resource(_HTML, full.encode(), article.published),
        path + "/amp": Resource(_HTML, amp.encode(), article.published),
    }


def render_site(site: DemoSite, base: str) -> dict[str, Resource]:
    """Every page and listing of ``site`` as served from ``base`` (``http://127.0.0.1:PORT``)."""
    pages: dict[str, Resource] = {}
    for article in site.articles:
        pages.update(_pages(site, base, article))
    items = [Item(base + article_path(site, a), a.title, a.published) for a in site.articles]
    tracked = [Item(i.url + "?utm_source=rss&utm_medium=feed", i.title, i.published) for i in items]
    amp_items = [Item(i.url + "/amp", i.title, i.published) for i in items]
    teasers = "\n".join(
        f'<li><a href="{i.url}?ref=section">{html.escape(i.title)}</a>'
        f' <a href="{i.url}#comments">Comments</a></li>'
        for i in items
    )
    section = _template("section.html").substitute(site=html.escape(site.name), teasers=teasers)
    listings = {
        "/feed.xml": ("application/rss+xml", rss_feed(site.name, base, tracked)),
        "/atom.xml": ("application/atom+xml", atom_feed(site.name, base, tracked)),
        "/feed.json": ("application/feed+json", json_feed(site.name, base, items)),
        "/sitemap.xml": (_XML, sitemap_index([base + "/sitemap-news.xml"])),
        "/sitemap-news.xml": (_XML, news_sitemap(items + amp_items)),
        "/robots.txt": ("text/plain", robots_txt([base + "/sitemap.xml"])),
        f"/{site.section}/": (_HTML, section.encode()),
    }
    for path, (ctype, body) in listings.items():
        pages[path] = Resource(ctype, body, site.updated)
    return pages
