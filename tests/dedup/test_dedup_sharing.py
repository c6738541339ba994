"""Analysis shared with a worker process gives what one process gives, in order."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np
import pytest
from dedup_fixture import load_cases

from scraper.dedup.analyse import Unit, analyse_unit
from scraper.dedup.identity import Addresses
from scraper.dedup.sharing import Done, SharedAnalysis
from scraper.dedup.tokens import Words
from scraper.errors import DedupError


def test_units_done_by_the_worker_and_here_are_joined_in_order() -> None:
    # The first unit goes to the worker: a lone surrogate must survive the trip there.
    texts: list[str | bytes] = ["Caf\u00e9 line with a lone surrogate \ud800 kept as it was"]
    texts += [c.doc.text for c in load_cases()]
    urls: list[str | None] = [None, *(c.doc.url for c in load_cases())]
    none: list[str | None] = [None] * len(texts)
    units = [
        Unit(texts[at : at + 2], Addresses(urls[at : at + 2], none[at : at + 2], none[at : at + 2]))
        for at in range(0, len(texts), 2)
    ]
    assert len(units) >= 6
    alone = [Done.of(analyse_unit(unit, 5)) for unit in units]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(int).result()  # the worker is up
        shared = SharedAnalysis(units, 5, pool, 2)
        # While this process waits here, the worker works through the units handed over, two
        # at a time, from the front; then this process does the rest, from the end.
        for _ in range(2):
            time.sleep(0.25)
            shared.top_up()
        together = shared.result()
    assert len(together) == len(alone)
    for mine, theirs in zip(together, alone, strict=True):
        assert mine.facts == theirs.facts
        # The units this process took have their content words tokenised by the worker.
        ours, words = mine.content(), theirs.content()
        assert np.array_equal(ours.ids, words.ids)
        assert np.array_equal(ours.line_words, words.line_words)
        assert np.array_equal(ours.line_start, words.line_start)
        assert np.array_equal(ours.text_words, words.text_words)


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


def test_a_wait_on_a_pool_whose_worker_died_ends_even_if_nothing_reports_it() -> None:
    # Python 3.11's executor can die while failing a broken pool's futures and leave some
    # never resolved; a future nobody will ever complete stands for those here.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        os.kill(pool.submit(os.getpid).result(), signal.SIGKILL)
        orphan: Future[Words] = Future()
        facts = analyse_unit(Unit([], Addresses([], [], [])), 5).facts
        with pytest.raises(DedupError, match="worker process died"):
            Done(facts, orphan, pool).content()
