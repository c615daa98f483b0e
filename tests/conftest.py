"""Shared fixtures: the real embedder and a real index of the seed articles, built once per session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def e5():
    from embeddings import get_embedder

    return get_embedder("e5-small")


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, e5):
    from qa.index import sync_index

    index_dir = tmp_path_factory.mktemp("seeds-index")
    index, _ = sync_index(SEEDS, index_dir, e5)
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
