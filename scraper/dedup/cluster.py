"""Cluster identity: the representative rule and the public cluster id.

The representative of a cluster is its member ranked first by, in order:

1. *named canonical*: another stored document names it as its ``rel=canonical`` (the publisher
   of a syndicated copy pointing at the original);
2. *earliest published*: documents without a date rank after dated ones. A date is compared by
   its day first (UTC), then by its time of day; a date at midnight UTC is read as a date
   without a time (what a page that gives only "November 30, 2026" or "2026-11-30" becomes),
   known only to the day, so it ranks after the timed dates of its day and ties with the
   other date-only ones there (the next rules decide). Letting it tie with the timed ones
   too would not be an order (a date-only page would tie with 08:05 and with 12:00, which do
   not tie), and the representative must not depend on the order members arrive in;
3. *most complete*: more words first;
4. the key, lexicographically, then the URL, so that ties are broken the same way in every
   run (two members of one key differ by their address).

The public cluster id is derived from the representative's key, so it does not depend on the
order documents arrived in; when a better representative arrives the cluster is re-pointed and
its id changes with it. Documents of one key are kept apart when they are different pages
that share the key only through canonical links (a template naming one sibling article on
every page), so the key alone cannot tell their clusters apart: while documents of the
representative's key lie in other clusters too, the id is derived from the key and the
representative's address (its normalised URL), unless that address is the key itself (the
page the canonical links name keeps the id the key gives). Two documents of one key at one
address are one page, always in one cluster, so no two clusters get one id; every other
cluster keeps the id its key gives, as before.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from scraper.discover.urls import normalise_url
from scraper.errors import InputError

__all__ = ["Rank", "address_of", "cluster_id"]

_DAY = 86400.0


@dataclass(frozen=True, slots=True, order=True)
class Rank:
    """Sort key of a member: the smallest Rank is the representative."""

    unnamed: bool
    day: float
    time_of_day: float
    negative_words: int
    key: str
    url: str

    @classmethod
    def of(
        cls, *, named: bool, published: float | None, words: int, key: str, url: str = ""
    ) -> Rank:
        """The rank of a member with these properties (``published``: a POSIX timestamp)."""
        if published is None:
            return cls(not named, math.inf, math.inf, -words, key, url)
        day, time_of_day = divmod(published, _DAY)
        return cls(not named, day, time_of_day or math.inf, -words, key, url)


def cluster_id(key: str, *, url: str | None = None, shared: bool = False) -> str:
    """The public id of the cluster whose representative has ``key`` and ``url``.

    ``shared``: documents of ``key`` lie in other clusters too.
    """
    if shared and url is not None:
        address = address_of(url)
        if address != key:
            # Another function of its own (``person``), and the key's length given: no
            # key and address can spell what a key alone hashes to.
            named = f"{len(key)}:{key}{address}".encode()
            return "c" + hashlib.blake2b(named, digest_size=8, person=b"address").hexdigest()
    return "c" + hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def address_of(url: str) -> str:
    """The address of the page at ``url``: normalised, or as given when it is no http(s) URL
    (a record's own key)."""
    try:
        return normalise_url(url)
    except InputError:
        return url
