"""Discovery documents served as untyped bytes (octet-stream), told apart by their first bytes.

S3 and CloudFront serve an uploaded file as ``binary/octet-stream`` unless told otherwise, so a
gzipped sitemap often comes so labelled; the parsers read such a body by its content anyway.
What is neither gzip nor the start of a listing (markup, JSON, a text list of URLs) is some
other file at the listing's address, and is refused before any parser spends time on it.
"""

from __future__ import annotations

import codecs

__all__ = ["looks_like_listing"]

_GZIP_MAGIC = b"\x1f\x8b"
#: How far into the body white space may reach before the first character of a listing.
_HEAD = 4096
_LEADS = (b"<", b"{", b"[", b"http://", b"https://")


def looks_like_listing(body: bytes) -> bool:
    """Whether ``body`` starts as a feed, sitemap or page does: gzip, or (after a UTF-8 BOM
    and white space) markup, JSON or an http(s) URL."""
    if body.startswith(_GZIP_MAGIC):
        return True
    head = body[:_HEAD].removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith(_LEADS)
