"""Author names from byline strings: prefixes, roles, emails and credentials off; split; deduped."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from scraper.extract.metadata_patterns import (
    BYLINE_PARTICLES,
    BYLINE_PREFIXES,
    BYLINE_STOPS,
    CREDENTIALS,
    DESK_WORDS,
    NAME_PARTICLES,
    NOT_AUTHOR_PREFIXES,
    NOT_AUTHOR_VERBS,
    NOT_NAME_LOWER,
    NOT_NAME_WORDS,
    ORG_WORDS,
    PLACEHOLDER_NAMES,
    ROLE_WORDS,
    TRAIL_SEPARATORS,
    WEEKDAYS,
)

__all__ = [
    "byline_in_text",
    "capitalised",
    "clean_authors",
    "full_names",
    "is_organisation",
    "names_beside_date",
    "uninverted",
]


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)


# Conjunctions split only in lower case, so initials ("E. Smith", "Y. Chen") stay whole.
_SPLIT = re.compile(r"\s*[,;|/&\n•·]\s*|\s+(?:and|und|et|y|e|en|with|mit|AND)\s+")
_PREFIX = re.compile(
    r"^(?i:" + _alternation(BYLINE_PREFIXES) + r")(?:\s*:\s*|\s+|$)"
    r"|^(?:" + "|".join(BYLINE_PARTICLES) + r")\s+(?=\w)"
)
_NOT_AUTHOR = re.compile(r"^(?i:" + _alternation(NOT_AUTHOR_PREFIXES) + r")\b")
# The same credits inside a fragment ("Jane Doe. Reviewed by John Roe"): the rest is theirs.
_OTHER_CREDIT = re.compile(
    r"(?:^|[\s.,;:|·•]+)(?i:"
    + _alternation(p for p in NOT_AUTHOR_PREFIXES if p.endswith(" by"))
    + r")\b.*$",
    re.DOTALL,
)
_STOP = re.compile(
    r"\s*(?:\b(?i:" + _alternation(BYLINE_STOPS) + r")\b|\d{1,2}[:./]\d|\d{4}"
    r"|\s(?:on|at|in|am|um|le|el|il)\s).*$",
    re.DOTALL,
)
_NOISE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\(.*?\)|\[.*?\]")
_MAX_BYLINE_INPUT = 300
_HANDLE = re.compile(r"^@\w+$")
# An unfilled template expression ("page.head.extra.author", "post.author.name"): a path of
# three or more dotted words, never a person's name (user names with initials, "sara.r.peter",
# stay).
_TEMPLATE_PATH = re.compile(r"^[^\W\d]\w+(?:\.[^\W\d]\w+){2,}$")
_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_BLANKS = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_CODE_CHARS = frozenset("{}=<>")
# The parts of a dateline: "May 2, 2023 · Jane Doe", "Jane Doe\nin\nNews\nMay 2".
_LINE_PARTS = re.compile(r"\s*(?:\n|[·•|])\s*")
_MIN_NAME_WORDS = 2
_MAX_NAME_WORDS = 4
# "Doe, Jane" / "van der Berg, Anna M.": surname first, one comma.
_INVERTED = re.compile(r"^\s*([^,]+?),\s*([^,]+?)\s*$")
# "By Jane Doe" inside a short line of text: the byline word, then capitalised name words.
_BYLINE = re.compile(
    r"(?:^|(?<=[\s|·•,]))(?:(?i:written|posted|article|authored)\s+)?(?:by|By|BY)(?=[\s:])"
)


# What may stand between "By" and the name it credits.
_AFTER_BY = " :\t\n\xa0"
_COPYRIGHT = re.compile(r"©|&copy;|\(c\)\s|\bcopyright\b", re.IGNORECASE)


def _strip_prefix(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text, count=1).strip(" :-–—")
    return text


def _fragment_is_name(fragment: str, first: bool) -> bool:
    words = fragment.split()
    # Character tests in C (map, isdisjoint), not a Python loop over the fragment.
    if (
        not words
        or len(words) > 5
        or any(map(str.isdigit, fragment))
        or not _CODE_CHARS.isdisjoint(fragment)
    ):
        return False
    lowered = [w.strip(".,").lower() for w in words]
    if all(w in CREDENTIALS for w in lowered) or any(w in NOT_NAME_WORDS for w in lowered):
        return False
    if " ".join(lowered) in PLACEHOLDER_NAMES or (len(words) == 1 and lowered[0] in WEEKDAYS):
        return False
    # Pronouns and prepositions in lower case make a phrase ("Enter your email"); capitalised
    # they can start a desk's name ("Our Editors").
    if any(w.strip(".,") in NOT_NAME_LOWER for w in words):
        return False
    # A phrase in sentence case ("Personal finance", "Fighting back") is a section's label or a
    # headline: only its first word is capitalised, and no particle follows. Names typed all in
    # lower case ("jane doe"), desks ("The Example editors", "Example News wire services") and
    # job titles ("Staff writer") stay.
    if (
        len(words) > 1
        and words[0][:1].isupper()
        and all(w[:1].islower() and w not in NAME_PARTICLES for w in words[1:])
        and lowered[-1] not in ROLE_WORDS
        and lowered[-1] not in DESK_WORDS
    ):
        return False
    # A role after a name is a job title ("Jane Doe, Staff Writer"); alone it names a desk.
    if not first and any(part in ROLE_WORDS for w in lowered for part in w.split("-")):
        return False
    if first and len(words) == 1 and lowered[0] in ROLE_WORDS | {"author", "authors"}:
        return False
    # A lone short upper-case token after a name is a credential (RD, FAND) or an agency tag.
    return first or not (len(words) == 1 and fragment.isupper() and len(fragment) <= 5)


def _tidy(fragment: str) -> str:
    fragment = fragment.strip(" .,:;-–—'\"“”©®™")
    if fragment.isupper() and len(fragment) > 5:
        fragment = fragment.title()
    return " ".join(fragment.split())


def is_organisation(name: str) -> bool:
    """True when a name reads as an organisation ("Reuters", "News Desk") rather than a person."""
    words = [w.lower().strip(".,") for w in name.split()]
    return any(w in ORG_WORDS for w in words)


def _names_of(text: str) -> list[str]:
    # A byline is short; the cap also bounds the regular expressions on hostile input.
    text = text[:_MAX_BYLINE_INPUT]
    # A copyright notice ("© 2025 Example University", "Copyright Jane Doe / Agency") names the
    # owner of the page or of a photo, not the article's writer.
    if _COPYRIGHT.search(text):
        return []
    # Line breaks stay: they separate the name from the role or the next credit.
    text = _NOISE.sub(" ", _BLANKS.sub(" ", html.unescape(text)))
    text = _NEWLINES.sub("\n", text).strip()
    text = _OTHER_CREDIT.sub("", _STOP.sub("", _strip_prefix(text)))
    names: list[str] = []
    for fragment in _SPLIT.split(text):
        fragment = fragment.strip()
        if _NOT_AUTHOR.match(fragment):
            break
        name = _tidy(_strip_prefix(fragment))
        if (
            name
            and _fragment_is_name(name, not names)
            and not _HANDLE.match(name)
            and not _TEMPLATE_PATH.match(name)
        ):
            names.append(name)
    # Avatar initials ("CM") printed beside the full name.
    full = [n for n in names if not _INITIALS.match(n)]
    names = full or names
    # After a full name, a one-word fragment is a label, a role or a desk ("Research",
    # "Gardener"), not a co-author: co-authors are credited by their full names too. That holds
    # after a one-word first credit as well ("Acme", "Jane Doe", "Research & Development").
    kept: list[str] = []
    full_seen = False
    for name in names:
        one_word = " " not in name
        if not (one_word and full_seen):
            kept.append(name)
        full_seen = full_seen or not one_word
    return kept


def clean_authors(raw: Iterable[str]) -> tuple[str, ...]:
    """Person names from byline strings, in order, each once.

    "By Jane Doe and John Roe, Staff Writers" gives ("Jane Doe", "John Roe"); emails, URLs,
    @handles, parenthesised notes, roles, credentials and "Reviewed by ..." credits are dropped.
    """
    names: list[str] = []
    seen: set[str] = set()
    for item in raw:
        for name in _names_of(item):
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                names.append(name)
    return tuple(names)


def capitalised(name: str) -> bool:
    """True when every word of ``name`` starts with a capital or is a name particle."""
    return all(w[:1].isupper() or w in NAME_PARTICLES for w in name.split())


def byline_in_text(text: str) -> tuple[str, ...]:
    """Names credited by "By ..." / "Written by ..." inside a short line of page text.

    Only capitalised names count, so "caused by smoking" credits nobody, and a lower-case
    "by" must open the line or follow a number or a separator.
    """
    for match in _BYLINE.finditer(text):
        before = text[: match.start()].split()
        previous = before[-1].lower().strip(":,") if before else ""
        if previous in NOT_AUTHOR_VERBS:
            continue
        # A lower-case "by" after a word is prose ("sacked by Manchester United"), and a bare
        # "By" after one is a headline in title case ("Share Memory By Communicating"), unless
        # the line starts there; "Written By" and "Posted by" are matched whole.
        if (
            match.group(0) in ("by", "By")
            and previous.isalpha()
            and "\n" not in text[match.start() - 1 : match.start()]
        ):
            continue
        rest = text[match.end() :]
        names = clean_authors([rest])
        # The name follows "By" at once: one found further on belongs to another line ("By
        # using this site ...\nOk").
        if (
            names
            and all(capitalised(n) for n in names)
            and rest.lstrip(_AFTER_BY).casefold().startswith(names[0].casefold())
        ):
            return names
    return ()


def names_beside_date(line: str, labels: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Names written without "By" on the dateline beside the headline ("May 2, 2023 · Jane Doe").

    Templates often print the author next to the date with no label. Unlabelled, a name is only
    trusted when it reads as one: every name a full one (two to four capitalised words, no
    "Label:"), so a section ("News") or a read time beside the date credits nobody. ``labels``
    are the casefolded texts of the line's section and tag links ("Mental Health"), never names.
    """
    every = _LINE_PARTS.split(line)
    if any(part in TRAIL_SEPARATORS for part in every):
        return ()
    # The date parts go first: the cleaning stops reading a byline at a year or a time.
    parts = [p for p in every if p and not any(map(str.isdigit, p)) and p.casefold() not in labels]
    return full_names("\n".join(parts))


def full_names(text: str) -> tuple[str, ...]:
    """The names in ``text`` when every one reads as a full name, else ().

    Two to four capitalised words and no "Label:": the test for a name that no byline mark or
    "By" vouches for.
    """
    names = clean_authors([text])
    if names and all(
        _MIN_NAME_WORDS <= len(n.split()) <= _MAX_NAME_WORDS and capitalised(n) and ":" not in n
        for n in names
    ):
        return names
    return ()


def uninverted(name: str) -> str:
    """A name written surname first ("Doe, Jane"), as scholarly citation tags do, put first-last.

    A part after the comma that is a credential ("Jane Doe, MD") leaves the name as it is.
    """
    match = _INVERTED.match(name)
    if match is None:
        return name
    last, first = match.groups()
    if first.strip(".").lower() in CREDENTIALS:
        return name
    return f"{first} {last}"
