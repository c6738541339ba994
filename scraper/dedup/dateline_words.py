"""Words that make a short line with figures a site's own line, not a line of the story.

A short line whose figures differ between two texts that otherwise share it word for word is
a template line with other figures (a score, a result, a draw, a market close), except when
it is about when the page was published or where the reader is in it: a timestamp worded
alike on two sites of one publishing system ("Updated 5:32 PM"), a date, a photo or page
counter ("1 of 12"), a comment count. Such a line holds one of these words (normalised: lower
case, punctuation removed, so "p.m." is "pm"); see ``scraper.dedup.tokens``.
"""

from __future__ import annotations

__all__ = ["DATELINE_WORDS"]

_MONTHS = (
    # en
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
    # de, fr, es, it, pt, nl (names that differ from the English ones)
    " januar februar märz mai juni juli oktober dezember jän mär okt dez"
    " janvier février mars avril juin juillet août septembre octobre novembre décembre"
    " janv févr avr juil déc"
    " enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    " ene abr ago dic"
    " gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre"
    " janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
    " januari februari maart mei augustus"
)
_CLOCK = (
    "am pm gmt utc bst cet cest eet et edt est ct cdt cst mt mdt mst pt pdt pst uhr h"
    " updated published posted modified aktualisiert veröffentlicht stand publié modifié"
    " actualizado publicado aggiornato pubblicato"
    " ago min mins minute minutes hour hours hr hrs read"
)
# "1 of 12", "photo 3 of 20", "page 2 of 3", "12 comments": where the reader is, not the story.
_COUNTERS = (
    "of photo photos photograph image images picture pictures slide gallery page pages"
    " comment comments reply replies share shares view views like likes copyright ©"
)

#: Each word as the normalised bytes the tokeniser reads.
DATELINE_WORDS: frozenset[bytes] = frozenset(
    word.encode("utf-8") for group in (_MONTHS, _CLOCK, _COUNTERS) for word in group.split()
)
