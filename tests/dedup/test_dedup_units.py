"""Units of dedup: normalisation, sketches (stable across processes), verification, options."""

from __future__ import annotations

import random
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from scraper.dedup import DedupIndex, DedupOptions, Document
from scraper.dedup.lsh import band_keys
from scraper.dedup.minhash import EMPTY, SKETCH_SCHEME, shingle_hashes, sketches
from scraper.dedup.text import NFKC_STABLE, normalise, normalise_lines, text_hash
from scraper.dedup.tokens import constants, tokenise
from scraper.dedup.verify import containment, linked_by_foreign_text, near_duplicate
from scraper.errors import ConfigError, DedupError
from scraper.store.sketches import SketchStore

OPTIONS = DedupOptions()


def _word_ids(normalised: bytes) -> list[int]:
    # Every word, whatever its length, as the index tokenises a stored body.
    ids: list[int] = tokenise([normalised], 1).ids.tolist()
    return ids


def _ids(text: str) -> list[int]:
    return _word_ids(normalise(text))


def test_normalise_lines_folds_case_punctuation_and_spacing() -> None:
    lines = normalise_lines("  “Hello,”  World!\u00a0Again…\n\n\t\nSecond — line\r\nÉté 2026.")
    assert lines == (b"hello world again", b"second line", "été 2026".encode())


def test_runs_of_spaces_of_any_length_become_one() -> None:
    rng = random.Random(4)
    for _ in range(200):
        words = ["".join(rng.choice("ab") for _ in range(rng.randrange(1, 4))) for _ in range(9)]
        line = "".join(w + " " * rng.randrange(1, 7) for w in words)
        text = " " * rng.randrange(0, 3) + line + "\n" + line
        assert normalise_lines(text) == (" ".join(words).encode(),) * 2


def test_normalise_folds_mostly_ascii_and_other_texts_alike() -> None:
    # Mostly ASCII text is lowered as bytes unless one of its other characters has a lower
    # case; the rest goes through str.lower. Both must give what str.lower gives.
    pad = "plain words " * 20
    assert normalise(pad + "He said “Don’t” — twice…") == (pad + "he said dont twice").encode()
    assert normalise(pad + "ÉTÉ À ΟΔΟΣ") == (pad + "été à οδος").encode()
    assert normalise("Москва — СТОЛИЦА «России»") == "москва столица россии".encode()
    assert normalise("東京、大阪。\n\n  ソウル  ") == "東京 大阪\nソウル".encode()
    assert normalise(pad + "a\ud800b") == (pad + "ab").encode()  # a lone surrogate is dropped


def test_mostly_ascii_text_is_brought_to_nfkc_where_it_is_not() -> None:
    # Composing marks after ASCII letters, compatibility characters (an ellipsis, a no-break
    # space, a ligature), a mark out of canonical order: only these lines change.
    pad = "plain words " * 20
    text = pad + "cafe\u0301 \u2019\n\ufb01ne\u2026 \u00a0x\nq\u0301\u0316\nstays \u2014 \U0001f680"
    assert normalise(text) == normalise(unicodedata.normalize("NFKC", text))
    assert normalise(text) == (pad + "café\nfine x\nq\u0316\u0301\nstays \U0001f680").encode()


def test_nfkc_stable_characters_never_compose_or_change() -> None:
    # No stable character is the second of a canonical composition (nor a Hangul vowel or
    # trailing consonant), so a text of them and ASCII is NFKC whatever their order.
    seconds = {chr(code) for code in range(0x1161, 0x1176)} | {
        chr(code) for code in range(0x11A8, 0x11C3)
    }
    for code in range(0x30000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    assert not seconds & NFKC_STABLE
    assert {"\u2019", "\u201c", "\u2014", "\u00e9", "\u0436", "\U0001f680"} <= NFKC_STABLE
    assert not {"\u2026", "\u00a0", "\u0301", "\ufb01"} & NFKC_STABLE
    pool = sorted(NFKC_STABLE) + list("ab ,.\n")
    rng = random.Random(5)
    for _ in range(200):
        sample = "".join(rng.choice(pool) for _ in range(50))
        assert unicodedata.is_normalized("NFKC", sample)


def test_a_text_given_as_utf8_normalises_as_the_text_does() -> None:
    # The crawl hands dedup its texts as UTF-8 (surrogatepass): ASCII, mostly ASCII, other
    # scripts, compatibility characters, marks, punctuation, control bytes, lone surrogates.
    pool = [
        *"aZ 09,.!'-\t\n\r\x00",
        *"\u00e9\u00c9\u0301\u0316\u00a0\u2026\ufb01\u2019\u201c\u2014\u00ab\u3001",
        *"\u0436\u0416\u03a3\u6771\uac00\u1161\U0001f680\ud800\udfff\u2163",
    ]
    rng = random.Random(7)
    texts = ["", "plain ASCII text.\n\nTwo  lines", "He said \u201cDon\u2019t\u201d \u2014 twice"]
    for _ in range(3000):
        ascii_share = rng.choice((0, 20, 200))
        texts.append(
            "".join(
                rng.choice(pool[:15] if rng.randrange(ascii_share + 1) else pool)
                for _ in range(rng.randrange(80))
            )
        )
    for text in texts:
        encoded = text.encode("utf-8", "surrogatepass")
        assert normalise_lines(encoded) == normalise_lines(text), text


def test_text_hash_ignores_form_only() -> None:
    a = normalise("The Council said: 'yes'.\n\nIt did.")
    b = normalise("the council said yes\nit   did")
    assert text_hash(a) == text_hash(b)
    assert text_hash(a) != text_hash(normalise("the council said no\nit did"))


def _sketch_of(ids: list[int], bins: int = 64) -> list[int]:
    table = sketches(np.array(ids, dtype=np.uint32), np.zeros(len(ids), dtype=np.int64), 1, 4, bins)
    row: list[int] = table[0].tolist()
    return row


def test_sketch_shape_and_densification() -> None:
    many = shingle_hashes(list(range(500)), 4)
    assert len(many) == 497 and many == sorted(many)
    full = _sketch_of(list(range(500)))
    assert len(full) == 64 and EMPTY not in full
    short = _sketch_of([1, 2, 3, 4, 5, 6])
    assert len(short) == 64 and EMPTY not in short and len(set(short)) > 3
    assert _sketch_of([]) == [int(EMPTY)] * 64
    assert len(shingle_hashes([7, 8], 4)) == 1  # fewer words than a shingle: one shingle
    keys = band_keys(np.array([full, short], dtype=np.uint64), 2)
    assert keys.shape == (2, 32) and len(set(keys[0].tolist()) & set(keys[1].tolist())) == 0


def test_sketches_of_a_batch_equal_sketches_one_by_one() -> None:
    texts = [b"alpha bravo charlie delta echo\nfoxtrot golf", b"", b"hotel india juliet kilos"]
    words = tokenise(texts, 5)
    batch = sketches(words.ids, words.docs, len(texts), 4, 16)
    for d, text in enumerate(texts):
        alone = tokenise([text], 5)
        assert batch[d].tolist() == sketches(alone.ids, alone.docs, 1, 4, 16)[0].tolist()
    # Words of at least 5 bytes, each with its document and line slot (an empty text owns one).
    assert words.docs.tolist() == [0] * 5 + [2] * 4
    assert words.lines.tolist() == [0, 0, 0, 0, 1, 3, 3, 3, 3]
    assert words.line_start.tolist() == [0, 2, 3]


def test_word_ids_depend_on_the_bytes_only() -> None:
    ids = _word_ids(b"river bank\nriver")
    assert ids[0] == ids[2] != ids[1]
    long_a = b"x" * 40 + b"a"
    long_b = b"x" * 40 + b"bb"  # past the 32 bytes read, the length still tells them apart
    assert _word_ids(long_a) != _word_ids(long_b)


def test_word_ids_and_counts_are_stable() -> None:
    # Stored bodies and sketches hold these ids: they must never change (one word per lane
    # count: 5, 9, 20, 33 bytes and one past the 32 bytes read).
    text = b"river riverbank riverbanks-of-the-old riverbanks-of-the-old-town-hall " + b"x" * 40
    assert _word_ids(text) == [526063630, 4230791362, 1623732944, 2798375445, 3503261052]
    # Stray separators and an empty text: every byte up to the space separates words.
    words = tokenise([b"  a bravo\n\n\x01charlie", b"", b"delta"], 5)
    assert words.ids.tolist() == [504601082, 1918751204, 2271614593]
    assert words.line_words.tolist() == [1, 0, 1, 0, 1]
    assert words.line_start.tolist() == [0, 3, 4]
    assert words.text_words.tolist() == [3, 0, 1]
    assert tokenise([], 5).ids.tolist() == []


def test_constant_tables_are_read_only_and_exact() -> None:
    table = constants([0x9E3779B97F4A7C15, 0xFFFFFFFFFFFFFFFF, 0])
    assert table.dtype == np.uint64
    assert table.tolist() == [0x9E3779B97F4A7C15, 0xFFFFFFFFFFFFFFFF, 0]
    with pytest.raises(ValueError, match="read-only"):
        table[2] = 1


_SKETCH = (
    "import numpy as np;"
    "from scraper.dedup.minhash import sketches;"
    "from scraper.dedup.text import normalise;"
    "from scraper.dedup.tokens import tokenise;"
    "w = tokenise([normalise(open(0).read())], 5);"
    "print(sketches(w.ids, w.docs, 1, 4, 16).tolist())"
)


def test_sketches_do_not_depend_on_the_process_hash_seed() -> None:
    text = "Glass frogs lay their eggs on leaves overhanging water in the cloud forest. " * 5
    outs = {
        subprocess.run(
            [sys.executable, "-c", _SKETCH],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            timeout=60,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1


def test_verification_counts_containment_and_length_ratio() -> None:
    base = _ids(" ".join(f"word{i} and" for i in range(100)))
    half = base[: len(base) // 2 + 2]
    third = base[: len(base) // 3]
    assert near_duplicate(half, base, OPTIONS)
    assert not near_duplicate(third, base, OPTIONS)  # shorter than half the original
    assert near_duplicate(base + _ids("an added paragraph of news"), base, OPTIONS)
    other = _ids(" ".join(f"other{i} and" for i in range(100)))
    assert containment(other, base) == pytest.approx(0.5)
    assert not near_duplicate(other, base, OPTIONS)
    assert not near_duplicate([], base, OPTIONS)


@pytest.mark.parametrize(
    "bad",
    [
        {"bands": 0},
        {"containment": 0.0},
        {"containment": 1.5},
        {"min_length_ratio": -1.0},
        {"min_shared_bins": -1},
        {"short_words": 0},
        {"short_misses": -1},
        {"min_words": 0},
        {"foreign_own_words": 0},
        {"foreign_overlap": 1.5},
        {"foreign_own_share": -0.1},
        {"workers": 0},
        {"parallel_from": 0},
    ],
)
def test_options_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        DedupOptions(**bad)  # type: ignore[arg-type]


_PROMO = (
    "Listen to our weekday podcast where editors discuss councils, courtrooms, classrooms and "
    "harbour business across the region. Independent reporting depends on readers: become a "
    "member today and support coverage of councils, courts, schools and businesses."
)


def test_text_shared_by_pages_whose_own_words_are_elsewhere_is_foreign() -> None:
    fire = _ids(
        f"Flames damaged a vacant warehouse along Mill Street; firefighters reported. {_PROMO}"
    )
    library = _ids(
        f"Trustees extend library weekend opening hours starting March, Thursday. {_PROMO}"
    )
    assert near_duplicate(fire, library, OPTIONS)  # the promotion is most of each
    assert linked_by_foreign_text(fire, library, OPTIONS)


def test_a_new_lede_about_its_story_is_not_foreign_text() -> None:
    body = (
        "Firefighters battled flames at the Mill Street warehouse for three hours. Investigators "
        "examined wiring inside the warehouse while neighbours watched from Cedar Avenue."
    )
    first = _ids(f"Flames destroyed a vacant warehouse along Mill Street overnight. {body}")
    update = _ids(f"Investigators blamed faulty wiring for the Mill Street warehouse blaze. {body}")
    assert near_duplicate(first, update, OPTIONS)
    assert not linked_by_foreign_text(first, update, OPTIONS)
    # A copy with hardly any words of its own (a trimmed or extended one) is never held back.
    assert not linked_by_foreign_text(first, _ids(body), OPTIONS)


def test_a_story_whose_copies_each_carry_a_line_of_their_own_is_not_linked_by_foreign_text() -> (
    None
):
    # A related-stories box on one copy, a print view's header on the other: a few words of
    # their own, foreign to the story, beside the whole story they share.
    story = " ".join(
        f"Paragraph {n}: firefighters battled flames at the Mill Street warehouse while "
        f"investigators examined wiring, interviewed neighbours and photographed {n}7 exits."
        for n in range(8)
    )
    related = "Related stories: tall ships festival, protected cycle lanes, sourdough award"
    printed = "Printed from gazette example Tuesday December, close window, email friend"
    desktop = _ids(f"{story} {related}")
    view = _ids(f"{printed} {story}")
    assert near_duplicate(desktop, view, OPTIONS)
    assert not linked_by_foreign_text(desktop, view, OPTIONS)
    # Without the share of its own a page must have, the two would be held apart.
    assert linked_by_foreign_text(desktop, view, DedupOptions(foreign_own_share=0.0))


def test_store_written_with_another_hash_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite"
    SketchStore.open(db, fingerprint=SKETCH_SCHEME).close()
    with pytest.raises(DedupError):
        SketchStore.open(db, fingerprint="not-this-interpreter")


def test_empty_texts_are_not_duplicates_of_each_other() -> None:
    with DedupIndex.open() as index:
        out = index.add_many(
            [
                Document(url="https://a.example/1", text=""),
                Document(url="https://b.example/2", text=" \n "),
            ]
        )
    assert out[0].cluster != out[1].cluster
    assert out[0].duplicate_of is None and out[1].duplicate_of is None


def test_documents_without_url_get_a_text_key() -> None:
    with DedupIndex.open() as index:
        out = index.add_many(
            [
                Document(url=None, text="Same words here."),
                Document(url=None, text="same WORDS here"),
            ]
        )
    assert out[0].key.startswith("text:") and out[0].cluster == out[1].cluster


def test_batch_api_on_articles_and_cluster_values() -> None:
    from scraper import dedup
    from scraper.dedup import clusters_of, summarise
    from scraper.models import Article

    text = (
        "Volunteers rebuilt the three arches of the stone bridge by hand over two winters,"
        " using timber scaffolding and lime mortar mixed on site."
    )
    articles = [
        Article(
            url="https://a.example/bridge", text=text, published=datetime(2026, 1, 2, tzinfo=UTC)
        ),
        Article(url="https://b.example/copy", text=text + "\n\nBy a staff reporter"),
        Article(url="https://c.example/other", text="A different story about library hours."),
    ]
    out = dedup(articles)
    assert out[0].cluster == out[1].cluster != out[2].cluster
    assert out[1].duplicate_of == "https://a.example/bridge"
    clusters = clusters_of(out)
    assert clusters[0].members == ("https://a.example/bridge", "https://b.example/copy")
    assert clusters[0].representative == "https://a.example/bridge"
    summary = summarise(out)
    assert (summary.documents, summary.clusters, summary.duplicates) == (3, 2, 1)
    assert summary.sizes == ((1, 1), (2, 1))


def test_crawl_hook_assigns_one_article_at_a_time(tmp_path: Path) -> None:
    from scraper.models import Article

    text = "The ferry operator warned of cancellations as gusts reached sixty miles an hour."
    with DedupIndex.open(tmp_path / "d.sqlite") as index:
        first = index.assign("https://a.example/ferry?utm_source=x", Article(text=text))
        second = index.assign("https://a.example/ferry", Article(text=text))
        third = index.assign("https://b.example/ferry-copy", Article(text=text + " Update."))
        now = index.cluster_of(first.key)
    assert first.key == second.key == "https://a.example/ferry"
    # The same page under a cleaner spelling: one document, now stored under the clean URL.
    assert first.cluster == second.cluster and second.duplicate_of is None
    # The longer update is now the most complete member: the cluster is re-pointed to it.
    assert now == third.cluster and third.duplicate_of is None
