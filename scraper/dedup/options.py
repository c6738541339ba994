"""The tuning of near-duplicate detection, as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

from scraper.errors import ConfigError

__all__ = ["DedupOptions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DedupOptions:
    """How documents are sketched, which candidates are checked, and what counts as a duplicate.

    Sketching: shingles are runs of ``shingle_words`` consecutive *content words* (words of at
    least ``content_word_bytes`` bytes, and words with a digit), so function words neither
    create nor break matches; ``bands * rows`` one-permutation MinHash bins are kept, grouped
    into ``bands`` LSH bands of ``rows`` bins each; a candidate whose sketch agrees with the
    new one on fewer than ``min_shared_bins`` bins is not worth verifying (0 verifies every
    candidate). Verification: two texts are near-duplicates when the shorter has at least
    ``min_length_ratio`` of the longer's content words and at least ``containment`` of them
    appear, in order, in the longer (word-level LCS), so a trimmed copy or an update with a few
    added paragraphs joins its original, and their numbers agree (see ``verify``). Template
    lines: a normalised line found on pages of at least ``template_min_docs`` distinct stories
    (clusters; within a batch, distinct keys and texts) of one registrable domain is site
    chrome and ignored, and so is a line that is chrome on ``template_min_sites`` domains.
    ``commit_every`` bounds how many documents one transaction holds. With ``workers`` > 1, a
    batch of at least ``parallel_from`` documents is normalised and tokenised by that many
    processes: the calling one and ``workers - 1`` worker processes (started with ``spawn``,
    so a script using it needs the usual ``if __name__ == "__main__":`` guard); the result is
    the same either way.

    Short texts: when the shorter has fewer than ``short_words`` content words, the words it
    may miss are ``1 - containment`` of them scaled down by its length over ``short_words``,
    yet never fewer than ``short_misses`` (templated briefs about different people or events
    differ in only three or four words).
    Foreign text: two pages of one site whose match rests on text neither one's own words are
    about (each has at least ``foreign_own_words`` distinct content words of its own, making
    at least ``foreign_own_share`` of its content words, and at most ``foreign_overlap`` of
    them occur in what the two share, or of both pages' own words together at most
    ``foreign_overlap`` times the square root of the shared part's distinct words over
    ``foreign_shared_words``) are not near-duplicates: a block of template new to the site,
    not yet chrome, is most of each of two short pages.
    Stubs: texts with fewer than ``min_words`` content words ("not available in your region")
    are never linked by their text, exact or near.
    """

    shingle_words: int = 4
    content_word_bytes: int = 5
    bands: int = 32
    rows: int = 2
    min_shared_bins: int = 8
    min_length_ratio: float = 0.5
    containment: float = 0.7
    short_words: int = 40
    short_misses: int = 2
    min_words: int = 8
    template_min_docs: int = 3
    template_min_sites: int = 2
    foreign_own_words: int = 5
    foreign_own_share: float = 0.15
    foreign_overlap: float = 0.1
    foreign_shared_words: int = 80
    commit_every: int = 10000
    workers: int = 1
    parallel_from: int = 4000

    def __post_init__(self) -> None:
        for name in (
            "shingle_words",
            "content_word_bytes",
            "bands",
            "rows",
            "template_min_docs",
            "template_min_sites",
        ):
            if getattr(self, name) < 1:
                raise ConfigError("must be at least 1", key=f"dedup.{name}")
        for name in ("foreign_own_share", "foreign_overlap"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError("must be in [0, 1]", key=f"dedup.{name}")
        for name in ("min_length_ratio", "containment"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ConfigError("must be in (0, 1]", key=f"dedup.{name}")
        for name in ("short_words", "min_words", "foreign_own_words", "foreign_shared_words"):
            if getattr(self, name) < 1:
                raise ConfigError("must be at least 1", key=f"dedup.{name}")
        if self.short_misses < 0:
            raise ConfigError("must not be negative", key="dedup.short_misses")
        if self.min_shared_bins < 0:
            raise ConfigError("must not be negative", key="dedup.min_shared_bins")
        for name in ("commit_every", "workers", "parallel_from"):
            if getattr(self, name) < 1:
                raise ConfigError("must be at least 1", key=f"dedup.{name}")

    @property
    def bins(self) -> int:
        """Number of MinHash bins in a sketch."""
        return self.bands * self.rows
