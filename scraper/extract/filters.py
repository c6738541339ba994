"""Block-level cleaning inside the chosen container: chrome lines, link lists, the title,
bylines and datelines that are already metadata.

Each rule returns the reason it fired, so ``--explain`` can say why a block was dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rapidfuzz import fuzz

from scraper.extract.chrome import (
    ANONYMOUS_SIGNERS,
    BOILERPLATE_LABEL_PREFIXES,
    BOILERPLATE_PHRASES,
    BOILERPLATE_PREFIXES,
    BYLINE_PREFIXES,
    COMMENT_SIGNATURES,
    CONSENT_WORDS,
    CUTOFF_HEADINGS,
    DISCLOSURE_PHRASES,
    READING_TIME_UNITS,
    READING_TIME_WORDS,
    SCRIPT_MARKERS,
    SCRIPT_MARKERS_MIN,
)
from scraper.extract.segment import RawBlock
from scraper.models import BlockKind

__all__ = [
    "BYLINE_REASON",
    "DATELINE_REASON",
    "LINK_HEADING_REASON",
    "NUMBERS_REASON",
    "Context",
    "Verdict",
    "block_line",
    "count_comment_signatures",
    "is_comment_signature",
    "is_cutoff",
    "is_disclosure",
    "is_label",
    "is_live_blog",
    "is_teaser_line",
    "judge_block",
    "normalise_line",
    "repeats_description",
]

#: Block kinds read once: in compiled code each ``BlockKind.X`` is a slow lookup on the class.
_HEADING: Final = BlockKind.HEADING
_PARAGRAPH: Final = BlockKind.PARAGRAPH
_LIST_ITEM: Final = BlockKind.LIST_ITEM
_QUOTE: Final = BlockKind.QUOTE
_TABLE: Final = BlockKind.TABLE
_PREFORMATTED: Final = BlockKind.PREFORMATTED

#: Why a byline or a dateline inside the container goes: a comment's signature ("Posted by
#: jd_88 on 3 May") may read as either, and the comment-thread rule still counts it.
BYLINE_REASON: Final = "byline (already metadata)"
DATELINE_REASON: Final = "dateline (already metadata)"
#: A heading that is mostly a link: a headline pointing elsewhere, unless the article's
#: prose follows it in the article's own wrapper (a list article's items, see the pipeline).
LINK_HEADING_REASON: Final = "link heading"
#: A line of numbers only: a page count, a score, a live blog entry's time ("10:42").
NUMBERS_REASON: Final = "no words (numbers only)"

#: The chrome lists read per block, as constants: compiled code reads a Final name directly,
#: an imported one from the module's dictionary at every use.
_PHRASES: Final = BOILERPLATE_PHRASES
#: The longest chrome phrase: a longer line is none, and asking the set would hash all of it.
_PHRASE_CHARS: Final = max(len(phrase) for phrase in BOILERPLATE_PHRASES)
_BYLINE_STARTS: Final = BYLINE_PREFIXES
_SIGNATURES: Final = COMMENT_SIGNATURES
_SCRIPT_MARKERS: Final = SCRIPT_MARKERS
_SCRIPT_MARKERS_MIN: Final = SCRIPT_MARKERS_MIN

_TRAILING: Final = " \t\n.:;,!?|·•–—-»>›→"
_LEADING: Final = " \t\n•·-–—|»>›*"
_SHORT_LINE: Final = 80
#: A block this short that holds a comment signature and is no sentence is one: a comment's
#: header or footer ("jd_88 | Posted by mobile on 3 May").
_SIGNATURE_LINE: Final = 120
_CUTOFF_MAX_CHARS: Final = 40
#: Characters a heading of other stories may hold after its phrase.
_CUTOFF_TAIL_CHARS: Final = 30
#: A teaser line is a label and a headline: longer is a paragraph.
_TEASER_CHARS: Final = 120
#: A sentence at least this long keeps its place up to this share of linked text.
_LINKED_PROSE_CHARS: Final = 100
_LINKED_PROSE_DENSITY: Final = 0.7
#: How a line that is a sentence ends (a byline or a dateline does not).
_SENTENCE_ENDS: Final = (".", "!", "?", '"', "”")
_BYLINE_SPARE: Final = 30
_LABEL_WORDS: Final = 2
_LABEL_CHARS: Final = 25
#: Words besides the date itself that a dateline may hold ("Published on Monday").
_DATELINE_SPARE_WORDS: Final = 3
#: Words that make a short line with a number a dateline (months, "updated", time zones).
_DATE_WORD_LIST: Final = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "januar", "februar", "märz", "mai", "juni", "juli", "okt", "dez", "janv", "févr", "mars",
    "avr", "juin", "juil", "août", "déc", "ene", "abr", "ago", "dic", "enero", "febrero", "marzo",
    "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
    "diciembre", "updated", "published", "posted", "aktualisiert", "veröffentlicht", "publié",
    "mis à jour", "actualizado", "publicado", "am", "pm", "gmt", "utc", "edt", "est", "pst",
    "pdt", "cet", "cest", "bst",
)  # fmt: skip


def _word_tree_pattern(words: Iterable[str]) -> str:
    """An alternation matching exactly ``words``, grouped by shared prefixes.

    Python's re tries the alternatives of a flat list one by one at every word start; grouped,
    it follows one branch per character. A word that is the start of a longer one stays
    matchable on its own (an optional tail), so whole-word matches are the flat list's.
    """
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return build(tree)


_DATE_WORDS: Final = re.compile(rf"\b({_word_tree_pattern(_DATE_WORD_LIST)})\b", re.IGNORECASE)
#: The same words matched as written: on lower-case ASCII text ignoring case changes nothing
#: (no word folds to an ASCII letter but the ASCII letters themselves), and it is several times
#: faster than matching case-insensitively, which folds every character it compares.
_DATE_WORDS_AS_WRITTEN: Final = re.compile(rf"\b({_word_tree_pattern(_DATE_WORD_LIST)})\b")
_NUMERIC_DATE: Final = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b|\b\d{1,2}:\d{2}\b")
_DIGIT: Final = re.compile(r"\d")
#: Two years joined by a dash: a life's or an era's span ("March 3, 1950 – June 2, 2024"),
#: which an obituary or a timeline prints, not a date stamp.
_YEAR_SPAN: Final = re.compile(
    r"\b[12]\d{3}\b\s*(?:[–—]|-\s|\s-)\s*\D{0,12}(?:\d{1,2}(?:st|nd|rd|th)?\b,?\s*\D{0,12})?"
    r"\b[12]\d{3}\b"
)
#: A line's opening before a separator (a colon, a dash), or a time before a space: in a
#: timeline entry the date, and after it the event ("June 4, 2021 — The first shipment
#: arrived", a live blog's "14:52 Ferry services suspended").
_DATE_LED: Final = re.compile(
    r"^(.{1,30}?)(?::\s|\s[-–—]\s|[–—])\s*(.+)$|^(\d{1,2}[:.]\d{2})\s+(.+)$"
)
#: Words an entry's date may hold besides numbers (a month, a weekday).
_DATE_HEAD_WORDS: Final = 2
#: A word that begins in lower case: what a sentence holds and a name or a date does not.
_LOWER_WORD: Final = re.compile(r"\b[^\W\d_A-Z]{3,}\b")
_LETTER: Final = re.compile(r"[^\W\d_]")
_LETTER_WORD: Final = re.compile(r"[^\W\d_]{2,}")


def _by_first_character(prefixes: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Prefixes grouped by their first character: a line is tried against its group only."""
    groups: dict[str, list[str]] = {}
    for prefix in prefixes:
        if not prefix:
            raise ValueError("an empty prefix would match every line")
        groups.setdefault(prefix[0], []).append(prefix)
    return {char: tuple(group) for char, group in groups.items()}


#: Read-only lookup tables (``str.startswith`` with a tuple tries every prefix in turn).
_BOILERPLATE_STARTS: Final = _by_first_character(BOILERPLATE_PREFIXES)
_CUTOFF_STARTS: Final = _by_first_character(CUTOFF_HEADINGS)
_COMMENT_SIGNATURE: Final = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in COMMENT_SIGNATURES) + r")\b", re.IGNORECASE
)
_TIME_UNIT: Final = "(?:" + "|".join(re.escape(u) for u in READING_TIME_UNITS) + r")\b\.?"
_TIME_WORD: Final = "(?:" + "|".join(re.escape(w) for w in READING_TIME_WORDS) + ")"
#: Lines are lower case (``block_line``): the pattern needs no case folding. The word after
#: the duration may run into the next ("6 min readdec 1, 2025": a date set beside it).
_READING_TIME: Final = re.compile(
    rf"^(?:\d+[\s-]*{_TIME_UNIT}\s*{_TIME_WORD}|{_TIME_WORD}\b\s*:?\s*\d+[\s-]*{_TIME_UNIT})"
)
#: Longer lines are sentences, which may tell how long something takes to read.
_READING_TIME_CHARS: Final = 40
#: The last words of the signatures that name the signer after them ("posted by").
_SIGNING_WORDS: Final = frozenset(
    prefix.strip() for prefix in BYLINE_PREFIXES if prefix.count(" ") == 1
)
#: Where a signer's name ends: the time or date after it, or a separator.
_SIGNER_END: Final = re.compile(
    r"\s(?:at|on|um|am|le|el|à|a las)\s|[,|·•(\[\d]|\s[-–—]\s", re.IGNORECASE
)
#: A live blog's entries are signed by a few writers: at most one name per this many entries.
_ENTRIES_PER_SIGNER: Final = 3
#: What a handle holds and a writer's name does not.
_HANDLE_MARKS: Final = re.compile(r"[\d_@]")
#: A disclosure is a note of a sentence or three; a longer block is the story's.
_DISCLOSURE_CHARS: Final = 400
_FIRST_PERSON: Final = re.compile(r"\b(?:we|i|us|our|my)\b")


@dataclass(frozen=True, slots=True)
class Context:
    """What the filters know about the page: metadata to recognise repeated in the body.

    ``title`` and ``description`` are kept normalised (see :func:`normalise_line`), as block
    lines are compared to them.
    """

    title: str | None
    authors: tuple[str, ...]
    description: str | None = None

    @classmethod
    def of(
        cls, title: str | None, authors: Sequence[str], description: str | None = None
    ) -> Context:
        """The context of a page with this title, authors and summary (``description``)."""
        return cls(
            normalise_line(title) if title else None,
            tuple(authors),
            normalise_line(description) if description else None,
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a block is kept, and the rule that decided: its ``wording``, with ``{}`` where
    the ``figure`` it quotes goes (see :class:`~scraper.extract.decisions.Decision`)."""

    keep: bool
    wording: str
    figure: float | None = None

    def __init__(self, keep: bool, wording: str, figure: float | None = None) -> None:
        # As Decision's: a compiled __init__ instead of the interpreted one dataclass writes.
        object.__setattr__(self, "keep", keep)
        object.__setattr__(self, "wording", wording)
        object.__setattr__(self, "figure", figure)


def normalise_line(text: str) -> str:
    """Lower case, single spaces, no leading bullets or trailing punctuation."""
    return " ".join(text.lower().split()).strip(_TRAILING).lstrip(_LEADING)


def _boilerplate(block: RawBlock, norm: str) -> str | None:
    if len(norm) <= _PHRASE_CHARS and norm in _PHRASES:
        return "chrome phrase"
    if len(block.text) < 2 * _SHORT_LINE:
        if norm.startswith(_BOILERPLATE_STARTS.get(norm[:1], ())):
            return "chrome phrase prefix"
        if norm.startswith(BOILERPLATE_LABEL_PREFIXES) and not _is_sentence(block.text):
            return "chrome label"
        if norm.startswith(_BYLINE_STARTS) and any(w in norm for w in CONSENT_WORDS):
            return "consent notice"
    if len(norm) < _READING_TIME_CHARS and _READING_TIME.match(norm):
        return "reading-time label"
    return None


def is_disclosure(line: str) -> bool:
    """Whether a block's text (``line``, lower case) is the site's note on what it earns from
    the page's links."""
    if len(line) >= _DISCLOSURE_CHARS:
        return False
    # Most lines hold none of the phrases: substring tests before the pattern.
    return any(p in line for p in DISCLOSURE_PHRASES) and _FIRST_PERSON.search(line) is not None


def _is_title(norm: str, title: str | None) -> bool:
    if not title or len(norm) > 2 * len(title) + 20:
        return False
    # As in repeats_description: the distance is at least the difference in length, and past a
    # tenth of the total length no ratio reaches 90 (nor are the lines equal).
    if 10 * abs(len(norm) - len(title)) > len(norm) + len(title):
        return False
    return norm == title or fuzz.ratio(norm, title, score_cutoff=90) > 0


def _is_byline(block: RawBlock, norm: str, authors: Sequence[str]) -> bool:
    if len(block.text) > _SHORT_LINE or block.kind is _QUOTE:
        return False
    if norm.startswith(_BYLINE_STARTS) and _names_follow(block.text, norm):
        return True
    # The line must be mostly the name: "Jane Roe, Staff Writer", not a sentence naming her.
    # The length is compared first: most lines are too long to be a name, and lowering is not.
    for author in authors:
        if author and len(norm) <= len(author) + _BYLINE_SPARE and author.lower() in norm:
            return True
    return False


def _is_dateline(block: RawBlock, norm: str) -> bool:
    if len(block.text) > 60 or _is_sentence(block.text):
        return False
    if not _DIGIT.search(norm):
        return False
    if _YEAR_SPAN.search(norm) or _is_dated_entry(block.text):
        return False
    # Substituted at once: with no date word, the numeric pass reads the line unchanged.
    # Lines are lower case (``block_line``): most are ASCII and need no case folding.
    words_pattern = _DATE_WORDS_AS_WRITTEN if norm.isascii() else _DATE_WORDS
    stripped, date_words = words_pattern.subn(" ", norm)
    rest, numeric = _NUMERIC_DATE.subn(" ", stripped)
    if not date_words and not numeric:
        return False
    # "14:52 Ferry services suspended" is a heading with a time, not a dateline.
    words = [w for w in rest.split() if any(c.isalpha() for c in w)]
    return len(words) <= _DATELINE_SPARE_WORDS


def _is_dated_entry(text: str) -> bool:
    """Whether a line is a timeline's entry, a date and then what happened ("2019: The
    council approved the plan"), not a date stamp ("May 2, 2024 - Updated 10:42 a.m.") nor a
    date and a name ("May 2, 2024 — Jane Roe")."""
    found = _DATE_LED.match(text)
    if found is None:
        return False
    head, tail = found.group(1, 2) if found.group(1) is not None else found.group(3, 4)
    if not _DIGIT.search(head) or len(_LETTER_WORD.findall(head)) > _DATE_HEAD_WORDS:
        return False
    # The event: words that are no date words, one of them a word of a sentence.
    event = _DATE_WORDS.sub(" ", tail)
    return len(_LETTER_WORD.findall(event)) >= 2 and _LOWER_WORD.search(event) is not None


def _is_sentence(text: str) -> bool:
    """Whether a line ends as a sentence does ("By midnight, the river rose." or a question);
    read on the text, as its normalised line has lost the mark. A last word with a dot of its
    own ("4:14 p.m.") is an abbreviation, which a dateline may end with."""
    end = text.rstrip()
    if not end.endswith(_SENTENCE_ENDS):
        return False
    last = end.rsplit(None, 1)[-1]
    return not (last.endswith(".") and "." in last[:-1])


def _names_follow(text: str, norm: str) -> bool:
    """Whether what follows a line's "By " (``norm`` starts with one of ``_BYLINE_STARTS``)
    reads as names: no sentence, its first word capitalised ("By Jane Roe", not "By the
    numbers", "Par ailleurs, ..." or "Von der Leyen unter Druck")."""
    if _is_sentence(text):
        return False
    start = text.lower().find(norm)
    if start < 0:
        return False  # lowering changed the text's length (a dotted capital I): no offsets
    prefix = next(p for p in _BYLINE_STARTS if norm.startswith(p))
    return text[start + len(prefix) :].lstrip(_LEADING)[:1].isupper()


def block_line(block: RawBlock) -> str:
    """:func:`normalise_line` of a block's text: the walk leaves prose single-spaced already.

    The filters below take it as ``line``: a page computes it once per block.
    """
    kind = block.kind
    if kind is _TABLE or kind is _PREFORMATTED:
        return normalise_line(block.text)
    return block.text.lower().strip(_TRAILING).lstrip(_LEADING)


def judge_block(block: RawBlock, line: str, score: float, context: Context) -> Verdict:
    """Keep or drop one block of the chosen container (``line`` is its :func:`block_line`)."""
    norm = line
    if not norm:
        return Verdict(False, "no words")
    # A first character that is a letter settles it without the pattern (which matches
    # letters and a few more characters).
    if block.kind is not _TABLE and not norm[0].isalpha() and not _LETTER.search(norm):
        return Verdict(False, NUMBERS_REASON)
    reason = _boilerplate(block, norm)
    if reason:
        return Verdict(False, reason)
    kind = block.kind
    if kind is _PARAGRAPH and _is_script_source(norm):
        return Verdict(False, "script source")
    if (kind is _HEADING or kind is _PARAGRAPH) and _is_title(norm, context.title):
        return Verdict(False, "repeats the title")
    if _is_byline(block, norm, context.authors):
        return Verdict(False, BYLINE_REASON)
    if _is_dateline(block, norm):
        return Verdict(False, DATELINE_REASON)
    density = block.link_density
    if block.kind is _HEADING:
        return Verdict(density <= 0.8, "heading" if density <= 0.8 else LINK_HEADING_REASON)
    if density > 0.5:
        if (
            density <= _LINKED_PROSE_DENSITY
            and len(block.text) >= _LINKED_PROSE_CHARS
            and block.text.endswith(_SENTENCE_ENDS)
        ):
            # Roundups link most of each sentence; a sentence is still prose, a list of
            # headlines is not.
            return Verdict(True, "prose with links (density {:.2f})", density)
        return Verdict(False, "link density {:.2f}", density)
    if block.kind is _LIST_ITEM and density > 0.3 and len(block.text) < 100:
        return Verdict(False, "linked list item (density {:.2f})", density)
    return Verdict(True, "content (score {:.0f})", score)


def _is_script_source(line: str) -> bool:
    """Whether a paragraph's line is browser script shown as text: its ``<script>`` start tag
    was lost, so the parser read the source as the page's text."""
    # Statements end in ";" and call with "(": prose without both is never read further.
    if ";" not in line or "(" not in line:
        return False
    found = 0
    for marker in _SCRIPT_MARKERS:
        if marker in line:
            found += 1
            if found >= _SCRIPT_MARKERS_MIN:
                return True
    return False


def repeats_description(text: str, line: str, context: Context) -> bool:
    """Whether a block is the page's summary (og:description) printed again as a teaser.

    ``line`` is the block's :func:`block_line`.
    """
    description = context.description
    # A ratio of 90 needs lengths within a fifth of each other; normalising only shortens.
    if not description or not 0.8 * len(description) <= len(text) <= 2 * len(description) + 20:
        return False
    # The ratio is 100 * (1 - distance / total length), and the distance is at least the
    # difference in length: past a tenth of the total, no call can reach 90.
    if 10 * abs(len(line) - len(description)) > len(line) + len(description):
        return False
    return bool(fuzz.ratio(line, description, score_cutoff=90))


def is_cutoff(block: RawBlock, line: str) -> bool:
    """Whether a block (``line`` its :func:`block_line`) heads the list of other stories that
    follows an article."""
    if block.kind is not _HEADING and (
        block.text.endswith((".", "!", "?"))
        # A paragraph past a heading's length heads a list only when it says so with a colon
        # ("You may be interested in the following topics as well:"); else it is prose that
        # starts alike ("You might also be interested in the harbour board report").
        or (len(block.text) > _CUTOFF_MAX_CHARS and not block.text.rstrip().endswith(":"))
    ):
        return False
    # Most lines are longer than any heading of other stories: they go before the lookup.
    if len(line) > _CUTOFF_MAX_CHARS + _CUTOFF_TAIL_CHARS:
        return False
    prefix = _cutoff_prefix(line)
    if prefix is None:
        return False
    # What follows the phrase names what is listed ("... the following topics as well"); a
    # longer line is the article's own sentence or heading that starts alike.
    if len(line) > max(_CUTOFF_MAX_CHARS, len(prefix) + _CUTOFF_TAIL_CHARS):
        return False
    # A label and its value in a list or a paragraph ("Recommended dose: 10 micrograms a
    # day") is the article's, and one story's teaser ("Up next: <a>Mayor faces recall</a>")
    # is one line (see is_teaser_line), inside a live blog as much as at an article's end;
    # a heading may name the stories after it so.
    if block.kind is _HEADING:
        return True
    _, colon, value = line[len(prefix) :].partition(":")
    return not (colon and value.strip())


def is_teaser_line(block: RawBlock, line: str) -> bool:
    """Whether a block (``line`` its :func:`block_line`) is one other story's teaser: a
    related-stories label and a headline after it ("Up next: Storm warning for the coast",
    "Related: <a>Mill to reopen</a>"); not a sentence, nor a value whose label only starts
    like one ("Recommended dose: 10 micrograms") unless the value is a link."""
    if block.kind is _HEADING or len(block.text) > _TEASER_CHARS or _is_sentence(block.text):
        return False
    prefix = _cutoff_prefix(line)
    if prefix is None:
        return False
    label, colon, value = line.partition(":")
    if not (colon and value.strip()):
        return False
    return bool(block.link_chars) or label.strip() == prefix


def _cutoff_prefix(line: str) -> str | None:
    """The related-stories heading ``line`` starts with, if any."""
    return next((p for p in _CUTOFF_STARTS.get(line[:1], ()) if line.startswith(p)), None)


def count_comment_signatures(lines: Iterable[str]) -> int:
    """How many comment signatures some blocks hold, at most (a quick substring count).

    ``lines`` are the blocks' :func:`block_line`: already lower case, and their ends trimmed
    only of punctuation, which no signature starts or ends with.
    """
    text = "\n".join(lines)
    return sum(text.count(word) for word in _SIGNATURES)


def is_comment_signature(text: str) -> bool:
    """Whether a block carries a reader comment's signature or moderation link: one that opens
    with it ("Posted by jd_88 on 3 May", "Report abuse"), or a short line that is no sentence.
    In a sentence the words are the story's ("a video posted by the police on Monday", "un
    informe publicado por el Ministerio")."""
    found = _COMMENT_SIGNATURE.search(text)
    if found is None:
        return False
    if not text[: found.start()].strip(_LEADING):
        return True
    return len(text) <= _SIGNATURE_LINE and not _is_sentence(text)


def _signer(text: str) -> str | None:
    """The name a signature gives ("Posted by Jane Roe at 10:42": "Jane Roe"), or None when
    the block has no signature or it names no one ("Report abuse")."""
    found = _COMMENT_SIGNATURE.search(text)
    if found is None or found.group(1).lower().rsplit(None, 1)[-1] not in _SIGNING_WORDS:
        return None
    name = _SIGNER_END.split(text[found.end() :], 1)[0]
    name = " ".join(name.split()).strip(_TRAILING).lstrip(_LEADING)
    return name or None


def is_live_blog(signed: Sequence[str], authors: Sequence[str]) -> bool:
    """Whether blocks signed like comments (``signed``, each passing
    :func:`is_comment_signature`) are a live blog's entries: each names who posted it, and
    they are the page's authors or a few names again and again (a newsroom's staff). Readers'
    comments are each another reader's, some unnamed, and carry moderation links."""
    names: set[str] = set()
    for text in signed:
        name = _signer(text)
        if name is None or name.lower() in ANONYMOUS_SIGNERS:
            return False
        names.add(name)
    lowered = {name.lower() for name in names}
    if lowered <= {author.lower() for author in authors}:
        return True
    # A newsroom signs with its writers' names; readers who reply to each other sign as
    # often with handles ("jd_88"), and two of them trading three comments each are as few
    # names again and again as a live blog's writers.
    return all(_is_full_name(name) for name in names) and len(lowered) * _ENTRIES_PER_SIGNER <= len(
        signed
    )


def _is_full_name(name: str) -> bool:
    """Whether a signer is named as a byline names a writer: two words or more, each
    capitalised ("Jane Roe", "J. R. Smith"), no digits or underscores as a handle has."""
    words = name.split()
    return (
        len(words) >= 2
        and all(word[0].isupper() for word in words)
        and _HANDLE_MARKS.search(name) is None
    )


def is_label(text: str) -> bool:
    """A kicker or section label: a word or two, no sentence."""
    words = text.split()
    if len(words) > _LABEL_WORDS or len(text) > _LABEL_CHARS:
        return False
    return not text.rstrip().endswith((".", "!", "?", ":", "。", "！", "？"))
