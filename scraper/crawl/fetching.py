"""What a crawl needs from a fetcher, and the real fetcher configured from a crawl config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from scraper.config import CrawlConfig, HostLimit
from scraper.fetch.onward import Onward
from scraper.fetch.options import (
    DEFAULT_USER_AGENT,
    DOCUMENT_TYPES,
    FEED_TYPES,
    HTML_TYPES,
    SITEMAP_TYPES,
    FetchOptions,
    HostPace,
    Politeness,
)
from scraper.fetch.options import RetryPolicy as FetchRetry
from scraper.models import Page

__all__ = [
    "ACCEPTED_TYPES",
    "CrawlFetcher",
    "FetcherLayer",
    "PageFetcher",
    "fetch_options",
    "host_pace",
]

# One fetcher serves articles, feeds and sitemaps so that its per-host pacing covers them all;
# the crawl checks an article page's type itself before extracting it. Discovery documents
# take DOCUMENT_TYPES, untyped bytes among them (judged by discovery from the body).
ACCEPTED_TYPES = HTML_TYPES | FEED_TYPES | SITEMAP_TYPES | {"application/json", "text/plain"}


class PageFetcher(Protocol):
    """An async fetcher with conditional GET (a 304 answer is a Page with status 304)."""

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        """Fetch ``url`` (a feed or sitemap when ``document``, held to caps of its own);
        raise a FetchError subclass when it cannot be fetched."""
        ...


class CrawlFetcher(PageFetcher, Protocol):
    """A fetcher that also paces a host as asked, tells which host a URL is paced under, and
    fetches a page within one host's lane (as ``Fetcher.tighten``, ``Fetcher.rest``,
    ``Fetcher.lane`` and ``Fetcher.fetch_in_lane``)."""

    async def fetch_in_lane(
        self,
        url: str,
        lane: str,
        onward: Onward | None = None,
        may_ask: Callable[[str], bool] | None = None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Page | Onward:
        """Fetch the page ``url``, or stop before a redirect's request to a host of another
        lane than ``lane``, or to a URL ``may_ask`` refuses (an Onward: passed back, the fetch
        goes on from there)."""
        ...

    def lane(self, url: str) -> tuple[str, int]:
        """The key ``url``'s host is paced under and how many of its requests run at once."""
        ...

    def tighten(self, url: str, pace: HostPace) -> None:
        """Hold ``url``'s host to ``pace`` where it is stricter than the host's own."""
        ...

    def rest(self, lane: str, seconds: float) -> None:
        """Ask nothing of the host(s) paced under ``lane`` for ``seconds`` (as ``Fetcher.rest``):
        its requests, a redirect's hops included, fail with ``HostWaiting`` until then."""
        ...


class FetcherLayer:
    """The base of a fetcher in front of another that changes what is fetched, not how a host
    is paced: the pacing calls go to ``fetcher`` as they are. Subclasses define ``fetch`` and
    ``fetch_in_lane``."""

    def __init__(self, fetcher: CrawlFetcher) -> None:
        self.fetcher = fetcher

    def lane(self, url: str) -> tuple[str, int]:
        """The fetcher's lane of ``url``."""
        return self.fetcher.lane(url)

    def tighten(self, url: str, pace: HostPace) -> None:
        """Hold ``url``'s host to ``pace`` in the fetcher."""
        self.fetcher.tighten(url, pace)

    def rest(self, lane: str, seconds: float) -> None:
        """Leave the host(s) of ``lane`` alone for ``seconds`` in the fetcher."""
        self.fetcher.rest(lane, seconds)


def host_pace(limit: HostLimit) -> HostPace:
    """The fetcher's form of a ``[hosts]`` entry or a source's pace."""
    return HostPace(min_interval=limit.min_interval, concurrency=limit.per_host)


def fetch_options(config: CrawlConfig) -> FetchOptions:
    """The fetcher settings a crawl config asks for."""
    polite = config.politeness
    return FetchOptions(
        user_agent=polite.user_agent or DEFAULT_USER_AGENT,
        contact=polite.contact,
        politeness=Politeness(
            respect_robots=polite.respect_robots,
            min_interval=polite.min_interval,
            per_host_concurrency=polite.per_host,
            global_concurrency=polite.concurrency,
            hosts={host: host_pace(limit) for host, limit in config.hosts.items()},
        ),
        retry=FetchRetry(attempts=config.retry.per_request),
        accept=ACCEPTED_TYPES,
        document_accept=DOCUMENT_TYPES,
        allow_networks=config.allow_networks,
        # The extraction worker decodes every page anyway: deciding here too cost a second
        # decode of each body in the crawl process.
        decide_charset=False,
    )
