"""Article identity in a crawl: URL normalisation, canonical links, and the dedup step.

An article is first matched by URL (its normalised URL or its same-site canonical link equal to
one already stored); only then is its text handed to the near-duplicate index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scraper.models import Article
from scraper.store.protocol import CrawlStore

__all__ = ["Assignment", "Deduplicator", "ExactTextDeduplicator", "assign", "normalise_url"]

_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_[a-z]+|igshid|ref|amp|outputtype)$")
_AMP_PATH = re.compile(r"/amp/?$|\.amp(?=$|\.html?$)|^/amp(?=/)")


def normalise_url(url: str) -> str:
    """A URL's identity: lower-case scheme and host, no default port, fragment, tracking or
    AMP marks, sorted query."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (parts.scheme, port) in (("http", 80), ("https", 443))
        else (f"{host}:{port}")
    )
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k.lower()))
    path = _AMP_PATH.sub("", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query), ""))


@dataclass(frozen=True, slots=True)
class Assignment:
    """The cluster an article joins and the representative it duplicates (None: it leads)."""

    cluster: str
    duplicate_of: str | None


class Deduplicator(Protocol):
    """Assigns an article to a near-duplicate cluster, persistently."""

    def assign(self, url: str, article: Article) -> Assignment:
        """The cluster of the article stored under normalised ``url``."""
        ...


class ExactTextDeduplicator:
    """Clusters by the hash of the whitespace- and case-normalised text, through the store."""

    def __init__(self, store: CrawlStore) -> None:
        self.store = store

    def assign(self, url: str, article: Article) -> Assignment:
        """The cluster of ``article``: the one holding the same text, or a new one."""
        text = " ".join(article.text.lower().split())
        cluster = "t" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
        return Assignment(cluster, self.store.representative(cluster))


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on the same host (ignoring ``www.``)."""
    host_a = (urlsplit(a).hostname or "").removeprefix("www.")
    host_b = (urlsplit(b).hostname or "").removeprefix("www.")
    return bool(host_a) and host_a == host_b


def canonical_of(url: str, article: Article, normalise: Callable[[str], str]) -> str | None:
    """The article's normalised canonical URL when it is on the same site as ``url``."""
    if not article.canonical_url or not same_site(url, article.canonical_url):
        return None
    return normalise(article.canonical_url)


def assign(
    url: str,
    canonical: str | None,
    article: Article,
    store: CrawlStore,
    dedup: Deduplicator,
) -> Assignment:
    """URL identity first (a stored article under this URL or canonical), then the text."""
    for key in dict.fromkeys(k for k in (canonical, url) if k):
        found = store.find_article(key)
        if found is not None:
            return Assignment(found[0], found[1])
    return dedup.assign(url, article)
