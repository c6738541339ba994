"""Whether a body answered for a feed or sitemap is an HTML page (a soft 404, mostly)."""

from __future__ import annotations

import re

__all__ = ["is_html_page"]

_HTML = re.compile(rb"<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)
#: Where to look: a page's doctype or html tag comes before any content.
_HEAD = 2048


def is_html_page(body: bytes) -> bool:
    """Whether ``body`` opens as an HTML page (a doctype or an ``html`` tag near its start)."""
    return _HTML.search(body, 0, _HEAD) is not None
