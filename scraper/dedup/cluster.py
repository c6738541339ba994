"""Cluster identity: the representative rule and the public cluster id.

The representative of a cluster is its member ranked first by, in order:

1. *named canonical*: another stored document names it as its ``rel=canonical`` (the publisher
   of a syndicated copy pointing at the original);
2. *earliest published*: documents without a date rank after dated ones;
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


@dataclass(frozen=True, slots=True, order=True)
class Rank:
    """Sort key of a member: the smallest Rank is the representative."""

    unnamed: bool
    published: float
    negative_words: int
    key: str

    @classmethod
    def of(cls, *, named: bool, published: float | None, words: int, key: str) -> Rank:
        """The rank of a member with these properties."""
        when = math.inf if published is None else published
        return cls(not named, when, -words, key)


def cluster_id(representative_key: str) -> str:
    """The public id of the cluster led by the document with ``representative_key``."""
    return "c" + hashlib.blake2b(representative_key.encode("utf-8"), digest_size=8).hexdigest()
