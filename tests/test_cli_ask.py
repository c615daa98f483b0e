"""`python -m qa ask --json` and `--batch`: the contract other tools rely on, with the real 0.5B model."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT

MODEL = ["--model", "qwen2.5-coder-0.5b"]


def ask(tmp_path, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "qa", "ask", *MODEL, "--index", str(tmp_path / "index"), *args],
                          cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=900)


def _check_object(obj):
    assert {"question", "answer", "abstained", "citations", "passages", "timings"} <= set(obj)
    assert isinstance(obj["answer"], str) and isinstance(obj["abstained"], bool)
    citation_keys = {"n", "article", "passage", "text", "title", "date", "source", "url", "page"}
    for c in obj["citations"]:
        assert set(c) == citation_keys
    for p in obj["passages"]:
        assert set(p) == citation_keys | {"score"}
    assert set(obj["timings"]) == {"retrieve_ms", "first_token_ms", "total_ms", "prompt_tokens", "completion_tokens",
                                   "passages_reread"}


def test_single_question_json(tmp_path):
    result = ask(tmp_path, "What is the capital of Australia?", "--json")
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    _check_object(obj)
    assert obj["abstained"] and obj["citations"] == []


def test_batch_prints_one_object_per_line_in_order(tmp_path):
    lines = [
        {"question": "Which newspaper reported that the deployment was requested by Pyongyang?"},
        {"question": "Which newspaper first reported that?", "history": [
            {"role": "user", "content": "Who proposed the troop deployment?"},
            {"role": "assistant", "content": "North Korea offered the troops [1]."}]},
        {"question": "Apa ibu kota Australia?", "history": []},
    ]
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n", "utf-8")
    result = ask(tmp_path, "--json", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["question"] for o in objects] == [line["question"] for line in lines]
    for obj in objects:
        _check_object(obj)
    assert objects[2]["abstained"] and "tidak" in objects[2]["answer"]


@pytest.mark.parametrize("content, message", [("not json\n", "not JSON"), ('{"q": 1}\n', "expected")])
def test_bad_batch_file_is_a_clear_error(tmp_path, content, message):
    batch = tmp_path / "bad.jsonl"
    batch.write_text(content, "utf-8")
    result = ask(tmp_path, "--json", "--batch", str(batch))
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def test_empty_question_exits_non_zero(tmp_path):
    result = ask(tmp_path, "   ", "--json")
    assert result.returncode == 2 and "empty" in result.stderr
