"""Vector stores: Milvus (Lite in this process, and a standalone Milvus Lite server) against FAISS, with the
real e5 embedder and the seed articles; incremental sync, rebuild, repair after a crash, clear errors."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from qa.index import PassageIndex, sync_index
from qa.retrieve import Retriever
from qa.settings import Settings
from qa.vectors import VectorStoreError, make_vector_store, parse_store_spec
from qa.vectors.milvus import MARKER, collection_name

from conftest import ROOT, SEEDS, free_port

QUESTION = "Who proposed the troop deployment?"


@pytest.fixture
def index_copy(tmp_path, seeds_index):
    """A private copy of the seed index folder (its vectors reused, nothing embedded)."""
    target = tmp_path / "index"
    shutil.copytree(seeds_index.directory, target)
    return target


class RememberingEmbedder:
    """The real e5 embedder, each question embedded once for the whole file (e5 is slow on a busy CPU)."""

    def __init__(self, inner):
        self.inner, self.name, self.dimension, self.memory = inner, inner.name, inner.dimension, {}

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        if text not in self.memory:
            self.memory[text] = self.inner.embed_query(text)
        return self.memory[text]


@pytest.fixture(scope="module")
def e5_once(e5):
    return RememberingEmbedder(e5)


def milvus_spec(where, tmp_path, request) -> str:
    """Milvus Lite in this process, or the standalone Milvus Lite server."""
    return "milvus:" + (request.getfixturevalue("milvus_server") if where == "server" else str(tmp_path / "lite.db"))


def held_rows(index: PassageIndex) -> set[str]:
    store = index.store
    rows = store.client.query(store.collection, filter='id != ""', output_fields=["id"], limit=10_000)
    return {r["id"] for r in rows}


@pytest.mark.parametrize("where", ["lite", "server"])
def test_milvus_finds_what_faiss_flat_finds(where, tmp_path, request, seeds_index, e5_once, retrieval_questions):
    spec = milvus_spec(where, tmp_path, request)
    milvus_index = PassageIndex.load(seeds_index.directory, vector_store=spec)
    try:
        assert milvus_index.store_sync.inserted == len(seeds_index) == milvus_index.store.count()
        faiss_retriever, milvus_retriever = Retriever(seeds_index, e5_once), Retriever(milvus_index, e5_once)
        for item in retrieval_questions:
            for language in ("en", "id"):
                query = e5_once.embed_query(item[language])
                faiss_dense, milvus_dense = seeds_index.search_dense(query, 10), milvus_index.search_dense(query, 10)
                assert [r for r, _ in milvus_dense] == [r for r, _ in faiss_dense], item[language]
                assert [s for _, s in milvus_dense] == pytest.approx([s for _, s in faiss_dense], abs=1e-5)
                fused = [r.id for r in faiss_retriever.search(item[language], k=5)]
                assert [r.id for r in milvus_retriever.search(item[language], k=5)] == fused, item[language]
    finally:
        milvus_index.close()


def test_incremental_sync_writes_only_what_changed(tmp_path, articles_copy, index_copy, e5):
    spec = f"milvus:{tmp_path / 'lite.db'}"
    index, report = sync_index(articles_copy, index_copy, e5, vector_store=spec)
    assert not report.written and report.store_sync.inserted == 26 and report.store_sync.deleted == 0
    assert "26 rows inserted" in report.summary()

    index, report = sync_index(articles_copy, index_copy, e5, vector_store=spec)  # unchanged: nothing written
    assert not report.store_sync.wrote and index.store.count() == 26
    assert not PassageIndex.load(index_copy, vector_store=spec).store_sync.wrote

    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru terhadap Pyongyang.\n", "utf-8")
    index, report = sync_index(articles_copy, index_copy, e5, vector_store=spec)
    assert (report.store_sync.inserted, report.store_sync.deleted) == (2, 0) and index.store.count() == 28
    best, _ = index.search_dense(e5.embed_query("sanksi baru terhadap Pyongyang"), 1)[0]
    assert index.passages[best].article == "baru" and "Seoul" in index.passages[best].text

    (articles_copy / "baru.txt").write_text("Berita baru\nTokyo mengumumkan bantuan baru untuk Kyiv.\n", "utf-8")
    index, report = sync_index(articles_copy, index_copy, e5, vector_store=spec)
    assert report.changed == ["baru"] and (report.store_sync.inserted, report.store_sync.deleted) == (1, 1)

    (articles_copy / "baru.txt").unlink()
    index, report = sync_index(articles_copy, index_copy, e5, vector_store=spec)
    assert (report.store_sync.inserted, report.store_sync.deleted) == (0, 2) and index.store.count() == 26
    assert held_rows(index) == {p.id for p in index.passages}
    assert index.store.client.describe_collection(index.store.collection)["properties"][MARKER] == index.version.name


def test_collection_of_another_embedder_is_rebuilt(tmp_path, articles_copy, index_copy, e5, minilm):
    spec = f"milvus:{tmp_path / 'lite.db'}"
    sync_index(articles_copy, index_copy, e5, vector_store=spec)
    index, report = sync_index(articles_copy, index_copy, minilm, vector_store=spec)
    assert "embedder 'e5-small'" in report.store_sync.rebuilt_because
    assert report.store_sync.inserted == 26 and index.store.count() == 26
    properties = index.store.client.describe_collection(index.store.collection)["properties"]
    assert properties["kutip.embedder"] == minilm.name
    query = minilm.embed_query(QUESTION)
    assert [r for r, _ in index.search_dense(query, 5)] == [r for r, _ in PassageIndex.load(index_copy).search_dense(query, 5)]


def test_a_crash_between_the_local_switch_and_milvus_is_repaired(tmp_path, articles_copy, index_copy, e5):
    spec = f"milvus:{tmp_path / 'lite.db'}"
    index, _ = sync_index(articles_copy, index_copy, e5, vector_store=spec)
    client, name = index.store.client, index.store.collection

    # the local index moves on and Milvus is never told: what a process killed after the switch leaves
    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru terhadap Pyongyang.\n", "utf-8")
    local, report = sync_index(articles_copy, index_copy, e5)
    assert report.written and index.store.count() == 26
    assert client.describe_collection(name)["properties"][MARKER] not in ("", local.version.name)
    repaired = PassageIndex.load(index_copy, vector_store=spec)
    assert (repaired.store_sync.inserted, repaired.store_sync.deleted) == (2, 0)
    assert held_rows(repaired) == {p.id for p in repaired.passages}

    # rows lost behind a current marker, then a stale marker over complete rows
    client.delete(name, ids=["baru#1", "000_bf74d578131212df#1"])
    repaired = PassageIndex.load(index_copy, vector_store=spec)
    assert (repaired.store_sync.inserted, repaired.store_sync.deleted) == (2, 0) and repaired.store.count() == 28
    client.alter_collection_properties(name, properties={MARKER: "v-stale"})
    repaired = PassageIndex.load(index_copy, vector_store=spec)
    assert not repaired.store_sync.wrote
    assert client.describe_collection(name)["properties"][MARKER] == repaired.version.name


def test_milvus_hnsw_then_faiss_hnsw_writes_its_file_without_embedding(tmp_path, articles_copy, e5):
    index_dir = tmp_path / "index"
    milvus_index, _ = sync_index(articles_copy, index_dir, e5, index_kind="hnsw",
                                 vector_store=f"milvus:{tmp_path / 'lite.db'}")
    store = milvus_index.store
    assert store.client.describe_index(store.collection, "vector")["index_type"] == "HNSW"
    assert not any(index_dir.glob("segments/*/dense.faiss"))  # no FAISS index when Milvus is the store
    index, report = sync_index(articles_copy, index_dir, e5, index_kind="hnsw")
    assert report.written and report.embedded == 0 and index.store.count() == 26
    assert len(list(index_dir.glob("segments/*/dense.faiss"))) == 1
    query = e5.embed_query(QUESTION)
    assert [r for r, _ in milvus_index.search_dense(query, 5)] == [r for r, _ in index.search_dense(query, 5)]


def test_rebuild_empties_the_collection_first(tmp_path, articles_copy, index_copy, e5):
    spec = f"milvus:{tmp_path / 'lite.db'}"
    sync_index(articles_copy, index_copy, e5, vector_store=spec)
    index, report = sync_index(articles_copy, index_copy, e5, rebuild=True, vector_store=spec)
    assert report.store_sync.rebuilt_because == "a rebuild was asked for"
    assert report.store_sync.inserted == 26 and index.store.count() == 26


def test_unreachable_server_is_a_clear_error(index_copy):
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(VectorStoreError, match=f"cannot connect to the Milvus server at {uri}.*check that it is running"):
        PassageIndex.load(index_copy, vector_store=f"milvus:{uri}")


@pytest.mark.parametrize("spec", ["", "faiss2", "FAISS:x", "milvus", "milvus:", "milvus:ftp://host",
                                  "milvus:http://", "milvus:unix:/tmp/m.sock", "qdrant:http://localhost:6333"])
def test_bad_specs_are_refused_naming_the_accepted_forms(spec, tmp_path):
    with pytest.raises(ValueError, match="use faiss, milvus:<Milvus Lite data folder.*milvus:http://host:port"):
        make_vector_store(spec, tmp_path)


def test_spec_forms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse_store_spec("milvus:kutip.db").target == str(tmp_path / "kutip.db")  # relative to the cwd
    assert parse_store_spec("milvus:http://10.0.0.5:19530").target == "http://10.0.0.5:19530"
    assert not parse_store_spec("milvus:https://milvus.example:443").is_lite
    assert collection_name(tmp_path / "a") != collection_name(tmp_path / "b")
    assert collection_name(tmp_path / "a").startswith("kutip_")
    assert Settings.from_env({"KUTIP_VECTOR_STORE": "milvus:x.db"}).vector_store == "milvus:x.db"


def test_a_bad_spec_fails_before_embedding(articles_copy, tmp_path):
    class Refusing:
        name, dimension = "refusing", 384

        def embed_passages(self, texts):
            raise AssertionError("nothing should be embedded")

    with pytest.raises(ValueError, match="unknown vector store"):
        sync_index(articles_copy, tmp_path / "index", Refusing(), vector_store="milvus")


def run_cli(*args, cwd=ROOT, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_cli_search_with_milvus_equals_faiss(tmp_path, seeds_index):
    where = ["--articles", str(SEEDS), "--index", str(seeds_index.directory)]

    def ids(result):
        assert result.returncode == 0, result.stderr
        return [hit["passage"] for hit in json.loads(result.stdout)]

    default = ids(run_cli("search", QUESTION, "--json", *where))
    assert ids(run_cli("search", QUESTION, "--json", *where, "--vector-store", f"milvus:{tmp_path / 'cli.db'}")) == default
    # the setting from the environment, a path relative to the current directory
    from_env = run_cli("search", QUESTION, "--json", *where, cwd=tmp_path, env_extra={"KUTIP_VECTOR_STORE": "milvus:env.db"})
    assert ids(from_env) == default and (tmp_path / "env.db").is_dir()

    closed = f"http://127.0.0.1:{free_port()}"
    failed = run_cli("search", QUESTION, *where, "--vector-store", f"milvus:{closed}")
    assert failed.returncode == 2 and f"error: cannot connect to the Milvus server at {closed}" in failed.stderr
    assert "Traceback" not in failed.stderr and failed.stdout == ""


def test_the_milvus_token_setting_reaches_the_server_connection(tmp_path, articles_copy, index_copy, e5, milvus_server):
    """KUTIP_MILVUS_TOKEN ("user:password" or an API key) is what pymilvus connects with; the standalone
    Milvus Lite server asks for no token and answers as before."""
    from qa.retrieve import open_retriever

    settings = Settings.from_env({"KUTIP_MILVUS_TOKEN": "root:Milvus", "KUTIP_VECTOR_STORE": f"milvus:{milvus_server}"})
    assert settings.milvus_token == "root:Milvus"
    retriever, _ = open_retriever(settings.replace(articles_dir=articles_copy, index_dir=index_copy), embedder=e5)
    assert retriever.index.store.client._config.token == "root:Milvus"
    assert retriever.search(QUESTION, k=1)
    retriever.index.close()


def test_row_vectors_take_equals_row_by_row(seeds_index):
    import numpy as np

    vectors = seeds_index.vectors
    rows = [len(vectors) - 1, 0, 5, 5, 3]
    assert np.array_equal(vectors.take(rows), np.vstack([vectors[r] for r in rows]))
    assert vectors.take([]).shape == (0, vectors.dimension)
    with pytest.raises(IndexError):
        vectors.take([len(vectors)])
