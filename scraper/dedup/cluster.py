"""Cluster identity: the representative rule and the public cluster id.

The representative of a cluster is its member ranked first by, in order:

1. *named canonical*: another stored document names it as its ``rel=canonical`` (the publisher
   of a syndicated copy pointing at the original);
2. *earliest published*: documents without a date rank after dated ones. A date is compared by
   its day first (UTC), then by its time of day; a date at midnight UTC is read as a date
   without a time (what a page that gives only "November 30, 2026" or "2026-11-30" becomes),
   known only to the day, so it ranks after the timed dates of its day and ties with the
   other date-only ones there (the next rules decide). Letting it tie with the timed ones
   too would not be an order (a date-only page would tie with 08:05 and with 12:00, which do
   not tie), and the representative must not depend on the order members arrive in;
3. *most complete*: more words first;
4. the key, lexicographically, so that ties are broken the same way in every run.

The public cluster id is derived from the representative's key, so it does not depend on the
order documents arrived in; when a better representative arrives the cluster is re-pointed and
its id changes with it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

__all__ = ["Rank", "cluster_id"]

_DAY = 86400.0


@dataclass(frozen=True, slots=True, order=True)
class Rank:
    """Sort key of a member: the smallest Rank is the representative."""

    unnamed: bool
    day: float
    time_of_day: float
    negative_words: int
    key: str

    @classmethod
    def of(cls, *, named: bool, published: float | None, words: int, key: str) -> Rank:
        """The rank of a member with these properties (``published``: a POSIX timestamp)."""
        if published is None:
            return cls(not named, math.inf, math.inf, -words, key)
        day, time_of_day = divmod(published, _DAY)
        return cls(not named, day, time_of_day or math.inf, -words, key)


def cluster_id(representative_key: str) -> str:
    """The public id of the cluster led by the document with ``representative_key``."""
    return "c" + hashlib.blake2b(representative_key.encode("utf-8"), digest_size=8).hexdigest()
