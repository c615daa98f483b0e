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
    version = index_dir / (index_dir / "CURRENT").read_text().strip()
    (version / "vectors.npy").write_bytes(b"garbage")
    searched = run("search", "Kim", *args)  # search repairs a damaged index from the articles, and says so
    assert searched.returncode == 0 and "rebuilding the index" in searched.stderr and "damaged" in searched.stderr
    (index_dir / "CURRENT").write_text("v-missing")
    rebuilt = run("index", "--rebuild", *args)
    assert rebuilt.returncode == 0 and "26 passages embedded" in rebuilt.stderr
    shutil.rmtree(index_dir)
