"""The plain values that flow through scraper: Page -> Article -> Cluster.

All are frozen dataclasses with ``to_dict``/``from_dict`` for JSON. Sequences are tuples so the
values stay hashable and immutable; datetimes are timezone-aware.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from scraper.credentials import without_userinfo
from scraper.errors import (
    KIND_EMPTY,
    KIND_INTERNAL,
    KIND_OUT_OF_MEMORY,
    RecordError,
    ScraperError,
    TooLarge,
)
from scraper.memory import OUT_OF_MEMORY

__all__ = ["Article", "Block", "BlockKind", "Cluster", "Failure", "Page"]


def _dt_out(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt_in(value: object, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} must be an ISO 8601 string, not {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"{name} is not an ISO 8601 date: {value!r}") from exc
    if parsed.tzinfo is None:
        raise RecordError(f"{name} has no timezone: {value!r}")
    return parsed


def _record(data: object, what: str) -> Mapping[str, Any]:
    """``data`` as a record's fields: a JSON value read from a file may be anything (json.loads
    is typed Any, so nothing warns the caller), and a list or null has no ``get``."""
    if not isinstance(data, Mapping):
        raise RecordError(f"{what} must be an object, not {type(data).__name__}")
    return data


def _str_or_none(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} must be a string, not {type(value).__name__}")
    return value


def _str_tuple(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name) or ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"{name} must be a list of strings")
    return tuple(value)


def _headers(value: object) -> tuple[tuple[str, str], ...]:
    # Pairs only: unpacking a mapping's keys would split each two-letter name into a header.
    if not isinstance(value, list | tuple) or not all(
        isinstance(pair, list | tuple) and len(pair) == 2 for pair in value
    ):
        raise RecordError("headers must be a list of [name, value] pairs")
    return tuple((str(name), str(text)) for name, text in value)


@dataclass(frozen=True, slots=True)
class Page:
    """A page as fetched: the bytes as served plus what the server said about them.

    ``encoding`` is the charset scraper decided on (header, BOM, meta, detection), or None when
    it has not been decided yet; ``redirects`` lists the URLs passed through before
    ``final_url``.
    """

    url: str
    body: bytes
    final_url: str | None = None
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    fetched_at: datetime | None = None
    encoding: str | None = None
    redirects: tuple[str, ...] = ()

    @property
    def effective_url(self) -> str:
        """The URL the body was served from (after redirects)."""
        return self.final_url or self.url

    def without_userinfo(self) -> Page:
        """This page with the credentials (user information) taken out of each of its URLs."""
        final = self.final_url
        return replace(
            self,
            url=without_userinfo(self.url),
            final_url=None if final is None else without_userinfo(final),
            redirects=tuple(without_userinfo(hop) for hop in self.redirects),
        )

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "fetched_at": _dt_out(self.fetched_at),
            "encoding": self.encoding,
            "redirects": list(self.redirects),
            "body_base64": base64.b64encode(self.body).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Page:
        data = _record(data, "a page record")
        url = _str_or_none(data, "url")
        if url is None:
            raise RecordError("a page record needs a url")
        try:
            body = base64.b64decode(data.get("body_base64") or b"", validate=True)
            headers = _headers(data.get("headers") or ())
            status = int(data.get("status", 200))
        # OverflowError: a status of 1e400, which JSON reads as infinity.
        except (ValueError, TypeError, OverflowError) as exc:
            raise RecordError(f"malformed page record for {url}: {exc}") from exc
        return cls(
            url=url,
            body=body,
            final_url=_str_or_none(data, "final_url"),
            status=status,
            headers=headers,
            fetched_at=_dt_in(data.get("fetched_at"), "fetched_at"),
            encoding=_str_or_none(data, "encoding"),
            redirects=_str_tuple(data, "redirects"),
        )


class BlockKind(enum.StrEnum):
    """What a block of body text is."""

    PARAGRAPH = "paragraph"
    HEADING = "heading"
    LIST_ITEM = "list_item"
    QUOTE = "quote"
    TABLE = "table"
    PREFORMATTED = "preformatted"


@dataclass(frozen=True, slots=True)
class Block:
    """One block of body text in reading order. ``level`` is the heading level (2 for h2)."""

    kind: BlockKind
    text: str
    level: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "text": self.text}
        if self.level:
            out["level"] = self.level
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Block:
        data = _record(data, "a block")
        try:
            kind = BlockKind(data["kind"])
            text = data["text"]
            level = int(data.get("level", 0))
        # OverflowError: a level of 1e400, which JSON reads as infinity.
        except (KeyError, ValueError, TypeError, OverflowError) as exc:
            raise RecordError(f"malformed block: {exc}") from exc
        if not isinstance(text, str):
            raise RecordError("block text must be a string")
        return cls(kind=kind, text=text, level=level)


@dataclass(frozen=True, slots=True)
class Article:
    """The clean article extracted from one page: body blocks plus metadata.

    ``truncated`` is None when the whole page was read; on a page past the extractor's bounds
    (``ExtractOptions.max_html_chars``, ``max_nodes``) it says why only its first part was,
    and the article is what that part held.
    """

    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()
    encoding: str | None = None
    text: str = field(default="")
    word_count: int = 0
    truncated: str | None = None

    @classmethod
    def build(
        cls, *, blocks: tuple[Block, ...], word_count: int | None = None, **meta: Any
    ) -> Article:
        """An Article whose ``text`` and ``word_count`` are derived from ``blocks``.

        A caller that already knows the blocks' word count (``len(text.split())``) passes it
        in ``word_count``: splitting the whole text again costs more than the rest of this.
        """
        text = "\n\n".join(b.text for b in blocks)
        if word_count is None:
            word_count = len(text.split())
        return cls(blocks=blocks, text=text, word_count=word_count, **meta)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.title,
            "authors": list(self.authors),
            "published": _dt_out(self.published),
            "modified": _dt_out(self.modified),
            "language": self.language,
            "site_name": self.site_name,
            "description": self.description,
            "image": self.image,
            "tags": list(self.tags),
            "encoding": self.encoding,
            "word_count": self.word_count,
            "truncated": self.truncated,
            "text": self.text,
            "blocks": [b.to_dict() for b in self.blocks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Article:
        """Read an Article back; records without ``blocks`` get one paragraph per text block."""
        data = _record(data, "an article record")
        text = data.get("text")
        if not isinstance(text, str):
            raise RecordError("an article record needs a string 'text'")
        raw_blocks = data.get("blocks")
        if raw_blocks:
            if not isinstance(raw_blocks, list):
                raise RecordError("blocks must be a list")
            blocks = tuple(Block.from_dict(b) for b in raw_blocks)
        else:
            blocks = tuple(
                Block(BlockKind.PARAGRAPH, part.strip())
                for part in text.split("\n\n")
                if part.strip()
            )
        return cls.build(
            blocks=blocks,
            url=_str_or_none(data, "url"),
            canonical_url=_str_or_none(data, "canonical_url"),
            title=_str_or_none(data, "title"),
            authors=_str_tuple(data, "authors"),
            published=_dt_in(data.get("published"), "published"),
            modified=_dt_in(data.get("modified"), "modified"),
            language=_str_or_none(data, "language"),
            site_name=_str_or_none(data, "site_name"),
            description=_str_or_none(data, "description"),
            image=_str_or_none(data, "image"),
            tags=_str_tuple(data, "tags"),
            encoding=_str_or_none(data, "encoding"),
            truncated=_str_or_none(data, "truncated"),
        )

    def why_empty(self) -> tuple[str, str] | None:
        """The failure kind and reason of an article without text, None when it has text.

        ``too_large`` when only the first part of the page was read (its article may lie
        past it, and will next time too), else ``empty``.
        """
        if self.text.strip():
            return None
        if self.truncated:
            return TooLarge.kind, f"no article text in the part read: {self.truncated}"
        return KIND_EMPTY, "no article text found"


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of near-duplicate articles and the one chosen to represent it."""

    id: str
    representative: str
    members: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "representative": self.representative, "members": list(self.members)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cluster:
        data = _record(data, "a cluster record")
        cid = _str_or_none(data, "id")
        rep = _str_or_none(data, "representative")
        if cid is None or rep is None:
            raise RecordError("a cluster record needs id and representative")
        return cls(id=cid, representative=rep, members=_str_tuple(data, "members"))


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that was skipped, with the reason: what a crawl or batch records and goes on."""

    source: str
    kind: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Failure:
        data = _record(data, "a failure record")
        source = _str_or_none(data, "source")
        kind = _str_or_none(data, "kind")
        reason = _str_or_none(data, "reason")
        if source is None or kind is None or reason is None:
            raise RecordError("a failure record needs source, kind and reason")
        return cls(source=source, kind=kind, reason=reason)

    @classmethod
    def from_error(cls, source: str, error: Exception) -> Failure:
        """The failure ``error`` stands for; any exception but a ScraperError is ``internal``."""
        name = type(error).__name__
        if isinstance(error, ScraperError):
            return cls(source=source, kind=error.kind, reason=str(error) or name)
        if isinstance(error, MemoryError):  # past a memory cap (scraper.memory), not a bug
            return cls(source=source, kind=KIND_OUT_OF_MEMORY, reason=OUT_OF_MEMORY)
        # A bug met on this input: its type says more than its message (a KeyError's is a key).
        return cls(
            source=source, kind=KIND_INTERNAL, reason=f"{name}: {error}" if str(error) else name
        )
