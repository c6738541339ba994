"""Author names from byline strings: prefixes, roles, emails and credentials off; split; deduped."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scraper.extract.metadata_patterns import (
    BYLINE_PARTICLES,
    BYLINE_PREFIXES,
    BYLINE_STOPS,
    CREDENTIALS,
    ORG_WORDS,
    ROLE_WORDS,
)

__all__ = ["clean_authors", "is_organisation", "looks_like_name"]

# Conjunctions split only in lower case, so initials ("E. Smith", "Y. Chen") stay whole.
_SPLIT = re.compile(r"\s*[,;|/&\n•·]\s*|\s+(?:and|und|et|y|e|en|with|mit|AND)\s+")
_PREFIX = re.compile(
    r"^(?i:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in BYLINE_PREFIXES) + r")"
    r"(?:\s*:\s*|\s+)|^(?:" + "|".join(BYLINE_PARTICLES) + r")\s+(?=\w)"
)
_STOP = re.compile(
    r"\s*(?:\b(?:" + "|".join(re.escape(s) for s in BYLINE_STOPS) + r")\b|\d{1,2}[:./]\d).*$",
    re.IGNORECASE | re.DOTALL,
)
_NOISE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\(.*?\)|\[.*?\]")
_HANDLE = re.compile(r"^@\w+$")


def _strip_prefix(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text, count=1).strip(" :-–—")
    return text


def _fragment_is_name(fragment: str) -> bool:
    words = fragment.split()
    if not words or len(words) > 5 or any(ch.isdigit() for ch in fragment):
        return False
    lowered = [w.strip(".,").lower() for w in words]
    if all(w in CREDENTIALS for w in lowered):
        return False
    if any(w in ROLE_WORDS for w in lowered):
        return False
    # A lone short upper-case token after a name is a credential (RD, FAND) or an agency tag.
    return not (len(words) == 1 and fragment.isupper() and len(fragment) <= 5)


def _tidy(fragment: str) -> str:
    fragment = fragment.strip(" .,:;-–—'\"“”")
    if fragment.isupper() and len(fragment) > 5:
        fragment = fragment.title()
    return " ".join(fragment.split())


def looks_like_name(text: str) -> bool:
    """True for a plausible person or organisation name (not a sentence, URL or handle)."""
    return _fragment_is_name(text) and not _HANDLE.match(text)


def is_organisation(name: str) -> bool:
    """True when a name reads as an organisation ("Reuters", "News Desk") rather than a person."""
    words = [w.lower().strip(".,") for w in name.split()]
    return any(w in ORG_WORDS for w in words)


def clean_authors(raw: Iterable[str]) -> tuple[str, ...]:
    """Person names from byline strings, in order, each once.

    "By Jane Doe and John Roe, Staff Writers" gives ("Jane Doe", "John Roe"); emails, URLs,
    @handles, parenthesised notes, roles and credentials are dropped.
    """
    names: list[str] = []
    seen: set[str] = set()
    for item in raw:
        text = _NOISE.sub(" ", " ".join(item.split()))
        text = _strip_prefix(text)
        text = _STOP.sub("", text)
        for fragment in _SPLIT.split(text):
            name = _tidy(_strip_prefix(fragment))
            if not name or not looks_like_name(name):
                continue
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                names.append(name)
    return tuple(names)
