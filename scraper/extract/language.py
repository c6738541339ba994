"""Page language: declared codes normalised, and a stopword vote when nothing is declared."""

from __future__ import annotations

import re
from typing import Final

from selectolax.lexbor import LexborHTMLParser

from scraper.extract.metadata_patterns import STOPWORDS

__all__ = ["declared_language", "detect_language", "normalise_language"]

_CODE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2}|\d{3}))?\b")
_WORD = re.compile(r"[^\W\d_]+")
# Enough words to vote on; more only costs time.
_SAMPLE_CHARS = 4000
_MIN_HITS = 3
# The languages each stopword belongs to ("de", "la", "die" are several languages' words): one
# look-up a word instead of one per language.
_LANGUAGES_OF: Final = {
    word: tuple(lang for lang, stop in STOPWORDS.items() if word in stop)
    for stop in STOPWORDS.values()
    for word in stop
}


def declared_language(tree: LexborHTMLParser) -> str | None:
    """The root element's language attribute as written: ``lang``, else ``xml:lang``.

    An XHTML page (and many an XHTML 1.0 template served as HTML) declares its language in
    ``xml:lang`` alone; where both are given they must agree, and ``lang`` is the one HTML reads.
    """
    html = tree.root
    if html is None:
        return None
    attrs = html.attributes
    return attrs.get("lang") or attrs.get("xml:lang")


def normalise_language(value: str | None) -> str | None:
    """A BCP 47-like code ("en", "pt-BR") from a declared value ("en_US", "EN-gb"), or None."""
    if not value:
        return None
    match = _CODE.match(value.strip())
    if match is None:
        return None
    primary, region = match.group(1).lower(), match.group(2)
    if primary in ("und", "mul", "zxx"):
        return None
    return f"{primary}-{region.upper()}" if region else primary


def detect_language(text: str | None) -> str | None:
    """The language of ``text`` among en/de/fr/es/it/pt/nl by stopword counts, or None if unsure.

    Needs a sentence or two; returns None when no language leads by a clear margin.
    """
    if not text:
        return None
    words = _WORD.findall(text[:_SAMPLE_CHARS].lower())
    counts = dict.fromkeys(STOPWORDS, 0)
    for word in words:
        for lang in _LANGUAGES_OF.get(word, ()):
            counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, hits), (_, runner_up) = ranked[0], ranked[1]
    if hits < _MIN_HITS or hits < 1.3 * runner_up:
        return None
    return best
