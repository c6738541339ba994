"""scraper: fetch news pages, extract the clean article once, cluster near-duplicates.

The public API is what ``__all__`` lists; everything else is internal.
"""

import sys as _sys
import typing as _typing
from collections.abc import Callable as _Callable
from importlib import import_module as _import_module
from types import ModuleType as _ModuleType

from scraper.errors import ScraperError
from scraper.extract import ExtractOptions, extract
from scraper.models import Article, Block, BlockKind, Cluster, Failure, Page

if _typing.TYPE_CHECKING:
    from scraper.dedup import dedup

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


class _Package(_ModuleType):
    """This package, whose ``dedup`` (the function) is loaded when first used.

    Importing dedup loads numpy, which a crawl's extraction worker (it imports the extractor
    only) would otherwise pay for at every start. A plain lazy name would not do: the import
    system stores the subpackage ``scraper.dedup`` under the same name when it is first loaded.
    """

    @property
    def dedup(self) -> _Callable[..., _typing.Any]:
        found: _Callable[..., _typing.Any] = _import_module("scraper.dedup").dedup
        return found

    @dedup.setter
    def dedup(self, subpackage: _ModuleType) -> None:
        # The import system recording the subpackage: it stays reachable through sys.modules
        # (``from scraper.dedup import ...``), and the public name stays the function.
        pass

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), "dedup"})


if not _typing.TYPE_CHECKING:
    _sys.modules[__name__].__class__ = _Package
