from pathlib import Path

import pytest

from qa.ingest import ArticleError, load_article, load_folder, parse_article, sentence_spans

from conftest import SEEDS

SEED_A = SEEDS / "000_bf74d578131212df.txt"
SEED_B = SEEDS / "002_b61871bac814194b.txt"


def _offsets_hold(article):
    for p in article.passages:
        assert " ".join(article.text[p.start : p.end].split()) == p.text


def test_seed_article_passages_follow_paragraphs():
    article = load_article(SEED_A)
    assert article.id == "000_bf74d578131212df"
    assert article.title.startswith("Pemerintahan Biden berjanji")
    assert len(article.title) <= 121
    assert len(article.passages) == 14
    assert [p.id for p in article.passages[:2]] == ["000_bf74d578131212df#1", "000_bf74d578131212df#2"]
    assert [p.paragraph for p in article.passages] == list(range(1, 15))
    assert all(p.language == "id" for p in article.passages)
    _offsets_hold(article)


def test_line_broken_mid_sentence_is_joined():
    article = load_article(SEED_A)
    joined = [p for p in article.passages if "Jake Sullivan, bertemu Andriy Yermak" in p.text]
    assert len(joined) == 1
    assert "\n" in article.text[joined[0].start : joined[0].end]
    assert not any(p.text.startswith("Andriy Yermak") for p in article.passages)


def test_source_url_kept_and_boilerplate_dropped():
    article = load_article(SEED_B)
    assert article.source_url and article.source_url.startswith("https://thanhnien.vn/")
    texts = " ".join(p.text for p in article.passages)
    assert "Komentar" not in texts
    assert "Sumber:" not in texts
    assert len(article.passages) == 12
    _offsets_hold(article)


def test_title_line_without_punctuation_stands_alone():
    article = parse_article("x", "Korea Utara tawarkan pasukan\nBadan intelijen AS meyakini hal itu.\n")
    assert article.title == "Korea Utara tawarkan pasukan"
    assert [p.text for p in article.passages] == ["Korea Utara tawarkan pasukan", "Badan intelijen AS meyakini hal itu."]


def test_hard_wrapped_paragraphs_separated_by_blank_lines():
    text = "# Title\n\nFirst paragraph is wrapped\nacross two lines.\n\nSecond one\nalso wrapped, and ends\n"
    article = parse_article("md", text)
    assert article.title == "Title"
    assert [p.text for p in article.passages] == [
        "# Title", "First paragraph is wrapped across two lines.", "Second one also wrapped, and ends"]
    _offsets_hold(article)


def test_long_paragraph_windowed_on_sentences_under_budget():
    sentences = [f"Sentence number {i} has exactly eight words here." for i in range(30)]
    article = parse_article("long", "Title\n" + " ".join(sentences) + "\n", max_words=40)
    body = article.passages[1:]
    assert len(body) > 1
    assert all(len(p.text.split()) <= 40 for p in body)
    assert all(p.paragraph == 2 for p in body)
    assert all(p.text.endswith(".") for p in body)  # cut between sentences
    assert " ".join(p.text for p in body) == " ".join(sentences)
    _offsets_hold(article)


def test_a_single_giant_sentence_is_cut_on_words():
    article = parse_article("giant", "Title\n" + " ".join(["kata"] * 500) + "\n", max_words=100)
    assert [len(p.text.split()) for p in article.passages[1:]] == [100] * 5
    _offsets_hold(article)


def test_sentence_spans_do_not_split_numbers():
    text = "Lebih dari 1.000 korban. Ukraina mengklaim 3,000! Benarkah?"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Lebih dari 1.000 korban.", "Ukraina mengklaim 3,000!", "Benarkah?"]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("latin1.txt", "Caf\xe9 ini bagus.".encode("latin-1"), "not UTF-8"),
        ("empty.txt", b"  \n\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("only-comments.txt", b"Komentar (0)\n", "boilerplate"),
        ("notes.xlsx", b"PK\x03\x04", "not an article"),
        ("notes.pdf", b"%PDF-1.4", "truncated"),
    ],
)
def test_bad_files_give_a_clear_message_naming_the_file(tmp_path: Path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ArticleError) as raised:
        load_article(path)
    assert name in str(raised.value) and reason in str(raised.value)


def test_too_large_file_is_refused(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_text("Kalimat. " * 1000, "utf-8")
    with pytest.raises(ArticleError, match="over the limit"):
        load_article(path, max_bytes=1000)


def test_folder_skips_bad_files_and_keeps_the_rest(articles_copy: Path):
    (articles_copy / "broken.txt").write_bytes(b"Berita \xff\xfe rusak.")
    (articles_copy / "readme.json").write_text("{}", "utf-8")
    (articles_copy / "000_bf74d578131212df.md").write_text("Duplikat.\n", "utf-8")
    articles, skipped = load_folder(articles_copy)
    assert [a.id for a in articles] == ["002_b61871bac814194b"]
    messages = [str(s) for s in skipped]
    assert any("broken.txt" in m and "not UTF-8" in m for m in messages)
    clash = [m for m in messages if "share the article id '000_bf74d578131212df'" in m]
    assert len(clash) == 2
    assert not any("readme.json" in m for m in messages)


def test_crlf_and_bom_are_handled(tmp_path: Path):
    path = tmp_path / "win.txt"
    path.write_bytes("\ufeffJudul\r\nKalimat pertama yang\r\nterpotong.\r\n".encode("utf-8"))
    article = load_article(path)
    assert article.title == "Judul"
    assert [p.text for p in article.passages] == ["Judul", "Kalimat pertama yang terpotong."]
    _offsets_hold(article)
