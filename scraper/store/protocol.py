"""The crawl store protocol: what a run needs from its store, so PostgreSQL can follow SQLite.

Records are plain frozen values; times are Unix seconds (UTC). Every method that writes is one
transaction: either all of it is stored or none of it, which is what makes a run killed at any
moment resumable with each article stored exactly once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Final, Protocol

from scraper.models import Article

__all__ = [
    "ALL_SOURCES",
    "RECHECK_GAVE_UP",
    "STORED",
    "UNCHANGED",
    "UPDATED",
    "ChildDoc",
    "CrawlStore",
    "DueScope",
    "FetchRecord",
    "HostURLs",
    "ListingRecord",
    "NewAlias",
    "NewArticle",
    "NewURL",
    "PendingExport",
    "PendingFile",
    "QueuedURL",
    "ReadLog",
    "RunRecord",
    "RunStats",
    "SourceError",
    "SourceStats",
    "StoredArticle",
    "StoredPage",
    "UrlFailure",
    "UrlRow",
    "Validators",
]


#: What :meth:`CrawlStore.store_articles` did with an article: stored it (a URL's first),
#: stored it as the next version of its URL's article, or kept the stored one (a recheck
#: whose text and title had not changed).
STORED = "stored"
UPDATED = "updated"
UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True, kw_only=True)
class Validators:
    """What a server said that lets the next request be conditional."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewURL:
    """A discovered article URL: ``url`` normalised (the identity), ``raw`` as listed;
    ``changed``, when the listing says the page last changed (its stored article, if fetched
    before then, is fetched again: see :meth:`CrawlStore.record_listing`)."""

    url: str
    raw: str
    published: float | None = None
    changed: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedURL:
    """An article URL due for fetching. ``recheck``: its article is stored, and its listing
    said the page changed since (``validators``: those its stored version was served with)."""

    id: int
    url: str
    raw: str
    source: str
    attempts: int
    recheck: bool = False
    validators: Validators | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlRow:
    """A URL as the store has it: as queued, with its state and, for a URL done as another
    URL's article (its page redirected there, or named it canonical), that URL."""

    queued: QueuedURL
    state: str
    alias_of: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAlias:
    """A fetched URL whose page is the article of another URL (``of``): done without an
    article of its own. ``fetch`` is the request that showed it."""

    queued: QueuedURL
    fetch: FetchRecord
    of: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DueScope:
    """Which queued URLs a run takes: those of its own sources (None: of every source).

    A store can hold URLs of sources a run does not crawl: a source since removed or renamed
    in the config, another config's on the same store. They stay in the store untouched.
    """

    sources: frozenset[str] | None = None
    #: The longest wait for a retry the run's policy can set (None: no limit). A URL due
    #: further ahead was given its time by a clock that was ahead since, or by another
    #: policy: it is due now rather than stuck until then.
    longest_wait: float | None = None
    #: Only rechecks (True), only the others (False), or both (None): a run takes the new
    #: stories first.
    rechecks: bool | None = None


#: The URLs of every source in the store.
ALL_SOURCES = DueScope()


@dataclass(frozen=True, slots=True)
class HostURLs:
    """One host's URLs: ``key`` as its wait is kept (``hold_host``), ``covers`` telling
    whether a stored URL is on it (a store cannot tell which hosts a pace key covers). A URL
    on it holds ``key`` in its text (so a store may look at those only)."""

    key: str
    covers: Callable[[str], bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRecord:
    """One request in the fetch history."""

    url: str
    status: int | None
    validators: Validators = Validators()
    error_kind: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ChildDoc:
    """A nested discovery document (a sitemap listed by an index) and its stated lastmod."""

    url: str
    modified: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingRecord:
    """A discovery document as read: its fetch, the URLs it lists, the documents it nests.

    A 304 answer carries no entries and no children (``children`` None keeps the stored ones).
    ``fetch`` is None for URLs listed in the config itself.
    """

    fetch: FetchRecord | None
    entries: Sequence[NewURL] = ()
    children: tuple[ChildDoc, ...] | None = None
    #: The source's listing settings it was read under (see ``CrawlStore.validators``).
    settings: str | None = None
    #: The latest date among the entries it listed (the latest instant each may mean), as a
    #: timestamp; None when none is dated. Kept from the last full read on a 304 or an error.
    newest_entry: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredArticle:
    """An article as stored: its cluster, the representative it duplicates, its normalised
    canonical URL and its key in the near-duplicate index.

    ``cluster`` and ``duplicate_of`` are where the near-duplicate index has the article now: a
    later article can merge its cluster into another or become its representative, and the
    cluster id follows the representative. (An article the index has no entry for keeps the
    placement it was stored with.)
    """

    id: int
    source: str
    stored_at: float
    cluster: str
    duplicate_of: str | None
    article: Article
    canonical: str | None = None
    key: str | None = None
    #: 1 for the first article stored under its URL, then one more for each changed version.
    version: int = 1
    #: The story's id: the cluster id its earliest stored page was placed with (``cluster``
    #: when empty). Unlike ``cluster`` it stays when a better-ranked page joins later, so a
    #: consumer handed the articles run by run groups them by it.
    story: str = ""
    #: The id the article's page was first stored under (its first version's; 0: unknown).
    first_stored: int = 0
    #: The id another page of the story was first stored under, the earliest, or None.
    story_since: int | None = None


@dataclass(slots=True)
class ReadLog:
    """The pages one reading of the stored articles went through, so that it shows each article
    once while a crawl stores new versions (see ``CrawlStore.articles_since``).

    A new version takes an id past every id stored before it, and its earlier version leaves
    the table in the same transaction. So the earlier version was shown exactly when the page
    that covered its id was read after it was stored (its id at most the newest id then) and
    before it was replaced (the new version's id past that newest id).
    """

    #: Per page, in reading order: the id it read after, the last id it showed, and the newest
    #: article id stored when it was read.
    pages: list[tuple[int, int, int]] = field(default_factory=list)

    def read(self, after: int, through: int, newest: int) -> None:
        """Note a page that showed the articles with ids in (``after``, ``through``]."""
        if through > after:
            self.pages.append((after, through, newest))

    def showed(self, earlier: int, replaced_by: int) -> bool:
        """Whether the version with id ``earlier``, replaced by the one with id
        ``replaced_by``, was shown by a page of this reading."""
        at = bisect_left(self.pages, earlier, key=lambda page: page[1])
        if at == len(self.pages):
            return False
        after, _, newest = self.pages[at]
        return after < earlier <= newest < replaced_by


@dataclass(frozen=True, slots=True)
class StoredPage:
    """The article stored for a URL, as a new text of its page is compared with: the key it
    was placed under, its version, date (seconds since the epoch) and text."""

    key: str | None
    version: int
    published: float | None
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewArticle:
    """An article to store: the URL it was fetched for, that fetch, where the near-duplicate
    index placed it, and its record (the JSON of :meth:`Article.to_dict`, made in the worker
    that extracted it, so the crawl process never rebuilds the Article; as UTF-8 bytes from a
    worker, stored as text without being decoded and encoded again on the way)."""

    queued: QueuedURL
    fetch: FetchRecord
    record: str | bytes
    cluster: str
    duplicate_of: str | None
    canonical: str | None
    key: str | None
    stored_at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStats:
    """The counters of one run.

    ``duplicates`` counts the articles the run stored that were duplicates when placed; a later
    article (in a later batch of the run, or a later run) can change that, so the figure
    depends on the order articles arrived in (:meth:`CrawlStore.source_stats` and
    :meth:`CrawlStore.run_duplicates` count in the clusters as they are now).
    """

    discovered: int = 0
    fetched: int = 0
    not_modified: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    gave_up: int = 0
    #: Nested sitemaps left unread because their source reached its document cap.
    unread: int = 0
    #: URLs due at the start that the run's time budget left for the next run.
    left: int = 0
    #: Discovery errors: listings (or listed entries of the config) that could not be read,
    #: and sources whose discovery another error ended (see SourceError).
    source_errors: int = 0
    #: URLs left due at a later time because their host asked (a Retry-After longer than a
    #: run waits) not to be asked before then; the one that was told included.
    held: int = 0
    #: Fetched URLs whose page (by its redirect or its canonical link) is an article stored
    #: or fetched under another URL: recorded as that article's aliases, not stored again.
    aliases: int = 0
    #: Stored articles fetched again because a listing dated a change after their fetch,
    #: and those of them whose text or title had changed: stored as their next version.
    rechecked: int = 0
    updated: int = 0
    #: Rechecks given up (a story taken down, say): their stored versions stand.
    recheck_failed: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """A run as recorded: when, how it ended, its counters (of an unfinished run, only the
    articles stored so far: the others are written when a run ends)."""

    id: int
    started_at: float
    finished_at: float | None
    status: str
    stats: RunStats


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceError:
    """An error a run met in a source outside its listings (a config entry that is no URL,
    a bug on odd input, a damaged row): a listing's own error is kept with its document."""

    run_id: int
    #: When the run recorded it (a Unix time).
    at: float
    error: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceStats:
    """Per-source counts for ``scraper status`` (``duplicates``: in the current clusters)."""

    name: str
    urls: int
    stored: int
    duplicates: int
    #: New URLs waiting for their first fetch.
    pending: int
    failing: int
    gave_up: int
    last_error: str | None
    #: The errors outside its listings of the latest run that met any there, in the order met.
    source_errors: tuple[SourceError, ...] = ()
    #: The latest run that read the source after that one without meeting such an error;
    #: None when none has (or the source has no such errors).
    clean_run: int | None = None
    #: Stored articles their listings date a change after, waiting to be fetched again (or
    #: for a retry of that fetch).
    rechecks: int = 0
    #: Stored articles whose latest recheck was given up (a story taken down: 404, 410, a
    #: redirect home); their stored versions stand.
    recheck_gave_up: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingFile:
    """An export file being written, as kept in the store until it has landed or been undone.

    Paths are bytes (``os.fsencode``): a file name need not be valid UTF-8.
    """

    #: The file the export lands in (resolved).
    target: bytes
    #: The hidden temporary file written and then renamed (or linked) to ``target``; None when
    #: the export appends to ``target`` itself.
    temp: bytes | None = None
    #: Appending: the size of ``target`` before the export, what an undone one cuts it back to.
    size: int = 0
    #: Appending: the export created ``target``; undone, it removes the file again.
    created: bool = False
    #: Appending: the identity of the file appended to (``st_dev``, ``st_ino``), so that a file
    #: put in its place meanwhile is never cut.
    device: int | None = None
    inode: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingExport:
    """A ``LAST`` export begun and not yet settled: its file, and once written in full
    (``ready``) the cursor value it moves to (None: nothing new, the cursor stays)."""

    file: PendingFile
    ready: bool = False
    moves_to: int | None = None


#: ``UrlFailure.state`` of a stored article whose latest recheck was given up.
RECHECK_GAVE_UP: Final = "recheck_gave_up"


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlFailure:
    """A URL that failed: waiting for its retry (``retry``), given up (``gave_up``), or a
    stored article whose latest recheck was given up (``recheck_gave_up``: its stored version
    stands).

    ``error`` is ``"kind: reason"`` of its latest failure; ``next_attempt_at`` (a Unix time)
    is None for a URL given up.
    """

    url: str
    source: str
    state: str
    attempts: int
    next_attempt_at: float | None
    error: str | None


class CrawlStore(Protocol):
    """The operations a crawl run performs on its store."""

    def begin_run(self) -> int:
        """Record the start of a run; return its id."""
        ...

    def finish_run(self, run_id: int, stats: RunStats, status: str) -> None:
        """Record the end of a run with its counters."""
        ...

    def prune_history(self, before: float, keep_run: int) -> None:
        """Delete the fetch history and run records older than ``before``, but run ``keep_run``."""
        ...

    def ensure_source(self, name: str, kind: str) -> None:
        """Create the source if it does not exist yet."""
        ...

    def record_source_errors(self, source: str, errors: Sequence[str], run_id: int) -> None:
        """Keep that run ``run_id`` read ``source`` to its end and met these errors outside
        its listings: they replace those an earlier run kept, and none leaves those (the
        run counts as reading it without one)."""
        ...

    def validators(self, doc_url: str, *, settings: str | None = None) -> Validators:
        """The validators last seen for a discovery document (feed, sitemap, section page);
        none when ``settings`` is given and the document was last read under others."""
        ...

    def children(self, doc_url: str) -> tuple[ChildDoc, ...]:
        """The nested documents a discovery document listed when it was last read.

        Raises :class:`~scraper.errors.UnreadableListing` when that list cannot be read back.
        """
        ...

    def last_read(self, doc_url: str, *, settings: str | None = None) -> float | None:
        """When a discovery document was last read without error (a 304 counts), or None
        (also when ``settings`` is given and the document was last read under others)."""
        ...

    def last_asked(self, doc_url: str) -> float | None:
        """When a discovery document was last asked for, whatever the answer (an error or a
        read under other settings too), or None."""
        ...

    def newest_entry(self, doc_url: str) -> float | None:
        """The latest date among the entries a discovery document listed when last read in
        full (see ``ListingRecord.newest_entry``), or None."""
        ...

    def record_listing(
        self,
        source: str,
        listing: ListingRecord,
        run_id: int,
        *,
        crawled: frozenset[str] = frozenset(),
    ) -> int:
        """Store a discovery fetch, its validators and the unseen URLs; return how many new.
        A listed URL not done yet of a source not in ``crawled`` moves to ``source``."""
        ...

    def due_urls(
        self, now: float, after_id: int, limit: int, scope: DueScope = ALL_SOURCES
    ) -> list[QueuedURL]:
        """Up to ``limit`` URLs of ``scope`` due for fetching, with ids above ``after_id``, in
        id order."""
        ...

    def count_due(self, now: float, scope: DueScope = ALL_SOURCES) -> int:
        """How many URLs of ``scope`` are due for fetching at ``now``."""
        ...

    def queued_sources(self) -> frozenset[str]:
        """The sources that have URLs waiting (pending or to retry), due or not."""
        ...

    def store_articles(self, items: Sequence[NewArticle], run_id: int) -> tuple[str, ...]:
        """Store articles and mark their URLs done, all in one transaction; return what became
        of each: ``STORED``, or for a recheck ``UPDATED`` (its earlier version kept aside) or
        ``UNCHANGED`` (the same text and title as stored)."""
        ...

    def claim_urls(self, entries: Sequence[tuple[NewURL, str]]) -> dict[str, UrlRow]:
        """The rows of these URLs (each with the source to queue it for, when it is new),
        by URL: those the store has as they are, the others added as pending."""
        ...

    def stored_pages(self, url_ids: Sequence[int]) -> dict[int, StoredPage]:
        """The article stored for each of ``url_ids`` that has one, as a new text of its page
        is compared with (a damaged record: no date, no text)."""
        ...

    def stored_as(self, url: str) -> str | None:
        """The URL the article of ``url`` is stored under when its row is done: ``url``
        itself, or the URL it is an alias of; None when it has no row or is not done."""
        ...

    def queue_changes_due(self, now: float) -> None:
        """Make due again, as rechecks, the stored articles a listing dated as changing at a
        time still ahead when it was read, once that time has come."""
        ...

    def drop_rechecks(self, source: str) -> None:
        """Leave the stored articles of ``source`` waiting for a recheck as they are: done."""
        ...

    def record_checked(self, queued: QueuedURL, fetch: FetchRecord, run_id: int) -> None:
        """Log a recheck's fetch that leaves its stored article as it is (a 304, or a page
        that moved to another address) and mark the URL done, checked now."""
        ...

    def record_aliases(self, items: Sequence[NewAlias], run_id: int) -> None:
        """Log these fetches and mark their URLs done as aliases of the URLs they landed on
        (a URL that is its own ``of`` keeps its state)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction around several writes (the store's own and the dedup index's
        kept with it): the writes inside are kept together or not at all."""
        ...

    def record_failure(
        self, queued: QueuedURL, fetch: FetchRecord, retry_at: float | None, run_id: int
    ) -> None:
        """Record a failed URL: retried after ``retry_at``, or given up when it is None (a
        recheck given up is done again, its stored article kept, checked now)."""
        ...

    def defer(
        self, queued: QueuedURL, until: float, fetch: FetchRecord | None, run_id: int
    ) -> None:
        """Leave a URL due at ``until`` without counting an attempt (``fetch``: the answer
        that asked to wait, logged and kept as the URL's latest error)."""
        ...

    def hold_host(self, host: str, until: float, reason: str) -> None:
        """Keep that ``host`` asked not to be asked before ``until``."""
        ...

    def host_holds(self, now: float) -> dict[str, float]:
        """The hosts not to be asked before a time later than ``now``, with that time."""
        ...

    def cap_host_holds(self, latest: float) -> None:
        """Bring the hosts' times later than ``latest`` down to ``latest``."""
        ...

    def articles_since(
        self, *, after_id: int = 0, since: float | None = None, log: ReadLog | None = None
    ) -> Iterator[StoredArticle]:
        """Stored articles with ids above ``after_id`` (and stored at or after ``since``), each
        with its current cluster and representative. A record that cannot be read back raises
        :class:`~scraper.errors.UnreadableArticle`; asking again after its id goes on past it.
        With ``log`` (one per reading, kept across such restarts), a version stored while the
        reading went on is left out when the reading showed one of its earlier versions."""
        ...

    def cursor(self, name: str) -> int:
        """A named position (such as the last exported article id); 0 when unset."""
        ...

    def set_cursor(self, name: str, value: int) -> None:
        """Move a named position forward; a value below the current one leaves it there (of
        two exports that overlapped, the one that got further wins)."""
        ...

    def pending_export(self, cursor: str) -> PendingExport | None:
        """The export of ``cursor`` begun and not settled (a run killed during it), if any."""
        ...

    def begin_export(self, cursor: str, file: PendingFile) -> None:
        """Keep that an export of ``cursor`` is being written to ``file`` (replacing any
        earlier record of it)."""
        ...

    def export_ready(self, cursor: str, moves_to: int | None) -> None:
        """Keep that the pending export of ``cursor`` is written in full and is about to land,
        and where it moves the cursor once it has."""
        ...

    def end_export(self, cursor: str, moves_to: int | None) -> None:
        """Settle the pending export of ``cursor``: move the cursor to ``moves_to`` (never
        back; None leaves it) and drop the record, both or neither."""
        ...

    def source_stats(self, *, source: str | None = None) -> list[SourceStats]:
        """Per-source counts (of ``source`` alone when given); duplicates are counted in the
        clusters as they are now."""
        ...

    def knows_host(self, host: HostURLs) -> bool:
        """Whether ``host`` is waiting or any URL of the store is on it."""
        ...

    def source_names(self) -> list[str]:
        """The names of the sources the store knows, in the config or no longer."""
        ...

    def failures(self, *, source: str | None, limit: int) -> list[UrlFailure]:
        """Up to ``limit`` failed URLs (of ``source``, or all): given up first, then those
        waiting for a retry, each the newest found first."""
        ...

    def requeue(
        self,
        *,
        source: str | None,
        kind: str | None,
        waiting: bool,
        host: HostURLs | None = None,
    ) -> int:
        """Make given-up URLs (and, with ``waiting``, those waiting for a retry or for their
        host's time, whose hosts are then no longer held) due now with a fresh count of
        attempts; only those of ``source``, whose latest failure was of ``kind``, and on
        ``host`` (whose wait alone is then lifted) when given. Returns how many."""
        ...

    def run_duplicates(self, run_id: int) -> int:
        """How many of the articles run ``run_id`` stored duplicate another now."""
        ...

    def last_run(self) -> RunRecord | None:
        """The most recent run."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...
