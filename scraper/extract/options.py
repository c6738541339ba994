"""Options of the extractor, as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_OPTIONS", "ExtractOptions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractOptions:
    """How the extractor behaves.

    ``keep_selectors``/``drop_selectors`` are per-site CSS rules: elements matching a drop
    selector are removed before anything else; when a keep selector matches, the body is taken
    from the matching elements only. ``max_nodes`` bounds the work on huge pages: past it the
    extractor degrades to a simpler, linear extraction instead of hanging. Image captions
    (``<figcaption>``) describe pictures, not the story, and are left out unless asked for.
    """

    include_tables: bool = True
    include_captions: bool = False
    keep_selectors: tuple[str, ...] = ()
    drop_selectors: tuple[str, ...] = ()
    max_nodes: int = 60_000
    max_html_chars: int = 8_000_000
    collapse_repeats: bool = True


DEFAULT_OPTIONS = ExtractOptions()
