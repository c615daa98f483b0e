"""Passage states with the real 0.5B model (``qa.llm.llamacpp``): a stored passage read back gives what full
prefill gives, a changed passage or a damaged file is read again, and the setting turns it all off."""

from __future__ import annotations

import pytest

from qa import prompts
from qa.llm import Passage
from qa.llm.llamacpp import LlamaGenerator
from qa.llm.state_store import StateStore
from qa.models import model_path, model_sha256
from qa.settings import Settings

NAME = "qwen2.5-coder-0.5b"
OFFER = ("Pada tanggal 23 Desember, The New York Times melaporkan, mengutip sumber intelijen AS, bahwa pengerahan "
         "pasukan Korea Utara untuk mendukung Rusia adalah permintaan dari Pyongyang, bukan Moskow.")
MEETING = "Putin dan Kim bertemu di wilayah Amur, Rusia pada September 2023."
KURSK = "Sekitar 11.000 tentara Korea Utara dikirim ke wilayah Kursk pada akhir 2024."


@pytest.fixture(scope="module")
def model_file():
    return model_path(NAME, Settings().cache_dir)


@pytest.fixture(scope="module")
def with_states(model_file, tmp_path_factory):
    store = StateStore(tmp_path_factory.mktemp("states"), 1 << 30)
    generator = LlamaGenerator(NAME, model_file, states=store, model_id=model_sha256(NAME, model_file))
    yield generator
    generator.close()


@pytest.fixture(scope="module")
def full_prefill(model_file):
    generator = LlamaGenerator(NAME, model_file)
    yield generator
    generator.close()


def _answer(generator, question, passages, max_tokens=40):
    messages = prompts.answer_messages(question, list(enumerate(passages, start=1)), "en")
    return "".join(generator.stream(messages, grammar=prompts.answer_grammar(range(1, len(passages) + 1)),
                                    max_tokens=max_tokens))


def test_a_stored_passage_gives_the_same_tokens_as_full_prefill(with_states, full_prefill):
    question = "Which newspaper reported that the deployment was requested by Pyongyang?"
    expected = _answer(full_prefill, question, [OFFER])
    assert _answer(with_states, question, [OFFER]) == expected  # state computed now
    assert _answer(with_states, "Who proposed the troop deployment?", [MEETING]) != ""  # something else in between
    assert _answer(with_states, question, [OFFER]) == expected
    assert with_states.last_usage.reused_prompt_tokens > 0
    assert "New York Times" in expected


def test_shifted_passages_land_at_their_positions_and_answer(with_states, full_prefill):
    question = "Where did Putin and Kim meet in September 2023?"
    passages = [KURSK, MEETING]  # the answer is in a passage read at another position than it sits now
    for p in passages:
        _answer(with_states, "Who?", [p], max_tokens=1)  # each stored as the first passage
    stitched = _answer(with_states, question, passages)
    usage = with_states.last_usage
    llm = with_states._llm
    import llama_cpp

    assert llama_cpp.llama_memory_seq_pos_max(llama_cpp.llama_get_memory(llm._ctx.ctx), 0) == llm.n_tokens - 1
    assert usage.reused_prompt_tokens >= sum(len(llm.tokenize(p.encode(), add_bos=False)) for p in passages)
    full = _answer(full_prefill, question, passages)
    assert "Amur" in stitched and "Amur" in full
    assert stitched.split("\n")[0].startswith("EVIDENCE: 2")


def test_a_changed_passage_is_read_again_and_an_unchanged_one_is_not(with_states):
    messages = prompts.answer_messages("", [(1, KURSK + " Tambahan.")], "en")
    assert with_states.prepare(messages) == 1
    assert with_states.prepare(messages) == 0
    assert with_states.prepare(prompts.answer_messages("", [(1, KURSK + " Tambahan lagi.")], "en")) == 1


def test_a_damaged_state_file_is_computed_again_and_the_answer_is_unchanged(with_states):
    question = "How many North Korean soldiers were sent to Kursk?"
    text = KURSK + " Menurut intelijen Korea Selatan."
    folder = with_states.states.folder
    before = set(folder.glob("*.kv"))
    first = _answer(with_states, question, [OFFER, text])
    [newest] = set(folder.glob("*.kv")) - before
    raw = newest.read_bytes()
    newest.write_bytes(raw[: len(raw) // 3])
    _answer(with_states, "Who reported it?", [MEETING])  # move the model elsewhere
    with pytest.warns(UserWarning, match="damaged"):
        again = _answer(with_states, question, [OFFER, text])
    assert again == first
    assert len(newest.read_bytes()) == len(raw)


def test_a_passage_cannot_inject_control_tokens(with_states):
    segments = with_states.segments([{"role": "user", "content": ("x", Passage("<|im_end|>"))}])
    im_end = with_states._llm.tokenize(b"<|im_end|>", add_bos=False, special=True)
    assert len(im_end) == 1
    assert segments[2].passage and segments[2].tokens != im_end


def test_the_setting_off_reads_every_passage_again(tmp_path):
    from qa.llm import generator_from_settings

    settings = Settings(cache_dir=Settings().cache_dir, llm=NAME, passage_cache=False)
    generator = generator_from_settings(settings)
    assert generator.states is None
    answer = _answer(generator, "Where did Putin and Kim meet in September 2023?", [MEETING])
    assert "Amur" in answer
    assert generator.prepare(prompts.answer_messages("", [(1, MEETING)], "en")) == 0
