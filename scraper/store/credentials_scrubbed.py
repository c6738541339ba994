"""A migration step: credentials in URLs taken out of a store written before they were kept out.

Until session 11 a crawl kept a URL's user name in its identity (``urls.url``, the articles' URL
and keys, the dedup index's keys and URLs: ``https://token@host/a``, a user name alone being a
token as often as not) and the whole ``user:secret@`` wherever it wrote a URL as given:
``urls.raw``, ``documents.url`` (a config's private feed) and its ``children``, the fetch
history, every error message. This step rewrites each value as the code writes it today (see
:mod:`scraper.credentials`): identities and fetched URLs without user information, the ``raw``
of a config's ``urls`` entry and error messages redacted (``user:***@``). Only rows holding
credentials are visited, each table in one statement.

Identities that become one: a URL kept with a user name may now be a URL the store also holds
without (a later run listed it so). The ``urls`` row that keeps the URL is the one with an
article, else the one that had it without credentials, else the first; another row of it
without an article is dropped (its page is the kept row's), one with an article keeps it under
the redacted URL (``https://***@host/a``; ``#id`` added if that is taken), as a duplicate of
the kept one. Discovery documents: the row without credentials (a newer run's) is kept, else
the one read last. Dedup documents whose keys become one are put in one cluster, as the index
does for documents under one key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from scraper.credentials import redact, without_userinfo
from scraper.store.clusters_kept import has_index, merge_clusters

__all__ = ["rename_credentialed_sources", "scrub_credentials"]

#: A value SQLite hands a function of ours, and takes back.
_Value = str | bytes | int | float | None

# A value of column ``c`` holds credentials when redacting changes it (a URL already shown as
# ``***@``, as a row that could not take its URL without them keeps it, holds none); the "@"
# test spares the function call for nearly every row.
_HOLDS = "instr({c}, '@') AND scraper_redact({c}) <> {c}"

# Columns rewritten value by value, with no row becoming another: URLs without user information,
# messages redacted.
_URL_COLUMNS = (
    ("fetches", "url"),
    ("articles", "url"),
    ("articles", "dedup_key"),
    ("articles", "canonical"),
    ("articles", "duplicate_of"),
)
_MESSAGE_COLUMNS = (
    ("urls", "last_error"),
    ("documents", "last_error"),
    ("fetches", "error"),
)
_INDEX_COLUMNS = ("key", "url", "canonical")

_URL_MOVES = """
CREATE TEMP TABLE scrub_urls (
    id INTEGER PRIMARY KEY, old TEXT NOT NULL, new TEXT NOT NULL, stored INTEGER NOT NULL,
    plain INTEGER NOT NULL, won INTEGER NOT NULL DEFAULT 0, final TEXT
);
INSERT INTO scrub_urls (id, old, new, stored, plain)
    SELECT id, url, scraper_bare(url), id IN (SELECT url_id FROM articles), 0
    FROM urls WHERE instr(url, '@') AND scraper_redact(url) <> url;
CREATE INDEX temp.scrub_urls_new ON scrub_urls (new);
INSERT INTO scrub_urls (id, old, new, stored, plain)
    SELECT id, url, url, id IN (SELECT url_id FROM articles), 1
    FROM urls WHERE url IN (SELECT new FROM scrub_urls);
UPDATE scrub_urls SET won = 1 WHERE id = (
    SELECT c.id FROM scrub_urls c WHERE c.new = scrub_urls.new
    ORDER BY c.stored DESC, c.plain DESC, c.id LIMIT 1);
UPDATE scrub_urls SET final = CASE WHEN won THEN new
    ELSE scraper_redact(old) || CASE WHEN EXISTS (
        SELECT 1 FROM scrub_urls o WHERE NOT o.won AND o.stored AND o.id < scrub_urls.id
        AND scraper_redact(o.old) = scraper_redact(scrub_urls.old))
        OR EXISTS (SELECT 1 FROM urls WHERE url = scraper_redact(scrub_urls.old))
        THEN '#' || id ELSE '' END
    END WHERE won OR stored;
DELETE FROM urls WHERE id IN (SELECT id FROM scrub_urls WHERE final IS NULL);
UPDATE urls SET url = 'moving ' || id WHERE id IN (SELECT id FROM scrub_urls WHERE final <> old);
UPDATE urls SET url = (SELECT final FROM scrub_urls s WHERE s.id = urls.id)
    WHERE id IN (SELECT id FROM scrub_urls WHERE final <> old);
UPDATE articles SET url = s.final, record = CASE
    WHEN json_valid(record) AND json_extract(record, '$.url') = articles.url
    THEN json_set(record, '$.url', s.final) ELSE record END
    FROM scrub_urls s WHERE s.id = articles.url_id AND s.old = articles.url AND s.final <> s.old;
DROP TABLE scrub_urls;
"""

_DOCUMENT_MOVES = """
CREATE TEMP TABLE scrub_documents (
    old TEXT PRIMARY KEY, new TEXT NOT NULL, plain INTEGER NOT NULL, fetched_at REAL,
    kept INTEGER NOT NULL DEFAULT 0
);
INSERT INTO scrub_documents (old, new, plain, fetched_at)
    SELECT url, scraper_bare(url), 0, fetched_at
    FROM documents WHERE instr(url, '@') AND scraper_redact(url) <> url;
CREATE INDEX temp.scrub_documents_new ON scrub_documents (new);
INSERT INTO scrub_documents (old, new, plain, fetched_at)
    SELECT url, url, 1, fetched_at FROM documents WHERE url IN (SELECT new FROM scrub_documents);
UPDATE scrub_documents SET kept = 1 WHERE old = (
    SELECT c.old FROM scrub_documents c WHERE c.new = scrub_documents.new
    ORDER BY c.plain DESC, c.fetched_at IS NULL, c.fetched_at DESC, c.old LIMIT 1);
DELETE FROM documents WHERE url IN (SELECT old FROM scrub_documents WHERE NOT kept);
UPDATE documents SET url = (SELECT new FROM scrub_documents s WHERE s.old = documents.url)
    WHERE url IN (SELECT old FROM scrub_documents WHERE kept AND NOT plain);
DROP TABLE scrub_documents;
"""

# A config's own ``urls`` entry is shown redacted; a URL a site listed, without its credentials.
_RAW_RULE = (
    "CASE WHEN (SELECT kind FROM sources WHERE name = urls.source) = 'urls'"
    " THEN scraper_redact(raw) ELSE scraper_bare(raw) END"
)
_RAW = f"UPDATE urls SET raw = {_RAW_RULE} WHERE instr(raw, '@') AND {_RAW_RULE} <> raw"
# The page record's own URL is the one it was fetched from (today: without user information).
_RECORD = (
    "UPDATE articles SET record = json_set(record, '$.url',"
    " scraper_bare(json_extract(record, '$.url'))) WHERE instr(record, '@')"
    " AND json_valid(record) AND scraper_redact(json_extract(record, '$.url'))"
    " <> json_extract(record, '$.url')"
)
_CHILDREN = (
    "UPDATE documents SET children = scraper_bare_children(children)"
    " WHERE instr(children, '@') AND scraper_bare_children(children) <> children"
)
# Keys that became one, held by documents of more than one cluster.
_SPLIT_KEYS = (
    "SELECT group_concat(DISTINCT cluster) FROM dedup_docs"
    " WHERE key IN (SELECT key FROM temp.scrub_keys) GROUP BY key"
    " HAVING count(DISTINCT cluster) > 1"
)


def scrub_credentials(conn: sqlite3.Connection) -> None:
    """Rewrite every stored URL and message that holds credentials as today's code writes it."""
    conn.create_function("scraper_bare", 1, _bare, deterministic=True)
    conn.create_function("scraper_redact", 1, _redact, deterministic=True)
    conn.create_function("scraper_bare_children", 1, _bare_children, deterministic=True)
    _run(conn, _URL_MOVES)
    _run(conn, _DOCUMENT_MOVES)
    for table, column in _URL_COLUMNS:
        _rewrite(conn, table, column, "scraper_bare")
    for table, column in _MESSAGE_COLUMNS:
        _rewrite(conn, table, column, "scraper_redact")
    for sql in (_RAW, _RECORD, _CHILDREN):
        conn.execute(sql)
    if has_index(conn):
        _scrub_index(conn)


def _scrub_index(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TEMP TABLE scrub_keys AS SELECT DISTINCT scraper_bare(key) AS key"
        f" FROM dedup_docs WHERE {_HOLDS.format(c='key')}"
    )
    for column in _INDEX_COLUMNS:
        _rewrite(conn, "dedup_docs", column, "scraper_bare")
    groups = [str(r[0]).split(",") for r in conn.execute(_SPLIT_KEYS).fetchall()]
    merge_clusters(conn, _joined([int(c) for c in group] for group in groups))
    conn.execute("DROP TABLE temp.scrub_keys")


def _joined(groups: Iterable[Iterable[int]]) -> list[set[int]]:
    """Groups that share a cluster, joined (a key's clusters may overlap another key's)."""
    out: list[set[int]] = []
    for group in groups:
        merged = set(group)
        for other in [g for g in out if g & merged]:
            merged |= other
            out.remove(other)
        out.append(merged)
    return out


def _rewrite(conn: sqlite3.Connection, table: str, column: str, func: str) -> None:
    conn.execute(f"UPDATE {table} SET {column} = {func}({column}) WHERE {_HOLDS.format(c=column)}")


def _run(conn: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _bare(value: _Value) -> _Value:
    return without_userinfo(value) if isinstance(value, str) else value


def _redact(value: _Value) -> _Value:
    return redact(value) if isinstance(value, str) else value


def _bare_children(value: _Value) -> _Value:
    """A document's nested documents (JSON ``[[url, modified], ...]``) without user information,
    written as the store writes them; text that is not such a list is redacted as it is."""
    if not isinstance(value, str):
        return value
    try:
        children = json.loads(value)
        return json.dumps([[without_userinfo(url), modified] for url, modified in children])
    except (ValueError, TypeError, AttributeError):
        return redact(value)


#: The tables that name a source, and their column that does.
_SOURCE_COLUMNS = (
    ("urls", "source"),
    ("documents", "source"),
    ("articles", "source"),
    ("source_errors", "source"),
)


def rename_credentialed_sources(conn: sqlite3.Connection) -> None:
    """Sources named after a URL with user information get today's name for it: host, port
    and path only (see ``scraper.config``), which their config gives them from now on.

    Until session 24 a source without a name was named after its first URL as written,
    ``user:secret@host/feed`` included: in the store, ``status``, the logs and every exported
    row. A source already holding the new name (one named so in the config) takes the rows.
    """
    renames = [
        (name, _without_credentials(name))
        for (name,) in conn.execute("SELECT name FROM sources WHERE instr(name, '@')")
    ]
    for old, new in renames:
        if new == old or not _named_after_url(conn, old, new):
            continue  # a name the config gave, with an '@' of its own ("desk@wire")
        conn.execute(
            "INSERT OR IGNORE INTO sources (name, kind, read_run)"
            " SELECT ?, kind, read_run FROM sources WHERE name = ?",
            (new, old),
        )
        for table, column in _SOURCE_COLUMNS:
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new, old))
        conn.execute("DELETE FROM sources WHERE name = ?", (old,))


def _named_after_url(conn: sqlite3.Connection, source: str, bare: str) -> bool:
    """Whether ``source`` holds a listing or a URL at ``bare`` (a default name without its
    user information): then it was named after that URL, not by its config."""
    spellings = [
        f"{scheme}://{bare.lower()}{end}" for scheme in ("http", "https") for end in ("", "/")
    ]
    marks = ", ".join("?" * len(spellings))
    found = conn.execute(
        f"SELECT 1 FROM documents WHERE source = ? AND lower(url) IN ({marks})"
        f" UNION ALL SELECT 1 FROM urls WHERE source = ? AND lower(url) IN ({marks}) LIMIT 1",
        (source, *spellings, source, *spellings),
    )
    return found.fetchone() is not None


def _without_credentials(name: str) -> str:
    """A default source name (``netloc`` and path) without the user information of its URL;
    any other name (one with no '@' before its path) as it is."""
    netloc, slash, path = name.partition("/")
    return f"{netloc.rpartition('@')[2]}{slash}{path}" if "@" in netloc else name
