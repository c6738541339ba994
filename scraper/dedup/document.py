"""What the index places: ``Document``, built directly, from an extracted article or from a record.

A record is the JSON object of one JSONL line (the ``extract --format jsonl`` shape, or any
object with ``url`` and ``text``); ``Document.from_record`` checks its fields and reads its date.

A lone surrogate (a JSON ``"\\ud800"`` escape, left by a producer that cut an emoji in half)
becomes U+FFFD in a document's URLs and key, as a browser reads a URL (WHATWG: a USVString):
no UTF-8 encoder, SQLite or strict JSON reader takes it, and one broken character is no reason
to lose the article. The text may keep it: the analysis reads it (see ``scraper.dedup.text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from scraper.dedup.identity import Identity
from scraper.errors import RecordError
from scraper.models import Article
from scraper.surrogates import without_surrogates

__all__ = ["Document"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """One text to place: its URL (or None), text, and the metadata the representative rule uses.

    ``key`` is the document's identity; by default its same-site canonical URL, else its
    normalised URL, else (no usable URL) the URL as given or a digest of the text.
    ``identity`` is what ``identity_of(url, canonical)`` gives, when the caller has it already
    (URL parsing is a good part of the analysis). ``text`` may be given as its UTF-8 form
    (encoded with ``surrogatepass``), as the crawl has it: it is placed the same way.
    A lone surrogate in ``url``, ``canonical`` or ``key`` is replaced by U+FFFD. A
    ``published`` without a zone is read as UTC, as ``from_record`` reads one.
    """

    url: str | None
    text: str | bytes
    title: str | None = None
    published: datetime | None = None
    canonical: str | None = None
    key: str | None = None
    identity: Identity | None = None

    def __post_init__(self) -> None:
        # The setattr of a frozen dataclass's own __post_init__; it runs only for a lone
        # surrogate, which would otherwise fail URL parsing or SQLite with UnicodeEncodeError.
        for name in ("url", "canonical", "key"):
            value = getattr(self, name)
            if value is not None and (clean := without_surrogates(value)) is not value:
                object.__setattr__(self, name, clean)
        # Read in the machine's zone, a naive date would rank pages differently from one
        # machine to another, and one in the year 1 east of UTC has no timestamp at all
        # (ValueError out of the whole batch).
        if self.published is not None and self.published.tzinfo is None:
            object.__setattr__(self, "published", self.published.replace(tzinfo=UTC))

    @classmethod
    def from_article(cls, article: Article, *, url: str | None = None) -> Document:
        """The document of an extracted article (``url`` overrides the article's own)."""
        return cls(
            url=url or article.url,
            text=article.text,
            title=article.title,
            published=article.published,
            canonical=article.canonical_url,
        )

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> Document:
        """The document of a record: an object with ``url`` and ``text`` (say, a JSONL line).

        ``title``, ``published`` and ``canonical_url`` are read when present, other fields
        ignored. ``published`` is an ISO 8601 string; a date without a zone is read as UTC.

        Raises:
            RecordError: ``text`` or ``url`` is missing, a field is not a string, or
                ``published`` is not an ISO 8601 date.
        """
        if not isinstance(record, Mapping):  # a JSON value read from a line may be anything
            raise RecordError(f"a record must be an object, not {type(record).__name__}")
        text = record.get("text")
        if not isinstance(text, str):
            raise RecordError("a record needs a string 'text'")
        url = _string(record, "url")
        if not url:
            raise RecordError("a record needs a 'url'")
        return cls(
            url=url,
            text=text,
            title=_string(record, "title"),
            published=_published(record),
            canonical=_string(record, "canonical_url"),
        )


def _string(record: Mapping[str, object], name: str) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    raise RecordError(f"{name} must be a string, not {type(value).__name__}")


def _published(record: Mapping[str, object]) -> datetime | None:
    raw = _string(record, "published")
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise RecordError(f"published is not an ISO 8601 date: {raw!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # a bare date is read as UTC
