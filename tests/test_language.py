import pytest

from qa.language import (detect_language, english_dates, english_figure, english_gloss, english_number,
                         normalise_number, search_terms)


def test_detects_english_and_indonesian():
    assert detect_language("Who proposed the troop deployment?") == "en"
    assert detect_language("Siapa yang mengusulkan pengerahan pasukan?") == "id"
    assert detect_language("Pyongyang", default="id") == "id"


def test_numbers_are_one_form():
    assert normalise_number("12.000") == normalise_number("12,000") == "12000"
    assert normalise_number("1,5") == "1,5"


def test_indonesian_words_are_stemmed_and_english_ones_translated():
    assert search_terms("Tawaran itu ditawarkan Korea Utara", "id") == ["tawar", "tawar", "korea", "utara"]
    terms = search_terms("Who offered the troops?", "en", translate=True)
    assert "offered" in terms and "tawar" in terms
    assert "who" not in terms and "the" not in terms
    assert search_terms("Who offered the troops?", "en") == ["offered", "troops"]


def test_a_nasal_prefix_gives_back_the_consonant_it_swallowed():
    # Snowball alone stems "mengerahkan" to "erah", which meets neither "dikerahkan" nor the glossary's "kerah"
    assert {search_terms(w, "id")[0] for w in ("mengerahkan", "dikerahkan", "pengerahan", "kerah")} == {"kerah"}
    assert search_terms("mengirim", "id") == search_terms("dikirim", "id") == ["kirim"]
    assert search_terms("mengambil", "id") == ["ambil"]  # a root that starts with a vowel stays as it is
    assert "kerah" in search_terms("Were troops deployed?", "en", translate=True)


def test_the_glossary_is_one_lowercase_english_word_per_line_each_once():
    from qa.language import _GLOSSARY_FILE

    keys = []
    for line in _GLOSSARY_FILE.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, indonesian = line.split("\t")
        assert english == english.strip().lower() and " " not in english and indonesian.split(), line
        keys.append(english)
    assert len(keys) == len(set(keys)) and len(keys) > 3000


def test_english_news_words_beyond_the_seed_topic_reach_indonesian_terms():
    for english, indonesian in [("cassation", "kasasi"), ("appeal", "banding"), ("regent", "bupati"),
                                ("sworn", "lantik"), ("poisoning", "racun"), ("dividends", "dividen")]:
        assert indonesian in search_terms(english, "en", translate=True), english


def test_the_english_gloss_renders_known_words_and_keeps_names_and_numbers():
    glossed = english_gloss("Menteri Keuangan Purbaya tidak mengumumkan defisit Rp 371,5 triliun di Jakarta.")
    words = glossed.split()
    assert {"minister", "finance", "not", "deficit", "trillion", "in"} <= set(words)
    assert {"Purbaya", "371,5", "Rp", "Jakarta"} <= set(words)
    assert words[-1] == "."


def test_the_gloss_takes_the_word_an_entry_gives_alone():
    # "warga" is given alone by "resident" but first in "americans -> warga amerika"
    assert english_gloss("warga") != "americans"
    assert english_gloss("") == ""


@pytest.mark.parametrize("token, english", [("1.000", "1,000"), ("12.500.000", "12,500,000"), ("2,2", "2.2"),
                                            ("1.863,3", "1,863.3"), ("2025", "2025"), ("7", "7"), ("1,56", "1.56")])
def test_english_number_swaps_the_separators_of_indonesian_numbers(token, english):
    assert english_number(token) == english


@pytest.mark.parametrize("sentence, number, english", [
    ("Lalu kerusakan hutan sekitar Rp 2,2 triliun, dan kerugian negara Rp 5,7 triliun.", "2,2", "about Rp 2.2 trillion"),
    ("Lalu kerusakan hutan sekitar Rp 2,2 triliun, dan kerugian negara Rp 5,7 triliun.", "5,7", "Rp 5.7 trillion"),
    ("Keduanya akan menginvestasikan $1 miliar (Rp15,8 triliun).", "1", "$1 billion"),
    ("Keduanya akan menginvestasikan $1 miliar (Rp15,8 triliun).", "15,8", "Rp 15.8 trillion"),
    ("Pasukan itu menderita lebih dari 1.000 korban.", "1.000", "more than 1,000"),
    ("Defisit mencapai 1,56% PDB.", "1,56", "1.56%"),
    ("Sebanyak 10 ribu buruh terdampak.", "10", "10 thousand"),
    ("Sebanyak 186 siswa dirawat.", "186", "186"),  # what it counts is left out, not glossed
    ("Sebanyak 186 siswa dirawat.", "18", None),
    ("Pada Senin (20/10), sebanyak 10 ribu buruh terdampak.", "10 ribu", "10 thousand"),  # not the 10 of 20/10
    ("Namun hanya satu guru yang berstatus ASN.", "satu guru", "only 1"),  # written in words
    ("Lebih dari dua belas ribu orang hadir.", "dua belas ribu orang", "more than 12,000"),
    ("Namun hanya satu guru yang berstatus ASN.", "tiga guru", None),
    ("Di Washington kerumunan diperkirakan antara 8.000 dan 10.000 orang.", "8.000", "between 8,000 and 10,000"),
    ("Nilainya antara Rp 2,5 triliun dan Rp 3 triliun.", "2,5", "between Rp 2.5 trillion and Rp 3 trillion"),
])
def test_english_figure_keeps_the_hedge_the_currency_and_the_scale(sentence, number, english):
    assert english_figure(sentence, number) == english


@pytest.mark.parametrize("sentence, number, written", [
    ("Lalu kerusakan hutan sekitar Rp 2,2 triliun, dan kerugian negara Rp 5,7 triliun.", "2,2", "sekitar Rp 2,2 triliun"),
    ("Pasukan itu menderita lebih dari 1.000 korban.", "1.000", "lebih dari 1.000"),
    ("Defisit mencapai 1,56% PDB.", "1,56", "1,56%"),
    ("Pada Senin (20/10), sebanyak 10 ribu buruh terdampak.", "10 ribu", "10 ribu"),
    ("Namun hanya satu guru yang berstatus ASN.", "satu guru", "hanya satu"),
    ("Di New York lebih dari 100.000 orang, di Washington antara 8.000 dan 10.000 orang.", "8.000",
     "antara 8.000 dan 10.000"),
    ("Nilainya antara Rp 2,5 triliun dan Rp 3 triliun.", "2,5", "antara Rp 2,5 triliun dan Rp 3 triliun"),
    ("Sebanyak 186 siswa dirawat.", "18", None),
    ("Banjir meluas sehingga 500 warga mengungsi.", "500", "500"),  # "hingga" inside "sehingga" hedges nothing
    ("Tiga hari lalu, tiga puluh orang ditangkap.", "tiga puluh orang", "tiga puluh"),
])
def test_a_figure_as_the_sentence_writes_it_keeps_its_hedge_currency_scale_and_range(sentence, number, written):
    from qa.language import figure_as_written

    assert figure_as_written(sentence, number) == written


def test_spelled_numbers_are_counts_written_out_not_pronouns_or_one_of():
    from qa.language import spelled_numbers

    def values(text):
        return [(text[start:end], value) for start, end, value in spelled_numbers(text)]

    assert values("Sebanyak sembilan ketua, sekretaris, dan bendahara dilantik.") == [("sembilan", 9)]
    assert values("dua belas ribu orang, twenty-one people") == [("dua belas ribu", 12000), ("twenty-one", 21)]
    assert values("salah satu guru, satu-satunya sekolah, one of them, Rp 10 juta") == []


def test_english_dates_renders_each_date_once_and_skips_clock_times_and_weeks():
    assert english_dates("Peristiwa ini terjadi pada Senin (20/10) sekitar pukul 13.00 WIT.") == ["Monday (20/10)"]
    assert english_dates("Pada tanggal 23 Desember, The New York Times melaporkan.") == ["23 December"]
    assert english_dates("Dibangun tahun 2022, dilaporkan 12 Oktober 2024, lalu Mei 2025.") == \
        ["2022", "12 October 2024", "May 2025"]
    assert english_dates("Sepanjang minggu lalu harga naik 2,5 persen.") == []
    assert english_dates("Rapat digelar Minggu (2/11) dan lagi pada Minggu (2/11).") == ["Sunday (2/11)"]


def test_english_dates_keeps_since_and_until_and_takes_no_year_that_names_something():
    assert english_dates("Misi itu berakhir sejak tahun 2017.") == ["since 2017"]
    assert english_dates("Pendapatan sampai 30 September 2025 mencapai Rp 1.863,3 triliun.") == [
        "until 30 September 2025"]
    assert english_dates("Trump menarik AS dari Perjanjian Paris 2015 dan APBN 2025.") == []
