"""Deeply nested pages: the work after the parse grows with the page, not with blocks x depth."""

from __future__ import annotations

import tracemalloc

from scraper.extract import explain

#: Python memory a 1,200-level page of nested layout tables may take at its peak. Blocks that
#: each kept their chain of ancestors took some 30 MB here (1,200 blocks x up to 3,600 ids).
_PEAK_BYTES = 15_000_000


def test_nested_layout_tables_keep_memory_linear() -> None:
    # Old sites nest layout tables; a paragraph per cell, 1,200 levels deep (a 40 KB page).
    depth = 1200
    html = (
        "<html><head><title>Deep</title></head><body>"
        + "<table><tr><td><p>Cell text of this level.</p>" * depth
        + "</body></html>"
    )
    tracemalloc.start()
    try:
        explanation = explain(html)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(explanation.decisions) == depth
    assert peak < _PEAK_BYTES, f"peak {peak / 1e6:.1f} MB"
