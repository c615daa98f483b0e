"""The answer decision (``qa.decision``), rule by rule, on small passages: pure logic, no model, no index."""

from __future__ import annotations

import pytest

from qa import prompts
from qa.decision import after_generation, before_generation

PASSAGES = [
    "Surat kabar The New York Times melaporkan bahwa pengerahan pasukan itu adalah permintaan dari Pyongyang.",
    "Menurut pejabat AS, sekitar 12.000 tentara Korea Utara telah dikerahkan ke Rusia.",
    "Pejabat Korea Selatan mengatakan sedikitnya 1.000 korban di antara tentara Korea Utara.",
]


def never() -> tuple[int, str]:
    raise AssertionError("the closest sentence was asked for where no quote is due")


def test_rule_1_abstains_without_passages_or_when_a_name_of_the_question_is_in_none():
    assert before_generation("Who won?", [], "en").problems == ("no passage mentions '(no passages)'",)
    absent = before_generation("What did Zelensky say about Pyongyang?", PASSAGES, "en")
    assert absent.abstained and absent.text == prompts.ABSTAIN_REPLY["en"] and absent.citations == ()
    assert absent.problems == ("no passage mentions 'Zelensky'",)
    assert before_generation("Siapa yang meminta pengerahan pasukan Korea Utara?", PASSAGES, "id") is None


@pytest.mark.parametrize("raw", ["EVIDENCE: NONE\nANSWER: NONE", "EVIDENCE: NONE\nANSWER: Pyongyang [1]", "", "EVIDENCE: \nANSWER: "])
def test_rule_2_abstains_when_the_model_names_no_evidence(raw):
    decided = after_generation("Who asked for the deployment?", "en", raw, PASSAGES, never)
    assert decided.abstained and decided.text == prompts.ABSTAIN_REPLY["en"] and decided.citations == ()


def test_rule_3_keeps_an_answer_its_passages_support_and_drops_markers_that_point_nowhere():
    decided = after_generation("Who asked for the deployment?", "en",
                               "EVIDENCE: 1\nANSWER: Pyongyang asked for it [1] [9].", PASSAGES, never)
    assert decided.text == "Pyongyang asked for it [1]." and decided.citations == (1,)
    assert not (decided.abstained or decided.extractive)
    assert decided.problems == ("marker [9] points at no passage",)


def test_rule_3_an_answer_citing_a_passage_the_model_was_not_shown_fails():
    shown = [PASSAGES[0], None, PASSAGES[2]]
    decided = after_generation("Who asked for the deployment?", "en", "EVIDENCE: 2\nANSWER: Pyongyang [2]", shown,
                               lambda: (1, "permintaan dari Pyongyang."))
    assert decided.extractive and decided.citations == (1,)


def test_rule_4_quotes_the_closest_sentence_when_the_answer_invents_a_fact():
    asked = []

    def closest():
        asked.append(True)
        return 1, "Surat kabar The New York Times melaporkan [3] bahwa itu permintaan dari Pyongyang."

    decided = after_generation("Which newspaper reported it?", "en",
                               "EVIDENCE: 1\nANSWER: The Washington Post reported it on 23 December [1].", PASSAGES,
                               closest)
    assert asked and decided.extractive and not decided.abstained and decided.citations == (1,)
    assert decided.text == (f"{prompts.EXTRACTIVE_PREFIX['en']} “Surat kabar The New York Times melaporkan bahwa itu "
                            "permintaan dari Pyongyang.” [1]")  # a marker inside the quote is never carried over
    assert "'Washington' is not in the cited passage" in decided.problems


def test_rule_4_a_how_many_answer_with_a_figure_that_counts_something_else_is_replaced_by_the_asked_one():
    decided = after_generation("How many casualties have North Korean troops suffered?", "en",
                               "EVIDENCE: 2\nANSWER: 12,000 [2]", PASSAGES, never)
    assert decided.extractive and decided.citations[0] == 3 and "1.000 korban" in decided.text
    assert "12.000" not in decided.text
    assert any("not the figure the question asks for" in p for p in decided.problems)


def test_rule_5_a_right_figure_gets_the_other_figures_that_match_as_well():
    passages = PASSAGES[:2] + ["Badan intelijen Korea Selatan memperkirakan 10.000 tentara Korea Utara dikerahkan."]
    decided = after_generation("How many North Korean troops have been deployed?", "en",
                               "EVIDENCE: 2\nANSWER: 12,000 [2]", passages, never)
    assert not decided.extractive
    assert decided.text == f"12,000 [2] {prompts.OTHER_FIGURES['en']} 10.000 tentara [3]." and decided.citations == (2, 3)
