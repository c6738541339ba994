"""The URLs a run's page fetches are requesting, so that no URL is requested by two at once.

A feed's redirector (``feeds.example.net/~r/...``, a link shortener) and the sitemap can lead
two fetches of a run to one page. One after the other, the second is settled by the first's
article (:mod:`scraper.crawl.aliases`); at the same time, both would request the page and
extract it. So each fetch takes the keys (normalised URLs) of the URLs it requests, its first
one and every redirect's target, before requesting them; a fetch that comes to a key another
holds does not request it, but waits for that fetch's page, as a follower (the followers it
had follow along: their chains lead there too). Its keys are let go when its page is in hand
or it fails.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from scraper.discover.urls import normalise_url
from scraper.errors import InputError

__all__ = ["Flight", "hop_key"]

_J = TypeVar("_J")


def hop_key(url: str) -> str | None:
    """The key of a redirect's target ``url``; None when it has none (the fetch says why)."""
    try:
        return normalise_url(url)
    except InputError:
        return None


class Flight(Generic[_J]):
    """One page fetch's hold on the keys it requests, and the jobs ``_J`` waiting for it.

    ``held`` is the run's map of every key held to the flight holding it.
    """

    __slots__ = ("followers", "held", "keys")

    def __init__(self, held: dict[str, Flight[_J]]) -> None:
        self.held = held
        self.keys: list[str] = []
        self.followers: list[_J] = []

    def claim(self, key: str) -> Flight[_J] | None:
        """Hold ``key`` for this fetch; the flight that holds it already, if another."""
        holder = self.held.setdefault(key, self)
        if holder is not self:
            return holder
        self.keys.append(key)
        return None

    def may_ask(self, url: str) -> bool:
        """Whether the fetch may request the redirect target ``url``: no other holds its key
        (it is this fetch's from now on)."""
        key = hop_key(url)
        return key is None or self.claim(key) is None

    def follow(self, holder: Flight[_J], job: _J) -> None:
        """Make ``job`` (this flight's) wait for ``holder`` instead of requesting its key,
        with the jobs that waited for this flight."""
        holder.followers.extend(self.end())
        holder.followers.append(job)

    def end(self) -> list[_J]:
        """Let go of the keys: the jobs that waited for this flight."""
        held = self.held
        for key in self.keys:
            if held.get(key) is self:
                del held[key]
        self.keys = []
        followers, self.followers = self.followers, []
        return followers
