"""What crosses between the crawl and its extraction workers, and the work a worker does.

Kept apart from :mod:`scraper.crawl.extraction` (the crawl's side, on the event loop) so that a
worker process imports the extractor and this module only: not asyncio, not the crawl.
Errors come back as values: exceptions with keyword-only constructors do not survive pickling,
and an extractor bug on one page must not stop the run.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scraper.charset import page_charset
from scraper.errors import ScraperError
from scraper.extract import extract
from scraper.extract.options import DEFAULT_OPTIONS, ExtractOptions
from scraper.models import Article, Page

__all__ = [
    "FRAME",
    "ExtractFailed",
    "Extracted",
    "Outcome",
    "PageJob",
    "extract_chunk",
    "extract_job",
]

#: The length prefix of a message between the crawl and a worker.
FRAME = struct.Struct("!Q")


@dataclass(frozen=True, slots=True)
class PageJob:
    """What extraction reads of a fetched page; ``options`` None means the defaults."""

    url: str
    body: bytes
    encoding: str | None = None
    options: ExtractOptions | None = None

    @classmethod
    def of(cls, page: Page, options: ExtractOptions | None = None) -> PageJob:
        """The job for a fetched page (its final URL and the charset its headers declare)."""
        return cls(page.effective_url, page.body, page_charset(page), options)


@dataclass(frozen=True, slots=True)
class Extracted:
    """An extracted article as the crawl keeps it: the stored record (JSON of
    :meth:`Article.to_dict`) and the fields the near-duplicate index and the events read."""

    record: str
    text: str
    title: str | None
    published: datetime | None
    canonical_url: str | None

    @classmethod
    def of(cls, article: Article) -> Extracted:
        """The compact form of ``article``."""
        return cls(
            record=json.dumps(article.to_dict(), ensure_ascii=False),
            text=article.text,
            title=article.title,
            published=article.published,
            canonical_url=article.canonical_url,
        )


@dataclass(frozen=True, slots=True)
class ExtractFailed:
    """Why a page gave no article."""

    kind: str
    reason: str


Outcome = Extracted | ExtractFailed


def extract_job(job: PageJob) -> Outcome:
    """Extract one page; failures are returned, not raised (this runs in a worker)."""
    try:
        article = extract(
            job.body, url=job.url, options=job.options or DEFAULT_OPTIONS, encoding=job.encoding
        )
    except ScraperError as exc:
        return ExtractFailed(exc.kind, str(exc))
    except Exception as exc:  # an extractor bug on one page is that page's failure only
        return ExtractFailed("internal", f"{type(exc).__name__}: {exc}")
    if not article.text.strip():
        return ExtractFailed("empty", "no article text found")
    return Extracted.of(article)


def extract_chunk(jobs: Sequence[PageJob]) -> list[Outcome]:
    """Extract several pages in one task (the unit a worker receives)."""
    return [extract_job(job) for job in jobs]
