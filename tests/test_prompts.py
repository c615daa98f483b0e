"""The prompts and grammars (``qa.prompts``): what the model is asked, and that llama.cpp accepts the forms."""

from __future__ import annotations

import json

import pytest
from llama_cpp import LlamaGrammar

from qa import prompts
from qa.llm.base import content_text


@pytest.mark.parametrize("verdicts", [(), prompts.VERDICTS["en"], prompts.VERDICTS["id"]])
def test_every_answer_grammar_compiles(verdicts):
    assert LlamaGrammar.from_string(prompts.answer_grammar([1, 3, 4], verdicts), verbose=False) is not None


def test_the_yes_no_grammar_asks_the_fact_before_the_verdict():
    grammar = prompts.answer_grammar([1, 2], prompts.VERDICTS["id"])
    assert '"\\nFACT: " answer "\\nANSWER: " verdict' in grammar and 'verdict ::= "Ya" | "Tidak" | "Belum"' in grammar
    assert "FACT" not in prompts.answer_grammar([1, 2])


def test_a_yes_no_question_changes_only_what_follows_the_passages():
    passages = [(1, "Korea Utara menawarkan pasukan."), (2, "Moskow membantah.")]
    plain = prompts.answer_messages("Did Moscow deny it?", passages, "en")
    yes_no = prompts.answer_messages("Did Moscow deny it?", passages, "en", yes_no=True)
    assert plain[0] == yes_no[0] and plain[1]["content"][:-1] == yes_no[1]["content"][:-1]
    assert prompts.YES_NO_TASK in content_text(yes_no[1]["content"])


def test_the_json_form_of_a_yes_no_answer_renders_as_the_text_form():
    output = prompts.answer_schema([1, 2], prompts.VERDICTS["en"])
    assert output.schema["required"] == ["evidence", "fact", "answer"]
    assert output.schema["properties"]["answer"]["enum"] == ["NONE", "Yes", "No", "Not yet"]
    reply = json.loads('{"evidence": [2], "fact": "Moscow denied it [2].", "answer": "Yes"}')
    assert output.render(reply) == "EVIDENCE: 2\nFACT: Moscow denied it [2].\nANSWER: Yes"


def test_an_answer_prompt_gives_messages_grammar_and_schema_of_one_form():
    passages = [(2, "Moskow membantah."), (1, "Korea Utara menawarkan pasukan.")]
    messages, grammar, schema = prompts.answer_prompt("Apakah Moskow membantah?", passages, "id", yes_no=True)
    assert messages == prompts.answer_messages("Apakah Moskow membantah?", passages, "id", yes_no=True)
    assert grammar == prompts.answer_grammar([1, 2], prompts.VERDICTS["id"])
    assert schema.schema == prompts.answer_schema([1, 2], prompts.VERDICTS["id"]).schema
    messages, grammar, schema = prompts.answer_prompt("Who denied it?", passages, "en")
    assert grammar == prompts.answer_grammar([1, 2]) and "fact" not in schema.schema["properties"]
