"""Adding and removing articles: bad uploads are refused with a clear message and change nothing."""

import os

import pytest

from qa.articles import add_article, add_pasted_article, file_name_for_title, remove_article, safe_file_name
from qa.ingest import ArticleError

LIMIT = 100_000
GOOD = "Judul artikel baru\n\nPresiden mengumumkan rencana baru pada hari Senin. Rencana itu disambut baik.\n".encode()


def listing(folder):
    return sorted((p.name, p.read_bytes()) for p in folder.iterdir())


@pytest.mark.parametrize("name", ["../evil.txt", "a/b.txt", "..\\evil.txt", "/etc/passwd.txt", ".hidden.txt",
                                  "..", "notes.xlsx", "notes.pdf", "x\x00.txt", "bad\n.txt", "a" * 200 + ".txt", ""])
def test_names_that_could_escape_or_are_not_articles_are_refused(articles_copy, name):
    before = listing(articles_copy)
    with pytest.raises(ArticleError):
        add_article(articles_copy, name, GOOD, LIMIT)
    assert listing(articles_copy) == before
    assert not (articles_copy.parent / "evil.txt").exists()


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe\x00b\x00a\x00d", "binary"),
    ("Judul\n\ncaf\u00e9".encode("latin-1"), "not UTF-8"),
    (b"   \n\n  ", "empty"),
    (b"x" * (LIMIT + 1), "over the limit"),
])
def test_broken_files_are_refused(articles_copy, data, message):
    before = listing(articles_copy)
    with pytest.raises(ArticleError, match=message):
        add_article(articles_copy, "new.txt", data, LIMIT)
    assert listing(articles_copy) == before


def test_duplicate_content_and_taken_names_are_refused(articles_copy):
    seed = next(articles_copy.iterdir())
    with pytest.raises(ArticleError, match="same text"):
        add_article(articles_copy, "copy.txt", seed.read_bytes(), 10_000_000)
    with pytest.raises(ArticleError, match="already an article"):
        add_article(articles_copy, seed.stem + ".md", GOOD, LIMIT)


def test_a_good_upload_is_written_and_can_be_removed(articles_copy):
    before = listing(articles_copy)
    article = add_article(articles_copy, "baru.txt", GOOD, LIMIT)
    assert article.id == "baru" and article.title == "Judul artikel baru" and article.passages
    assert (articles_copy / "baru.txt").read_bytes() == GOOD
    assert not [p for p in articles_copy.iterdir() if p.name.startswith(".")]  # no temporary file left
    assert remove_article(articles_copy, "baru") == GOOD
    assert listing(articles_copy) == before
    with pytest.raises(ArticleError, match="no article"):
        remove_article(articles_copy, "../seeds")


def test_pasted_article_gets_a_file_name_from_its_title(articles_copy):
    article = add_pasted_article(articles_copy, "Rapat Dewan Keamanan PBB: hasil?", "Dewan bertemu hari Selasa.", LIMIT)
    assert article.path.name == "rapat-dewan-keamanan-pbb-hasil.txt"
    assert article.title == "Rapat Dewan Keamanan PBB: hasil?"
    with pytest.raises(ArticleError, match="title"):
        add_pasted_article(articles_copy, "  ", "text", LIMIT)
    with pytest.raises(ArticleError, match="empty"):
        add_pasted_article(articles_copy, "A title", "  ", LIMIT)
    assert file_name_for_title("Ünïcode — Çase") == "unicode-case.txt"
    assert safe_file_name("Berita 1.md") == "Berita 1.md"
    assert os.sep not in file_name_for_title("a/../../b")


def test_a_batch_renames_taken_names_and_never_overwrites(articles_copy):
    from qa.articles import add_articles

    stem = "berita-" + "x" * 85  # 96 characters with .txt: a renamed copy must be cut to fit
    texts = [f"Judul {n}\n\nIsi berita nomor {n} yang berbeda dari yang lain.\n".encode() for n in range(4)]
    results = add_articles(articles_copy, [(f"{stem}.txt", t) for t in texts[:3]] + [("BARU.txt", texts[3])], LIMIT)
    assert [r.status for r in results] == ["added"] * 4
    names = [r.article.path.name for r in results]
    assert len(set(n.casefold() for n in names)) == 4
    assert sorted((articles_copy / n).read_bytes() for n in names) == sorted(texts)
    again = add_articles(articles_copy, [("baru.txt", b"Judul lain\n\nIsi lain sama sekali, bukan yang tadi.\n")], LIMIT)
    assert again[0].article.path.name == "baru-2.txt"  # BARU.txt holds the id "baru" on a case-blind disk


def test_a_batch_that_fails_midway_leaves_no_file_behind(articles_copy, monkeypatch):
    import qa.articles as articles

    before = listing(articles_copy)
    writes = []

    def write_then_fail(path, data):
        if writes:
            raise OSError(28, "No space left on device")
        writes.append(path)
        path.write_bytes(data)

    monkeypatch.setattr(articles, "atomic_write_bytes", write_then_fail)
    with pytest.raises(OSError):
        articles.add_articles(articles_copy, [("a.txt", b"Judul A\n\nIsi artikel A.\n"),
                                              ("b.txt", b"Judul B\n\nIsi artikel B.\n")], LIMIT)
    assert writes and listing(articles_copy) == before
