"""Article metadata from the parsed page: one cascade per field, strongest source first.

Sources, in the usual order: JSON-LD (the article node, then the web-page node), OpenGraph and
Twitter cards, other ``<meta>`` tags (name, property or itemprop), ``<time>`` and itemprop
elements, bylines, ``<html lang>``, and for the date the URL path as a last resort. The tree is
only read: a few CSS queries run in lexbor, never a Python walk over the whole document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.authors import (
    clean_authors,
    is_organisation,
    names_beside_date,
    uninverted,
)
from scraper.extract.bylines import (
    Dateline,
    HeadlineArea,
    authors_from_html,
    authors_in_boxes,
    date_near_headline,
    dates_from_html,
    day_first,
    label_links,
    shown_headline,
)
from scraper.extract.dates import date_from_script, date_from_url, local_day_of, parse_date
from scraper.extract.jsonld import JsonLd, as_texts, read_jsonld, type_names
from scraper.extract.language import declared_language, detect_language, normalise_language
from scraper.extract.marked import MarkedElements
from scraper.extract.metadata_patterns import (
    AUTHOR_META_KEYS,
    CANONICAL_SELECTOR,
    CITATION_AUTHOR_KEYS,
    DESCRIPTION_META_KEYS,
    IMAGE_META_KEYS,
    LANGUAGE_META_KEYS,
    LD_SCRIPT_SELECTOR,
    META_KEY_ATTRIBUTES,
    MODIFIED_META_KEYS,
    PUBLISHED_META_KEYS,
    SITE_NAME_META_KEYS,
    TAG_META_KEYS,
    TITLE_META_KEYS,
)
from scraper.extract.mojibake import repair_mojibake
from scraper.extract.textdates import date_in_text
from scraper.extract.titles import (
    choose_title,
    heading_text,
    is_exactly_site_name,
    is_site_name,
    site_labels,
)

__all__ = ["Metadata", "detect_language", "extract_metadata"]

_PERSON = "person"
_MAX_HEADINGS = 5
_MAX_META_VALUES = 20
_MAX_SCRIPTS = 50
_MAX_STATE_CHARS = 2_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    """What the page says about its article, field by field."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None
    body_hint: str | None = None


@dataclass(slots=True)
class _Page:
    """Everything the field cascades read, gathered once (the headline area on first use)."""

    tree: LexborHTMLParser
    url: str | None
    meta: dict[str, list[str]]
    ld: JsonLd
    now: datetime
    day_first: bool
    html_title: str | None
    headings: list[LexborNode]
    canonical: str | None
    # The site's compact names (set once known, before the headline area is first read).
    labels: tuple[str, ...] = ()
    # Whether the page-wide byline candidates may be read (not when declared credits settle the
    # authors): the page-wide date query reads them along only then.
    bylines_wanted: bool = True
    _area: HeadlineArea | None = None
    _marked: MarkedElements | None = None
    _dateline: Dateline | None = None
    _dateline_read: bool = False

    @property
    def area(self) -> HeadlineArea:
        """Short texts beside the shown <h1>: only read when structured data falls short."""
        if self._area is None:
            # A logo or site name set as the first <h1> sits in the masthead, far from the
            # article's byline and dateline: the headline is the next <h1>, when there is one.
            named = [h for h in self.headings if not is_site_name(heading_text(h), self.labels)]
            self._area = HeadlineArea(shown_headline(named or self.headings))
        return self._area

    @property
    def marked(self) -> MarkedElements:
        """Date-ish and byline-ish elements of the whole page, each list read on first use."""
        if self._marked is None:
            self._marked = MarkedElements(self.tree, bylines=self.bylines_wanted)
        return self._marked

    @property
    def dateline(self) -> Dateline | None:
        """The first date written beside the headline (read once)."""
        if not self._dateline_read:
            self._dateline = date_near_headline(self.area, self.now, self.day_first)
            self._dateline_read = True
        return self._dateline

    def metas(self, keys: Iterable[str]) -> Iterator[str]:
        """Non-empty values of the given meta keys, in key order."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    yield value

    def first_meta(self, keys: Iterable[str]) -> str | None:
        return next(self.metas(keys), None)

    def ld_texts(self, key: str, *, page_too: bool = False) -> list[str]:
        """Strings of ``key`` on the article node (and the page node when asked)."""
        nodes = [self.ld.article] + ([self.ld.page] if page_too else [])
        return [t for node in nodes if node is not None for t in as_texts(node.get(key))]


# The keys the cascades read: the others (viewport, robots, app ids...) are not kept.
_READ_META_KEYS = frozenset(
    {
        *TITLE_META_KEYS,
        *PUBLISHED_META_KEYS,
        *MODIFIED_META_KEYS,
        *AUTHOR_META_KEYS,
        *SITE_NAME_META_KEYS,
        *DESCRIPTION_META_KEYS,
        *IMAGE_META_KEYS,
        *TAG_META_KEYS,
        *LANGUAGE_META_KEYS,
        "twitter:label1",
        "og:url",
    }
)


@dataclass(frozen=True, slots=True)
class _Structure:
    """The elements every page is read for: three walks of the tree, two queries that stop early."""

    meta: dict[str, list[str]]
    scripts: list[LexborNode]
    title: str | None
    headings: list[LexborNode]
    canonical: str | None


def _add_meta(meta: dict[str, list[str]], node: LexborNode) -> None:
    attrs = node.attributes
    content = attrs.get("content")
    if content is None:
        return
    content = content.strip()
    for name in META_KEY_ATTRIBUTES:
        key = attrs.get(name)
        if key:
            key = key.strip().lower()
            if key in _READ_META_KEYS:
                values = meta.setdefault(key, [])
                # Bounded: a page repeating a tag thousands of times gains nothing by it.
                if len(values) < _MAX_META_VALUES:
                    values.append(content)


def _canonical_href(tree: LexborHTMLParser) -> str | None:
    """The href of the first canonical link that has one."""
    first = tree.css_first(CANONICAL_SELECTOR)
    href = first.attributes.get("href") if first is not None else None
    if first is None or href is not None:
        return href
    links = (node.attributes.get("href") for node in tree.css(CANONICAL_SELECTOR))
    return next((href for href in links if href is not None), None)


# Elements looked for all over the page; the first <title> and canonical link sit in <head> on
# nearly every page, so their own queries stop there instead of walking the body again. <meta>
# and <h1> are found by tag name (lexbor's own walk, no selector matched per element); the
# JSON-LD scripts by their selector, whose attribute test is lexbor's to make. One query of a
# selector list is also a single walk, but its engine spends more instructions per element
# than these walks together (one query of all four measured +0.7% instructions a page).
def _read_structure(tree: LexborHTMLParser) -> _Structure:
    meta: dict[str, list[str]] = {}
    # Each kind is read in document order, as one query of the three would list them.
    for node in tree.tags("meta"):
        _add_meta(meta, node)
    scripts = tree.css(LD_SCRIPT_SELECTOR)[:_MAX_SCRIPTS]
    headings = tree.tags("h1")[:_MAX_HEADINGS]
    # The first <title> is the document's; later ones label inline SVG icons.
    title = tree.css_first("title")
    return _Structure(
        meta,
        scripts,
        title.text(deep=True) if title is not None else None,
        headings,
        _canonical_href(tree),
    )


def _site_labels(page: _Page, site_name: str | None) -> tuple[str, ...]:
    publisher = page.ld.article.get("publisher") if page.ld.article else None
    return site_labels([site_name, *as_texts(page.ld.resolve(publisher))], page.url)


def _title(page: _Page, labels: tuple[str, ...]) -> str | None:
    metas = [
        *page.metas(TITLE_META_KEYS[:2]),
        *page.ld_texts("headline"),
        *page.ld_texts("name"),
        *page.metas(TITLE_META_KEYS[2:]),
    ]
    if page.html_title is not None:
        metas.append(page.html_title)
    headings = [heading_text(h) for h in page.headings]
    return choose_title(metas, headings, labels)


def _ld_authors(page: _Page) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(people, untyped names, organisations) credited as the JSON-LD article's author."""
    if page.ld.article is None:
        return (), (), ()
    found: dict[str, list[str]] = {"people": [], "untyped": [], "orgs": []}
    for key in ("author", "creator"):
        raw = page.ld.article.get(key)
        for item in raw if isinstance(raw, list) else [raw]:
            node = page.ld.resolve(item)
            types = type_names(node) if isinstance(node, dict) else []
            names = as_texts(node.get("name") if isinstance(node, dict) else node)
            kind = "people" if _PERSON in types else ("orgs" if types else "untyped")
            found[kind].extend(names)
        if any(found.values()):
            break
    return (
        clean_authors(found["people"]),
        clean_authors(found["untyped"]),
        _organisation_names(found["orgs"]),
    )


def _organisation_names(raw: list[str]) -> tuple[str, ...]:
    """Organisations' names whole, each once: one typed an Organization is one name, and
    splitting it as a byline made "Morgan & Morgan" "Morgan" and "Ernst and Young" two."""
    names: dict[str, str] = {}
    for item in raw:
        name = " ".join(item.split())
        if name and not name.startswith(("http", "@", "/")):
            names.setdefault(name.casefold(), name)
    return tuple(names.values())


def _meta_authors(page: _Page) -> tuple[str, ...]:
    keys = list(AUTHOR_META_KEYS)
    label = (page.first_meta(["twitter:label1"]) or "").lower()
    if "written" not in label and "author" not in label:
        keys.remove("twitter:data1")
    values = (
        uninverted(value) if key in CITATION_AUTHOR_KEYS else value
        for key in keys
        for value in page.metas([key])
    )
    return clean_authors(v for v in values if not v.startswith(("http", "@", "/")))


@dataclass(frozen=True, slots=True)
class _Credits:
    """The authors the page declares (JSON-LD, meta tags), read before the dates.

    ``names`` is the answer when they credit a person; otherwise ``fallback`` (names that are
    the site or an organisation) and ``orgs`` wait for the bylines the markup shows.
    """

    names: tuple[str, ...] | None
    fallback: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()


def _persons(names: tuple[str, ...], labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if not is_site_name(n, labels) and not is_organisation(n))


def _credits(page: _Page, labels: tuple[str, ...]) -> _Credits:
    """Declared people first, then untyped JSON-LD names, then meta tags."""
    people, untyped, orgs = _ld_authors(page)
    # A Person named as the site is the publisher filed as the author by the CMS: it waits,
    # like an organisation, for a byline that names somebody. Only the exact name: "The
    # Example Team" is a desk that signs its articles.
    persons = tuple(name for name in people if not is_exactly_site_name(name, labels))
    if persons:
        return _Credits(persons)
    persons = _persons(untyped, labels)
    if persons:
        return _Credits(persons)
    meta = _meta_authors(page)
    persons = _persons(meta, labels)
    if persons:
        return _Credits(persons)
    return _Credits(None, people or untyped or meta, orgs)


def _authors(page: _Page, labels: tuple[str, ...], credits: _Credits) -> tuple[str, ...]:
    """Declared people first; names that are the site or an organisation only as a fallback.

    Each source is read only when the ones before it name no person.
    """
    if credits.names is not None:
        return credits.names
    fallback = credits.fallback
    names = authors_from_html(page.marked, page.area)
    persons = _persons(names, labels)
    if persons:
        return persons
    fallback = fallback or names
    names = _dateline_authors(page, fallback)
    persons = _persons(names, labels)
    if persons:
        return persons
    fallback = fallback or names
    # An author box is weaker than any name the page declares, even the site's own.
    names = () if credits.fallback else authors_in_boxes(page.marked)
    persons = _persons(names, labels)
    if persons:
        return persons
    return _persons(credits.orgs, labels) or fallback or credits.orgs


def _dateline_authors(page: _Page, credited: tuple[str, ...]) -> tuple[str, ...]:
    """An unlabelled name on the dateline ("May 2 · Jane Doe"): weaker than any marked byline.

    When the line already shows a credited desk ("New Delhi, News Bureau | May 2"), its other
    words are a place or a section.
    """
    dateline = page.dateline
    if dateline is None or dateline.element is None:
        return ()
    line = dateline.text.casefold()
    if any(name.casefold() in line for name in credited):
        return ()
    links = label_links(dateline.element)
    return () if links is None else names_beside_date(dateline.text, links)


def _first_date(page: _Page, texts: Iterable[str]) -> datetime | None:
    for text in texts:
        value = parse_date(text, page.now, day_first=page.day_first)
        if value is not None:
            return value
    return None


def _confirmed(
    page: _Page, declared: datetime, modified: datetime | None, in_url: datetime | None
) -> datetime:
    """The declared publication date, unless what the page shows says another day.

    A dateline beside the headline that is neither labelled an update nor the declared
    modification day is what readers are told; declared metadata is often the time a CMS
    re-saved the page. A dateline that is the declared moment's day in another time zone
    confirms it (the declared value keeps its exact time). The URL's day wins over a declared
    timestamp that is that day in some time zone (stored in UTC, the URL in the newsroom's
    local time); a day no zone reaches is when the slug was made, not the publication.
    """
    if in_url is not None and in_url.date() == declared.date():
        return declared
    dateline = page.dateline
    if (
        dateline is not None
        and not dateline.is_update
        and not local_day_of(declared, dateline.value.date())
        and (modified is None or dateline.value.date() != modified.date())
    ):
        return dateline.value
    if in_url is not None and local_day_of(declared, in_url.date()):
        return in_url
    return declared


def _weakly_declared(
    page: _Page, published: datetime, modified: datetime | None, in_url: datetime | None
) -> bool:
    """Whether the declared publication date is a poor witness of what readers are told.

    One time written into both the publication and modification fields records when the page
    was last saved. A date only a script declares (JSON-LD, no meta tag repeats it) is meant
    for search engines; measured on wcxb-dev-article, the date such pages show readers is the
    one people record (14 pages against 2). The URL's day confirms either.
    """
    if in_url is not None and in_url.date() == published.date():
        return False
    return published == modified or _first_date(page, page.metas(PUBLISHED_META_KEYS)) is None


def _shown_instead(page: _Page, declared: datetime, modified: datetime | None) -> datetime | None:
    """A date the page shows on another day than a weakly declared publication date.

    The dateline beside the headline (an update's too: there it is the date readers are given
    for the article), else a date-classed element: one marked as the publication date, else
    any other date; an update shown elsewhere only says when the page last changed. The
    page-wide query runs only when the page declares a change: another modification day, or
    one time for both dates.
    """
    dateline = page.dateline
    if dateline is not None:
        return dateline.value if dateline.value.date() != declared.date() else None
    if modified is None or (modified != declared and modified.date() == declared.date()):
        return None
    shown = dates_from_html(page.marked, page.now, page.day_first)
    value = shown.marked or shown.loose
    return value if value is not None and value.date() != declared.date() else None


def _date_in_state(page: _Page) -> datetime | None:
    """A publication date in the JSON state a script framework embeds (bounded reading)."""
    budget = _MAX_STATE_CHARS
    for script in page.tree.css("script:not([src])"):
        text = script.text(deep=True)[:budget]
        found = date_from_script(text, page.now)
        if found is not None:
            return found
        budget -= len(text)
        if budget <= 0:
            break
    return None


def _dates(page: _Page) -> tuple[datetime | None, datetime | None]:
    """(published, modified): structured data, then what the markup shows, then the URL.

    The markup (then the JSON state scripts embed) is scanned only when structured data lacks
    the publication date. A page that shows only when it was last updated gets that date as
    published: it is the best-known date of the version at hand.
    """
    # Chained lazily: the sources after the first that parses are never read.
    published = _first_date(
        page,
        chain(
            page.ld_texts("datePublished"),
            page.ld_texts("dateCreated"),
            page.metas(PUBLISHED_META_KEYS),
            page.ld_texts("datePublished", page_too=True),
        ),
    )
    modified = _first_date(
        page, chain(page.ld_texts("dateModified", page_too=True), page.metas(MODIFIED_META_KEYS))
    )
    in_url = date_from_url(page.url, page.now)
    if published is not None:
        shown_instead = (
            _shown_instead(page, published, modified)
            if _weakly_declared(page, published, modified, in_url)
            else None
        )
        return shown_instead or _confirmed(page, published, modified, in_url), modified
    dateline = page.dateline
    if dateline is not None and not dateline.is_update:
        # What readers are shown beside the headline: the page needs no further search.
        published, modified = dateline.value, modified or dateline.updated
    else:
        shown = dates_from_html(page.marked, page.now, page.day_first)
        modified = modified or shown.updated
        written = dateline.value if dateline is not None else None
        published = (
            shown.marked
            or written
            or shown.loose
            or in_url
            or _date_in_state(page)
            or modified
            or date_in_text(page.tree, shown_headline(page.headings), page.now, page.day_first)
        )
    if published is not None and in_url is not None and _swapped(published, in_url):
        # "03/10/2023" under /2023/10/03/: the page writes day first whatever its language says.
        published = in_url
    return published, modified


def _swapped(shown: datetime, in_url: datetime) -> bool:
    """Whether ``shown`` is the URL's day read with day and month the other way round."""
    return (
        shown.year == in_url.year
        and shown.month == in_url.day
        and shown.day == in_url.month
        and shown.month != shown.day
    )


def _language(page: _Page, fallback_text: str | None) -> str | None:
    declared = [declared_language(page.tree)]
    declared += [*page.metas(LANGUAGE_META_KEYS), *page.ld_texts("inLanguage")]
    for value in declared:
        code = normalise_language(value)
        if code is not None:
            return code
    return detect_language(fallback_text)


def _site_name(page: _Page) -> str | None:
    """og:site_name, the JSON-LD publisher or WebSite name, then application-name and kin."""
    publisher = page.ld.article.get("publisher") if page.ld.article else None
    names = [
        *page.metas(SITE_NAME_META_KEYS[:1]),
        *as_texts(page.ld.resolve(publisher)),
        *(text for node in page.ld.of_type(["website"]) for text in as_texts(node.get("name"))),
        *page.metas(SITE_NAME_META_KEYS[1:]),
    ]
    # URLs and @handles (article:publisher, twitter:site) name an account, not the site.
    return next((name for name in names if not name.startswith(("http", "@"))), None)


#: The schemes a canonical URL may have.
_WEB_SCHEMES = ("http", "https")


def _absolute(href: str, url: str | None) -> str | None:
    """``href`` resolved against ``url``; None when the two cannot be joined."""
    # urljoin parses both URLs: most pages already give absolute ones.
    if not url or href.startswith(("https://", "http://")):
        return href
    try:
        return urljoin(url, href)
    except ValueError:
        # A bracketed host that is no IPv6 address ("//[", or such a page address): no link
        # can be made of it, and the rest of the page is still worth reading.
        return None


def _image(page: _Page) -> str | None:
    image = page.first_meta(IMAGE_META_KEYS) or next(iter(page.ld_texts("image")), None)
    return _absolute(image, page.url) if image else image


def _tags(page: _Page) -> tuple[str, ...]:
    raw = page.meta.get("article:tag") or page.ld_texts("keywords")
    if not raw:
        raw = [page.first_meta(TAG_META_KEYS) or ""]
    tags: dict[str, str] = {}
    for value in raw:
        for tag in value.split(","):
            tag = tag.strip()
            if tag and tag.casefold() not in tags:
                tags[tag.casefold()] = tag
    return tuple(tags.values())


def _canonical(page: _Page) -> str | None:
    href = page.canonical or page.first_meta(["og:url"])
    if not href:
        return None
    found = _absolute(href.strip(), page.url)
    # Only a web address can be the article's own ("javascript:", "data:" or "about:blank"
    # are a template's mistakes or a hostile page's), and dedup keys articles by it.
    scheme, colon, _ = (found or "").partition(":")
    if colon and scheme.isalpha() and scheme.lower() not in _WEB_SCHEMES:
        return None
    return found


def _repaired(text: str | None) -> str | None:
    return repair_mojibake(text) if text else text


def extract_metadata(
    tree: LexborHTMLParser,
    url: str | None,
    *,
    text: str | None = None,
    now: datetime | None = None,
) -> Metadata:
    """Metadata of the page; reads the tree and never modifies it.

    Args:
        tree: the page as parsed, before any cleaning (scripts and JSON-LD still in it).
        url: the page's URL, for relative links, the site name and dates in the path.
        text: body text to detect the language from when the page declares none.
        now: the moment dates may not exceed (default: the current time, UTC).

    Returns:
        A Metadata value; fields the page does not state are None or empty.
    """
    found = _read_structure(tree)
    page = _Page(
        tree,
        url,
        found.meta,
        read_jsonld(found.scripts),
        now or datetime.now(UTC),
        day_first(tree),
        found.title,
        found.headings,
        found.canonical,
    )
    site_name = _site_name(page)
    labels = _site_labels(page, site_name)
    page.labels = labels
    title = _title(page, labels)
    description = page.first_meta(DESCRIPTION_META_KEYS) or next(
        iter(page.ld_texts("description")), None
    )
    body = next(iter(page.ld_texts("articleBody")), None)
    credits = _credits(page, labels)
    page.bylines_wanted = credits.names is None
    published, modified = _dates(page)
    return Metadata(
        title=_repaired(title),
        authors=tuple(repair_mojibake(name) for name in _authors(page, labels, credits)),
        published=published,
        modified=modified,
        language=_language(page, text or " ".join(filter(None, (title, description, body)))),
        site_name=_repaired(site_name),
        description=_repaired(description),
        image=_image(page),
        tags=_tags(page),
        canonical_url=_canonical(page),
        body_hint=body,
    )
