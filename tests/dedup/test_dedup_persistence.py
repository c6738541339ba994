"""The index persists: a second run in a fresh process matches what the first one stored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dedup_fixture import FIXTURE, load_cases

from scraper.dedup import DedupIndex

_RUN = """
import json, sys
sys.path.insert(0, sys.argv[3])
from dedup_fixture import load_cases
from scraper.dedup import DedupIndex
cases = load_cases()
part = [c.doc for i, c in enumerate(cases) if i % 2 == int(sys.argv[2])]
with DedupIndex.open(sys.argv[1]) as index:
    out = index.add_many(part)
print(json.dumps([[a.url, a.cluster] for a in out]))
"""


def _run(db: Path, half: int) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(db), str(half), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return dict(json.loads(done.stdout))


def test_second_run_in_fresh_process_joins_clusters_of_the_first(tmp_path: Path) -> None:
    assert FIXTURE.exists()
    db = tmp_path / "dedup.sqlite"
    first = _run(db, 0)
    second = _run(db, 1)
    cases = load_cases()
    with DedupIndex.open(":memory:") as index:
        expected = {a.url: a.cluster for a in index.add_many([c.doc for c in cases])}
    # Every document of the second run lands in the cluster a one-shot batch gives it, and
    # asking again for all of them (nothing new is added) gives the one-shot result.
    assert second == {url: expected[url] for url in second}
    assert set(first) | set(second) == set(expected)
    with DedupIndex.open(db) as index:
        final = index.add_many([c.doc for c in cases])
        assert sum(index.cluster_sizes()) == len({c.doc.url for c in cases}) - 2
    assert {a.url: a.cluster for a in final} == expected
