"""A date written in the page's text after the headline: the last resort of the date cascade.

Some templates mark nothing up: the date is a bare ``<span>`` or ``<p>`` somewhere below the
headline, past the share buttons and the table of contents. Text nodes are read in document
order from the headline (from the top of the body when there is none) and the first short one
that is a date wins. The walk is bounded and runs only when every other source is silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.dates import parse_date_text

__all__ = ["date_in_text"]

# Elements whose text readers do not see.
_HIDDEN_TEXT: Final = frozenset({"script", "style", "noscript", "template", "textarea"})
# A longer text is prose, where a date is something the article talks about.
# Final: compiled, the bounds are constants instead of a module lookup per node read.
_MIN_CHARS: Final = 6
_MAX_CHARS: Final = 80
_MAX_TEXTS: Final = 300
_MAX_NODES: Final = 3_000


def _after(node: LexborNode) -> Iterator[LexborNode]:
    """The nodes that follow ``node`` in document order (not its own descendants)."""
    current: LexborNode | None = node
    while current is not None:
        following = current.next
        while following is None:
            current = current.parent
            if current is None:
                return
            following = current.next
        current = following
        yield from current.traverse(include_text=True, skip_empty=True)


def date_in_text(
    tree: LexborHTMLParser, heading: LexborNode | None, now: datetime, day_first: bool
) -> datetime | None:
    """The first short text after ``heading`` (or in the body) that reads as a full date."""
    if heading is not None:
        nodes = _after(heading)
    elif tree.body is not None:
        nodes = tree.body.traverse(include_text=True, skip_empty=True)
    else:
        return None
    texts = 0
    for seen, node in enumerate(nodes):
        if seen >= _MAX_NODES or texts >= _MAX_TEXTS:
            break
        if not node.is_text_node:
            continue
        texts += 1
        text = (node.text_content or "").strip()
        if _MIN_CHARS <= len(text) <= _MAX_CHARS and (
            node.parent is None or node.parent.tag not in _HIDDEN_TEXT
        ):
            value = parse_date_text(text, now, day_first=day_first)
            if value is not None:
                return value
    return None
