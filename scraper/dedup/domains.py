"""Which owner a site's lines are counted under: its registrable domain.

A publisher's template is shared by every host it runs (``springfield.localnews.com`` and
``shelbyville.localnews.com``), so chrome lines are learnt per registrable domain, the name one
below a public suffix of the Public Suffix List (``localnews.com``, ``paper.co.uk``; a suffix
such as ``github.io`` keeps its users apart). The list ships inside ``publicsuffixlist`` and is
read once a process, never fetched.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from publicsuffixlist import PublicSuffixList

__all__ = ["registrable_domain"]


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


@cache
def registrable_domain(site: str) -> str:
    """The registrable domain of host ``site`` (as ``site_of`` gives it), or ``site`` itself.

    An IP address, a single label (``localhost``) or a public suffix alone has no registrable
    part and stays as it is.
    """
    try:
        ipaddress.ip_address(site)
    except ValueError:
        pass
    else:
        return site
    found = _suffixes().privatesuffix(site)
    return found if found else site
