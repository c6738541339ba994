"""Data for the metadata cascade: keys, selectors, phrase and word lists (no logic here).

Every key list is in priority order: the cascade takes the first usable value.
"""

from __future__ import annotations

__all__ = [
    "ARTICLE_TYPES",
    "AUTHOR_BOX_LABELS",
    "AUTHOR_BOX_NOT_CLASS_WORDS",
    "AUTHOR_CLASS_WORDS",
    "AUTHOR_CLASS_WORDS_ANY_CASE",
    "AUTHOR_LINK",
    "AUTHOR_META_KEYS",
    "AUTHOR_OTHER_SELECTORS",
    "AUTHOR_SELECTOR",
    "BREADCRUMB_SEPARATORS",
    "BYLINE_PARTICLES",
    "BYLINE_PREFIXES",
    "BYLINE_STOPS",
    "CANONICAL_SELECTOR",
    "CITATION_AUTHOR_KEYS",
    "CREDENTIALS",
    "DATE_ATTRIBUTES",
    "DATE_CLASS_WORDS",
    "DATE_CLASS_WORDS_ANY_CASE",
    "DATE_OTHER_SELECTORS",
    "DATE_SELECTOR",
    "DESCRIPTION_META_KEYS",
    "DESK_WORDS",
    "FORM_SELECTOR",
    "HIDDEN_CLASSES",
    "HOST_NOISE",
    "IMAGE_META_KEYS",
    "LANGUAGE_META_KEYS",
    "LD_SCRIPT_SELECTOR",
    "MARKED_DATE_SELECTOR",
    "MARKED_SELECTOR",
    "MENU_CLASS_WORDS",
    "META_KEY_ATTRIBUTES",
    "MODIFIED_CLASS_WORDS",
    "MODIFIED_META_KEYS",
    "MONTHS",
    "NAME_PARTICLES",
    "NOT_AUTHOR_PREFIXES",
    "NOT_AUTHOR_VERBS",
    "NOT_BYLINE_CLASS_WORDS",
    "NOT_DATE_CLASS_WORDS",
    "NOT_NAME_LOWER",
    "NOT_NAME_WORDS",
    "ORG_WORDS",
    "PAGE_TYPES",
    "PLACEHOLDER_NAMES",
    "PUBLISHED_META_KEYS",
    "PUBLISHED_WORDS",
    "ROLE_WORDS",
    "SECTION_CLASS_WORDS",
    "SECTION_LABEL_WORDS",
    "SECTION_LINK_MARKS",
    "SECTION_LINK_PATHS",
    "SITE_NAME_META_KEYS",
    "STOPWORDS",
    "TAG_META_KEYS",
    "TITLE_META_KEYS",
    "TITLE_SEPARATORS",
    "TRAIL_SEPARATORS",
    "UPDATE_WORDS",
    "WEEKDAYS",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# schema.org types that describe the article itself, strongest first.
ARTICLE_TYPES: tuple[str, ...] = (
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "askpublicnewsarticle",
    "article",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "techarticle",
    "scholarlyarticle",
    "medicalscholarlyarticle",
    "report",
    "satiricalarticle",
    "advertisercontentarticle",
    "posting",
    "discussionforumposting",
    "review",
    "recipe",
    "howto",
)

# Types that describe the page around the article: used for dates and titles only after the
# article types came up empty.
PAGE_TYPES: tuple[str, ...] = (
    "webpage",
    "itempage",
    "medicalwebpage",
    "aboutpage",
    "collectionpage",
    "qapage",
    "faqpage",
    "profilepage",
)

# <meta> keys are matched lower-cased, whichever of name/property/itemprop carried them.
TITLE_META_KEYS: tuple[str, ...] = (
    "og:title",
    "twitter:title",
    "headline",
    "dc.title",
    "dcterms.title",
    "parsely-title",
    "sailthru.title",
    "citation_title",
    "title",
)

PUBLISHED_META_KEYS: tuple[str, ...] = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "published_time",
    "og:published_time",
    "publish-date",
    "publish_date",
    "publishdate",
    "published-date",
    "publication_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
    "article_date_original",
    "cxenseparse:recs:publishtime",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "citation_date",
    "date",
    "datecreated",
    "original-publish-date",
    "release_date",
    "published",
    "date_published",
    "publication-date",
    "created",
)

MODIFIED_META_KEYS: tuple[str, ...] = (
    "article:modified_time",
    "og:article:modified_time",
    "article:modified",
    "datemodified",
    "og:updated_time",
    "modified_time",
    "last-modified",
    "lastmod",
    "dc.date.modified",
    "dcterms.modified",
    "sailthru.lastmodified",
    "article.updated",
)

AUTHOR_META_KEYS: tuple[str, ...] = (
    "author",
    "article:author",
    "og:article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "byline",
    "citation_author",
    "citation_authors",
    "article.author",
    "cxenseparse:author",
    "author_name",
    "twitter:data1",
)

# Highwire Press keys (scholarly pages): one author per tag, written "Last, First".
CITATION_AUTHOR_KEYS = frozenset({"citation_author", "citation_authors"})

SITE_NAME_META_KEYS: tuple[str, ...] = (
    "og:site_name",
    "application-name",
    "apple-mobile-web-app-title",
    "twitter:site",
    "dc.publisher",
    "publisher",
)

DESCRIPTION_META_KEYS: tuple[str, ...] = (
    "og:description",
    "description",
    "twitter:description",
    "dc.description",
    "dcterms.description",
)

IMAGE_META_KEYS: tuple[str, ...] = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
    "thumbnailurl",
    "image",
)

TAG_META_KEYS: tuple[str, ...] = (
    "article:tag",
    "news_keywords",
    "keywords",
    "parsely-tags",
    "sailthru.tags",
)

LANGUAGE_META_KEYS: tuple[str, ...] = (
    "content-language",
    "dc.language",
    "language",
    "og:locale",
    "inlanguage",
)

# Words of class values that mark a byline or a date: each is one selector of AUTHOR_SELECTOR or
# DATE_SELECTOR below. "ANY_CASE" words match ignoring ASCII case (the `i` flag); Python's
# lower() agrees with lexbor's on them as long as they hold no "k" and do not end in "i" (only
# "K", the Kelvin sign, and "İ" lower-case to ASCII in Python: to "k" and "i" + a combining dot).
AUTHOR_CLASS_WORDS_ANY_CASE: tuple[str, ...] = ("byline", "author")
AUTHOR_CLASS_WORDS: tuple[str, ...] = ("writer",)
DATE_CLASS_WORDS_ANY_CASE: tuple[str, ...] = ("date", "byline", "meta", "author")
DATE_CLASS_WORDS: tuple[str, ...] = ("publish", "posted", "timestamp")
# A link to an author page; the element after one holds a date on many templates.
AUTHOR_LINK = "a[href*='/author']"
# The selectors of AUTHOR_SELECTOR and DATE_SELECTOR that read no class value. A selector
# listed with an any-case copy in front ("[id*='author' i][id*='author']") selects the same
# elements: lexbor's any-case substring test is the cheaper one and rules out most elements.
_AUTHOR_ITEMPROP = "[itemprop='author']"
_DATE_ITEMPROP = "[itemprop^='date']"
_AUTHOR_ID = "[id*='author' i][id*='author']"
_DATE_ID = "[id*='date' i][id*='date']"
_AUTHOR_REL = "[rel='author']"
_DATE_PROPERTY = "[property*='date' i]"
_AFTER_AUTHOR_LINK = f"{AUTHOR_LINK} + *"
AUTHOR_OTHER_SELECTORS: tuple[str, ...] = (_AUTHOR_ITEMPROP, _AUTHOR_REL, _AUTHOR_ID, AUTHOR_LINK)
DATE_OTHER_SELECTORS: tuple[str, ...] = (
    "time",
    _DATE_ITEMPROP,
    _DATE_PROPERTY,
    _DATE_ID,
    _AFTER_AUTHOR_LINK,
)


def _class_selectors(any_case: tuple[str, ...], exact_case: tuple[str, ...]) -> tuple[str, ...]:
    return (
        *(f"[class*='{word}' i]" for word in any_case),
        *(f"[class*='{word}' i][class*='{word}']" for word in exact_case),
    )


# Elements that carry a byline.
AUTHOR_SELECTOR = ", ".join(
    (
        *AUTHOR_OTHER_SELECTORS,
        *_class_selectors(AUTHOR_CLASS_WORDS_ANY_CASE, AUTHOR_CLASS_WORDS),
    )
)

# Elements that may state the publication date as an attribute or as visible text.
DATE_SELECTOR = ", ".join(
    (
        *DATE_OTHER_SELECTORS,
        *_class_selectors(DATE_CLASS_WORDS_ANY_CASE, DATE_CLASS_WORDS),
    )
)

# The elements of DATE_SELECTOR, with its class words tested in one selector that lexbor skips
# for elements without a class: an element comes back once per other selector that selects it,
# and once more when its class holds any of the words (marked.MarkedElements counts the rest).
MARKED_DATE_SELECTOR = ", ".join(
    (
        *DATE_OTHER_SELECTORS,
        f"[class]:is({', '.join(_class_selectors(DATE_CLASS_WORDS_ANY_CASE, DATE_CLASS_WORDS))})",
    )
)

# The same for DATE_SELECTOR and AUTHOR_SELECTOR together: the tests of one attribute (itemprop,
# id, class) make one selector that elements without the attribute skip, the class words shared.
MARKED_SELECTOR = ", ".join(
    (
        "time",
        _DATE_PROPERTY,
        _AFTER_AUTHOR_LINK,
        _AUTHOR_REL,
        AUTHOR_LINK,
        f"[itemprop]:is({_DATE_ITEMPROP}, {_AUTHOR_ITEMPROP})",
        f"[id]:is({_DATE_ID}, {_AUTHOR_ID})",
        "[class]:is({})".format(
            ", ".join(
                _class_selectors(
                    tuple(
                        dict.fromkeys((*DATE_CLASS_WORDS_ANY_CASE, *AUTHOR_CLASS_WORDS_ANY_CASE))
                    ),
                    (*DATE_CLASS_WORDS, *AUTHOR_CLASS_WORDS),
                )
            )
        ),
    )
)

# A byline starting with one of these (then a space or a colon) loses it; matched ignoring case.
BYLINE_PREFIXES: tuple[str, ...] = (
    "about the author",
    "written by",
    "article by",
    "posted by",
    "published by",
    "authored by",
    "story by",
    "words by",
    "text by",
    "report by",
    "reporting by",
    "author(s)",
    "authors",
    "author",
    "contributors",
    "contributor",
    "by",
    "text",
    "texte",
    "autor",
    "autorin",
    "auteur",
    "autore",
)

# Labels that stand alone in their own element, the name in the next one ("Written by" then
# "Jane Doe"), or open a line of their own ("Written by Jane Doe"): how author boxes at an
# article's foot and label/value panels credit the writer. Lower-cased, without a colon. Not a
# bare "By", which credits a photo, a quote or the hotel chain ("By Example Hotels") as well.
AUTHOR_BOX_LABELS: tuple[str, ...] = (
    "about the authors",
    "about the author",
    "written by",
    "article by",
    "authored by",
    "posted by",
    "story by",
    "words by",
    "author(s)",
    "authors",
    "author",
    "contributors",
    "contributor",
)

# A byline fragment starting with one of these credits someone else than the author.
NOT_AUTHOR_PREFIXES: tuple[str, ...] = (
    "reviewed by",
    "medically reviewed by",
    "fact checked by",
    "fact-checked by",
    "edited by",
    "photo by",
    "photos by",
    "photography by",
    "illustration by",
    "illustrations by",
    "video by",
    "images by",
    "design by",
    "code by",
    "researched by",
    "produced by",
    "compiled by",
    "with reporting by",
    "additional reporting by",
    "on behalf of",
    "in",
)

# "<word> by Name" credits someone else than the author when <word> is one of these.
NOT_AUTHOR_VERBS: frozenset[str] = _words(
    """powered photo photos photograph image images picture illustration illustrations video
    reviewed edited designed hosted sponsored presented supported funded translated narrated
    caused followed inspired made built developed provided courtesy researched produced
    compiled"""
)

# Words no name holds: a fragment with one is a sentence, a prompt or a credit line.
NOT_NAME_WORDS: frozenset[str] = _words(
    "by click enter sign subscribe read view follow share become join register"
)
NOT_NAME_LOWER: frozenset[str] = _words("your you our we my his her their this that here from for")

# Whole "names" that CMS templates print when no author is set, or that are interface labels
# (links to the site's pages that a byline's markup also holds).
PLACEHOLDER_NAMES: frozenset[str] = frozenset(
    {
        "admin",
        "administrator",
        "webmaster",
        "undefined",
        "null",
        "none",
        "unknown",
        "anonymous",
        "login",
        "log in",
        "logout",
        "menu",
        "open submenu",
        "about",
        "about us",
        "contact us",
        "meet the team",
        "e-mail",
        "email",
        "author",
        "authors",
        "editor",
    }
)

# Weekday names and their short forms (lower-cased, without dots): a one-word "name" that is one
# is the start of a date the split cut off ("Sat, 20 Dec, 2025" gives "Sat"), never a writer.
WEEKDAYS: frozenset[str] = _words(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun montag dienstag mittwoch donnerstag freitag samstag sonntag lundi mardi mercredi
    jeudi vendredi samedi dimanche lunes martes miércoles jueves viernes sábado domingo lunedì
    martedì mercoledì giovedì venerdì sabato domenica segunda terça quarta quinta sexta
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag"""
)

# Byline particles that are also surname parts ("De Niro"): matched with their case as written.
BYLINE_PARTICLES: tuple[str, ...] = (
    "Von",
    "von",
    "Par",
    "par",
    "Por",
    "por",
    "di",
    "de",
    "Door",
    "door",
    "af",
    "av",
)

# A byline's text stops at these words (lower-cased): what follows is a date or a role.
BYLINE_STOPS: tuple[str, ...] = (
    "updated",
    "published",
    "posted",
    "last updated",
    "aktualisiert",
    "veröffentlicht",
    "publié",
    "mis à jour",
    "actualizado",
    "publicado",
    "pubblicato",
    "aggiornato",
    "follow",
    "read more",
    "view all",
    "see all",
    "more from",
    "contact",
    "email",
    "twitter",
    "share",
    "facebook",
    "tweet",
    "linkedin",
    "instagram",
    "pin",
    "min read",
)

# Class tokens of elements kept in the markup but not shown to readers (screen-reader copies).
HIDDEN_CLASSES: frozenset[str] = _words(
    """d-none hidden hide is-hidden u-hidden sr-only visually-hidden visuallyhidden
    screen-reader-text offscreen"""
)

# Words that label a shown date as a last update, or as the original publication.
UPDATE_WORDS: tuple[str, ...] = (
    "updated",
    "modified",
    "aktualisiert",
    "mis à jour",
    "actualizado",
    "aggiornato",
    "atualizado",
    "bijgewerkt",
)
PUBLISHED_WORDS: tuple[str, ...] = (
    "published",
    "posted",
    "veröffentlicht",
    "publié",
    "publicado",
    "pubblicato",
    "gepubliceerd",
)

# Fragments of an author string that are qualifications, not names (lower-cased, no dots).
CREDENTIALS: frozenset[str] = (
    _words("""md phd ms msc ma ba bs bsc mba mph mfa rd rdn ldn cdn cde cdces rn np pa dvm
    pharmd psyd edd dds jd esq cpa cfa cfp lcsw lpc cscs fand facp facs jr sr ii iii iv""")
)

# Words that make a fragment a job title rather than a name (lower-cased).
ROLE_WORDS: frozenset[str] = (
    _words("""editor editors reporter reporters correspondent correspondents writer writers
    columnist
    contributor contributors staff producer journalist journalists photographer analyst
    director founder ceo president manager specialist expert author redakteur redakteurin
    redaktion korrespondent korrespondentin journaliste rédacteur rédactrice redactor
    redactora periodista giornalista redattore redacción dietitian nutritionist consultant
    attorney lawyer physician nurse therapist coach trainer scientist researcher professor
    engineer developer designer strategist marketer officer head senior chief lead former
    freelance guest intern sponsored advertisement advertorial partner cofounder owner
    coordinator educator horticulturist horticulturalist""")
)

# Lower-case words inside personal names ("Ludwig van Beethoven").
NAME_PARTICLES: frozenset[str] = _words("van von der den de da di del la le du bin al ter ten")

# Words that mark a name as an organisation (lower-cased tokens).
ORG_WORDS: frozenset[str] = (
    _words("""news press media team staff desk newsroom editorial group inc llc ltd gmbh corp
    company agency network magazine times post journal daily tribune herald associated newswire
    reuters afp dpa redaktion rédaction redacción""")
)

# Last words of a desk's credit, written in lower case after the publication's name ("The
# Example team"): a byline in sentence case ending with one is a desk, not a section label.
DESK_WORDS: frozenset[str] = _words("team desk newsroom bureau")

TITLE_SEPARATORS: tuple[str, ...] = (
    " | ",
    " - ",
    " – ",
    " — ",
    " :: ",
    " · ",
    " • ",
    " » ",
    " / ",
    " : ",
)

# Month names and common abbreviations (lower-cased, without dots) -> month number.
_MONTH_LISTS: tuple[tuple[str, ...], ...] = (
    # en
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    # de
    (
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ),
    ("jän", "feb", "mär", "apr", "mai", "jun", "jul", "aug", "sept", "okt", "nov", "dez"),
    # fr
    (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    ("janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"),
    # es
    (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    # it
    (
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
    # pt
    (
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
    # nl
    (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
)

MONTHS: dict[str, int] = {
    name: number for names in _MONTH_LISTS for number, name in enumerate(names, start=1)
}

# A dozen frequent function words per language: enough to tell the seven apart on a paragraph.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words("the and of to is in that it was for with as on are this be by have"),
    "de": _words("der die und das ist nicht mit ein eine den von zu sich auf für im dem"),
    "fr": _words("le la les et des est une dans pour que qui pas sur du au avec ce il"),
    "es": _words("el la los las y en que del por con una para es se no lo al como"),
    "it": _words("il di che la per non una sono del della con gli ed è anche alla nel"),
    "pt": _words("o os da do das dos que em para com uma não por ao se na no é mais"),
    "nl": _words("de het een en van is dat niet op te voor met zijn aan er ook als bij"),
}

# Class words of author-ish elements that hold something else than the byline ("authority",
# "authorization" contain "author"). A reviewer's or an expert's slot beside the writer's
# ("author-meta expert", "byline__reviewer") credits a check of the article, not its writing.
NOT_BYLINE_CLASS_WORDS = (
    "comment",
    "review",
    "expert",
    "fact-check",
    "factcheck",
    "fact_check",
    "avatar",
    "bio",
    "description",
    "img",
    "image",
    "photo",
    "social",
    "authorit",
    "authoriz",
    "authoris",
    "menu",
    "nav",
)
# The same for an author box (name, bio, links): its bio or description may be the box itself.
AUTHOR_BOX_NOT_CLASS_WORDS = tuple(
    word for word in NOT_BYLINE_CLASS_WORDS if word not in ("bio", "description")
)
# Class words of menus: a label and a name there are links to pages ("About the author" + "Contact
# Us"), not a credit.
MENU_CLASS_WORDS = ("menu", "nav")
# Attributes that may hold an element's date as a value.
DATE_ATTRIBUTES = ("datetime", "content", "data-datetime", "data-date", "data-published", "title")
# Class words of an element that shows when the article was updated, not published.
MODIFIED_CLASS_WORDS = ("modif", "updat", "edited")
# Class words that contain "date" or "meta" without being about dates ("validate").
NOT_DATE_CLASS_WORDS = ("comment", "valid", "candidate", "metabox", "form")

# Links to a section, category or tag page (by href, then by class or rel): on a dateline their
# text is a label ("May 2 · Mental Health"), never the author.
SECTION_LINK_PATHS = (
    "/category/",
    "/categories/",
    "/tag/",
    "/tags/",
    "/topic/",
    "/topics/",
    "/section/",
    "/sections/",
)
SECTION_LINK_MARKS = ("category", "categories", "taxonomy", "tag", "topic", "section")
# Whole words of the class of a byline-marked element that holds a section's name instead
# ("byline__category", "author-tags"): not "section", which byline wrappers use
# ("byline-section").
SECTION_CLASS_WORDS = frozenset(
    {"category", "categories", "taxonomy", "tag", "tags", "topic", "topics"}
)
# Standing alone between the parts of a line, these make it a trail of sections ("May 2 / Living
# / Wellness"), whose steps are no names.
TRAIL_SEPARATORS = frozenset({"/", ">", "›", "»", "::"})
# Form controls: a line beside the headline that holds them is a toolbar, not a dateline.
FORM_SELECTOR = "form, input, select"

# Separators that, repeated, make a title a path whose last step is the headline.
BREADCRUMB_SEPARATORS = (" > ", " » ", " :: ")
# Generic section labels that prefix titles ("Blog: ...").
SECTION_LABEL_WORDS = frozenset({"blog", "title", "news", "home"})
# Generic hostname parts that never name the site.
HOST_NOISE = frozenset({"www", "m", "amp", "blog", "news", "com", "org", "net", "co", "uk"})

# The JSON-LD scripts and the canonical link.
LD_SCRIPT_SELECTOR = "script[type='application/ld+json']"
CANONICAL_SELECTOR = "link[rel='canonical']"
# A <meta> names its key in any of these attributes.
META_KEY_ATTRIBUTES = ("property", "name", "itemprop", "http-equiv")
