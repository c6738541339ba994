"""The option that caps extraction's memory, shared by the commands that extract pages."""

from __future__ import annotations

from typing import Annotated

import typer

from scraper.memory import MIN_MEMORY_MB, cap_problem

__all__ = ["MemoryOption"]


def _megabytes(value: int) -> int:
    problem = cap_problem(value)
    if problem is not None:
        raise typer.BadParameter(problem)
    return value


MemoryOption = Annotated[
    int,
    typer.Option(
        "--memory-mb",
        # No min=: typer would show the range as [x>=0], while 1 to 127 are refused too.
        callback=_megabytes,
        help="Megabytes of memory extraction may hold; a page that needs more fails "
        f"(kind parse or out_of_memory) and the others go on. 0: no cap; else at least "
        f"{MIN_MEMORY_MB}.",
    ),
]
