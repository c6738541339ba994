"""What documents say about themselves apart from their text: identity key, named original, site.

A pure function of the documents' addresses, so it runs with the text analysis, in a worker
process when the batch is big: URL parsing costs as much as a tenth of the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from scraper.discover.urls import canonical_url, normalise_url, site_of
from scraper.errors import InputError

__all__ = ["Addresses", "Identities", "identify", "joined"]


@dataclass(frozen=True, slots=True)
class Addresses:
    """Per document: its URL, its ``rel=canonical`` link and the key the caller gave, if any."""

    urls: list[str | None]
    canonicals: list[str | None]
    keys: list[str | None]


@dataclass(frozen=True, slots=True)
class Identities:
    """Per document: its key, the page it names as canonical on any site, and its site.

    The key is the caller's, else the same-site canonical URL, else the normalised URL, else
    the URL as given; None for a document without a URL (its text digest stands in later).
    """

    keys: list[str | None]
    named: list[str | None]
    sites: list[str]


def identify(addresses: Addresses) -> Identities:
    """The identities of the documents at ``addresses``."""
    keys: list[str | None] = []
    named: list[str | None] = []
    sites: list[str] = []
    for url, canonical, key in zip(
        addresses.urls, addresses.canonicals, addresses.keys, strict=True
    ):
        url = url or ""
        keys.append(key or (_key_of(url, canonical) if url else None))
        named.append(_named_target(url, canonical))
        sites.append(site_of(url) if url else "")
    return Identities(keys, named, sites)


def joined(parts: Sequence[Identities]) -> Identities:
    """The parts' identities as one run, in order."""
    return Identities(
        [k for p in parts for k in p.keys],
        [n for p in parts for n in p.named],
        [s for p in parts for s in p.sites],
    )


def _key_of(url: str, canonical: str | None) -> str:
    try:
        return canonical_url(url, canonical)
    except InputError:
        return url.strip()


def _named_target(url: str, canonical: str | None) -> str | None:
    # Any-site canonical: a syndicated copy naming the original marks the original as the lead.
    if not canonical:
        return None
    try:
        return normalise_url(urljoin(url, canonical.strip()))
    except InputError:
        return None
