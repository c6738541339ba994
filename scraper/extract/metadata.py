"""Article metadata from the parsed page (placeholder: the full cascade replaces this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser

__all__ = ["Metadata", "extract_metadata"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    """What the page says about its article, field by field."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None
    body_hint: str | None = None


def extract_metadata(tree: LexborHTMLParser, url: str | None) -> Metadata:
    """Metadata of the page; reads the tree and never modifies it."""
    node = tree.css_first("meta[property='og:title']")
    title = node.attributes.get("content") if node is not None else None
    if not title:
        tnode = tree.css_first("title")
        title = tnode.text(strip=True) if tnode is not None else None
    return Metadata(title=title or None)
