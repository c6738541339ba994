"""Telling a new story at a stored page's address from a new version of the page.

An address is one page whatever its text now says (an update, a live blog grown since), and the
index joins every text served there in one cluster. A slot that always shows the latest story
("/latest", a daily briefing under one URL) breaks that: the next story would join the last
one's cluster, and with it the new story's wire copies. Such a text comes with another date and
shares almost none of the words it replaces; an update keeps its first date, and a CMS that
dates every update anew still serves most of the text it served before. So a text dated
``STORY_GAP`` apart from the stored one and sharing under ``STORY_SHARE`` of its word
three-grams with it is another story: it is placed under a key of its own (the page's key and
the version it starts), so the index keeps it apart from the earlier stories at the address,
and exports give it a story of its own (versions count only under the key a page has now).
Undated texts stay one page: nothing but the words would tell them apart, and an update may
rewrite most of them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from scraper.store.protocol import StoredPage

__all__ = ["STORY_GAP", "STORY_MARK", "STORY_SHARE", "another_story", "page_key"]

#: Seconds between the dates of two texts at one address that may make them two stories.
STORY_GAP: Final = 600.0
#: Below this share of the shorter text's word three-grams found in the other, two dated texts
#: are two stories (different stories of one site share a few stock phrases, versions most).
STORY_SHARE: Final = 0.3
#: Between a page's key and the version that started its current story. Keys are normalised
#: URLs, which never keep a fragment: no page's own key has this form.
STORY_MARK: Final = "#story-"
_WORD: Final = re.compile(r"\w+")
_GRAM: Final = 3


def _grams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + _GRAM]) for i in range(len(words) - _GRAM + 1)}


def another_story(stored: StoredPage, text: str, published: datetime | None) -> bool:
    """Whether ``text`` (dated ``published``), served where ``stored`` was, is another story."""
    if stored.published is None or published is None:
        return False
    if abs(published.timestamp() - stored.published) < STORY_GAP:
        return False
    old, new = _grams(stored.text), _grams(text)
    if not old or not new:
        return False
    return len(old & new) / min(len(old), len(new)) < STORY_SHARE


def page_key(base: str, stored: StoredPage | None, text: str, published: datetime | None) -> str:
    """The key to place a new text of a page under: ``base`` (the page's key from its URL and
    canonical link), unless its URL holds a stored article of the same page: then the key
    that article has, or a key of its own when the text is another story."""
    if stored is None or stored.key is None:
        return base
    if stored.key != base and not stored.key.startswith(base + STORY_MARK):
        # Rewritten under a new canonical link: another page from now on, under its new key.
        return base
    if another_story(stored, text, published):
        return f"{base}{STORY_MARK}{stored.version + 1}"
    return stored.key
