"""An invented article page as the crawl tests' local sites serve it."""

from __future__ import annotations

from datetime import datetime

from scraper.demo.server import Resource

__all__ = ["article_page"]


def article_page(title: str, modified: datetime, parts: int = 8) -> Resource:
    """An HTML article titled ``title`` of ``parts`` paragraphs, long enough to be kept."""
    text = "".join(
        f"<p>{title}, part {i}: the council met on Tuesday to debate the budget, which funds"
        " schools, roads and a new library in the northern district of the city.</p>"
        for i in range(parts)
    )
    html = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{text}"
    return Resource(
        "text/html; charset=utf-8", f"{html}</article></body></html>".encode(), modified
    )
