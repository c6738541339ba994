"""What a request can name as its host and port: one rule for the fetcher and for the URLs a
config or a listing gives (which are refused up front rather than queued and failed on every
run)."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["SENDABLE_HOST", "sendable_port"]

#: A host as a request can name it: a DNS name (labels of at most 63 characters, underscores
#: occur), an IPv4 or an IPv6 address (without its brackets).
SENDABLE_HOST: Final = re.compile(
    r"(?=.{1,254}\Z)[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*\.?|[0-9a-f:.]*:[0-9a-f:.]*", re.I
)


def sendable_port(port: int | None) -> bool:
    """Whether a request can go to ``port`` (None: the scheme's own)."""
    return port is None or 0 < port < 65536
