"""`python -m qa eval` end to end on a few gold items with the real 0.5B model: the command and its report
cannot silently break. (The full gold set runs by hand: see the README.)"""

import json
import subprocess
import sys

from conftest import ROOT

IDS = ["g03", "g26", "g32", "g48", "g54"]  # EN factual, ID paraphrase, EN follow-up, EN and ID unanswerable


def test_eval_runs_the_pipeline_and_writes_the_report(tmp_path):
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "qa", "eval", "--model", "qwen2.5-coder-0.5b", "--ids", ",".join(IDS),
         "--index", str(tmp_path / "index"), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert [item["id"] for item in report["items"]] == IDS
    overall = report["overall"]
    assert overall["items"] == 5 and overall["accuracy"]["of"] == 3
    assert overall["abstention_recall"] == {"count": 2, "of": 2, "rate": 1.0}  # no names of theirs in the articles
    assert overall["retrieval_recall"]["@10"]["count"] == 3
    assert overall["strict_accuracy"]["of"] == 3 and overall["in_language"]["of"] == 5
    assert overall["latency_ms"]["total_p50"] > 0
    assert set(report["by_language"]) == {"en", "id"}
    markdown = (out / "report.md").read_text("utf-8")
    assert "| all | 5 |" in markdown and markdown in result.stdout


def test_eval_retrieval_only_reports_recall_per_language_without_a_model(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "qa", "eval", "--retrieval-only", "--articles", str(ROOT / "seeds"),
         "--index", str(tmp_path / "index")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = {line.split("|")[1].strip(): line for line in result.stdout.splitlines() if line.startswith("| ")}
    assert set(rows) >= {"en", "id", "all"} and "/47 |" in rows["all"]
    assert "2 articles" in result.stdout and "search p50" in result.stdout


def test_eval_refuses_a_broken_gold_file(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "x", "question": "q"}\n', "utf-8")
    result = subprocess.run([sys.executable, "-m", "qa", "eval", str(gold), "--index", str(tmp_path / "index")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "line 1" in result.stderr and result.stdout == ""
