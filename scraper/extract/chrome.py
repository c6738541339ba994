"""Site chrome as data: the tags, roles, class/id words and phrases that mark non-article text.

Kept apart from the logic that uses it (``segment``, ``filters``) so that the lists can grow
without touching code. Phrases are compared after lower-casing and folding whitespace and
trailing punctuation; they cover English, German, French and Spanish where it is cheap.
"""

from __future__ import annotations

__all__ = [
    "AMBIGUOUS_COMMENT_HEADINGS",
    "ANONYMOUS_SIGNERS",
    "BLOCK_TAGS",
    "BOILERPLATE_LABEL_PREFIXES",
    "BOILERPLATE_PHRASES",
    "BOILERPLATE_PREFIXES",
    "BYLINE_PREFIXES",
    "CAPTION_TAGS",
    "CHROME_PREFIXES",
    "CHROME_ROLES",
    "CHROME_TAGS",
    "CHROME_WORDS",
    "COMMENT_CLOSED_PREFIXES",
    "COMMENT_HEADINGS",
    "COMMENT_HEADING_WORDS",
    "COMMENT_SIGNATURES",
    "CONSENT_WORDS",
    "CUTOFF_HEADINGS",
    "DISCLOSURE_PHRASES",
    "EMBEDDED_POSTS",
    "HEADING_TAGS",
    "HIDDEN_STYLE_MARKERS",
    "INLINE_TAGS",
    "LAYOUT_WORDS",
    "MISLEADING_WORDS",
    "PROSE_QUALIFIERS",
    "READING_TIME_UNITS",
    "READING_TIME_WORDS",
    "REPLY_LINKS",
    "SCRIPT_MARKERS",
    "SCRIPT_MARKERS_MIN",
    "SKIP_TAGS",
    "UNJUDGED_TAGS",
    "WEAK_CHROME_WORDS",
]

#: Elements whose whole subtree never holds article text.
SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "iframe", "object", "embed",
        "canvas", "button", "select", "textarea", "input", "option", "link", "meta", "head",
        "title", "video", "audio", "picture", "img", "map", "dialog", "math",
    }
)  # fmt: skip

#: Captions: text about a picture, not the article's (kept only when asked for).
CAPTION_TAGS = frozenset({"figcaption"})

#: Social posts embedded in an article (the markup their embed codes leave before scripts run):
#: quoted content, even inside a wrapper named "social" or "share".
EMBEDDED_POSTS = "blockquote[class*=tweet], blockquote[class*=instagram], blockquote[class*=tiktok]"

#: Structural chrome: skipped unless the element holds most of the page's text.
CHROME_TAGS = frozenset({"nav", "footer", "aside", "menu", "header"})

#: ARIA landmark roles of chrome.
CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert",
     "menu", "menubar", "toolbar", "alertdialog", "tooltip"}
)  # fmt: skip

#: Inline style fragments (spaces removed, lower case) that hide an element.
HIDDEN_STYLE_MARKERS = ("display:none", "visibility:hidden")

#: Words in class or id (split on -, _ and case changes) that mark chrome whatever the size of
#: the element (unless it holds most of the page's text).
CHROME_WORDS = frozenset(
    {
        "share", "sharing", "sharebar", "social", "socials", "sociallinks", "addthis",
        "sharethis", "shareaholic", "related", "recommended", "recommendations", "outbrain",
        "taboola", "mostpopular", "mostread", "newsletter", "newsletters", "subscribe",
        "signup", "optin", "cookie", "cookies", "consent", "gdpr", "comment", "comments",
        "disqus", "ad", "ads", "adslot", "adunit", "advert", "advertisement", "advertising",
        "dfp", "sponsor", "sponsored", "promo", "promotion", "outstream", "sidebar",
        "breadcrumb", "breadcrumbs", "pagination", "pager", "menu", "navbar", "nav",
        "navigation", "footer", "skiplink", "skip", "popup", "modal", "overlay",
    }
)  # fmt: skip

#: Starts of run-together class words that mark chrome ("relatedposts", "sharebuttons").
CHROME_PREFIXES = (
    "related", "share", "social", "newsletter", "sidebar", "advert", "sponsor", "breadcrumb",
    "cookie", "subscribe", "recommend", "outbrain", "taboola", "disqus", "promo",
)  # fmt: skip

#: Words that mark chrome only on small elements (an author box, a tag list, a caption):
#: on a large element they more often describe the article ("author-jane" on WordPress).
#: Not "widget": page builders wrap every block of a page in one ("elementor-widget-container"),
#: each of the article's paragraphs too, and a sidebar's widgets sit in a sidebar.
WEAK_CHROME_WORDS = frozenset(
    {
        "author", "authors", "byline", "dateline", "timestamp", "tags", "tagcloud", "taglist",
        "keywords", "bio", "caption", "credit", "credits", "copyright", "disclaimer", "rating",
        "meta", "postmeta", "entrymeta", "follow", "jump", "toc", "print", "banner",
        "widgets", "popular", "trending", "readmore", "readnext", "upnext", "morestories",
        "recirc", "recirculation", "subscription", "respond", "replies",
        "discussion", "masthead", "toolbar", "tooltip", "lightbox", "screenreader",
        "visuallyhidden", "sronly", "gpt", "player", "video",
    }
)  # fmt: skip

#: Class words that describe article text as often as they mark chrome: a paragraph readers
#: may quote ("shareable-paragraph"), the body served behind a paywall ("subscriber-only",
#: "paywall"). An element marked by these and no chrome word is chrome only when it is small
#: and holds no paragraph of prose: a paywall's gate or a subscribers' form is a line and a
#: button. They outrank the chrome prefixes they start with ("share", "subscribe").
PROSE_QUALIFIERS = frozenset(
    {"shareable", "sharable", "subscriber", "subscribers", "subscriberonly",
     "subscribersonly", "paywall", "paywalled", "regwall"}
)  # fmt: skip

#: Chrome words that also name how a part of an article behaves ("content-nav-section",
#: "skip-target", "modal-enabled"): several elements skipped for one of these that together
#: hold most of the prose are the article after all.
MISLEADING_WORDS = frozenset(
    {"nav", "navigation", "navbar", "skip", "skiplink", "menu", "modal", "popup", "overlay"}
)

#: Words that make a class token describe layout ("has-sidebar", "content-with-sidebar"), not
#: the element's own role: such tokens are ignored.
LAYOUT_WORDS = frozenset(
    {"has", "with", "without", "no", "hide", "show", "is", "enabled", "disabled", "active",
     "open", "closed", "fixed", "sticky"}
)  # fmt: skip

#: Tags that start a new block of text.
BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dd", "dt",
        "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
        "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "address", "hr", "br",
        "form", "fieldset", "legend", "center", "body", "html", "details", "summary", "hgroup",
        "header", "footer", "nav", "aside", "menu",
    }
)  # fmt: skip

#: Inline elements: judged by their text (phrases, links), never skipped by class or role, which
#: saves looking at the attributes of the commonest elements.
INLINE_TAGS = frozenset(
    {"a", "span", "b", "i", "em", "strong", "small", "time", "abbr", "sup", "sub", "label",
     "font", "u", "s", "code", "cite", "q", "mark", "del", "ins", "kbd", "var", "bdi", "bdo",
     "wbr", "dfn", "data"}
)  # fmt: skip

#: Elements never judged by class, role or visibility: inline text and the inner parts of
#: lists, tables and headings, whose containers are judged instead. This keeps attribute reads
#: off the commonest elements.
UNJUDGED_TAGS = INLINE_TAGS | {
    "li", "td", "th", "tr", "tbody", "thead", "tfoot", "dd", "dt", "h1", "h2", "h3", "h4",
    "h5", "h6", "br", "hr", "center",
}  # fmt: skip

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

#: Whole lines that are chrome wherever they appear (normalised: lower case, no trailing
#: punctuation, single spaces).
BOILERPLATE_PHRASES = frozenset(
    {
        # English
        "skip to main content", "skip to content", "skip to navigation", "latest news",
        "thumbnail", "share this post", "share this article", "share this story", "share",
        "advertisement", "advertising", "sponsored", "sponsored content", "read more",
        "read next", "related articles", "related stories", "related", "more stories",
        "most popular", "most read", "trending", "recommended", "recommended for you",
        "you may also like", "you might also like", "sign up", "subscribe", "log in",
        "sign in", "comments", "leave a comment", "leave a reply", "show comments",
        "view comments", "print", "email", "tweet", "facebook", "twitter", "linkedin",
        "whatsapp", "pinterest", "reddit", "copy link", "image", "photo", "video",
        "close", "menu", "search", "back to top", "continue reading", "load more",
        "click to expand", "listen to this article", "follow us", "follow", "top stories",
        "more from", "editor's picks", "watch", "next article", "previous article",
        "accept cookies", "accept all", "we use cookies", "cookie settings", "advert",
        "this slideshow requires javascript", "javascript is required",
        # German
        "zum inhalt springen", "zum hauptinhalt springen", "weiterlesen", "mehr lesen",
        "anzeige", "werbung", "teilen", "artikel teilen", "kommentare", "verwandte artikel",
        "das könnte sie auch interessieren", "newsletter abonnieren", "meistgelesen",
        "alle cookies akzeptieren", "drucken", "mehr zum thema",
        # French
        "aller au contenu", "aller au contenu principal", "lire la suite", "lire aussi",
        "publicité", "partager", "partager cet article", "commentaires", "articles liés",
        "à lire aussi", "sur le même sujet", "s'abonner", "abonnez-vous", "accepter",
        "tout accepter", "imprimer",
        # Spanish
        "saltar al contenido", "ir al contenido", "leer más", "seguir leyendo", "publicidad",
        "compartir", "comentarios", "artículos relacionados", "noticias relacionadas",
        "te puede interesar", "suscríbete", "aceptar cookies", "aceptar", "imprimir",
        "lo más leído", "más noticias",
    }
)  # fmt: skip

#: Line starts that mark chrome when the line is short (a call to action, not a sentence).
BOILERPLATE_PREFIXES = (
    "share on ", "share this", "follow us on ", "sign up for ", "subscribe to ",
    "click here to ", "read more:", "related:", "see also:", "advertisement:",
    "copyright ©", "© ", "all rights reserved", "photo:", "image:", "photograph:",
    "foto:", "fotos:", "bild:", "crédit photo", "crédits photo",
    "teilen auf ", "folgen sie uns", "abonnieren sie ", "lesen sie auch",
    "mehr zum thema:", "partager sur ", "suivez-nous", "inscrivez-vous", "lire aussi :",
    "compartir en ", "síguenos", "suscríbete a ", "lea también", "te puede interesar:",
    "please turn on javascript", "please enable javascript", "javascript is disabled",
    "you need to enable javascript", "bitte aktivieren sie javascript",
    "veuillez activer javascript", "activa javascript",
)  # fmt: skip

#: Line starts that mark chrome when the line is short and no sentence: a label or a credit
#: ("Advertisement", "Getty Images / AFP"), which prose can open with too ("Advertisement
#: revenue fell...", "Getty Images said on Tuesday...").
BOILERPLATE_LABEL_PREFIXES = ("advertisement", "getty images")

#: Phrases of a site's note on what it earns from the links on the page ("We may earn
#: commission from links on this page"): a disclosure when the site speaks in the first person
#: ("we", "I"), a sentence of the story when it does not ("Streamers earn a commission when
#: viewers buy through affiliate links").
DISCLOSURE_PHRASES = (
    "affiliate link", "earn a commission", "earn commission", "earn a small commission",
    "receive a commission", "affiliate commission", "from qualifying purchases",
    "every item on this page was chosen",
)  # fmt: skip

#: The words that make a short line opening "By using this site, ..." or "By clicking ..." a
#: consent notice (the site's terms), not a byline nor a sentence of the story.
CONSENT_WORDS = ("you agree", "you consent", "you accept", "you acknowledge")

#: A reading-time notice is a duration in these units with one of the words after it ("5 min
#: read", "3 Minuten Lesezeit") or before it ("Reading time: 4 minutes"): a line of only a
#: duration is the story's ("90 min" in a match report, "Cook: 90 min" in a recipe).
READING_TIME_UNITS = ("min", "mins", "minute", "minutes", "minuten", "minutos", "minuti")
READING_TIME_WORDS = (
    "read", "reading", "read time", "reading time", "to read", "lesezeit", "lesedauer",
    "lecture", "de lecture", "temps de lecture", "lectura", "de lectura",
    "tiempo de lectura", "leitura", "de leitura", "tempo de leitura", "di lettura",
)  # fmt: skip

#: Headings that start the list of other stories at the end of an article: nothing after
#: one of them in the article's container is the article's.
CUTOFF_HEADINGS = (
    "related", "you may also like", "you might also like", "you may like", "recommended",
    "more from", "more in ", "want more stories like this", "more stories", "more news",
    "read more", "read next", "most popular", "most read", "trending", "also read",
    "more on this", "other stories", "latest news", "top stories", "popular now",
    "what to read next", "up next", "keep reading", "more articles", "you might like",
    "you may be interested in", "you might be interested in", "you may also be interested in",
    "you might also be interested in",
    "mehr zum thema", "das könnte sie auch interessieren", "lesen sie auch", "weitere artikel",
    "meistgelesen", "mehr aus", "à lire aussi", "lire aussi", "sur le même sujet",
    "les plus lus", "articles similaires", "dans la même rubrique", "te puede interesar",
    "también te puede interesar", "noticias relacionadas", "lo más leído", "más noticias",
    "artículos relacionados", "você pode gostar", "leia também", "veja também", "mais lidas",
    "notícias relacionadas", "leggi anche", "potrebbe interessarti", "articoli correlati",
    "lees ook", "meer nieuws", "gerelateerde artikelen", "czytaj także", "zobacz także",
    "podobne artykuły", "читайте также", "смотрите также", "похожие статьи", "другие новости",
    "новости по теме", "самые популярные", "популярное",
)  # fmt: skip

#: Lines that open a readers' comment thread (normalised, counts like "(33)" removed).
COMMENT_HEADINGS = frozenset(
    {"comments", "comment", "reader comments", "readers' comments", "your comments",
     "have your say", "leave a comment", "leave a reply", "post a comment", "add a comment",
     "join the conversation", "join the discussion", "discussion", "responses", "replies",
     "kommentare", "leserkommentare", "diskussion", "commentaires", "réactions",
     "comentarios", "comentários", "commenti"}
)  # fmt: skip

#: Starts of the notice that a comment thread takes no more comments (lower case). Templates
#: set it in the thread's opening line, often run into the first comment with no block
#: between them, so it is read as a line's start, however long the line.
COMMENT_CLOSED_PREFIXES = (
    "comments are closed", "comments are now closed", "comments have been closed",
    "comments for this story are closed", "comments for this story are now closed",
    "comments on this story are closed", "comments on this article are closed",
    "comments for this article are closed", "commenting is closed",
    "commenting is now closed", "commenting has been closed", "commenting has closed",
    "kommentare sind geschlossen", "die kommentarfunktion ist geschlossen",
    "les commentaires sont fermés", "los comentarios están cerrados",
)  # fmt: skip

#: Comment headings that name a section of an article as often ("Discussion", "Responses",
#: "Réactions" to a bill): they open the comments only when the blocks after them show a
#: comment's signature or a reply link.
AMBIGUOUS_COMMENT_HEADINGS = frozenset(
    {"discussion", "responses", "replies", "diskussion", "réactions"}
)

#: Words before "comments" in a heading of the comments ("Reader comments", "Show all 12
#: comments"); other words make an article's section ("Public comments" on a planning case).
COMMENT_HEADING_WORDS = frozenset(
    {"reader", "readers", "readers'", "your", "our", "the", "latest", "recent", "top", "all",
     "new", "no", "show", "view", "hide", "load", "see", "read", "add", "post", "leave",
     "write", "comment", "user", "visitor", "member", "facebook", "disqus"}
)  # fmt: skip

#: Links under a reader's comment.
REPLY_LINKS = frozenset(
    {"reply", "report", "like", "antworten", "melden", "répondre", "signaler", "responder"}
)

#: Phrases that sign or moderate a reader's comment (lower case).
COMMENT_SIGNATURES = (
    "posted by", "report this comment", "report abuse", "reply to this comment", "comment by",
    "geschrieben von", "kommentar melden", "publié par", "signaler ce commentaire",
    "publicado por", "denunciar comentario",
)  # fmt: skip

#: Names a reader's comment is signed with when the reader gave none: many comments signed
#: so are still many readers.
ANONYMOUS_SIGNERS = frozenset(
    {"anonymous", "anon", "guest", "a reader", "reader", "anonym", "gast", "anonyme", "invité",
     "anónimo", "invitado"}
)  # fmt: skip

#: Pieces of browser script source (lower case). A page saved without a ``<script>`` start
#: tag (a cut download, a template's stray markup) shows the script's source as text; prose,
#: even about code, rarely holds three of these outside ``<pre>``.
SCRIPT_MARKERS = (
    "document.", "window.", "function(", "function ", "var ", "getelementby", "innerhtml",
    "navigator.", "return ", "+=", "==", "!=", "&&", "||", "){", "};", "this.", "new array",
    "null", "typeof ",
)  # fmt: skip
#: A paragraph holding this many different script markers is script source.
SCRIPT_MARKERS_MIN = 3

#: How bylines start, so that a byline rendered as body text can be recognised.
BYLINE_PREFIXES = ("by ", "von ", "par ", "por ", "written by ", "text: ", "texto: ")
