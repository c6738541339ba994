"""Extracting many saved pages: in order, optionally across processes, failures recorded.

One bad file never stops the batch: it comes back as a :class:`~scraper.models.Failure` with
its reason, and the others go on. With worker processes, that includes a page that takes too
long: each page arms an interval timer whose signal, left to its default action, ends the
process even from inside a call into C that holds the interpreter (nothing else can stop one);
the page is then that input's failure, kind ``extract_timeout``. Two system calls a page.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

from scraper.errors import KIND_EXTRACT_TIMEOUT, KIND_INTERNAL, InputError
from scraper.extract import ExtractOptions, extract_page
from scraper.memory import limit_memory
from scraper.models import Article, Failure, Page
from scraper.pagefile import SIDECAR_SUFFIX, load_page, sidecar_path
from scraper.stop_signals import held_back

__all__ = ["BatchItem", "PageExtractor", "extract_files", "find_inputs"]

_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
_CHUNK = 8
#: Seconds between a worker's looks at whether its parent process is still there.
_PARENT_CHECK_SECONDS = 1.0

#: What turns a loaded page into its article (tests pass a slow one).
PageExtractor = Callable[[Page, ExtractOptions], Article]


@dataclass(frozen=True, slots=True)
class BatchItem:
    """The outcome for one input file: an Article or the Failure that replaced it."""

    path: Path
    result: Article | Failure


def _html_under(folder: Path) -> list[Path]:
    """The HTML files under ``folder``, but in hidden folders and hidden files (``.git``,
    ``.venv``, ``.cache``: a checkout of saved fixtures holds the HTML of installed packages'
    docs there), as a shell's ``*`` leaves them out. Symbolic links to folders are not
    followed."""
    found: list[Path] = []
    for top, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found.extend(
            path
            for name in names
            if not name.startswith(".")
            and (path := Path(top, name)).suffix.lower() in _HTML_SUFFIXES
            and not name.endswith(SIDECAR_SUFFIX)
            and path.is_file()
        )
    return sorted(found)


def find_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[Failure]]:
    """The files to extract, and the paths that give none, each as its input's failure.

    A file is taken as given (a pipe such as ``<(cat page.html)`` too); a directory gives the
    HTML files under it, sorted, recursively, but those in hidden folders and hidden files
    (``.git``, ``.venv``). A path that does not exist, a dangling symbolic
    link and a directory without HTML files are failures (kind ``input``), so that one of them
    does not stop the others. A sidecar named beside its page is left out (it is read with
    the page); one named without it is a failure.
    """
    files: list[Path] = []
    failures: list[Failure] = []
    for path in paths:
        try:
            found = _files_of(path)
        except OSError as exc:
            # pathlib's tests raise past "not found" (a name too long, a folder not searchable);
            # left to rise, the command took it for a failed write and dropped every input.
            found = Failure(str(path), InputError.kind, f"cannot read: {exc.strerror or exc}")
        if isinstance(found, Failure):
            failures.append(found)
        else:
            files.extend(found)
    return _without_sidecars(files, failures)


def _without_sidecars(
    files: list[Path], failures: list[Failure]
) -> tuple[list[Path], list[Failure]]:
    """``files`` less the sidecars named among them (``scraper extract saved/*``): each is read
    with its page, and extracted as a page it gave its JSON as an article's text."""
    read_with_pages = {sidecar_path(path) for path in files}
    pages: list[Path] = []
    for path in files:
        if not path.name.endswith(SIDECAR_SUFFIX):
            pages.append(path)
        elif path not in read_with_pages:
            reason = "a saved page's sidecar, not a page: give the page beside it"
            failures.append(Failure(str(path), InputError.kind, reason))
    return pages, failures


def _files_of(path: Path) -> list[Path] | Failure:
    """The files one input path gives, or the failure it stands for."""
    if path.is_dir():
        found = _html_under(path)
        return found or Failure(str(path), InputError.kind, f"no HTML files found in {path}")
    if path.exists():
        return [path]
    if path.is_symlink():
        return Failure(str(path), InputError.kind, f"dangling symbolic link to {path.readlink()}")
    return Failure(str(path), InputError.kind, "no such file or directory")


@dataclass(frozen=True, slots=True)
class _Job:
    path: Path
    url: str | None
    options: ExtractOptions
    extract: PageExtractor | None  # None: extract_page, as the process running the job has it
    timeout: float | None
    memory_mb: int | None


def _one(job: _Job) -> BatchItem:
    try:
        extract = job.extract or extract_page
        return BatchItem(job.path, extract(load_page(job.path, job.url), job.options))
    except Exception as exc:  # a page that breaks the extractor is its failure, not the batch's
        return BatchItem(job.path, Failure.from_error(str(job.path), exc))


def _timed(job: _Job) -> BatchItem:
    """``_one`` in a worker process, which SIGALRM ends if the page outlasts its time."""
    if job.timeout is None:
        return _one(job)
    signal.setitimer(signal.ITIMER_REAL, job.timeout)
    try:
        return _one(job)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _worker_start(memory_mb: int | None) -> None:
    _worker_signals()
    _end_with_parent()
    if memory_mb is not None:
        limit_memory(memory_mb)


def _worker_signals() -> None:
    # The signal's default action ends the process from the kernel, without waiting for the
    # interpreter to get back to Python code (a handler of the parent's, inherited, would).
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Ctrl-C reaches the whole process group: the parent stops the batch (writing what it has)
    # and the workers end their pages quietly instead of each printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _end_with_parent() -> None:
    """End this worker when the process that started it is gone (killed with SIGKILL, say):
    a pool's worker waits for its next page on a queue whose other end it holds too, so
    nothing else would ever end it."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def extract_files(
    paths: Iterable[Path],
    options: ExtractOptions,
    *,
    url: str | None = None,
    workers: int = 1,
    timeout: float | None = None,
    extract: PageExtractor | None = None,
    memory_mb: int | None = None,
) -> Generator[BatchItem, None, None]:
    """Extract each file, yielding outcomes in input order; ``workers`` > 1 uses processes.

    Close the generator when leaving it early (``contextlib.closing``): that cancels the pages
    not started and waits for the worker processes, which otherwise outlive the loop.

    Args:
        paths: the saved pages (each with its sidecar, if any).
        options: extraction options.
        url: the page's URL, for a single input.
        workers: processes; 1 extracts in this one.
        timeout: seconds a page may take in a worker process before it fails (kind
            ``extract_timeout``); None: no limit. Pages extracted in this process have none:
            nothing can stop a call into C safely in the process that makes it.
        extract: extracts a loaded page (default :func:`~scraper.extract.extract_page`).
        memory_mb: megabytes of data memory a worker process may hold (:mod:`scraper.memory`);
            a page that needs more fails alone. None: no cap. This process is left as it is.

    Returns:
        An item per file, an :class:`~scraper.models.Article` or the failure that replaced it.
    """
    jobs = [_Job(p, url, options, extract, timeout, memory_mb) for p in paths]
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_one, jobs)
        return
    done = 0
    while done < len(jobs):
        try:
            start = partial(_worker_start, memory_mb)
            with ProcessPoolExecutor(max_workers=workers, initializer=start) as pool:
                try:
                    with _starting_workers():  # map starts the worker processes
                        results = pool.map(_timed, jobs[done:], chunksize=_CHUNK)
                    for item in results:
                        yield item
                        done += 1
                except BaseException:
                    # Stopped (a signal, the caller leaving the loop) or broken: the pages not
                    # started are dropped, or the pool's exit would wait for all of them.
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
        except BrokenProcessPool:
            # A page killed its process (its time ran out, a crash in a C library, the kernel's
            # OOM killer) and the pool fails every page it had not answered. The next pages in
            # order, about what the workers held, are tried in a process each, so only the page
            # that kills its own fails; the pool then takes the rest again. Should the killer
            # lie further on, the pool breaks again there and the pages after that point go the
            # same way.
            for job in jobs[done : done + (workers + 1) * _CHUNK]:
                yield _alone(job)
                done += 1


@contextmanager
def _starting_workers() -> Iterator[None]:
    """Hold back stop signals (SIGTERM, Ctrl-C) while worker processes start, then act on them.

    A handler that raises, run while a process forks, runs inside an at-fork hook, where
    Python prints the exception as ignored and drops it: the batch went on to its end. Raised
    between the steps of a pool's start-up, it left a pool that its shutdown waited on for
    good. Outside the main thread Python takes no signals: nothing to hold.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with held_back((signal.SIGTERM, signal.SIGINT)) as received:
        yield
    for signum in received:
        signal.raise_signal(signum)  # to the handler put back: as if it came now


def _alone(job: _Job) -> BatchItem:
    """``_timed`` in a process of its own; its death is this page's failure."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=_answer, args=(job, sending), daemon=True)
    with _starting_workers():
        process.start()
    sending.close()  # the child's copy is the only one left: its death ends the pipe
    try:
        item: BatchItem = receiving.recv()
    except EOFError:
        process.join()
        if process.exitcode == -signal.SIGALRM:
            reason = f"extraction took longer than {job.timeout:g} s"
            return BatchItem(job.path, Failure(str(job.path), KIND_EXTRACT_TIMEOUT, reason))
        reason = "the extraction process died on this page (a crash, or out of memory)"
        return BatchItem(job.path, Failure(str(job.path), KIND_INTERNAL, reason))
    finally:
        receiving.close()
    process.join()
    return item


def _answer(job: _Job, sending: Connection) -> None:
    _worker_start(job.memory_mb)
    sending.send(_timed(job))
    sending.close()
