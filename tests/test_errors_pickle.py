"""Every error of the tree crosses a process boundary (pickle) and copies whole: message,
class and fields. A ProcessPoolExecutor re-raises a worker's error in the caller by pickling it;
errors with keyword-only fields (``url=``...) broke the pool instead."""

from __future__ import annotations

import copy
import importlib
import inspect
import multiprocessing
import pickle
import pkgutil
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Union, get_args, get_origin

import pytest

import scraper
from scraper.errors import HTTPStatusError, ScraperError


def _import_every_module() -> None:
    """Import the whole package, so that errors defined outside ``scraper.errors`` count."""
    for module in pkgutil.walk_packages(scraper.__path__, "scraper."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)


def _subclasses(cls: type[ScraperError]) -> Iterator[type[ScraperError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _package_errors() -> list[type[ScraperError]]:
    _import_every_module()
    # Only the package's own: a test module may define an error class of its own.
    found = {c for c in _subclasses(ScraperError) if c.__module__.startswith("scraper.")}
    return sorted(found | {ScraperError}, key=lambda c: (c.__module__, c.__qualname__))


def _sample(name: str, annotation: Any) -> Any:
    """A value for the constructor argument ``name``, distinct from its default."""
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if annotation is str:
        # A password in it: the message redacts it, and a copy must keep the field as given.
        return f"https://user:secret@news.example/{name}"
    if annotation is int:
        return 503
    if annotation is float:
        return 2.5
    raise AssertionError(f"no sample value for {name}: {annotation!r}")


def _instance(cls: type[ScraperError]) -> ScraperError:
    """An instance of ``cls`` with every constructor argument given (read off its signature,
    so that a new error class needs no entry here)."""
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    # The signature of ``__init__`` (Exception's own: *args), less ``self``.
    _, *params = inspect.signature(cls.__init__, eval_str=True).parameters.values()
    for param in params:
        if param.kind is param.VAR_POSITIONAL:
            positional.append("the message")
        elif param.kind is param.KEYWORD_ONLY:
            keywords[param.name] = _sample(param.name, param.annotation)
        elif param.kind is not param.VAR_KEYWORD:
            positional.append(f"the {param.name}")
    return cls(*positional, **keywords)


def _public(error: BaseException) -> dict[str, Any]:
    return {k: v for k, v in vars(error).items() if not k.startswith("_")}


_ROUND_TRIPS: dict[str, Callable[[ScraperError], ScraperError]] = {
    "pickle": lambda e: pickle.loads(pickle.dumps(e)),
    "pickle protocol 0": lambda e: pickle.loads(pickle.dumps(e, protocol=0)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("how", list(_ROUND_TRIPS))
@pytest.mark.parametrize("cls", _package_errors(), ids=lambda c: c.__qualname__)
def test_every_error_round_trips_with_its_message_and_fields(
    cls: type[ScraperError], how: str
) -> None:
    error = _instance(cls)
    again = _ROUND_TRIPS[how](error)
    assert type(again) is cls
    assert str(again) == str(error)
    assert again.args == error.args
    assert _public(again) == _public(error)


def test_the_walk_finds_errors_defined_outside_the_errors_module() -> None:
    names = {c.__qualname__ for c in _package_errors()}
    assert {"FetchError", "HTTPStatusError", "CrawlStopped", "EndlessRedirects"} <= names


def test_a_copied_error_keeps_its_fields_as_given() -> None:
    error = HTTPStatusError(
        "HTTP 503", url="https://news.example/a", status=503, retry_after=30.0, asked_by=None
    )
    again = pickle.loads(pickle.dumps(error))
    # Not recomputed from the message: ``asked_by`` stays the URL ``__init__`` put there.
    assert (again.url, again.status, again.retry_after, again.asked_by) == (
        "https://news.example/a",
        503,
        30.0,
        "https://news.example/a",
    )


def _fail_with_status(status: int) -> None:
    raise HTTPStatusError(f"HTTP {status}", url=f"https://news.example/{status}", status=status)


def test_an_error_raised_in_a_worker_process_reaches_the_caller() -> None:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        future = pool.submit(_fail_with_status, 404)
        with pytest.raises(HTTPStatusError) as caught:
            future.result(timeout=60)
    assert caught.value.status == 404
    assert caught.value.url == "https://news.example/404"
    assert str(caught.value) == "HTTP 404 (https://news.example/404)"
