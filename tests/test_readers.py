"""Article readers on real documents: news pages with their furniture, PDFs and Word files made from the seed
text and from articles written for the tests, and the bad files people really have."""

from __future__ import annotations

import re
import socket

import pytest

from conftest import SEEDS
from documents import (BOILERPLATE, JEMBATAN_LOMBOK, PASAR_TERAPUNG, docx_bytes, index_page, login_wall,
                       news_page, pdf_bytes, scanned_pdf, seed_title_and_paragraphs)
from qa.ingest import article_from_bytes, load_folder
from qa.readers import ArticleError, read_document

LIMIT = 5_000_000
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def words(text: str) -> str:
    return " ".join(text.split())


def boilerplate_in(text: str) -> list[str]:
    return [line for line in BOILERPLATE if re.search(r"(?<!\w)" + re.escape(line) + r"(?!\w)", text)]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: readers never fetch what a page points to."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a reader tried to connect: {args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_a_news_page_gives_the_article_and_none_of_the_furniture(seed, no_network):
    title, paragraphs = seed_title_and_paragraphs(seed)
    document = read_document("page.html", news_page(title, paragraphs), LIMIT)
    assert boilerplate_in(document.text) == []
    for paragraph in paragraphs:
        assert words(paragraph) in words(document.text)
    assert document.text.startswith(title)
    assert (document.title, document.date, document.url, document.author) == (
        title, "2025-10-16", "https://news.detik.com/berita/d-8161234/contoh", "Tim detikcom")
    assert document.source.lower() == "detiknews"


def test_a_saved_page_is_the_same_article_as_its_text_file():
    seed = SEED_FILES[0]
    title, paragraphs = seed_title_and_paragraphs(seed)
    from_text = article_from_bytes("a", seed.name, seed.read_bytes(), LIMIT)
    from_page = article_from_bytes("b", "page.html", news_page(title, paragraphs), LIMIT)
    assert from_page.content_key == from_text.content_key
    assert [p.text for p in from_page.passages[1:]] == [p.text for p in from_text.passages[1:]]
    assert (from_page.source, from_page.date) == ("Detiknews", "2025-10-16")


@pytest.mark.parametrize("data", [index_page(), login_wall()], ids=["index page", "login wall"])
def test_a_page_without_an_article_is_refused(data):
    with pytest.raises(ArticleError, match="no article text found"):
        read_document("front.html", data, LIMIT)


def test_a_pdf_keeps_its_text_title_and_pages():
    title, paragraphs = PASAR_TERAPUNG
    data = pdf_bytes(title, paragraphs * 6)  # long enough for two pages
    article = article_from_bytes("pasar", "pasar.pdf", data, LIMIT)
    assert article.title == title and article.author == "Redaksi" and article.format == "pdf"
    assert article.date is None  # a PDF's creation date is not the article's
    body = words(article.text)
    for paragraph in paragraphs:
        assert words(paragraph) in body
    pages = [p.page for p in article.passages]
    assert pages[0] == 1 and pages[-1] == 2 and pages == sorted(pages)
    first_on_two = next(p for p in article.passages if p.page == 2)
    assert article.passages[0].page == 1 and first_on_two.start >= read_document(
        "pasar.pdf", data, LIMIT).page_starts[1] - 2


def test_a_pdf_title_that_is_not_in_the_text_gives_way_to_the_first_line():
    title, paragraphs = JEMBATAN_LOMBOK
    article = article_from_bytes("j", "j.pdf", pdf_bytes(title, paragraphs, metadata_title="Microsoft Word - doc1"), LIMIT)
    assert article.title == title


def test_a_pdf_with_an_empty_user_password_is_read():
    title, paragraphs = JEMBATAN_LOMBOK
    document = read_document("j.pdf", pdf_bytes(title, paragraphs, user_password=""), LIMIT)
    assert words(paragraphs[0]) in words(document.text)


def test_a_word_file_gives_paragraphs_tables_and_properties():
    title, paragraphs = PASAR_TERAPUNG
    data = docx_bytes(title, paragraphs, table=[["Tahun", "Pengunjung"], ["2024", "3.100 orang"]])
    article = article_from_bytes("pasar", "pasar.docx", data, LIMIT)
    assert article.title == title and article.author == "Redaksi" and article.format == "docx"
    assert article.text.count(title) == 1  # the heading and the title property are one title
    for paragraph in paragraphs:
        assert words(paragraph) in words(article.text)
    assert "2024 | 3.100 orang" in article.text


def test_the_same_article_as_text_pdf_and_word_has_one_content_key():
    title, paragraphs = JEMBATAN_LOMBOK
    text = f"{title}\n\n" + "\n\n".join(paragraphs) + "\n"
    keys = {article_from_bytes("x", name, data, LIMIT).content_key for name, data in [
        ("x.txt", text.encode()), ("x.pdf", pdf_bytes(title, paragraphs)), ("x.docx", docx_bytes(title, paragraphs)),
        ("x.html", news_page(title, paragraphs))]}
    assert len(keys) == 1


def _broken_files():
    title, paragraphs = PASAR_TERAPUNG
    pdf = pdf_bytes(title, paragraphs)
    word = docx_bytes(title, paragraphs)
    return [
        ("scan.pdf", scanned_pdf(), "no text layer.*needs OCR"),
        ("locked.pdf", pdf_bytes(title, paragraphs, user_password="rahasia"), "encrypted with a password"),
        ("cut.pdf", pdf[: len(pdf) // 2], "truncated"),
        ("garbled.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage\n%%EOF", "damaged"),
        ("cut.docx", word[: len(word) // 2], "damaged"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "password-protected or old-format"),
        ("empty.docx", docx_bytes("", []), "no text"),
        ("page.pdf", news_page(title, paragraphs), "the name says .pdf but it is HTML"),
        ("report.docx", pdf, "the name says .docx but it is PDF"),
        ("notes.txt", pdf, "the name says .txt but it is PDF"),
        ("page.html", b"just some words, not a page at all", "its content is not HTML"),
        ("big.html", b"<html>" + b" " * 200, "over the limit"),
        ("sheet.xlsx", b"PK\x03\x04", "kutip reads .txt, .md, .html"),
    ]


@pytest.mark.parametrize("name, data, reason", _broken_files(), ids=lambda v: v if isinstance(v, str) and "." in v else "")
def test_bad_files_are_refused_with_the_reason(name, data, reason):
    limit = 100 if name == "big.html" else LIMIT
    with pytest.raises(ArticleError, match=reason) as raised:
        read_document(name, data, limit)
    assert str(raised.value).startswith(name)


def test_a_folder_of_mixed_formats_reads_every_good_file_and_reports_every_bad_one(tmp_path):
    title, paragraphs = PASAR_TERAPUNG
    (tmp_path / "pasar.html").write_bytes(news_page(title, paragraphs))
    (tmp_path / "jembatan.pdf").write_bytes(pdf_bytes(*JEMBATAN_LOMBOK))
    (tmp_path / "seed.txt").write_bytes(SEED_FILES[0].read_bytes())
    (tmp_path / "laporan.docx").write_bytes(docx_bytes(*JEMBATAN_LOMBOK[:1], ["Laporan singkat tentang jembatan "
                                                                              "gantung di Sembalun yang baru."]))
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf())
    (tmp_path / "front.htm").write_bytes(index_page())
    articles, skipped = load_folder(tmp_path)
    assert sorted(a.id for a in articles) == ["jembatan", "laporan", "pasar", "seed"]
    assert sorted(s.path.name for s in skipped) == ["front.htm", "scan.pdf"]
    assert all(s.path.name in str(s) for s in skipped)


def test_a_word_title_property_that_is_not_in_the_text_gives_way_to_the_first_line():
    import docx as python_docx
    import io

    title, paragraphs = JEMBATAN_LOMBOK
    document = python_docx.Document()
    document.core_properties.title = "Template Berita Mingguan"
    document.add_paragraph(title)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    assert article_from_bytes("j", "j.docx", out.getvalue(), LIMIT).title == title


def test_a_title_that_wraps_in_a_pdf_still_finds_the_duplicate():
    title = ("Jembatan Gantung Baru Sepanjang Seratus Dua Puluh Meter Akhirnya Hubungkan Dua Desa Terpencil di "
             "Kecamatan Sembalun Lombok Timur")
    paragraphs = JEMBATAN_LOMBOK[1]
    text = f"{title}\n\n" + "\n\n".join(paragraphs) + "\n"
    from_text = article_from_bytes("t", "t.txt", text.encode(), LIMIT)
    from_pdf = article_from_bytes("p", "p.pdf", pdf_bytes(title, paragraphs), LIMIT)
    assert from_pdf.content_key == from_text.content_key


def _with_compression_method(data: bytes, method: int) -> bytes:
    """A zip whose entries claim a compression method this Python cannot read."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            patched[start + offset:start + offset + 2] = method.to_bytes(2, "little")
            start += 4
    return bytes(patched)


@pytest.mark.parametrize("name", ["odd.docx", "odd.txt"])
def test_a_library_error_on_a_strange_file_is_a_refusal_not_a_crash(name, tmp_path):
    data = _with_compression_method(docx_bytes(*JEMBATAN_LOMBOK), 99)
    with pytest.raises(ArticleError) as raised:
        read_document(name, data, LIMIT)
    assert str(raised.value).startswith(name)
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text("Judul\n\nSebuah artikel pendek yang baik.\n")
    articles, skipped = load_folder(tmp_path)
    assert [a.id for a in articles] == ["good"] and [s.path.name for s in skipped] == [name]


def test_text_that_unpacks_far_beyond_the_limit_is_refused():
    title, paragraphs = PASAR_TERAPUNG
    data = docx_bytes(title, paragraphs * 400)  # 38 KB of .docx, 222,000 characters of text
    with pytest.raises(ArticleError, match="over the limit"):
        read_document("long.docx", data, len(data))  # the file fits; its text does not
