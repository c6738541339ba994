"""Where a fetch kept to one host's lane stopped: before a redirect's request to another host.

A crawl gives each host a share of its fetch workers (its lane), chosen by the URL a listing
names. A redirector's URL (``feeds.example.net/~r/...``, a link shortener) is one host's, and
the page it leads to another's: :meth:`Fetcher.fetch_in_lane <scraper.fetch.Fetcher.fetch_in_lane>`
stops before asking a host paced under another key than the lane it was given, so that the
crawl can count the rest of the fetch against the host that will answer it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Onward"]


@dataclass(frozen=True, slots=True)
class Onward:
    """The rest of a fetch: its next request is ``to`` (a redirect's target, not asked yet),
    after the URLs in ``passed`` (the hops already requested, the URL asked for first).

    Handed back to ``fetch_in_lane`` with the URL first asked for, it goes on from there, the
    redirect limit and loop check counting every hop of the whole chain. ``repeatable`` are
    the URLs of ``passed`` that may be asked again: asked before an answer set a cookie, and
    not since (asked again, they carry it).
    """

    to: str
    passed: tuple[str, ...]
    repeatable: tuple[str, ...] = field(default=(), compare=False)
