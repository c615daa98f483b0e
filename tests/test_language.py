from qa.language import detect_language, normalise_number, search_terms


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
