"""Which owner a site's lines are counted under: its registrable domain.

A publisher's template is shared by every host it runs (``springfield.localnews.com`` and
``shelbyville.localnews.com``), so chrome lines are learnt per registrable domain, the name one
below a public suffix of the Public Suffix List (``localnews.com``, ``paper.co.uk``; a suffix
such as ``github.io`` keeps its users apart). The list ships inside ``publicsuffixlist`` and is
never fetched.
"""

from __future__ import annotations

import ipaddress

from publicsuffixlist import PublicSuffixList

__all__ = ["Domains"]


class Domains:
    """The registrable domains of sites, for one index's life.

    The list is read when a first site is asked about (about 50 ms: a run that places nothing
    does not pay it), and each site's answer is kept by this object, not by the process.
    """

    __slots__ = ("_known", "_list")

    def __init__(self) -> None:
        self._list: PublicSuffixList | None = None
        self._known: dict[str, str] = {}

    def of(self, site: str) -> str:
        """The registrable domain of host ``site`` (as ``site_of`` gives it), or ``site`` itself.

        An IP address, a single label (``localhost``) or a public suffix alone has no
        registrable part and stays as it is.
        """
        found = self._known.get(site)
        if found is None:
            found = self._known[site] = self._lookup(site)
        return found

    def _lookup(self, site: str) -> str:
        try:
            ipaddress.ip_address(site)
        except ValueError:
            pass
        else:
            return site
        if self._list is None:
            self._list = PublicSuffixList()
        found = self._list.privatesuffix(site)
        return found if found else site
