"""scraper: fetch news pages, extract the clean article once, cluster near-duplicates.

The public API is what ``__all__`` lists; everything else is internal.
"""

import sys as _sys
import typing as _typing
from collections.abc import Callable as _Callable
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


class _Package(_ModuleType):
    """This package, whose ``extract`` and ``dedup`` (the functions) are loaded when first used.

    Each process loads only what it runs: a crawl's extraction worker never loads dedup (and
    numpy), a dedup analysis worker never loads the extractor. A plain lazy name would not do:
    the import system stores each subpackage under the function's name when it is loaded.
    """

    @property
    def extract(self) -> _Callable[..., _typing.Any]:
        found: _Callable[..., _typing.Any] = _import_module("scraper.extract").extract
        return found

    @extract.setter
    def extract(self, subpackage: _ModuleType) -> None:
        # The import system recording the subpackage: it stays reachable through sys.modules
        # (``from scraper.extract import ...``), and the public name stays the function.
        pass

    @property
    def ExtractOptions(self) -> type:
        found: type = _import_module("scraper.extract").ExtractOptions
        return found

    @property
    def dedup(self) -> _Callable[..., _typing.Any]:
        found: _Callable[..., _typing.Any] = _import_module("scraper.dedup").dedup
        return found

    @dedup.setter
    def dedup(self, subpackage: _ModuleType) -> None:
        pass  # as for ``extract``

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), "ExtractOptions", "dedup", "extract"})


if not _typing.TYPE_CHECKING:
    _sys.modules[__name__].__class__ = _Package
