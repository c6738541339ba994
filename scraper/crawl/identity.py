"""Article identity in a crawl: what the dedup step needs, and the index that provides it.

URLs are normalised at discovery (:func:`scraper.discover.urls.normalise_url`), so URL variants
never reach the fetcher. After extraction the article's key is its same-site canonical link,
else the URL it was served from (after redirects), normalised (:func:`page_identity`); the
crawl stores it under that key (see :mod:`scraper.crawl.aliases`). The near-duplicate index
then places it: an AMP copy joins its original by that key, and its text joins it to syndicated
copies, shortened and updated versions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from scraper.dedup import DedupIndex, Document
from scraper.dedup.identity import Identity, identity_of
from scraper.dedup.minhash import SKETCH_SCHEME
from scraper.discover.urls import normalise_url, site_of
from scraper.errors import DedupError, InputError, StoreError
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.sketches import SketchStore

#: The path of a site's front page after the host's "/": none, an index file ("index.html",
#: "default.aspx"), or a language's front page ("en/", "pt-br/index.php").
_HOME_PATH = re.compile(
    r"(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?(?:(?:index|default|home)\.[a-z]{2,5})?", re.IGNORECASE
)

__all__ = [
    "Deduplicator",
    "Placement",
    "lands_home",
    "moved_story",
    "open_index",
    "page_identity",
    "redirect_key",
]


class Placement(Protocol):
    """Where the index put an article: its key, cluster id and the representative it duplicates."""

    @property
    def key(self) -> str: ...

    @property
    def cluster(self) -> str: ...

    @property
    def duplicate_of(self) -> str | None: ...


class Deduplicator(Protocol):
    """Assigns articles to near-duplicate clusters, persistently and idempotently.

    Adding the same URL with the same text again returns its existing placement. A batch
    is placed as a whole (its result does not depend on its order), which costs far fewer
    transactions than one document at a time.
    """

    def add_many(self, docs: Sequence[Document]) -> Sequence[Placement]:
        """The placements of ``docs``, in input order."""
        ...


def open_index(store: SQLiteCrawlStore) -> DedupIndex:
    """The near-duplicate index kept in the crawl store's own SQLite file and connection.

    Raises:
        StoreError: the store's index cannot be used (say, it was sketched another way): for
            a crawl that is the store being unusable, not a problem of one article.
    """
    try:
        sketches = SketchStore(store.conn, fingerprint=SKETCH_SCHEME)
    except DedupError as exc:
        raise StoreError(f"{store.path}: {exc}") from exc
    return DedupIndex(sketches)


def page_identity(asked: str, served: str | None, canonical: str | None) -> Identity:
    """The identity of a page fetched for the key ``asked`` and served from ``served`` (None:
    no redirect), whose canonical link (resolved against ``served``) is ``canonical``.

    A redirect names the page's own address (a feed's redirector, http to https), so its
    target stands for the page, as a browser's address bar shows it: a same-site canonical
    link is then judged against the site the page is on, not the redirector's.
    """
    landed = None if served is None else redirect_key(asked, served)
    return identity_of(asked if landed is None else served, canonical)


def redirect_key(asked: str, served: str) -> str | None:
    """The key of the URL a page asked for as ``asked`` was served from, when that is another
    and stands for the page.

    A redirect to a site's home page does not (an article removed, a paywall's way out): the
    page keeps the key it was asked for, as a canonical link to the home page is not followed.
    """
    try:
        landed = normalise_url(served)
    except InputError:
        return None
    if landed == asked or (_is_home(landed) and not _is_home(asked)):
        return None
    return landed


def lands_home(asked: str, served: str) -> bool:
    """Whether a page asked for as the key ``asked`` was served from its site's home page when
    ``asked`` is no home page: a dead link's way out (a story taken down, a slug mistyped), whose
    text is the front page's teasers, not an article."""
    try:
        landed = normalise_url(served)
    except InputError:
        return False
    return landed != asked and _is_home(landed) and not _is_home(asked)


def moved_story(asked: str, served: str) -> str | None:
    """The key of the address a stored story ``asked`` now redirects to, when that can be the
    story moved there: a new slug beside the old one (the same site and folder, no query).

    A taken-down story's ways out are elsewhere: the front page, its section (the folder
    above), a "not found", login, subscription or consent page (another folder or site,
    often with a query naming the way back), and those hold no version of the story.
    """
    landed = redirect_key(asked, served)
    if landed is None or "?" in landed or site_of(landed) != site_of(asked):
        return None
    folder, _, slug = _path(landed).rstrip("/").rpartition("/")
    asked_folder = _path(asked).rstrip("/").rpartition("/")[0]
    return landed if slug and folder == asked_folder else None


def _path(key: str) -> str:
    """A normalised key's path (with its query), "/" and after."""
    return "/" + key.split("://", 1)[-1].partition("/")[2]


def _is_home(key: str) -> bool:
    # A normalised key: scheme://host[:port] then its path, "/" and nothing more for the home
    # page ("/?p=123" is a WordPress article), or an index file, or a language's front page.
    return _HOME_PATH.fullmatch(key.split("://", 1)[-1].partition("/")[2]) is not None
