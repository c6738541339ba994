"""The near-duplicate index's schema version, for the commands that only read a crawl store.

Kept apart from :mod:`scraper.store.sketches`, whose migration steps import numpy: ``status``
and ``export`` check the version without loading the index's code.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DEDUP_SCHEMA_VERSION"]

#: ``len(scraper.store.sketches.STEPS)``: a test holds the two together.
DEDUP_SCHEMA_VERSION: Final = 7
