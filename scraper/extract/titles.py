"""The article's headline: meta titles checked against the visible <h1>, site-name suffixes off."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from rapidfuzz import fuzz
from selectolax.lexbor import LexborNode

from scraper.extract.metadata_patterns import (
    BREADCRUMB_SEPARATORS,
    HOST_NOISE,
    SECTION_LABEL_WORDS,
    TITLE_SEPARATORS,
)

__all__ = [
    "choose_title",
    "heading_text",
    "is_exactly_site_name",
    "is_site_name",
    "site_labels",
    "strip_site_name",
]

_NON_ALNUM = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")
# Separators between two elements' words that touch with no space ("10" + "Free").
_GLUED = re.compile(r"(?<=\w)\x00+(?=\w)")
_PREFIX_SHARE = 0.6
# Longer "titles" are swallowed documents or descriptions.
_MAX_TITLE_CHARS = 500
_TAIL_SHARE = 0.4
_MIN_TAIL_CHARS = 8
_MARKUP = re.compile(r"<[a-zA-Z/!]")
_MIN_HEADLINE_WORDS = 3
_MAX_HEADLINE_WORDS = 25
# A source's host in brackets, "(latimes.com)": bare, "Node.js" could end a headline.
_SOURCE = re.compile(r"[(\[][\w-]+(?:\.[\w-]+)*\.[a-z]{2,}[)\]]")


def _compact(text: str) -> str:
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def heading_text(node: LexborNode) -> str:
    """A heading's text, a space put where two elements' words touch ("10" + "Free")."""
    raw = node.text(deep=True, separator="\x00")
    return _GLUED.sub(" ", raw).replace("\x00", "")


def site_labels(names: Iterable[str | None], url: str | None) -> tuple[str, ...]:
    """Compact forms of the site's names and its host's distinctive labels."""
    labels = {_compact(n) for n in names if n}
    if url:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:  # a bracketed host that is no IPv6 address: no labels to read
            host = ""
        labels.update(part for part in host.split(".") if part not in HOST_NOISE and len(part) > 2)
        labels.add(_compact(host.removeprefix("www.")))
    return tuple(label for label in labels if label)


def is_site_name(segment: str, labels: Sequence[str]) -> bool:
    """True when ``segment`` names the site (its name, or its host's distinctive label)."""
    seg = _compact(segment)
    if not seg:
        return True
    for label in labels:
        if seg == label or (len(seg) >= 4 and seg in label):
            return True
        # "Example News Online" for the label "examplenews", not a headline that mentions it.
        if len(label) >= 4 and label in seg and len(seg) <= 2 * len(label):
            return True
        if len(seg) > 3 and fuzz.ratio(seg, label) >= 85:
            return True
    return False


def is_exactly_site_name(name: str, labels: Sequence[str]) -> bool:
    """True when ``name`` is one of the site's names, letter for letter ("USA Today")."""
    return _compact(name) in labels


def strip_site_name(title: str, labels: Sequence[str]) -> str:
    """``title`` without leading or trailing " | Site" segments naming the site."""
    title = _clean(title)
    for _ in range(3):
        # Most titles hold one separator or none: the positions are looked up for those only.
        present = [sep for sep in TITLE_SEPARATORS if sep in title]
        cut = max(((title.rfind(sep), sep) for sep in present), default=(-1, ""))
        if cut[0] > 0 and is_site_name(title[cut[0] + len(cut[1]) :], labels):
            title = title[: cut[0]].strip()
            continue
        first = min(
            ((title.find(sep), sep) for sep in present if title.find(sep) > 0),
            default=(-1, ""),
        )
        if first[0] > 0 and is_site_name(title[: first[0]], labels):
            title = title[first[0] + len(first[1]) :].strip()
            continue
        # "Example Blog: Headline" and "example.com Headline": the site named up front.
        head, colon, rest = title.partition(": ")
        words = head.lower().split()
        if words and words[-1] in SECTION_LABEL_WORDS:
            words.pop()  # "Example Blog" names the site "Example"
        if colon and rest and (not words or _compact(" ".join(words)) in labels):
            title = rest.strip()
            continue
        first_word, _, rest = title.partition(" ")
        if rest and "." in first_word and is_site_name(first_word, labels):
            title = rest.strip()
            continue
        break
    return _breadcrumb_tail(title)


def _breadcrumb_tail(title: str) -> str:
    """The last step of a breadcrumb title ("Paper > News > Story headline")."""
    for sep in BREADCRUMB_SEPARATORS:
        if title.count(sep) >= 2:
            return title.rsplit(sep, 1)[1].strip() or title
    return title


def _similar(a: str, b: str) -> bool:
    ca, cb = _compact(a), _compact(b)
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    shorter, longer = sorted((ca, cb), key=len)
    # A heading cut short of its meta title's tail, not a site name heading a longer title.
    if len(shorter) >= max(12, _PREFIX_SHARE * len(longer)) and longer.startswith(shorter):
        return True
    return fuzz.ratio(ca, cb) >= 90


def _kicker_before(heading: str, title: str) -> bool:
    """True when the heading is the declared title behind a kicker or date ("Dec 18 2025 ...").

    A prefix that ends in a colon is a series name that belongs to the headline, and one word
    ("The") is a rewording, not a kicker.
    """
    bare_heading, bare_title = _compact(heading), _compact(title)
    if not (
        len(bare_title) >= _MIN_TAIL_CHARS
        and len(bare_heading) > len(bare_title) >= _TAIL_SHARE * len(bare_heading)
        and bare_heading.endswith(bare_title)
    ):
        return False
    cut = heading.lower().rfind(title.split()[0].lower())
    prefix = heading[:cut].strip() if cut > 0 else ""
    return len(prefix.split()) >= 2 and not prefix.endswith((":", "—", "-", "|"))


def _section_label_before(heading: str, title: str) -> bool:
    """True when the heading is the declared title behind a section label ("Blog: ...")."""
    label, colon, rest = heading.partition(":")
    return (
        bool(colon)
        and label.strip().lower() in SECTION_LABEL_WORDS
        and _compact(rest) == _compact(title)
    )


def _numbers_added(heading: str, title: str) -> bool:
    """True when the declared title is the heading with only numbers added around it.

    A list's count or a year ("8 Recent Trends in Photography", "... Platforms 2025") belongs
    to the headline; the template's heading left it out.
    """
    words, longer = heading.casefold().split(), title.casefold().split()
    if not words or len(longer) <= len(words):
        return False
    for start in (0, len(longer) - len(words)):
        if longer[start : start + len(words)] == words:
            extra = longer[:start] + longer[start + len(words) :]
            return all(word.strip("()[]").isdigit() for word in extra)
    return False


def _tail_added(heading: str, title: str) -> bool:
    """True when the heading is the whole declared title followed by its source (and a count).

    Link aggregators put the story's source and its comment count inside the <h1> after the
    headline ("... Jobs (latimes.com) 87"). Other words after it are no evidence: declared
    titles are often cut short of the headline without an ellipsis.
    """
    if not heading.startswith(title):
        return False
    tail = heading[len(title) :].split()
    # A number alone may be the headline's year or count ("Election results 2024").
    return any(_SOURCE.fullmatch(word) for word in tail) and all(
        _SOURCE.fullmatch(word) or word.isdigit() for word in tail
    )


def _headline_like(heading: str, labels: Sequence[str]) -> bool:
    words = len(heading.split())
    if heading.isupper():
        return False  # an all-capitals <h1> is a kicker or section label on most templates
    return _MIN_HEADLINE_WORDS <= words <= _MAX_HEADLINE_WORDS and not is_site_name(heading, labels)


def choose_title(
    metas: Sequence[str], headings: Sequence[str], labels: Sequence[str]
) -> str | None:
    """The headline: the visible <h1> when it is confirmed or unambiguous, else a meta title.

    ``metas`` are declared titles in priority order (og:title, JSON-LD headline, <title>...),
    ``headings`` the page's <h1> texts in document order. Meta titles are often rewritten for
    search engines and social cards; the page's single, headline-shaped <h1> is what readers see.
    """
    # A <title> left unclosed swallows markup: such a candidate is no title.
    # og:title, twitter:title and the JSON-LD headline are often one string: strip it once.
    unique = dict.fromkeys(m for m in metas if len(m) <= _MAX_TITLE_CHARS)
    declared = [
        t for t in (strip_site_name(m, labels) for m in unique) if t and not _MARKUP.search(t)
    ]
    shown = [h for h in (_clean(h) for h in headings) if 3 <= len(h) <= 400]
    bare_titles = [_SPACES.sub("", title) for title in declared]
    for heading in dict.fromkeys(shown):
        bare_heading = _SPACES.sub("", heading)
        for title, bare_title in zip(declared, bare_titles, strict=True):
            if bare_heading == bare_title or (
                heading.isupper() and bare_heading.casefold() == bare_title.casefold()
            ):
                # Same text but for spaces (or shouting): the declared copy keeps the spaces
                # inline markup drops.
                return title
            if (
                _kicker_before(heading, title)
                or _section_label_before(heading, title)
                or _numbers_added(heading, title)
                or _tail_added(heading, title)
            ):
                return title
            if _similar(heading, title):
                return heading
    # Copies of one heading (desktop and mobile) count once; a logo heading does not count.
    distinct = [h for h in dict.fromkeys(shown) if not is_site_name(h, labels)]
    if len(distinct) == 1 and _headline_like(distinct[0], labels):
        return distinct[0]
    if declared:
        return declared[0]
    return shown[0] if shown else None
