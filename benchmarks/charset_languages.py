"""How often decode_html gets legacy-encoded and slightly broken pages right, by language.

Each text (written for this benchmark) is encoded in the code page its language's legacy pages
used, wrapped in a small page of 1 and 4 paragraphs, and decoded undeclared and under a lying
``charset=utf-8``; then the same page as UTF-8 with one CESU-8 surrogate (``ED A0 80``) in it.
A page counts as right when the decoded text is exactly the page (for the broken UTF-8 one:
the page with that sequence replaced). Prints the misses and the totals.

    PYTHONPATH=. .venv/bin/python benchmarks/charset_languages.py
"""

from __future__ import annotations

from scraper.charset import decode_html

#: language -> (the codec its legacy pages used, a news-like text in it).
TEXTS: dict[str, tuple[str, str]] = {
    "French": (
        "cp1252",
        "Le conseil municipal s'est réuni mardi pour débattre du budget. Les cafés du quartier"
        " ont protesté contre la hausse des loyers ; « c'est naïf », a déclaré un élu. Où sera"
        " construite la nouvelle bibliothèque ? Personne n'a répondu, même après l'été.",
    ),
    "German": (
        "cp1252",
        "Der Stadtrat hat am Dienstag über den Haushalt beraten. Die Straßenbahn in München wird"
        " für 20 Millionen Euro erneuert; Bürger äußerten Zweifel an der Planung. Größere"
        " Änderungen seien erst nächstes Jahr möglich, sagte die Bürgermeisterin.",
    ),
    "Spanish": (
        "cp1252",
        "El ayuntamiento aprobó el martes un presupuesto que incluye más dinero para las"
        " escuelas. Los vecinos del barrio se quejaron del ruido; «no nos preguntaron», dijo una"
        " señora. La construcción comenzará en otoño, según el alcalde.",
    ),
    "Portuguese": (
        "cp1252",
        "A câmara municipal aprovou na terça-feira o orçamento para as escolas. Os moradores"
        " reclamaram do barulho e da poluição; a construção começará no próximo mês, disse o"
        " presidente da câmara, que não respondeu às perguntas.",
    ),
    "Italian": (
        "cp1252",
        "Il consiglio comunale ha approvato martedì il bilancio. I cittadini hanno protestato"
        " perché la città non ha più soldi per le scuole; il sindaco ha detto che la qualità dei"
        " servizi è già migliorata.",
    ),
    "Swedish": (
        "cp1252",
        "Kommunfullmäktige beslutade på tisdagen om budgeten. Invånarna i området klagade på"
        " bullret från byggarbetsplatsen; arbetet ska vara klart före årsskiftet, säger"
        " kommunalrådet till tidningen.",
    ),
    "Icelandic": (
        "cp1252",
        "Borgarstjórn samþykkti á þriðjudag fjárhagsáætlun ársins. Íbúar í hverfinu kvörtuðu"
        " yfir hávaða frá framkvæmdum; þær eiga að klárast fyrir áramót, sagði borgarstjóri við"
        " fréttamenn.",
    ),
    "English": (
        "cp1252",
        "The council’s budget – approved on Tuesday – adds €2m for schools. “We listened to"
        " everyone,” the mayor said; residents of the rue Saint-Honoré weren’t convinced.",
    ),
    "Polish": (
        "cp1250",
        "Rada miasta zatwierdziła we wtorek budżet na przyszły rok. Mieszkańcy dzielnicy"
        " skarżyli się na hałas; prace mają się zakończyć przed zimą, powiedział prezydent"
        " miasta. Źródła w urzędzie twierdzą, że ścieżka rowerowa będzie gotowa wcześniej.",
    ),
    "Czech": (
        "cp1250",
        "Městské zastupitelstvo v úterý schválilo rozpočet na příští rok. Obyvatelé čtvrti si"
        " stěžovali na hluk ze stavby; práce mají skončit před zimou, řekl starosta. Nová"
        " knihovna bude otevřena v září.",
    ),
    "Hungarian": (
        "cp1250",
        "A városi közgyűlés kedden elfogadta a jövő évi költségvetést. A kerület lakói"
        " panaszkodtak a zajra; a munkálatok télig befejeződnek, mondta a polgármester. Az új"
        " könyvtár szeptemberben nyílik.",
    ),
    "Romanian": (
        "cp1250",
        "Consiliul local a aprobat marţi bugetul pentru anul viitor. Locuitorii cartierului"
        " s-au plâns de zgomot; lucrările se vor încheia înainte de iarnă, a declarat primarul."
        " Noua bibliotecă se va deschide în septembrie.",
    ),
    "Turkish": (
        "cp1254",
        "Belediye meclisi salı günü gelecek yılın bütçesini onayladı. Mahalle sakinleri"
        " inşaattan gelen gürültüden şikâyet etti; çalışmaların kıştan önce biteceğini söyleyen"
        " başkan, yeni kütüphanenin eylülde açılacağını açıkladı.",
    ),
    "Lithuanian": (
        "cp1257",
        "Miesto taryba antradienį patvirtino kitų metų biudžetą. Rajono gyventojai skundėsi"
        " statybų triukšmu; darbai turėtų baigtis iki žiemos, sakė meras. Nauja biblioteka bus"
        " atidaryta rugsėjį.",
    ),
    "Estonian": (
        "cp1257",
        "Linnavolikogu kinnitas teisipäeval järgmise aasta eelarve. Linnaosa elanikud kaebasid"
        " ehitusmüra üle; tööd peaksid lõppema enne talve, ütles linnapea. Uus raamatukogu"
        " avatakse septembris.",
    ),
    "Russian": (
        "cp1251",
        "Городской совет во вторник утвердил бюджет на следующий год. Жители района жаловались"
        " на шум от стройки; работы должны завершиться до зимы, сообщил мэр. Новая библиотека"
        " откроется в сентябре.",
    ),
    "Russian (KOI8-R)": (
        "koi8-r",
        "Городской совет во вторник утвердил бюджет на следующий год. Жители района жаловались"
        " на шум от стройки; работы должны завершиться до зимы, сообщил мэр.",
    ),
    "Greek": (
        "cp1253",
        "Το δημοτικό συμβούλιο ενέκρινε την Τρίτη τον προϋπολογισμό του επόμενου έτους. Οι"
        " κάτοικοι της περιοχής διαμαρτυρήθηκαν για τον θόρυβο· οι εργασίες θα ολοκληρωθούν πριν"
        " από τον χειμώνα, δήλωσε ο δήμαρχος.",
    ),
    "Chinese": (
        "gb18030",
        "市议会周二批准了明年的预算。该区居民抱怨施工噪音；市长表示，工程将在冬季之前完成，"
        "新图书馆将于九月开放。",
    ),
    "Japanese": (
        "cp932",
        "市議会は火曜日、来年度の予算を承認した。地区の住民は工事の騒音に苦情を訴えた。"
        "市長によると、工事は冬までに終わり、新しい図書館は九月に開館する。",
    ),
    "Korean": (
        "cp949",
        "시의회는 화요일 내년 예산을 승인했다. 지역 주민들은 공사 소음에 대해 불만을 제기했으며,"
        " 시장은 공사가 겨울 전에 끝나고 새 도서관이 9월에 문을 연다고 말했다.",
    ),
}


def _page(text: str, paragraphs: int) -> str:
    body = "".join(f"<p>{text} ({i})</p>" for i in range(paragraphs))
    return f"<html><head><title>News</title></head><body><article>{body}</article></body></html>"


def _cases() -> list[tuple[str, bytes, str | None, str]]:
    """(label, body, declared charset, the right text) for every case."""
    cases: list[tuple[str, bytes, str | None, str]] = []
    for language, (codec, text) in TEXTS.items():
        for paragraphs in (1, 4):
            html = _page(text, paragraphs)
            for declared in (None, "utf-8"):
                label = f"{language} {codec} x{paragraphs} declared={declared}"
                cases.append((label, html.encode(codec), declared, html))
        broken = _page(text, 2).encode().replace(b"(1)", b"(1\xed\xa0\x80)")
        right = broken.decode("utf-8", errors="replace")
        cases.append((f"{language} UTF-8 with a CESU surrogate", broken, None, right))
    return cases


def main() -> None:
    """Decode every case and print the misses and the totals."""
    right = 0
    cases = _cases()
    for label, body, declared, text in cases:
        decoded = decode_html(body, declared)
        if decoded.text == text:
            right += 1
        else:
            print(f"miss: {label}: decoded as {decoded.encoding} ({decoded.source})")
    print(f"{right} of {len(cases)} pages decoded exactly")


if __name__ == "__main__":
    main()
