"""Reading JSON replies while they stream (``qa.llm.partial_json``)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from qa import prompts
from qa.llm.partial_json import JsonRenderer, parse_partial_json


@given(evidence=st.lists(st.integers(1, 9), max_size=4),
       answer=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_every_prefix_of_a_json_reply_renders_a_prefix_of_the_whole(evidence, answer):
    full = json.dumps({"evidence": evidence, "answer": answer})
    output = prompts.answer_schema(range(1, 10))
    whole = output.render(json.loads(full))
    seen = ""
    for i in range(len(full) + 1):
        value = parse_partial_json(full[:i])
        text = output.render(value if isinstance(value, dict) else {})
        assert text.startswith(seen) and whole.startswith(text)
        seen = text
    assert seen == whole == f"EVIDENCE: {', '.join(map(str, evidence)) or 'NONE'}\nANSWER: {answer}"


def test_partial_json_keeps_only_finished_values_and_the_string_being_written():
    assert parse_partial_json('{"evidence": [1, 2') == {}
    assert parse_partial_json('{"evidence": [1, 2], "answer": "Korea Ut') == {"evidence": [1, 2], "answer": "Korea Ut"}
    assert parse_partial_json('{"a": 12') == {}
    assert parse_partial_json('{"a": "x\\u00') == {"a": "x"}
    assert parse_partial_json('{"a": "x\\') == {"a": "x"}
    assert parse_partial_json("") is None


def test_the_renderer_streams_the_text_form_and_passes_plain_text_through():
    renderer = JsonRenderer(prompts.answer_schema([1, 2]))
    pieces = ['{"evid', 'ence": [2], "ans', 'wer": "Pyongyang', ' [2]"}']
    assert "".join(renderer.feed(p) for p in pieces) + renderer.finish() == "EVIDENCE: 2\nANSWER: Pyongyang [2]"
    plain = JsonRenderer(prompts.answer_schema([1]))
    assert plain.feed("EVIDENCE: 1\n") + plain.feed("ANSWER: x [1]") + plain.finish() == "EVIDENCE: 1\nANSWER: x [1]"
