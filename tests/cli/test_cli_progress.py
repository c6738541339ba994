"""The progress line of ``extract`` (``scrape`` shares it) as a terminal, and a log, show it."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RUN = "import sys; from scraper.cli.app import main; sys.argv[0] = 'scraper'; main()"
BAD = "scraper: {}: decode: the bytes look binary (too many NUL or control bytes), not HTML"


def _inputs(tmp_path: Path) -> tuple[list[str], Path]:
    """Seven pages, the third of them binary (one failure line), and the binary one."""
    pages = sorted(FIXTURES.glob("*.html"))[:6]
    bad = tmp_path / "binary.html"
    bad.write_bytes(bytes(range(256)) * 40)
    return [str(p) for p in [*pages[:2], bad, *pages[2:]]], bad


def _on_terminal(args: list[str], *, stdout_file: Path | None) -> str:
    """What a terminal shows of ``scraper ARGS`` (stdout there too unless ``stdout_file``)."""
    master, slave = pty.openpty()
    out = os.open(stdout_file, os.O_WRONLY | os.O_CREAT) if stdout_file is not None else slave
    with subprocess.Popen(
        [sys.executable, "-c", RUN, *args], stdin=subprocess.DEVNULL, stdout=out, stderr=slave
    ) as process:
        for fd in {slave, out}:
            os.close(fd)  # the child's copies are the only ones left: its exit ends the reads
        shown = bytearray()
        try:
            while chunk := os.read(master, 65536):
                shown += chunk
        except OSError:  # EIO: the process and its terminal are gone
            pass
        finally:
            os.close(master)
        assert process.wait(timeout=60) == 1
    return shown.decode("utf-8").replace("\r\n", "\n")


def test_articles_printed_to_the_terminal_get_no_progress_line(tmp_path: Path) -> None:
    inputs, bad = _inputs(tmp_path)
    shown = _on_terminal(["extract", *inputs], stdout_file=None)
    assert "extracting" not in shown
    assert "\033" not in shown and "\r" not in shown
    assert f"\n{BAD.format(bad)}\n" in shown


def test_the_progress_line_gives_way_to_a_failure_line(tmp_path: Path) -> None:
    inputs, bad = _inputs(tmp_path)
    out = tmp_path / "out.txt"
    shown = _on_terminal(["extract", *inputs], stdout_file=out)
    # Each draw clears its line first; the failure line starts at the margin.
    assert shown.startswith("\r\033[Kextracting 0/7")
    assert f"\r\033[K{BAD.format(bad)}\n" in shown
    assert shown.endswith("\r\033[Kextracting 7/7\n")
    assert out.read_text(encoding="utf-8").count("\n\n") >= 5


def test_a_log_gets_the_failure_lines_alone(tmp_path: Path) -> None:
    inputs, bad = _inputs(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", RUN, "extract", *inputs, "-o", str(tmp_path / "out.txt")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == BAD.format(bad) + "\n"
