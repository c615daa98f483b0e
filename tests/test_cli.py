"""The command line as scripts use it: real processes, real index, JSON on stdout."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT


def run(*args, cwd=ROOT, env_extra=None):
    import os

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


@pytest.fixture(scope="module")
def cli_dirs(tmp_path_factory):
    import shutil

    base = tmp_path_factory.mktemp("cli")
    shutil.copytree(ROOT / "seeds", base / "articles")
    return ["--articles", str(base / "articles"), "--index", str(base / "index")]


def test_index_then_nothing_to_do(cli_dirs):
    first = run("index", *cli_dirs)
    assert first.returncode == 0, first.stderr
    assert "26 passages embedded" in first.stderr
    second = run("index", *cli_dirs)
    assert second.returncode == 0 and "up to date" in second.stderr and "nothing embedded" in second.stderr


def test_search_json_contract(cli_dirs):
    result = run("search", "Who proposed the troop deployment?", "--k", "3", "--json", *cli_dirs)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert [set(h) for h in hits] == [{"article", "passage", "text", "score"}] * 3
    assert "002_b61871bac814194b#1" in [h["passage"] for h in hits]
    assert hits[0]["score"] >= hits[-1]["score"]


def test_empty_question_is_an_error_on_stderr(cli_dirs):
    result = run("search", "  ", *cli_dirs)
    assert result.returncode == 2 and "question is empty" in result.stderr and result.stdout == ""


def test_corrupted_index_message_then_rebuild(tmp_path, cli_dirs):
    import shutil

    index_dir = tmp_path / "index"
    args = ["--articles", cli_dirs[1], "--index", str(index_dir)]
    assert run("index", *args).returncode == 0
    (segment,) = (index_dir / "segments").iterdir()
    (segment / "vectors.npy").write_bytes(b"garbage")
    searched = run("search", "Kim", *args)  # search repairs a damaged index from the articles, and says so
    assert searched.returncode == 0 and "rebuilding the index" in searched.stderr and "damaged" in searched.stderr
    (index_dir / "CURRENT").write_text("v-missing")
    rebuilt = run("index", "--rebuild", *args)
    assert rebuilt.returncode == 0 and "26 passages embedded" in rebuilt.stderr
    shutil.rmtree(index_dir)


def test_add_a_folder_of_mixed_formats(tmp_path):
    import shutil

    from documents import JEMBATAN_LOMBOK, PASAR_TERAPUNG, docx_bytes, index_page, news_page, pdf_bytes, scanned_pdf

    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", articles)
    inbox = tmp_path / "inbox"
    (inbox / "saved" / "page_files").mkdir(parents=True)
    (inbox / "saved" / "page.html").write_bytes(news_page(*PASAR_TERAPUNG))
    (inbox / "saved" / "page_files" / "script.js").write_text("trackPageview()")  # what a browser saves beside
    (inbox / "jembatan.pdf").write_bytes(pdf_bytes(*JEMBATAN_LOMBOK))
    (inbox / "jembatan.docx").write_bytes(docx_bytes(*JEMBATAN_LOMBOK))  # the same article again
    (inbox / "scan.pdf").write_bytes(scanned_pdf())
    (inbox / "front.html").write_bytes(index_page())
    (inbox / ".hidden.txt").write_text("Judul\n\nTersembunyi.")
    dirs = ["--articles", str(articles), "--index", str(tmp_path / "index"), "--embedder", "e5-small"]
    result = run("add", str(inbox), "--json", *dirs)
    assert result.returncode == 1, result.stderr  # some files were refused
    rows = {json.loads(line)["file"].split("inbox/")[1]: json.loads(line) for line in result.stdout.splitlines()}
    assert {name: row["status"] for name, row in rows.items()} == {
        "front.html": "refused", "jembatan.docx": "added", "jembatan.pdf": "duplicate", "saved/page.html": "added",
        "scan.pdf": "refused"}
    assert "needs OCR" in rows["scan.pdf"]["message"] and "no article text" in rows["front.html"]["message"]
    assert "left out 1 file(s) of other formats" in result.stderr and "2 of 5 files added." in result.stderr
    assert sorted(p.name for p in articles.iterdir() if p.suffix != ".txt") == ["jembatan.docx", "page.html"]
    search = run("search", "perahu pedagang pasar terapung", "--json", "--k", "1", *dirs)
    assert json.loads(search.stdout)[0]["article"] == "page"
