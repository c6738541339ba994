"""A base for objects that hold resources: ``with obj:`` closes them on the way out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

__all__ = ["Closeable"]


class Closeable(ABC):
    """Has ``close()``; as a context manager returns itself and closes on exit."""

    @abstractmethod
    def close(self) -> None:
        """Release what the object holds; safe to call more than once."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
