"""What the one-off commands write on stdout under a locale whose encoding cannot hold the page's
text (``LANG=de_DE@euro``, ``PYTHONIOENCODING=latin-1``, a Windows code page): UTF-8, the same
bytes ``-o FILE`` writes, as ``export`` does. The locale's encoding ended a batch with a
traceback at the first character outside it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = "import sys; from scraper.cli.app import main; sys.argv[0] = 'scraper'; main()"

#: Outside Latin-1 and ASCII: a dash, quotes, a Polish city, Japanese.
TITLE = "Tram line to Łódź approved — “at last”"
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE} | The Herald</title></head>
<body><header><a href="/">The Herald</a></header>
<article><h1>{TITLE}</h1>
<p>The council voted on Tuesday to build the tram line to Łódź — a plan first drawn up in
2009 and shelved twice since, its backers said after the vote.</p>
<p>Work starts next spring; the first trams, ordered from a maker in 東京, run in 2029.</p>
</article></body></html>
"""


def _run(args: list[str], encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "jsonl", "html"])
@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_extract_writes_utf8_whatever_the_locale(tmp_path: Path, fmt: str, encoding: str) -> None:
    page = tmp_path / "tram.html"
    page.write_text(PAGE, encoding="utf-8")
    written = tmp_path / f"written.{fmt}"
    to_file = _run(["extract", str(page), "--format", fmt, "-o", str(written)], "utf-8")
    assert to_file.returncode == 0, to_file.stderr.decode()
    done = _run(["extract", str(page), "--format", fmt], encoding)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == written.read_bytes()
    assert "Łódź" in done.stdout.decode("utf-8")


def test_explain_writes_utf8_whatever_the_locale(tmp_path: Path) -> None:
    page = tmp_path / "tram.html"
    page.write_text(PAGE, encoding="utf-8")
    done = _run(["extract", str(page), "--explain"], "latin-1")
    assert (done.returncode, done.stderr) == (0, b"")
    assert "東京" in done.stdout.decode("utf-8")


def test_dedup_writes_utf8_whatever_the_locale(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    line = '{"url": "https://herald.example/tram", "title": "%s", "text": "%s"}\n'
    body = "The council voted to build the tram line to Łódź — at last. " * 8
    records.write_text(line % (TITLE.replace("“", "'").replace("”", "'"), body), "utf-8")
    done = _run(["dedup", str(records), "--workers", "1"], "ascii")
    assert done.returncode == 0, done.stderr.decode()
    assert "Łódź" in done.stdout.decode("utf-8")
