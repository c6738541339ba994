"""Answers of hostile servers on 127.0.0.1 that once escaped the fetcher's error tree or
printed past its one-line errors (found by a hostile-server run)."""

from __future__ import annotations

import asyncio
import warnings

from fetch_server import LocalServer, Request, html_page, local_options, respond, run

from scraper.fetch import Fetcher
from scraper.models import Page


def test_a_cookie_the_jar_cannot_read_is_not_kept_and_prints_nothing(server: LocalServer) -> None:
    @server.route("/overflowing-cookie")
    async def overflowing(request: Request, writer: asyncio.StreamWriter) -> bool:
        # http.cookiejar turns Max-Age into a float: 400 digits overflow it.
        cookie = "session=1; Max-Age=" + "9" * 400
        return await respond(writer, 200, html_page("cookie"), {"Set-Cookie": cookie})

    async def scenario() -> list[Page]:
        async with Fetcher(local_options()) as fetcher:
            return [await fetcher.fetch(server.url(p)) for p in ("/overflowing-cookie", "/page/2")]

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        pages = run(scenario())
    # Before, the jar's "http.cookiejar bug!" warning printed its traceback on stderr (and
    # escaped the fetch as an exception where warnings are errors).
    assert [str(w.message) for w in shown] == []
    assert [page.status for page in pages] == [200, 200]
    assert "cookie" not in server.requests(path="/page/2")[0].headers
