"""Shared fixtures: the real embedder and a real index of the seed articles, built once per session."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def e5():
    from embeddings import get_embedder

    return get_embedder("e5-small")


@pytest.fixture(scope="session")
def small_model():
    """The real 0.5B generator, loaded once (and assembled from its packages on first use)."""
    from qa.llm import load_generator
    from qa.settings import Settings

    return load_generator("qwen2.5-coder-0.5b", Settings().cache_dir, threads=2)


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, e5):
    from qa.index import sync_index

    index_dir = tmp_path_factory.mktemp("seeds-index")
    index, _ = sync_index(SEEDS, index_dir, e5)
    return index


@pytest.fixture(scope="session")
def hashed_seeds_index(tmp_path_factory):
    """A real index of the seed articles (FAISS, BM25, manifest) built with the hashing test embedder:
    for tests of the pipeline's logic, with no model file."""
    from doubles import HashingEmbedder
    from qa.index import sync_index

    index, _ = sync_index(SEEDS, tmp_path_factory.mktemp("hashed-seeds-index"), HashingEmbedder())
    return index


@pytest.fixture
def articles_copy(tmp_path) -> Path:
    """A private, writable copy of the seed articles."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def retrieval_questions() -> list[dict]:
    return read_jsonl(DATA / "retrieval_questions.jsonl")


def start_app(folder: Path, articles: Path | None = None) -> tuple[subprocess.Popen, str, Path]:
    """app.py as a process on a free loopback port with the 0.5B model and an index in ``folder``; returns
    (process, url, log file) once the page answers. Output goes to a file, never to an unread pipe."""
    port = free_port()
    env = dict(os.environ, KUTIP_LLM="qwen2.5-coder-0.5b", KUTIP_INDEX_DIR=str(folder / "index"))
    command = [sys.executable, "app.py", "--port", str(port)] + (["--articles", str(articles)] if articles else [])
    log = folder / "app.log"
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("the app exited:\n" + log.read_text())
        try:
            urllib.request.urlopen(url, timeout=2)
            return process, url, log
        except OSError:
            time.sleep(1)
    process.kill()
    pytest.fail("the app did not start in time:\n" + log.read_text())


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def minilm():
    from embeddings import get_embedder

    return get_embedder("sentence-transformers:all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """A standalone Milvus Lite gRPC server (``python -m milvus_lite server``) on a free loopback port;
    yields its URI once it accepts connections, and is killed at the end."""
    folder = tmp_path_factory.mktemp("milvus-server")
    port = free_port()
    log = folder / "server.log"
    command = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(folder / "data"),
               "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail("the Milvus Lite server exited:\n" + log.read_text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the Milvus Lite server did not start in time:\n" + log.read_text())
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()
