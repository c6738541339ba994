"""Near-duplicates in scripts written without spaces (Chinese, Japanese, Thai): an edited copy
joins its original as in English, a different story stays apart, and text in other scripts is
tokenised exactly as before."""

from __future__ import annotations

import pytest

from scraper.dedup import DedupIndex, Document
from scraper.dedup.analyse import Unit, analyse_unit, outline_unit
from scraper.dedup.identity import Addresses
from scraper.dedup.text import normalise
from scraper.dedup.tokens import tokenise, unspaced_pairs

# Invented texts (no real article).
JAPANESE = [
    "北部の山あいの町で週末に開かれた秋祭りには、例年の倍にあたる約二万人の見物客が訪れた。",
    "神社から駅前までの大通りでは、地元の子どもたちが手作りのみこしを担いで元気よく練り歩いた。",
    "商店街の組合長は、今年は天気に恵まれ、どの屋台も昼過ぎには売り切れてしまったと話した。",
    "町は来年以降、臨時の駐車場を増やし、駅からの無料シャトルバスも運行する方針を示している。",
    "祭りの最後には川原で花火が打ち上げられ、集まった人たちは遅くまで夜空を見上げていた。",
]
CHINESE = [
    "南湖公园改造工程周末完工，新修的环湖步道全长六公里，沿途增加了十几处休息座椅和饮水点。",
    "公园管理处表示，湖边的老柳树全部保留，工人们只对枯枝进行了修剪，并补种了一批荷花。",
    "附近居民纷纷前来散步，一位带着孙子的老人说，现在早晚都有地方锻炼身体，空气也更好了。",
    "管理处提醒游客，湖区禁止游泳和垂钓，夜间十点以后步道照明将会调暗，请注意安全。",
]
CHINESE_OTHER = [
    "一场突如其来的冰雹周二下午袭击了西部山区，大片果园受损，不少农户的苹果几乎颗粒无收。",
    "农业部门已派出技术人员前往受灾村庄，帮助果农统计损失，并指导他们尽快修复防护网。",
    "保险公司表示，已经开通理赔绿色通道，投保农户可以通过手机提交照片，最快三天到账。",
    "气象台预计本周末还有强对流天气，提醒山区居民关注预警信息，及时做好防范准备。",
]
THAI = [
    "ฝนตกหนักตลอดคืนวันอังคารทำให้ถนนหลายสายในตัวเมืองมีน้ำท่วมขังจนรถเล็กผ่านไม่ได้",
    "เจ้าหน้าที่เทศบาลนำเครื่องสูบน้ำออกมาช่วยระบายน้ำตั้งแต่เช้ามืดและคาดว่าจะเสร็จในวันนี้",
    "ร้านค้าริมถนนใหญ่หลายร้านต้องปิดชั่วคราวเพราะน้ำเข้าร้านและสินค้าบางส่วนเสียหาย",
    "กรมอุตุนิยมวิทยาเตือนว่าจะมีฝนตกหนักต่อไปอีกสองวันขอให้ประชาชนติดตามข่าวอย่างใกล้ชิด",
]
ENGLISH = [
    "The lakeside park reopened at the weekend with a new six kilometre path around the water.",
    "Park managers said every old willow tree was kept and only dead branches were removed.",
    "Nearby residents came out to walk, and one grandfather said the air felt cleaner already.",
    "Visitors are reminded that swimming and fishing in the lake remain strictly forbidden.",
]


def _edit_one_character(paragraph: str) -> str:
    middle = len(paragraph) // 2
    return paragraph[:middle] + "新" + paragraph[middle + 1 :]


def _edit_one_word(paragraph: str) -> str:
    words = paragraph.split()
    words[len(words) // 2] = "really"
    return " ".join(words)


def _clusters(*texts: str) -> list[str]:
    docs = [Document(url=f"https://site{n}.example/story", text=t) for n, t in enumerate(texts)]
    with DedupIndex.open(":memory:") as index:
        return [a.cluster for a in index.add_many(docs)]


@pytest.mark.parametrize(
    "paragraphs", [JAPANESE, CHINESE, THAI], ids=["japanese", "chinese", "thai"]
)
def test_wire_copy_with_one_character_edited_per_paragraph_joins_its_original(
    paragraphs: list[str],
) -> None:
    # Read as clauses between punctuation marks, every edited clause was a new "word" and the
    # Japanese copy shared too few shingles to be a candidate. (Thai lines were single words
    # of over 32 bytes, whose ids read only the first 32: the edit went unseen.)
    copy = [_edit_one_character(p) for p in paragraphs]
    original, edited = _clusters("\n".join(paragraphs), "\n".join(copy))
    assert original == edited


def test_different_unspaced_stories_stay_apart() -> None:
    first, second, third = _clusters(
        "\n".join(CHINESE), "\n".join(CHINESE_OTHER), "\n".join(JAPANESE)
    )
    assert len({first, second, third}) == 3


def test_latin_copy_with_one_word_edited_per_paragraph_joins_its_original() -> None:
    original, edited, other = _clusters(
        "\n".join(ENGLISH), "\n".join(map(_edit_one_word, ENGLISH)), "\n".join(CHINESE_OTHER)
    )
    assert original == edited != other


@pytest.mark.parametrize(
    "text",
    [
        ENGLISH[0],
        "Der Seepark wurde am Wochenende mit einem neuen Rundweg „am Wasser“ eröffnet.",
        "Парк у озера открылся после ремонта, вокруг воды проложена новая дорожка.",
        "호숫가 공원이 주말에 다시 문을 열었고 물가를 따라 새 산책로가 생겼다.",
        "Công viên ven hồ đã mở cửa trở lại vào cuối tuần với một lối đi mới.",
    ],
    ids=["english", "german", "russian", "korean", "vietnamese"],
)
def test_text_in_spaced_scripts_is_tokenised_as_it_is(text: str) -> None:
    normalised = normalise(text)
    assert unspaced_pairs(normalised) is normalised
    assert tokenise([normalised], 1).text_words.tolist() == [len(normalised.split())]


def test_runs_of_unspaced_characters_are_read_as_overlapping_pairs() -> None:
    # The full-width colon becomes ":" (NFKC), which is deleted as ASCII punctuation is.
    normalised = normalise("市长说：新馆2027年开放。\n東京 の 図書館は「本」が多い\nok ไปตลาด")
    assert unspaced_pairs(normalised).decode() == (
        "市长 长说 说新 新馆 2027 年开 开放\n東京 の 図書 書館 館は 本 が多 多い\nok ไป ปต ตล ลา าด"
    )


def test_word_counts_agree_whether_the_words_are_found_here_or_in_a_worker() -> None:
    # outline_unit counts the words of texts whose words a worker process tokenises later.
    texts: list[str | bytes] = ["\n".join(JAPANESE), "\n".join(ENGLISH), "混在 mixed 文字列です"]
    none: list[str | None] = [None] * len(texts)
    unit = Unit(texts, Addresses(none, none, none))
    counted = outline_unit(unit)[0].words
    assert counted == analyse_unit(unit, 5).facts.words
    assert counted[0] > 5 * len(JAPANESE)  # pairs, not clauses
