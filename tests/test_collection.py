"""The articles folder and its index changed through ``qa.collection.Collection`` (the app's Articles tab and
the Python API): a real index, rebuilt incrementally, with the hashing test embedder."""

from __future__ import annotations

import pytest

from doubles import HashingEmbedder
from qa.collection import Collection
from qa.ingest import ArticleError
from qa.settings import Settings


@pytest.fixture
def collection(tmp_path, articles_copy) -> Collection:
    settings = Settings().replace(articles_dir=articles_copy, index_dir=tmp_path / "index", embedder="test-hashing")
    return Collection(settings, embedder=HashingEmbedder())


def ids(collection: Collection) -> list[str]:
    return [a.id for a in collection.articles()]


def test_adding_a_file_and_a_pasted_article_updates_the_index(collection):
    before = ids(collection)
    message = collection.add_file("rapat.txt", "Rapat PBB\n\nDewan Keamanan PBB bertemu pada hari Selasa.\n".encode())
    assert message.startswith("added rapat.txt (2 passages).") and "1 added" in message  # the title is one
    assert collection.retriever.search("Kapan Dewan Keamanan PBB bertemu?", k=1)[0].passage.article == "rapat"
    collection.add_pasted("Banjir Bogor", "Banjir merendam tiga desa di Bogor pada hari Rabu.")
    assert ids(collection) == sorted(before + ["rapat", "banjir-bogor"])
    assert collection.report.embedded == 2 and collection.report.reused > 20  # only the new text was embedded


def test_removing_an_article_takes_its_passages_out(collection):
    collection.add_pasted("Banjir Bogor", "Banjir merendam tiga desa di Bogor pada hari Rabu.")
    assert "1 removed" in collection.remove("banjir-bogor")
    assert "banjir-bogor" not in ids(collection) and not (collection.folder / "banjir-bogor.txt").exists()
    assert all(r.passage.article != "banjir-bogor" for r in collection.retriever.search("banjir Bogor", k=10))


@pytest.mark.parametrize("name, data, reason", [
    ("x.txt", b"\xff\xfe\x00binary", "binary file"),
    ("x.txt", "Judul\n\nIsi berita.".encode("cp1252") + b"\xe9\xff", "UTF-8"),
    ("../x.txt", b"Judul\n\nIsi berita.", "folders"),
    ("x.pdf", b"Judul\n\nIsi berita.", "the name says .pdf but its content is not PDF"),
    ("x.xlsx", b"Judul\n\nIsi berita.", "only .txt, .md"),
])
def test_a_refused_file_changes_nothing(collection, name, data, reason):
    before, version = ids(collection), collection.retriever.index.version
    with pytest.raises(ArticleError, match=reason):
        collection.add_file(name, data)
    assert ids(collection) == before and collection.retriever.index.version == version
    assert not (collection.folder / "x.txt").exists()


def test_the_same_text_under_another_name_is_refused(collection):
    first = next(collection.folder.glob("*.txt"))
    with pytest.raises(ArticleError, match=f"already in the collection as {first.name}"):
        collection.add_file("copy.txt", first.read_bytes())


def test_a_failed_re_index_undoes_the_change_and_the_old_index_keeps_serving(collection, tmp_path):
    collection.add_pasted("Rapat PBB", "Dewan Keamanan PBB bertemu pada hari Selasa.")
    before = ids(collection)
    (tmp_path / "blocker").write_text("not a folder")
    collection.settings = collection.settings.replace(index_dir=tmp_path / "blocker" / "index")
    with pytest.raises(OSError):
        collection.add_pasted("Rapat lain", "Rapat lain diadakan hari Rabu.")
    assert not (collection.folder / "rapat-lain.txt").exists()  # the edit was undone
    assert ids(collection) == before  # the old index still serves
    assert collection.retriever.search("Kapan Dewan Keamanan PBB bertemu?", k=1)[0].passage.article == "rapat-pbb"


def test_many_files_at_once_each_added_skipped_or_refused_with_one_re_index(collection):
    from documents import JEMBATAN_LOMBOK, PASAR_TERAPUNG, news_page, pdf_bytes, scanned_pdf, seed_title_and_paragraphs

    seed = sorted(collection.folder.glob("*.txt"))[0]
    jembatan_pdf = pdf_bytes(*JEMBATAN_LOMBOK)
    before, version = ids(collection), collection.retriever.index.version
    results, message = collection.add_files([
        ("pasar.html", news_page(*PASAR_TERAPUNG)),
        ("jembatan.pdf", jembatan_pdf),
        ("jembatan-lagi.pdf", jembatan_pdf),  # the same article twice in one batch
        ("seed-as-page.html", news_page(*seed_title_and_paragraphs(seed))),  # already there as .txt
        (f"{seed.stem}.html", news_page("Judul lain", ["Sebuah artikel lain yang kebetulan memakai nama berkas "
                                                       "yang sama dengan artikel yang sudah ada di folder ini."])),
        ("scan.pdf", scanned_pdf()),
    ])
    assert [r.status for r in results] == ["added", "added", "duplicate", "duplicate", "added", "refused"]
    assert "jembatan.pdf" in results[2].message and seed.name in results[3].message
    assert results[4].message.startswith(f"added as {seed.stem}-2.html")
    assert "needs OCR" in results[5].message
    assert message.startswith("3 of 6 files added.") and "3 added" in message
    assert collection.retriever.index.version != version
    assert ids(collection) == sorted(before + ["pasar", "jembatan", f"{seed.stem}-2"])
    pasar = next(a for a in collection.articles() if a.id == "pasar")
    assert (pasar.title, pasar.date, pasar.source, pasar.format) == (PASAR_TERAPUNG[0], "2025-10-16", "Detiknews", "html")
    hit = collection.retriever.search("Berapa perahu pedagang di pasar terapung Lok Baintan?", k=1)[0]
    assert hit.passage.article == "pasar" and hit.article.source == "Detiknews"
    assert collection.retriever.search("jembatan gantung Sembalun", k=1)[0].passage.page == 1


def test_a_batch_whose_re_index_fails_leaves_no_file_behind(collection, tmp_path):
    from documents import JEMBATAN_LOMBOK, PASAR_TERAPUNG, news_page, pdf_bytes

    before = sorted(p.name for p in collection.folder.iterdir())
    (tmp_path / "blocker").write_text("not a folder")
    collection.settings = collection.settings.replace(index_dir=tmp_path / "blocker" / "index")
    with pytest.raises(OSError):
        collection.add_files([("pasar.html", news_page(*PASAR_TERAPUNG)), ("j.pdf", pdf_bytes(*JEMBATAN_LOMBOK))])
    assert sorted(p.name for p in collection.folder.iterdir()) == before
