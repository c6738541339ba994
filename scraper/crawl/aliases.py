"""Where a batch's fetched pages go in the store: each article under its key, once.

A page redirected elsewhere (a feed's redirector, ``feeds.example.net/~r/...``, landing on the
publisher's article; http to https) is the page at the address it landed on
(:func:`scraper.crawl.identity.redirect_key`). Its article is stored under the URL row of that
address, queued there when no listing had it, and the URL it was fetched for is done as an
alias of it (``urls.alias_of``): never fetched again. A page whose landing address already has
its article (stored by an earlier batch, or another page of this batch) is an alias too, and
nothing is stored: the redirector and the sitemap's real URL of one article store it once, in
either order, and the row stays done, so a listing naming it later queues nothing.

A canonical link does not make an alias: it is the page's own claim, and templates get it wrong
(every article naming the newest one, say), which would store one article for many. A page
naming another canonical is stored under its own URL, and the near-duplicate index joins the
two when their texts agree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from scraper.store.protocol import CrawlStore, NewURL, QueuedURL

__all__ = ["Fetched", "Landing", "settle"]


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page of a batch: the URL it was fetched for, the key of the address a
    redirect landed it on (None: not redirected, or to no address of its own), and the address
    a new row for that key is queued with."""

    queued: QueuedURL
    landed: str | None
    address: str

    @property
    def key(self) -> str:
        return self.landed or self.queued.url


@dataclass(frozen=True, slots=True)
class Landing:
    """Where one fetched page goes.

    ``under``: the URL row its article is stored under (None: no article is stored for it).
    ``of``: the URL whose article it is, when that is not the URL it was fetched for (its
    fetched URL is then done as an alias of ``of``). ``needs``: the page of the batch whose
    article that is, when it is one of the batch (the alias holds only if that is stored).
    """

    under: QueuedURL | None
    of: str | None = None
    needs: int | None = None


def settle(store: CrawlStore, pages: Sequence[Fetched], settled: Collection[int]) -> list[Landing]:
    """Where each page of a batch goes; called in the batch's transaction.

    ``settled``: the URL rows this run already gave an article through another URL's page (a
    page fetched for one of them since is an alias). The store is asked only about the pages
    whose key is not the URL they were fetched for: a page served from its own URL and naming
    no other costs nothing here.
    """
    out = [Landing(page.queued) for page in pages]
    taken: dict[str, int] = {}  # key -> the page of the batch stored under it
    others: list[int] = []
    for number, page in enumerate(pages):
        if page.key == page.queued.url and page.queued.id not in settled:
            taken[page.key] = number
        else:
            others.append(number)
    if not others:
        return out
    rows = store.claim_urls(
        [(NewURL(url=pages[n].key, raw=pages[n].address), pages[n].queued.source) for n in others]
    )
    for number in others:
        page = pages[number]
        key = page.key
        row = rows.get(key)
        if key in taken:
            out[number] = Landing(None, key, taken[key])
        elif row is None:  # not stored as a URL: the page keeps the one it was fetched for
            continue
        elif row.state == "done" or row.queued.id in settled:
            # Stored already, under the key's row or (the key an alias itself) another.
            out[number] = Landing(None, row.alias_of or row.queued.url)
        else:
            taken[key] = number
            out[number] = Landing(row.queued, key, number)
    return out
