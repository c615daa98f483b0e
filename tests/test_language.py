from qa.language import detect_language, english_gloss, normalise_number, search_terms


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
