"""Extracting many saved pages: in order, optionally across processes, failures recorded.

One bad file never stops the batch: it comes back as a :class:`~scraper.models.Failure` with
its reason, and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from scraper.errors import InputError
from scraper.extract import ExtractOptions, extract_page
from scraper.models import Article, Failure
from scraper.pagefile import SIDECAR_SUFFIX, load_page

__all__ = ["BatchItem", "expand_paths", "extract_files"]

_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
_CHUNK = 8


@dataclass(frozen=True, slots=True)
class BatchItem:
    """The outcome for one input file: an Article or the Failure that replaced it."""

    path: Path
    result: Article | Failure


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the HTML files under directories (sorted, recursively).

    Raises:
        InputError: a path does not exist.
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in _HTML_SUFFIXES
                    and not p.name.endswith(SIDECAR_SUFFIX)
                )
            )
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"no such file or directory: {path}")
    return out


def _one(job: tuple[Path, str | None, ExtractOptions]) -> BatchItem:
    path, url, options = job
    try:
        return BatchItem(path, extract_page(load_page(path, url), options))
    except Exception as exc:  # a page that breaks the extractor is its failure, not the batch's
        return BatchItem(path, Failure.from_error(str(path), exc))


def extract_files(
    paths: Iterable[Path],
    options: ExtractOptions,
    *,
    url: str | None = None,
    workers: int = 1,
) -> Iterator[BatchItem]:
    """Extract each file, yielding outcomes in input order; ``workers`` > 1 uses processes."""
    jobs = [(p, url, options) for p in paths]
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_one, jobs)
        return
    done = 0
    while done < len(jobs):
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for item in pool.map(_one, jobs[done:], chunksize=_CHUNK):
                    yield item
                    done += 1
        except BrokenProcessPool:
            # A page killed its process (a crash in a C library, the kernel's OOM killer) and
            # the pool fails every page it had not answered. The next pages in order, about
            # what the workers held, are tried in a process each, so only the page that kills
            # its own fails; the pool then takes the rest again. Should the killer lie further
            # on, the pool breaks again there and the pages after that point go the same way.
            for job in jobs[done : done + (workers + 1) * _CHUNK]:
                yield _alone(job)
                done += 1


def _alone(job: tuple[Path, str | None, ExtractOptions]) -> BatchItem:
    """``_one`` in a process of its own; its death is this page's failure."""
    with ProcessPoolExecutor(max_workers=1) as solo:
        try:
            return solo.submit(_one, job).result()
        except BrokenProcessPool:
            reason = "the extraction process died on this page (a crash, or out of memory)"
            return BatchItem(job[0], Failure(str(job[0]), "internal", reason))
