"""Options of the extractor, as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

from scraper.errors import ConfigError

__all__ = ["DEFAULT_OPTIONS", "ExtractOptions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractOptions:
    """How the extractor behaves.

    ``keep_selectors``/``drop_selectors`` are per-site CSS rules: elements matching a drop
    selector are removed before anything else; when a keep selector matches, the body is taken
    from the matching elements only. ``max_nodes``, ``max_html_chars`` and ``max_depth`` bound
    the work on huge and hostile pages. A page longer than ``max_html_chars`` characters is
    first emptied of its scripts' (but JSON-LD), styles', templates' and comments' contents,
    and what is still over the cap is cut off. A page of more than 10,000 tags whose elements
    would nest more than ``max_depth`` deep is cut before the tag that would pass it (a parser's
    time grows with the square of the depth: :mod:`scraper.extract.nesting`; real pages nest
    well under a hundred deep). The walk stops at its ``max_nodes``-th element. Either way the
    article is taken from the part read, and its ``truncated`` says why the rest was not (a
    page whose article lies past the bound comes back without text). Image captions
    (``<figcaption>``) describe pictures, not the story, and are left out unless asked for.
    """

    include_tables: bool = True
    include_captions: bool = False
    keep_selectors: tuple[str, ...] = ()
    drop_selectors: tuple[str, ...] = ()
    max_nodes: int = 60_000
    max_html_chars: int = 8_000_000
    max_depth: int = 1_000
    collapse_repeats: bool = True

    def __post_init__(self) -> None:
        # Checked here, not left to the types: the interpreted extractor would read a string
        # as one-letter selectors and a float bound as a count, and the compiled one would
        # raise a TypeError deep in a page's extraction.
        for key in ("include_tables", "include_captions", "collapse_repeats"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"must be true or false, not {getattr(self, key)!r}", key=key)
        for key in ("keep_selectors", "drop_selectors"):
            rules = getattr(self, key)
            if isinstance(rules, str) or not isinstance(rules, tuple | list):
                raise ConfigError(f"must be a tuple of CSS selectors, not {rules!r}", key=key)
            if not all(isinstance(rule, str) for rule in rules):
                raise ConfigError(f"every selector must be a string: {rules!r}", key=key)
            # A list is taken as given: the value stays frozen (and hashable) all the same.
            object.__setattr__(self, key, tuple(rules))
        for key in ("max_nodes", "max_html_chars", "max_depth"):
            bound = getattr(self, key)
            if isinstance(bound, bool) or not isinstance(bound, int):
                raise ConfigError(f"must be a whole number, not {bound!r}", key=key)
            # A bound of 0 or less would read no page at all, silently: each article empty.
            if bound < 1:
                raise ConfigError(f"must be at least 1, not {bound}", key=key)


DEFAULT_OPTIONS = ExtractOptions()
