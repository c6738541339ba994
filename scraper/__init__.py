"""scraper: fetch news pages, extract the clean article once, cluster near-duplicates.

The public API is what ``__all__`` lists; everything else is internal.
"""

import sys as _sys
import typing as _typing
from importlib import import_module as _import_module
from types import ModuleType as _ModuleType

from scraper.errors import ScraperError
from scraper.models import Article, Block, BlockKind, Cluster, Failure, Page

if _typing.TYPE_CHECKING:
    from scraper.dedup import dedup
    from scraper.extract import ExtractOptions, extract

__all__ = [
    "Article",
    "Block",
    "BlockKind",
    "Cluster",
    "ExtractOptions",
    "Failure",
    "Page",
    "ScraperError",
    "dedup",
    "extract",
]


def _loaded(module: str, name: str) -> property:
    """A package attribute that imports ``module`` and gives its ``name`` when first read.

    The import system, loading the subpackage of the same name, assigns it to the attribute:
    that assignment is ignored, so the public name stays the function (the subpackage stays
    reachable through ``sys.modules``: ``from scraper.extract import ...``).
    """

    def read(package: _ModuleType) -> _typing.Any:
        return getattr(_import_module(module), name)

    def ignore(package: _ModuleType, subpackage: _ModuleType) -> None:
        pass

    return property(read, ignore)


class _Package(_ModuleType):
    """This package, whose ``extract`` and ``dedup`` (the functions) are loaded when first used.

    Each process loads only what it runs: a crawl's extraction worker never loads dedup (and
    numpy), a dedup analysis worker never loads the extractor. A plain lazy name would not do:
    the import system stores each subpackage under the function's name when it is loaded.
    """

    extract = _loaded("scraper.extract", "extract")
    ExtractOptions = _loaded("scraper.extract", "ExtractOptions")
    dedup = _loaded("scraper.dedup", "dedup")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), "ExtractOptions", "dedup", "extract"})


if not _typing.TYPE_CHECKING:
    _sys.modules[__name__].__class__ = _Package
