"""Analysis shared with a worker process gives what one process gives, in order."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from dedup_fixture import load_cases

from scraper.dedup.analyse import analyse
from scraper.dedup.sharing import analyse_shared


def test_units_done_by_the_worker_and_here_are_joined_in_order() -> None:
    # The first unit goes to the worker: a lone surrogate must survive the trip there.
    texts = ["Caf\u00e9 line with a lone surrogate \ud800 kept as it was"]
    texts += [c.doc.text for c in load_cases()]
    parts = [texts[start : start + 2] for start in range(0, len(texts), 2)]
    assert len(parts) >= 6
    alone = [analyse(part, 5) for part in parts]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(int).result()  # the worker is up
        # While this process waits here, the worker is seen to be up and gets the front units.
        shared = analyse_shared(parts, 5, pool, 1, lambda: time.sleep(0.5))
    assert len(shared) == len(alone)
    for mine, theirs in zip(shared, alone, strict=True):
        assert mine.hashes == theirs.hashes
        assert mine.line_keys == theirs.line_keys
        assert mine.words == theirs.words
        assert np.array_equal(mine.content.ids, theirs.content.ids)
        assert np.array_equal(mine.content.line_words, theirs.content.line_words)


def test_a_worker_loads_the_text_analysis_only() -> None:
    # A spawned worker pays its imports before its first unit: the extractor, the store and
    # the index are this process's business only.
    probe = (
        "import sys, scraper.dedup.analyse;"
        "names = ('scraper.extract', 'selectolax', 'sqlite3', 'scraper.dedup.index');"
        "print(sorted(m for m in names if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"
