"""What every command that prints articles shares: its format and output options, where the
output goes, and how a failed input is reported."""

from __future__ import annotations

import codecs
import errno
import io
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import partial
from pathlib import Path
from types import FrameType
from typing import IO, Annotated, Any, BinaryIO, NoReturn, TextIO, TypeVar

import typer

from scraper.cli.counts import counted
from scraper.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USAGE
from scraper.credentials import redact
from scraper.errors import ConfigError
from scraper.export import ExportResult
from scraper.export_file import ExportFile, Journal, check_not_store, open_export, own_stream
from scraper.models import Article, Failure
from scraper.output import ArticleWriter, OutputFormat

__all__ = [
    "FormatOption",
    "OutputOption",
    "check_not_over_store",
    "check_writable",
    "file_named",
    "open_export_output",
    "open_output",
    "refuse_output_over_inputs",
    "refuse_over_store",
    "report_export",
    "report_failure",
    "standard_input",
    "streamed_articles",
    "take_outcome",
    "utf8_stdout",
    "with_text",
    "writing_stdout",
]

_T = TypeVar("_T")

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write here instead of stdout (- for stdout)."),
]


def standard_input() -> BinaryIO:
    """stdin's bytes.

    Raises:
        OSError: the command was started with stdin closed ('<&-'; Python gives None).
    """
    if sys.stdin is None:
        raise OSError(errno.EBADF, "stdin is closed")
    return sys.stdin.buffer


def file_named(path: Path | None) -> Path | None:
    """The file an ``-o`` option names; None for stdout, given as None or as "-" (as ``-`` is
    stdin for an input), never a file named "-"."""
    return None if path is None or str(path) == "-" else path


@contextmanager
def open_output(path: Path | None) -> Iterator[TextIO]:
    """stdout (for None or "-"), or ``path`` opened for writing (a usage error when it cannot
    be); UTF-8 either way, whatever the locale says (see :func:`utf8_stdout`).

    A write that fails on the way (a full disk, a closed pipe) ends the command with exit 1 and
    a line saying so, not a traceback.
    """
    path = file_named(path)
    with _write_errors(path):
        if path is None:
            stream = utf8_stdout()
            yield stream
            # What is still buffered is written here, where a failure is reported: at the
            # interpreter's exit it would be lost with exit 0, or end in exit 120 and a trace.
            stream.flush()
            return
        with _opened(path, lambda: path.open("w", encoding="utf-8")) as opened:
            yield opened


@contextmanager
def open_export_output(
    path: Path | None,
    *,
    append: bool = False,
    keep_existing: bool = False,
    journal: Journal | None = None,
) -> Iterator[ExportFile]:
    """stdout, or ``path`` written whole or not at all (see :func:`open_export`, which keeps
    its progress in ``journal``); errors as :func:`open_output`'s (a failed export leaves the
    file as it was before)."""
    with _write_errors(path):
        if path is None:
            yield ExportFile(utf8_stdout(), fresh=True)
            return
        opener = partial(
            open_export, path, append=append, keep_existing=keep_existing, journal=journal
        )
        with _opened(path, opener) as sink:
            yield sink


def utf8_stdout() -> TextIO:
    """stdout, writing UTF-8 whatever the locale says, as an export file is written.

    JSON Lines and CSV are data for another program: under a locale of another encoding
    (``LANG=de_DE@euro``, ``PYTHONIOENCODING=latin-1``, a Windows code page) the first title
    outside it ended the export with a traceback, every run, and no run ever handed its
    articles on. Text and Markdown go the same way: the same bytes as ``-o FILE`` writes, where
    the locale's encoding would end a batch at the first page with a character outside it.
    """
    stream = sys.stdout
    if stream is None:  # started with stdout closed ('>&-'): Python gives None
        raise OSError(errno.EBADF, "it is closed")
    if isinstance(stream, io.TextIOWrapper) and codecs.lookup(stream.encoding).name != "utf-8":
        stream.reconfigure(encoding="utf-8")
    return stream


@contextmanager
def _write_errors(path: Path | None) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if path is None:
            _drop_stdout()
        typer.echo(f"scraper: cannot write {path or 'stdout'}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc


def writing_stdout() -> AbstractContextManager[None]:
    """Around a command's own writes to stdout: a reader that goes away (``| head``) or a full
    disk ends the command with one line and exit 1, as an output file's failure does."""
    return _write_errors(None)


def _drop_stdout() -> None:
    """Send stdout to the null device after a write to it failed.

    The text of the failed write stays in stdout's buffer, and the interpreter's flush at exit
    would fail on it again ("Exception ignored ... BrokenPipeError", exit 120).
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):  # not a file (a test's)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


@contextmanager
def _opened(path: Path, opener: Callable[[], AbstractContextManager[_T]]) -> Iterator[_T]:
    """What ``opener`` opens, held open; a usage error when it cannot be opened."""
    with ExitStack() as stack:
        try:
            opened = stack.enter_context(opener())
        except OSError as exc:
            raise typer.BadParameter(f"cannot write {path}: {exc.strerror}") from exc
        yield opened


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised as Ctrl-C is: whatever stops a run on Ctrl-C (an event loop, a process
    pool's pending pages) stops it the same way, and only KeyboardInterrupt gets through
    asyncio's callbacks."""


class _StopRequest:
    """Whether SIGTERM came: kept beside the exception the handler raises, which Python drops
    when the signal lands in code that may not raise (an at-fork hook while a worker process
    starts, a finaliser), where it is printed as "Exception ignored" and the batch went on to
    its end."""

    def __init__(self) -> None:
        self.terminated = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        del signum, frame
        self.terminated = True
        raise _Terminated

    def raise_it(self) -> None:
        """Raise the stop SIGTERM asked for, if it came."""
        if self.terminated:
            raise _Terminated


class _StoppingWriter(ArticleWriter):
    """An ArticleWriter that stops the batch at its next article once a stop signal came."""

    def __init__(self, fmt: OutputFormat, stream: TextIO, stop: _StopRequest) -> None:
        super().__init__(fmt, stream)
        self._stop = stop

    def write(self, article: Article) -> None:
        self._stop.raise_it()
        super().write(article)


@contextmanager
def streamed_articles(fmt: OutputFormat, stream: TextIO) -> Iterator[ArticleWriter]:
    """A writer of articles as they come, closed at the end.

    On Ctrl-C or SIGTERM (`timeout`, a service manager, `kill`) the output is closed too (what
    was written stays, JSON's array is ended), worker processes end with the command, and it
    exits 130 or 143 with a line saying how many articles were written.
    """
    stop = _StopRequest()
    writer = _StoppingWriter(fmt, stream, stop)
    main = threading.current_thread() is threading.main_thread()
    # Without a handler SIGTERM ended this process at once: a JSON array left open, and the
    # workers of `extract --workers N` waiting for pages for good. Ctrl-C keeps Python's own
    # handler: asyncio.run (the one-worker path) shuts its loop down cleanly only under it.
    previous = signal.signal(signal.SIGTERM, stop.handle) if main else None
    try:
        yield writer
        stop.raise_it()  # a SIGTERM whose exception was swallowed after the last article
    except KeyboardInterrupt as exc:
        writer.close()
        terminated = isinstance(exc, _Terminated)
        how = "stopped (SIGTERM)" if terminated else "interrupted"
        typer.echo(f"scraper: {how}; {writer.count} articles written", err=True)
        raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from exc
    finally:
        if main:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
    writer.close()


def refuse_output_over_inputs(inputs: Iterable[Path], output: Path | None) -> None:
    """A usage error when ``output`` (None or "-": stdout) is one of ``inputs`` ("-": stdin),
    by any path, link or redirection.

    Opening it to write would empty it before it is read: the input would be lost, and the run
    would report it empty.
    """
    try:
        written = _stat(output, sys.stdout)
    except (OSError, ValueError):  # no such file (yet), or a stream that has no file
        return
    if not stat.S_ISREG(written.st_mode):
        return
    for path in inputs:
        try:
            read = _stat(path, sys.stdin)
        except (OSError, ValueError):
            continue
        if os.path.samestat(read, written):
            shown = "stdout" if file_named(output) is None else str(output)
            raise typer.BadParameter(
                f"{shown} is the input file {path}; write to another file", param_hint="--output"
            )


def _stat(path: Path | None, standard: IO[Any] | None) -> os.stat_result:
    """The status of the file at ``path``, or of ``standard``'s own for None or "-"."""
    if path is None or str(path) == "-":
        if standard is None:  # closed when the command started
            raise ValueError("no such stream")
        return os.fstat(standard.fileno())
    return path.stat()


def check_writable(path: Path, *, key: str, append: bool = False) -> None:
    """A :class:`ConfigError` naming ``key`` (the option or config key that gave ``path``)
    unless an export can be written to ``path``; the file is left as it was.

    For a command that writes ``path`` only later, and perhaps not at all (a crawl that finds
    another run holding the lock must not empty that run's export file). A regular file is
    replaced by a new one made in its folder, so that folder must be writable; one appended to
    must be writable itself.
    """
    if path.exists() and (append or not path.is_file() or own_stream(path) is not None):
        # Written in place: its folder need not be writable.
        if stat.S_ISFIFO(path.stat().st_mode):
            # Opened and closed, a named pipe would give its reader an end of file now (and
            # with none, the open would wait for one): its permissions tell.
            if not os.access(path, os.W_OK):
                raise ConfigError(f"cannot write {path}: Permission denied", key=key)
            return
        try:
            path.open("a", encoding="utf-8").close()
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror}", key=key) from exc
        return
    # Nothing is created to find out: removing it again could remove the export another run
    # creates meanwhile.
    folder = Path(os.path.realpath(path)).parent
    if not folder.is_dir():
        raise ConfigError(f"cannot write {path}: no folder {folder}", key=key)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write {path}: {folder} is not writable", key=key)


def check_not_config(path: Path, config_file: Path, *, key: str) -> None:
    """Refuse an export path that is the crawl's config file: a slip of tab completion
    (``-o news.toml``) replaced the config with the export, and the next cron run failed.

    Raises:
        ConfigError: ``path`` is ``config_file`` (resolved, or the same file by a hard link).
    """
    try:
        same = os.path.realpath(path) == os.path.realpath(config_file) or (
            path.exists() and path.samefile(config_file)
        )
    except OSError:  # what cannot be looked at here is no file we know
        return
    if same:
        raise ConfigError(
            f"{path} is the crawl config {config_file}; refusing to write an export over it",
            key=key,
        )


def check_not_over_store(path: Path, store: Path, *, key: str, **said: str) -> None:
    """Exit 2 with :func:`refuse_over_store`'s line if ``path`` is ``store`` or one of its
    files (see :func:`~scraper.export_file.check_not_store`, which takes ``said``)."""
    try:
        check_not_store(path, store, key=key, **said)
    except ConfigError as exc:
        refuse_over_store(exc)


def refuse_over_store(refusal: ConfigError, *, then: str | None = None) -> NoReturn:
    """End the command as every command refuses an output that is the store or one of its
    files: one line naming them (and the option or key that gave the path), exit 2; ``then``
    a line of the command's own after it."""
    typer.echo(f"scraper: {refusal}", err=True)
    if then is not None:
        typer.echo(f"scraper: {then}", err=True)
    raise typer.Exit(EXIT_USAGE) from refusal


#: Longest input name and reason a failure line shows in full (a URL can be 100,000 chars).
_SOURCE_CHARS = 300
_REASON_CHARS = 1000


#: Characters that would break a line or drive the terminal (a newline in a file name, an
#: escape sequence in a URL), and how a line shows them instead.
_CONTROLS = {
    code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
}


def _clip(text: str, limit: int) -> str:
    """``text`` as one line shows it (control characters escaped, as ``\\n``): whole, or its
    two ends with the number of characters left out between them."""
    text = text.translate(_CONTROLS)
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}...[{len(text) - 2 * half} characters]...{text[-half:]}"


def report_failure(failure: Failure) -> None:
    """One line on stderr, of bounded length: the input, the kind of failure and why.

    A URL's password is shown as ``***``: stderr goes to logs and mail (cron's, a CI's).
    """
    source = _clip(redact(failure.source), _SOURCE_CHARS)
    reason = _clip(failure.reason, _REASON_CHARS)
    typer.echo(f"scraper: {source}: {failure.kind}: {reason}", err=True)


def with_text(source: str, article: Article) -> Article | Failure:
    """The article, or the failure a crawl records for a page without article text.

    :func:`~scraper.extract.extract` returns such a page as an article with an empty body (a
    library caller may want its metadata); a command reports it as that input's failure (kind
    ``empty``, or ``too_large`` when only part of the page was read), as the crawl does, rather
    than print a blank article and exit 0. An article read from part of its page is kept, with
    a warning on stderr.
    """
    empty = article.why_empty()
    if empty is not None:
        return Failure(source, *empty)
    if article.truncated:
        typer.echo(
            f"scraper: {_clip(redact(source), _SOURCE_CHARS)}: warning: {article.truncated}",
            err=True,
        )
    return article


def take_outcome(source: str, outcome: Article | Failure, writer: ArticleWriter) -> int:
    """Write the article of ``source`` (if :func:`with_text` keeps it), or report its failure;
    1 if it failed, else 0."""
    if isinstance(outcome, Article):
        outcome = with_text(source, outcome)
    if isinstance(outcome, Failure):
        report_failure(outcome)
        return 1
    writer.write(outcome)
    return 0


def report_export(result: ExportResult) -> None:
    """The export's summary line on stderr, after a line for each article it skipped."""
    for skipped in result.skipped:
        typer.echo(f"scraper: {_clip(skipped.reason, _REASON_CHARS)}; skipped", err=True)
    line = f"exported {counted(result.written, 'article')}"
    if result.skipped:
        line += f", skipped {len(result.skipped)} unreadable (named above)"
    typer.echo(line, err=True)
