"""The real Gradio app, started as a process on loopback, asked through its named API endpoint."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = _free_port()
    env = dict(os.environ, KUTIP_LLM="qwen2.5-coder-0.5b",
               KUTIP_INDEX_DIR=str(tmp_path_factory.mktemp("app-index")))
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("the app exited:\n" + process.stdout.read())
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(1)
    else:
        process.kill()
        pytest.fail("the app did not start in time")
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_page_is_served_on_loopback(app_url):
    page = urllib.request.urlopen(app_url, timeout=10).read().decode("utf-8")
    assert "kutip" in page


def test_named_ask_endpoint_returns_the_cli_json(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict("Which newspaper reported that the deployment was requested by Pyongyang?", [],
                            api_name="/ask")
    assert {"question", "answer", "abstained", "citations", "passages", "timings"} <= set(result)
    assert result["citations"] and not result["abstained"]
    assert "002_b61871bac814194b#3" in [p["passage"] for p in result["passages"]]


def test_collection_change_updates_the_index_and_rolls_back_on_failure(tmp_path, articles_copy):
    import app
    from qa.articles import add_pasted_article
    from qa.settings import Settings

    settings = Settings().replace(articles_dir=articles_copy, index_dir=tmp_path / "index")
    collection = app.Collection(settings)
    ids = [row[0] for row in collection.rows()]

    def edit():
        article = add_pasted_article(articles_copy, "Rapat PBB", "Dewan Keamanan PBB bertemu pada hari Selasa.", 10_000)
        return "added.", article.path.unlink

    message = collection.change(edit)
    assert "1 added" in message and [row[0] for row in collection.rows()] == sorted(ids + ["rapat-pbb"])
    assert collection.retriever.search("Kapan Dewan Keamanan PBB bertemu?", k=1)[0].passage.article == "rapat-pbb"

    def edit_second():
        article = add_pasted_article(articles_copy, "Rapat lain", "Rapat lain diadakan hari Rabu.", 10_000)
        return "added.", article.path.unlink

    collection.settings = settings.replace(index_dir=tmp_path / "blocker" / "index")
    (tmp_path / "blocker").write_text("not a folder")
    with pytest.raises(OSError):
        collection.change(edit_second)
    assert not (articles_copy / "rapat-lain.txt").exists()  # the edit was undone
    assert [row[0] for row in collection.rows()] == sorted(ids + ["rapat-pbb"])  # the old index still serves
