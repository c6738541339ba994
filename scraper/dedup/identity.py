"""What documents say about themselves apart from their text: identity key, named original, site.

A pure function of the documents' addresses, so it runs with the text analysis, in a worker
process when the batch is big: URL parsing costs as much as a tenth of the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scraper.discover.urls import canonical_url, join_url, normalise_url, preferred, site_of
from scraper.errors import InputError

__all__ = ["Addresses", "Identities", "Identity", "identify", "identity_of", "joined"]


@dataclass(frozen=True, slots=True)
class Identity:
    """One document's identity as ``identify`` finds it: key, named canonical page, site."""

    key: str | None
    named: str | None
    site: str


@dataclass(frozen=True, slots=True)
class Addresses:
    """Per document: its URL, its ``rel=canonical`` link and the key the caller gave, if any.

    ``known`` holds, per document, its identity when the caller found it already
    (``identity_of``), else None; all None when not given.
    """

    urls: list[str | None]
    canonicals: list[str | None]
    keys: list[str | None]
    known: list[Identity | None] | None = None


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
    known = addresses.known or [None] * len(addresses.urls)
    for url, canonical, key, found in zip(
        addresses.urls, addresses.canonicals, addresses.keys, known, strict=True
    ):
        if found is None:
            found = identity_of(url, canonical)
        keys.append(key or found.key)
        named.append(found.named)
        sites.append(found.site)
    return Identities(keys, named, sites)


def identity_of(url: str | None, canonical: str | None) -> Identity:
    """The identity of the document at ``url`` whose canonical link is ``canonical``.

    The key is its same-site canonical URL, else its normalised URL, else the URL as given;
    None without a URL.
    """
    url = url or ""
    named = _named_target(url, canonical)
    if not url:
        return Identity(None, named, "")
    if named is not None and canonical and canonical.strip() and url == url.strip():
        # The canonical link, resolved and normalised as the key would have it (the same
        # arguments): only the choice is left.
        try:
            key = preferred(normalise_url(url), named)
        except InputError:
            key = url
    else:
        key = _key_of(url, canonical)
    return Identity(key, named, site_of(url))


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
        return normalise_url(join_url(url, canonical.strip()))
    except InputError:
        return None
