"""Answer matching, gold loading and scoring of the eval, on hand-written answers (no model)."""

import json

import pytest

from qa.assistant import Answer, Citation
from qa.evaluate import (DEFAULT_GOLD, GoldError, GoldItem, answer_is_correct, contains, load_gold,
                         normalise_for_match, report_markdown, build_report, score_item)


@pytest.mark.parametrize("answer, alternative", [
    ("Up to 12.000 soldiers [1].", "12,000"),
    ("Hingga 12,000 tentara [1].", "12000"),
    ("more than three thousand casualties", "3,000"),
    ("lebih dari tiga ribu korban", "3.000"),
    ("dua belas ribu tentara", "12,000"),
    ("On 23 Desember [1]", "December 23"),
    ("Pada tanggal 23 Desember", "23 December"),
    ("a $20 billion loan", "20 miliar"),
    ("The NEW YORK TIMES reported", "New York Times"),
])
def test_matching_forgives_form(answer, alternative):
    assert contains(answer, alternative)


@pytest.mark.parametrize("answer, alternative", [
    ("112,000 soldiers", "12,000"),
    ("12,0001 soldiers", "12,000"),
    ("1,000 casualties", "10,000"),
    ("in November", "December"),
    ("Korea Selatan", "Korea Utara"),
])
def test_matching_is_strict_on_substance(answer, alternative):
    assert not contains(answer, alternative)


def test_number_words_become_digits():
    assert "12000" in normalise_for_match("twelve thousand")
    assert "1500" in normalise_for_match("seribu lima ratus")
    assert normalise_for_match("the one who offered") == "the one who offered"  # a lone "one" is a word


def test_every_group_must_match_and_must_not_must_not():
    item = GoldItem("x", "q", "en", "conflicting", passages=("a#1",), must=(("12,000",), ("10,000",)),
                    must_not=("Jake Sullivan",))
    assert answer_is_correct("12.000 by US count [1], 10.000 by Ukraine [2]", item)
    assert not answer_is_correct("12,000 [1]", item)
    assert not answer_is_correct("12,000 and 10,000, said Jake Sullivan", item)


def test_the_projects_gold_set_is_valid_and_broad():
    items = load_gold(DEFAULT_GOLD)
    kinds = {i.kind for i in items}
    assert len(items) >= 50 and kinds >= {"factual", "paraphrase", "followup", "both_articles", "conflicting",
                                          "unanswerable"}
    assert sum(i.kind == "unanswerable" for i in items) >= 10
    assert {i.language for i in items} == {"en", "id"}


def test_the_gold_passages_exist_and_hold_the_numbers(seeds_index):
    texts = {p.id: p.text for p in seeds_index.passages}
    for item in load_gold(DEFAULT_GOLD):
        assert set(item.passages) <= set(texts), item.id
        support = " ".join(texts[p] for p in item.passages)
        for group in item.must:  # numbers and dates read the same in both languages
            if any(ch.isdigit() for alt in group for ch in alt):
                assert any(contains(support, alt) for alt in group), (item.id, group)


@pytest.mark.parametrize("content, message", [
    ('{"id": "a"}\n', "not a gold item"),
    ('{"id": "a", "question": "q", "language": "fr", "kind": "factual"}\n', "language"),
    ('{"id": "a", "question": "q", "language": "en", "kind": "factual"}\n', "needs"),
])
def test_bad_gold_lines_are_named(tmp_path, content, message):
    path = tmp_path / "gold.jsonl"
    path.write_text(content, "utf-8")
    with pytest.raises(GoldError, match=message):
        load_gold(path)


def _answer(text, cited, abstained=False):
    citations = [Citation(n, p.split("#")[0], p, "text", "title", 1, None, 1.0) for n, p in enumerate(cited, 1)]
    return Answer(question="q", answer=text, abstained=abstained, extractive=False, citations=citations,
                  passages=citations, standalone_question="q", language="en",
                  timings={"total_ms": 1000.0, "first_token_ms": 500.0, "prompt_tokens": 300, "completion_tokens": 20})


def test_scoring_and_report():
    answerable = GoldItem("a", "q", "en", "factual", passages=("x#1",), must=(("Amur",),))
    unanswerable = GoldItem("u", "q", "id", "unanswerable")
    results = [
        score_item(answerable, _answer("In Amur [1] [2]", ["x#1", "x#2"]), ["x#2", "x#1"]),
        score_item(unanswerable, _answer("Artikel-artikel ini tidak menyebutkannya.", [], abstained=True), ["x#3"]),
    ]
    assert results[0].correct and results[0].supporting_cited and not results[0].only_supporting_cited
    assert results[0].retrieved_rank == 2 and results[1].correct
    report = build_report(results, "m", DEFAULT_GOLD, 2.0)
    overall = report["overall"]
    assert overall["accuracy"]["count"] == 1 and overall["retrieval_recall"]["@1"]["count"] == 0
    assert overall["retrieval_recall"]["@3"]["count"] == 1
    assert overall["abstention_precision"]["rate"] == 1.0 and overall["false_abstentions"]["count"] == 0
    markdown = report_markdown(report)
    assert "| all | 2 |" in markdown and "| id | 1 |" in markdown
    json.dumps(report)
