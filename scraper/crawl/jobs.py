"""What crosses between the crawl and its extraction workers, and the work a worker does.

Kept apart from :mod:`scraper.crawl.extraction` (the crawl's side, on the event loop) so that a
worker process imports the extractor and this module only: not asyncio, not the crawl.
Errors come back as values (kind and reason, all a failure record keeps, in a few bytes), and
an extractor bug on one page must not stop the run. The messages themselves are laid out
by :mod:`scraper.crawl.wire`: small fields in a pickled head, bodies, records and texts raw.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson

from scraper.charset import declared_charset
from scraper.crawl.wire import Message, encode
from scraper.errors import KIND_INTERNAL, KIND_OUT_OF_MEMORY, ScraperError
from scraper.extract.options import DEFAULT_OPTIONS, ExtractOptions
from scraper.memory import OUT_OF_MEMORY
from scraper.models import Article, Page

__all__ = [
    "ExtractFailed",
    "Extracted",
    "Outcome",
    "PageJob",
    "extract_chunk",
    "extract_job",
    "jobs_from",
    "jobs_message",
    "outcomes_from",
    "outcomes_message",
    "record_bytes",
]


@dataclass(frozen=True, slots=True)
class PageJob:
    """What extraction reads of a fetched page; ``url`` None for a page from nowhere (stdin);
    ``options`` None means the defaults; ``content_type`` is the header's value (it tells XHTML
    from HTML)."""

    url: str | None
    body: bytes
    encoding: str | None = None
    options: ExtractOptions | None = None
    content_type: str | None = None

    @classmethod
    def of(
        cls, page: Page, options: ExtractOptions | None = None, content_type: str | None = None
    ) -> PageJob:
        """The job for a fetched page (its final URL, the charset and content type its
        headers declare); ``content_type``: the header's value when the caller has read it
        already (a header is found by a scan of them all)."""
        if content_type is None:
            content_type = page.header("content-type")
        encoding = page.encoding or declared_charset(content_type)
        return cls(page.effective_url, page.body, encoding, options, content_type)


@dataclass(frozen=True, slots=True)
class Extracted:
    """An extracted article as the crawl keeps it: the stored record (JSON of
    :meth:`Article.to_dict`, as UTF-8, which is how SQLite stores it) and the fields the
    near-duplicate index and the events read.

    The text stays UTF-8 (``surrogatepass``, so a lone surrogate reaches dedup as it is) from
    the worker to dedup, which reads it as it is: decoding it in the crawl only for dedup to
    encode it again cost two passes over every text.
    """

    record: bytes
    text_utf8: bytes
    title: str | None
    published: datetime | None
    canonical_url: str | None

    @classmethod
    def of(cls, article: Article) -> Extracted:
        """The compact form of ``article``."""
        return cls(
            record=record_bytes(article),
            text_utf8=article.text.encode("utf-8", "surrogatepass"),
            title=article.title,
            published=article.published,
            canonical_url=article.canonical_url,
        )


def record_bytes(article: Article) -> bytes:
    """The stored record of ``article``: the JSON of :meth:`Article.to_dict`, as UTF-8."""
    data = article.to_dict()
    try:
        # orjson writes the UTF-8 bytes SQLite stores in one C pass: about 0.02 ms an article
        # against 0.14-0.2 for json.dumps and encode, in every extraction worker.
        return orjson.dumps(data)
    except orjson.JSONEncodeError:  # a lone surrogate in some text: escaped, it is valid JSON
        return json.dumps(data).encode()


@dataclass(frozen=True, slots=True)
class ExtractFailed:
    """Why a page gave no article."""

    kind: str
    reason: str


Outcome = Extracted | ExtractFailed


def extract_job(job: PageJob) -> Outcome:
    """Extract one page; failures are returned, not raised (this runs in a worker)."""
    # Loaded here, in the worker (or a crawl extracting in its own process): a crawl process
    # that hands its pages to workers never needs the parser and the compiled pipeline.
    from scraper.extract import pipeline

    try:
        article = pipeline.extract(
            job.body,
            url=job.url,
            options=job.options or DEFAULT_OPTIONS,
            encoding=job.encoding,
            content_type=job.content_type,
        )
    except ScraperError as exc:
        return ExtractFailed(exc.kind, str(exc))
    except MemoryError:  # past the worker's cap (scraper.memory): the next page may fit
        return ExtractFailed(KIND_OUT_OF_MEMORY, OUT_OF_MEMORY)
    except Exception as exc:  # an extractor bug on one page is that page's failure only
        return ExtractFailed(KIND_INTERNAL, f"{type(exc).__name__}: {exc}")
    empty = article.why_empty()
    if empty is not None:
        return ExtractFailed(*empty)
    return Extracted.of(article)


def extract_chunk(jobs: Sequence[PageJob]) -> list[Outcome]:
    """Extract several pages in one task (the unit a worker receives)."""
    return [extract_job(job) for job in jobs]


def jobs_message(
    jobs: Sequence[PageJob], area: memoryview | None = None, start: int = 0, stop: int = 0
) -> list[bytes]:
    """The pieces of the message that sends ``jobs`` to a worker.

    With ``area`` (memory the worker maps too), the bodies that fit between ``start`` and
    ``stop`` are copied there and the message says where; the others follow it raw. A body
    written to a pipe was copied into pipe buffers the kernel allocated and freed page by page,
    and read out again in the worker: the crawl's pipe writes cost several times a copy.
    """
    heads = []
    blobs = []
    for job in jobs:
        body = job.body
        end = start + len(body)
        if area is not None and end <= stop:
            area[start:end] = body
            place: tuple[int, int] | None = (start, end)
            start = end
        else:
            place = None
            blobs.append(body)
        heads.append((job.url, job.encoding, job.options, job.content_type, place))
    return encode(heads, blobs)


def jobs_from(message: Message, area: memoryview | None = None) -> list[PageJob]:
    """The jobs a message carries (the bodies it places in ``area`` copied out of it)."""
    heads, blobs = message
    parts = iter(blobs)
    jobs = []
    for url, encoding, options, content_type, place in heads:
        if place is None:
            body = next(parts)
        else:
            if area is None:
                raise ValueError("a message places bodies in memory this worker does not map")
            body = bytes(area[place[0] : place[1]])
        jobs.append(PageJob(url, body, encoding, options, content_type))
    return jobs


def outcomes_message(outcomes: Sequence[Outcome]) -> list[bytes]:
    """The pieces of the message that answers a chunk: failures whole in the head; articles'
    small fields in the head, their record and text (both UTF-8) raw."""
    heads: list[ExtractFailed | tuple[str | None, datetime | None, str | None]] = []
    blobs: list[bytes] = []
    for outcome in outcomes:
        if isinstance(outcome, ExtractFailed):
            heads.append(outcome)
            continue
        heads.append((outcome.title, outcome.published, outcome.canonical_url))
        blobs += (outcome.record, outcome.text_utf8)
    return encode(heads, blobs)


def outcomes_from(message: Message) -> list[Outcome]:
    """The outcomes a worker's answer carries, in the order of its chunk."""
    heads, blobs = message
    out: list[Outcome] = []
    parts = iter(blobs)
    for head in heads:
        if isinstance(head, ExtractFailed):
            out.append(head)
            continue
        title, published, canonical = head
        out.append(Extracted(next(parts), next(parts), title, published, canonical))
    return out
