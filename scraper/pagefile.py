"""Saved pages: the bytes as served plus a JSON sidecar of how they were served.

``save_page`` writes ``<slug>.html`` and ``<slug>.page.json``; ``load_page`` reads them back
into the same :class:`~scraper.models.Page`, so a saved live page extracts exactly as it did
when fetched. A bare ``.html`` file without a sidecar loads as a Page with no headers.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import re
from pathlib import Path
from typing import BinaryIO

from scraper.errors import InputError, RecordError
from scraper.models import Page

__all__ = [
    "MAX_PAGE_BYTES",
    "SIDECAR_SUFFIX",
    "load_page",
    "read_page",
    "save_page",
    "sidecar_path",
]

SIDECAR_SUFFIX = ".page.json"
#: The most of a page's bytes read, far past what extraction reads of any page
#: (``max_html_chars``): a bigger input, or one without end (``/dev/zero``, a stream on stdin),
#: fails at this point instead of growing this process until the system kills something.
MAX_PAGE_BYTES = 1 << 30
_READ_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sidecar_path(html_path: Path) -> Path:
    """Where the sidecar of ``html_path`` lives."""
    return html_path.with_name(html_path.stem + SIDECAR_SUFFIX)


def _slug(url: str) -> str:
    readable = _UNSAFE.sub("-", url.split("://", 1)[-1]).strip("-.")[:80]
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}" if readable else digest


def save_page(page: Page, directory: Path) -> Path:
    """Write the page's bytes and sidecar under ``directory``; return the HTML file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    html_path = directory / f"{_slug(page.url)}.html"
    html_path.write_bytes(page.body)
    meta = page.to_dict()
    del meta["body_base64"]
    sidecar_path(html_path).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return html_path


def _has_sidecar(side: Path) -> bool:
    try:
        return side.is_file()
    except OSError as exc:
        # The sidecar's name is 5 characters longer than the page's: a page named near the
        # system's limit can be read but has no sidecar, and is then a bare page.
        if exc.errno == errno.ENAMETOOLONG:
            return False
        raise InputError(f"cannot read {side}: {exc.strerror or exc}") from exc


def read_page(stream: BinaryIO) -> bytes:
    """All of ``stream``, a page's bytes.

    Raises:
        InputError: there are more than :data:`MAX_PAGE_BYTES`.
        OSError: the stream cannot be read.
    """
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_READ_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_PAGE_BYTES:
            raise InputError(f"larger than {MAX_PAGE_BYTES:,} bytes, the most read of a page")
    return b"".join(chunks)


def load_page(html_path: Path, url: str | None = None) -> Page:
    """Read a saved page; ``url`` overrides the sidecar's (or stands in when there is none).

    Raises:
        InputError: the file cannot be read, or its sidecar is malformed.
    """
    try:
        with html_path.open("rb") as stream:
            body = read_page(stream)
    except OSError as exc:
        raise InputError(f"cannot read {html_path}: {exc.strerror or exc}") from exc
    side = sidecar_path(html_path)
    if not _has_sidecar(side):
        return Page(url=url or html_path.resolve().as_uri(), body=body)
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordError(f"unreadable sidecar {side}: {exc}") from exc
    except RecursionError as exc:  # json reads nested arrays by recursion, with no limit
        raise RecordError(f"unreadable sidecar {side}: nested too deeply") from exc
    if not isinstance(meta, dict):
        raise RecordError(f"sidecar {side} is not a JSON object")
    meta["body_base64"] = ""
    page = Page.from_dict(meta)
    return dataclasses.replace(page, body=body, url=url or page.url)
