"""AMP copies on an ``amp.`` host: the addresses at which a page and its AMP copy are one page.

``normalise_url`` folds the AMP markers of a path or query (``/amp``, ``.amp``, ``?amp=1``)
into the page's own address, but not an ``amp.`` host: a site that serves its AMP pages from
``amp.example.com`` has them at another address than the article on ``www.example.com`` or on
``example.com``, and which of those two the site uses cannot be told from the copy's address.
So each page names the addresses its twin could have (the AMP copy both desktop spellings, a
desktop page its copy on ``amp.``), and the index joins the pages found there; keys and
addresses stay as they are (they are the crawl's article keys, and make the cluster ids).

Only a label below a registrable domain is an AMP host: ``amp.github.io`` is someone's site
under a public suffix, not an AMP host of ``github.io``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["amp_twins"]

_SCHEMES = ("http", "https")


def amp_twins(address: str, domain_of: Callable[[str], str]) -> tuple[str, ...]:
    """The addresses of the page at ``address`` (normalised) on its site's other AMP spellings.

    For a page on an ``amp.`` host, the same scheme, port, path and query on the ``www.`` host
    and on the bare host; for a page on any other host, on the ``amp.`` host. Nothing for an
    address that is no http(s) URL, an IP address or single-label host (no site has an AMP
    host there), or a site whose ``amp.`` host would be a registrable domain of its own.
    ``domain_of`` gives a host's registrable domain, or the host itself when it has none.
    """
    scheme, _, rest = address.partition("://")
    if scheme not in _SCHEMES or rest.startswith("["):
        return ()
    netloc, slash, tail = rest.partition("/")
    host, colon, port = netloc.partition(":")
    amp = host.startswith("amp.")
    bare = host[4:] if amp or host.startswith("www.") else host
    if "." not in bare or bare[-1].isdigit():
        return ()  # a single label or an IP address (no top-level domain ends in a digit)
    amp_host = f"amp.{bare}"
    if domain_of(amp_host) == amp_host:
        return ()
    hosts = (f"www.{bare}", bare) if amp else (amp_host,)
    after = f"{colon}{port}{slash}{tail}"
    return tuple(f"{scheme}://{name}{after}" for name in hosts)
