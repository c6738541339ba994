"""Credentials written in a crawl config's URLs, sent with every request to their origin.

A private feed is configured as ``https://user:token@feeds.example/rss``. The store never sees
the credentials (discovery drops user information from every URL it records), so they are
kept here, in memory, for the run: a request to the same origin (scheme, host and port) gets
them, as the feed's own fetch, its nested sitemaps' and its articles' on that host do; a
request to any other origin never does. Credentials a site's listing carries in its links
are not taken (they would be a leak of the site's, spread into the store and its exports).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from scraper.config import Source
from scraper.crawl.fetching import CrawlFetcher, FetcherLayer
from scraper.credentials import userinfo_of, with_userinfo
from scraper.discover.urls import origin_of
from scraper.errors import InputError
from scraper.fetch.onward import Onward
from scraper.models import Page

__all__ = ["OriginCredentials", "with_credentials"]


class OriginCredentials(FetcherLayer):
    """A fetcher that adds the configured user information to requests to its origin.

    The page comes back under the URL asked for, its redirects without user information.
    Credentials do not change a host's pace.
    """

    def __init__(self, fetcher: CrawlFetcher, userinfo: Mapping[str, str]) -> None:
        super().__init__(fetcher)
        self.userinfo = userinfo

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        """Fetch ``url`` with its origin's credentials, if the config gives it any."""
        userinfo = self._userinfo(url)
        if userinfo is None:
            return await self.fetcher.fetch(
                url, etag=etag, last_modified=last_modified, document=document
            )
        page = await self.fetcher.fetch(
            with_userinfo(url, userinfo), etag=etag, last_modified=last_modified, document=document
        )
        return _without_userinfo(page, url)

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
        """Fetch ``url`` within ``lane`` (and ``may_ask``) with its origin's credentials, if it
        has any.

        An Onward keeps them in its hops, in memory only: the fetch it goes on with is the
        one with the credentials.
        """
        userinfo = self._userinfo(url)
        if userinfo is None:
            return await self.fetcher.fetch_in_lane(
                url, lane, onward, may_ask, etag=etag, last_modified=last_modified
            )
        asked = with_userinfo(url, userinfo)
        got = await self.fetcher.fetch_in_lane(
            asked, lane, onward, may_ask, etag=etag, last_modified=last_modified
        )
        return got if isinstance(got, Onward) else _without_userinfo(got, url)

    def _userinfo(self, url: str) -> str | None:
        try:
            return self.userinfo.get(origin_of(url))
        except InputError:
            return None  # the fetcher says what is wrong with it


def _without_userinfo(page: Page, url: str) -> Page:
    """``page`` under ``url``, its redirects without user information."""
    return replace(page.without_userinfo(), url=url)


def with_credentials(fetcher: CrawlFetcher, sources: Sequence[Source]) -> CrawlFetcher:
    """``fetcher``, sending the credentials the sources' URLs carry to their origins.

    The first URL of an origin with credentials gives them. Without any, ``fetcher`` itself.
    """
    userinfo: dict[str, str] = {}
    for source in sources:
        for url in source.urls:
            found = userinfo_of(url)
            if found:
                try:
                    userinfo.setdefault(origin_of(url), found)
                except InputError:
                    continue  # discovery reports the bad URL
    if not userinfo:
        return fetcher
    return OriginCredentials(fetcher, MappingProxyType(userinfo))
