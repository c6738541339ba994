"""A labelled near-duplicate corpus built from the real article texts of the extraction sets.

How it is built (deterministic for a seed):

* **Originals.** Every gold text of ``../shared/bench/extraction/*/gold/`` with at least 60
  words (exact repeats dropped) is one story. To reach 10k or 100k documents, *synthetic
  distinct stories* are added: at least 8 real sentences dealt from the shuffled pool of all
  sentences (reshuffled when used up) and grouped into paragraphs, with lengths drawn from the
  real length distribution. Two such stories share a sentence only by chance (the pool holds
  ~100k sentences), so they are not near-duplicates of each other. One in ten synthetic
  stories is a *same-topic rewrite*: sentences drawn only from the three real articles whose
  rarer vocabulary is closest to one real article (but never from it), at most a third of
  each, so it shares topic words and some sentences with them. A sentence of a real article
  goes to one rewrite at most: two rewrites on one topic share its vocabulary, not its text
  (version 1 let them share 16-21 sentences, more than different stories do). Sentences end
  before a capital of any script, and pieces longer than 60 words are not used (version 1
  kept a Cyrillic recipe as one "sentence", so the stories that drew it shared a paragraph).
  Real texts that are already copies of each other (the L3S GoogleNews set holds the same
  wire story from several sites) share one story label; see ``base_groups``.
* **Syndicated copies** (about 35% of documents, the share of reprints estimated for news):
  each copied story gets 1-8 copies, each on another site, each with edits drawn independently:
  new headline line, dateline, byline and credit lines, trimmed last paragraphs (at least 55% of
  the words kept), an inserted editor's note, 1-5% word edits (substitutions, deletions,
  insertions), an update with one or two added paragraphs, and some URL variants (tracking
  parameters, AMP path) of the original page.
* **Sites and templates.** Every document is published on a site; 80% of a site's pages carry
  its template lines (navigation, newsletter box, copyright, share bar...), so same-site pages of
  different stories share those lines: the same-site hard negatives.

A document's label is its story; pairs of documents with one label are the positive pairs.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GOLD_ROOT", "VERSION", "CorpusDoc", "base_groups", "build_corpus", "load_bases"]

#: Bumped whenever the generator changes, so cached corpora are rebuilt.
VERSION = 4

GOLD_ROOT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction"

# A sentence ends before a capital in any script (``_sentences`` checks the next character).
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_MAX_SENTENCE_WORDS = 60
_WORD = re.compile(r"[A-Za-z]{5,}")
CITIES = ["LONDON", "PARIS", "WASHINGTON", "NAIROBI", "SYDNEY", "TORONTO", "MUMBAI", "BERLIN"]
AGENCIES = ["Reuters", "AP", "AFP", "Wire Service", "Press Association", "News Agency"]
NAMES = ["Alex", "Maria", "John", "Priya", "Chen", "Fatima", "Tom", "Sara", "Luis", "Anna"]
SURNAMES = ["Smith", "Garcia", "Okafor", "Novak", "Tanaka", "Hughes", "Rossi", "Khan", "Lee"]
MONTHS = ["January", "March", "May", "July", "September", "November"]
NOTES = [
    "correct the spelling of a name",
    "add comment from the ministry",
    "clarify the figures in the fourth paragraph",
    "include a response from the company",
]
TEMPLATES = [
    "Home | News | Politics | Business | Sport | Culture | {name} TV",
    "Sign up for the {name} newsletter and get the top stories in your inbox every morning.",
    "Copyright {year} {name} Media Group. All rights reserved.",
    "Follow {name} on social media for the latest news, video and live updates.",
    "Share this article: Facebook Twitter WhatsApp Email",
    "Advertisement",
    "Read more: the most popular stories on {name} this week",
    "Support independent journalism: subscribe to {name} from just one pound a week.",
    "We use cookies to improve your experience on {name}. By continuing you agree to our policy.",
]


@dataclass(frozen=True, slots=True)
class CorpusDoc:
    """A benchmark document: where it is, its text, and the story it belongs to."""

    url: str
    text: str
    label: int
    kind: str


@dataclass(frozen=True, slots=True)
class _Site:
    domain: str
    top: tuple[str, ...]
    bottom: tuple[str, ...]


def load_bases(root: Path = GOLD_ROOT) -> list[str]:
    """The real gold texts with at least 60 words, exact repeats removed, in path order."""
    seen: set[str] = set()
    out = []
    for path in sorted(root.glob("*/gold/*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        digest = hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()
        if len(text.split()) >= 60 and digest not in seen:
            seen.add(digest)
            out.append(text)
    return out


def base_groups(bases: list[str], width: int = 8) -> list[int]:
    """The story of each base: bases that are copies of each other share one (the lowest index).

    Some gold sets hold the same wire story from several sites. Ground truth for those is an
    exhaustive check independent of any method under test: every pair of bases sharing an
    8-word shingle is compared, and pairs where the shorter has at least half the longer's
    words and at least half of its 8-word shingles appear in the longer are one story.
    """
    shingles = []
    for text in bases:
        words = re.findall(r"\w+", text.lower())
        shingles.append({hash(tuple(words[i : i + width])) for i in range(len(words) - width + 1)})
    postings: dict[int, list[int]] = {}
    for i, grams in enumerate(shingles):
        for gram in grams:
            postings.setdefault(gram, []).append(i)
    parent = list(range(len(bases)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, grams in enumerate(shingles):
        shared = Counter(j for g in grams for j in postings[g] if j > i)
        for j, count in shared.items():
            short, long = sorted((len(grams), len(shingles[j])))
            if short and short >= long / 2 and count >= short / 2:
                a, b = sorted((find(i), find(j)))
                parent[b] = a
    return [find(i) for i in range(len(bases))]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    out = []
    for paragraph in _paragraphs(text):
        parts = _SENTENCE.split(paragraph)
        merged = [parts[0]]
        for part in parts[1:]:
            if part[0].isupper() or part[0] in '"“‘(':
                merged.append(part)
            else:
                merged[-1] += " " + part
        # Over-long "sentences" (unsplittable text, lists) would let stories that draw them
        # share whole paragraphs: they are left out.
        out += [s for s in merged if 4 <= len(s.split()) <= _MAX_SENTENCE_WORDS]
    return out


class _Builder:
    def __init__(self, bases: list[str], size: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.bases = bases
        self.pool = [s for b in bases for s in _sentences(b)]
        self.lengths = [len(_sentences(b)) or 1 for b in bases]
        self.vocab = sorted({w.lower() for b in bases[:300] for w in b.split() if w.isalpha()})
        self.sites = [self._site(i) for i in range(max(60, size // 250))]
        self.neighbours = _topic_neighbours(bases)
        self.docs: list[CorpusDoc] = []
        self.groups = base_groups(bases)
        self.deck: list[str] = []
        self.given: dict[int, set[int]] = {}  # sentences of a real article given to rewrites

    def _site(self, n: int) -> _Site:
        name = f"Courier{n}"
        lines = [t.format(name=name, year=2020 + n % 6) for t in TEMPLATES]
        chosen = self.rng.sample(lines, self.rng.randint(2, 5))
        cut = self.rng.randint(0, len(chosen))
        return _Site(f"site{n}.example", tuple(chosen[:cut]), tuple(chosen[cut:]))

    def place(self, paragraphs: list[str], label: int, kind: str, site: _Site) -> None:
        if self.rng.random() < 0.8:
            paragraphs = [*site.top, *paragraphs, *site.bottom]
        url = f"https://{site.domain}/news/{label}-{len(self.docs)}"
        self.docs.append(CorpusDoc(url, "\n\n".join(paragraphs), label, kind))

    def synthetic(self, label: int) -> list[str]:
        count = max(8, self.rng.choice(self.lengths))
        if label % 10 == 0:
            anchor = self.rng.randrange(len(self.bases))
            sources = [s for n in self.neighbours.get(anchor, []) for s in self._third(n)]
            if len(sources) >= 8:
                return self._group(self.rng.sample(sources, min(count, len(sources))))
        return self._group([self._draw() for _ in range(count)])

    def _draw(self) -> str:
        # Sentences are dealt from a shuffled deck, reshuffled when used up, so two synthetic
        # stories share a sentence only across decks, and rarely two.
        if not self.deck:
            self.deck = self.pool[:]
            self.rng.shuffle(self.deck)
        return self.deck.pop()

    def _third(self, base: int) -> list[str]:
        sentences = _sentences(self.bases[base])
        given = self.given.setdefault(base, set())
        free = [i for i in range(len(sentences)) if i not in given]
        chosen = self.rng.sample(free, min(len(free), len(sentences) // 3))
        given.update(chosen)
        return [sentences[i] for i in chosen]

    def _group(self, sentences: list[str]) -> list[str]:
        out, i = [], 0
        while i < len(sentences):
            step = self.rng.randint(2, 5)
            out.append(" ".join(sentences[i : i + step]))
            i += step
        return out

    def copy(self, paragraphs: list[str]) -> list[str]:
        rng = self.rng
        out = list(paragraphs)
        if rng.random() < 0.35:
            out = self._trim(out)
        elif rng.random() < 0.25:
            # An update adds a few paragraphs: at most two, and at most 40% more words.
            budget = 0.4 * sum(len(p.split()) for p in out)
            extra = self._group([rng.choice(self.pool) for _ in range(rng.randint(2, 6))])
            for paragraph in extra[:2]:
                budget -= len(paragraph.split())
                if budget >= 0:
                    out.append(paragraph)
        if rng.random() < 0.3:
            out = self._edit_words(out, rng.uniform(0.01, 0.05))
        if rng.random() < 0.4:
            first = f"{rng.choice(CITIES)}, {rng.choice(MONTHS)} {rng.randint(1, 28)}"
            out[0] = f"{first} ({rng.choice(AGENCIES)}) - {out[0]}"
        if rng.random() < 0.4:
            out.insert(0, f"By {rng.choice(NAMES)} {rng.choice(SURNAMES)}")
        if rng.random() < 0.3:
            out.append(
                f"Reporting by {rng.choice(NAMES)} {rng.choice(SURNAMES)}; "
                f"editing by {rng.choice(NAMES)} {rng.choice(SURNAMES)}"
            )
        if rng.random() < 0.2:
            note = f"Editor's note: this article was updated to {rng.choice(NOTES)}."
            out.insert(rng.randrange(len(out) + 1), note)
        if rng.random() < 0.5:
            out.insert(0, " ".join(rng.choice(self.pool).split()[:10]))
        return out

    def _trim(self, paragraphs: list[str]) -> list[str]:
        keep = self.rng.uniform(0.55, 0.9)
        units = paragraphs if len(paragraphs) >= 3 else _sentences("\n".join(paragraphs))
        total = sum(len(u.split()) for u in units)
        out: list[str] = []
        for unit in units:
            out.append(unit)
            if sum(len(u.split()) for u in out) >= keep * total:
                break
        return out if len(units) == len(paragraphs) else [" ".join(out)]

    def _edit_words(self, paragraphs: list[str], rate: float) -> list[str]:
        out = []
        for paragraph in paragraphs:
            words = []
            for word in paragraph.split():
                roll = self.rng.random()
                if roll < rate * 0.6:
                    words.append(self.rng.choice(self.vocab))
                elif roll < rate * 0.8:
                    continue
                elif roll < rate:
                    words += [word, self.rng.choice(self.vocab)]
                else:
                    words.append(word)
            out.append(" ".join(words) or paragraph)
        return out


def _topic_neighbours(bases: list[str]) -> dict[int, list[int]]:
    words = [{w.lower() for w in _WORD.findall(b)} for b in bases]
    df = Counter(w for ws in words for w in ws)
    postings: dict[str, list[int]] = {}
    for i, ws in enumerate(words):
        for w in ws:
            if 2 <= df[w] <= 40:
                postings.setdefault(w, []).append(i)
    out = {}
    for i, ws in enumerate(words):
        shared = Counter(j for w in ws if w in postings for j in postings[w] if j != i)
        # Ties go to the lower index: counting follows set order, which changes from process
        # to process with string hashing, and most_common keeps it among equal counts.
        out[i] = [j for j, _ in sorted(shared.items(), key=lambda item: (-item[1], item[0]))[:3]]
    return out


def build_corpus(size: int, *, seed: int = 7, bases: list[str] | None = None) -> list[CorpusDoc]:
    """``size`` labelled documents (see the module docstring), in a shuffled order."""
    builder = _Builder(bases if bases is not None else load_bases(), size, seed)
    rng = builder.rng
    label = 0
    while len(builder.docs) < size:
        real = label < len(builder.bases)
        paragraphs = _paragraphs(builder.bases[label]) if real else builder.synthetic(label)
        home = rng.choice(builder.sites)
        story = builder.groups[label] if real else label
        builder.place(paragraphs, story, "real" if real else "synthetic", home)
        original = builder.docs[-1]
        if rng.random() < 0.2:
            for site in rng.sample(builder.sites, min(8, 1 + int(rng.expovariate(1 / 1.6)))):
                if site is not home:
                    builder.place(builder.copy(paragraphs), story, "copy", site)
            if rng.random() < 0.3:
                variant = rng.choice(["/amp", "?utm_source=feed&utm_medium=rss", "#comments"])
                builder.docs.append(
                    CorpusDoc(original.url + variant, original.text, story, "url_variant")
                )
        label += 1
    docs = builder.docs[:size]
    rng.shuffle(docs)
    return docs
