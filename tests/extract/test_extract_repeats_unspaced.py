"""Repeats in scripts written without spaces (Chinese, Japanese): edited copies collapse as in
English, and text in other scripts is cut into words exactly as before."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scraper import extract
from scraper.extract.repeats import _anchors, _units, find_repeats, repeat_key
from scraper.models import BlockKind

# Invented paragraphs (no real text), each long enough to be a body paragraph.
CHINESE = [
    "河东大桥经过两年的加固工程，周一清晨重新向公共汽车和行人开放，早高峰时段车流明显减少。",
    "工程负责人介绍说，桥墩下方的旧钢梁全部更换，新的照明系统也在夜间进行了多次测试。",
    "附近商户表示，施工期间顾客数量下降了近一半，希望通车以后生意能够尽快恢复到从前的水平。",
    "交通部门提醒司机，大型货车仍然不得上桥，限速标志将在本月底之前全部安装完毕。",
    "不少市民一早赶来拍照留念，一位退休教师说，他每天都从这座桥上走过，已经整整三十年。",
]
JAPANESE = [
    "川沿いの古い倉庫を改装した市立図書館が土曜日に開館し、朝から大勢の親子連れが列を作った。",
    "館内には約八万冊の本が並び、子ども向けの読み聞かせ室や静かな自習スペースも設けられている。",
    "設計を担当した建築家によると、倉庫のれんが壁や太い梁はできるだけそのまま残したという。",
    "市の担当者は、週末の夜も開館時間を延ばし、仕事帰りの人たちにも利用してほしいと話した。",
    "近くに住む高校生は、試験前に友だちと一緒に勉強できる場所が増えてうれしいと笑顔を見せた。",
]
THAI = [
    "ฝนตกหนักตลอดคืนวันอังคารทำให้ถนนหลายสายในตัวเมืองมีน้ำท่วมขังจนรถเล็กผ่านไม่ได้",
    "เจ้าหน้าที่เทศบาลนำเครื่องสูบน้ำออกมาช่วยระบายน้ำตั้งแต่เช้ามืดและคาดว่าจะเสร็จในวันนี้",
    "ร้านค้าริมถนนใหญ่หลายร้านต้องปิดชั่วคราวเพราะน้ำเข้าร้านและสินค้าบางส่วนเสียหาย",
    "กรมอุตุนิยมวิทยาเตือนว่าจะมีฝนตกหนักต่อไปอีกสองวันขอให้ประชาชนติดตามข่าวอย่างใกล้ชิด",
]
ENGLISH = [
    "The river bridge reopened to buses and walkers early on Monday after two years of work.",
    "Engineers replaced the old steel beams under the piers and tested new lights at night.",
    "Shop owners nearby said trade fell by almost half while the bridge was shut to traffic.",
    "Heavy lorries are still barred from the bridge, and speed signs go up by the month end.",
    "Many residents came early to take photographs, one retired teacher among the crowd.",
]


def _edit_one_character(paragraph: str) -> str:
    middle = len(paragraph) // 2
    return paragraph[:middle] + "新" + paragraph[middle + 1 :]


def _edit_one_word(paragraph: str) -> str:
    words = paragraph.split()
    words[len(words) // 2] = "really"
    return " ".join(words)


def _rendered_twice(paragraphs: list[str], edit: Callable[[str], str]) -> bytes:
    """A page whose body is rendered a second time (a print copy) with an edit per paragraph."""

    def body(texts: list[str]) -> str:
        return "<article>" + "".join(f"<p>{t}</p>" for t in texts) + "</article>"

    return (
        "<html><head><meta charset=utf-8><title>t</title></head><body>"
        f"<div class=main>{body(paragraphs)}</div>"
        f"<div class=print-copy>{body([edit(p) for p in paragraphs])}</div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "paragraphs", [CHINESE, JAPANESE, THAI], ids=["chinese", "japanese", "thai"]
)
def test_second_rendering_with_one_character_edited_per_paragraph_collapses(
    paragraphs: list[str],
) -> None:
    # Each paragraph is a few punctuation-separated clauses: counted as words, no anchor
    # survived the edit and the second copy stayed (twice the blocks). Thai was already cut
    # into many words at its vowel marks (not word characters).
    article = extract(_rendered_twice(paragraphs, _edit_one_character))
    assert [b.text for b in article.blocks] == paragraphs


@pytest.mark.parametrize("paragraphs", [CHINESE, JAPANESE], ids=["chinese", "japanese"])
def test_edited_copy_of_an_unspaced_paragraph_is_a_near_identical_repeat(
    paragraphs: list[str],
) -> None:
    texts = [*paragraphs[:3], *(_edit_one_character(p) for p in paragraphs[:3])]
    keys = [repeat_key(t) for t in texts]
    found = {r.index: (r.of, r.how) for r in find_repeats(keys, [BlockKind.PARAGRAPH] * 6)}
    assert found == {3: (0, "near-identical"), 4: (1, "near-identical"), 5: (2, "near-identical")}


def test_latin_second_rendering_with_one_word_edited_collapses_as_before() -> None:
    article = extract(_rendered_twice(ENGLISH, _edit_one_word))
    assert [b.text for b in article.blocks] == ENGLISH


def test_distinct_unspaced_paragraphs_are_not_repeats() -> None:
    keys = [repeat_key(t) for t in CHINESE + JAPANESE]
    assert find_repeats(keys, [BlockKind.PARAGRAPH] * len(keys)) == []


@pytest.mark.parametrize(
    "text",
    [
        ENGLISH[0],
        "Der Brückenbau über die Mosel ist nach zwei Jahren endlich abgeschlossen worden.",
        "Мост через реку снова открыт для автобусов и пешеходов после двух лет работ.",
        "강 위의 다리가 이 년 동안의 공사를 마치고 월요일 아침 다시 개통되었다.",
    ],
    ids=["ascii", "german", "russian", "korean"],
)
def test_words_of_spaced_scripts_are_the_key_itself(text: str) -> None:
    key = repeat_key(text)
    assert _units(key) is key
    assert _anchors(key)[0] == "^" + " ".join(key.split()[:5])


def test_each_character_of_an_unspaced_script_is_a_word() -> None:
    key = repeat_key("新华区2026年の図書館 Library 開館")
    assert _units(key) == "新 华 区 2026 年 の 図 書 館 library 開 館"
    assert _anchors(_units(key)) == ("^新 华 区 2026 年", "$書 館 library 開 館")
