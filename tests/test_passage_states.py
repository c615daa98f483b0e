"""Passage states with the real 0.5B model (``qa.llm.llamacpp``): a stored passage read back gives what full
prefill gives, a changed passage or a damaged file is read again, and the setting turns it all off. Stored where
they are exact (the default: a passage right after the instructions) answers are full prefill's, token for token;
stitched (every passage from its state) the passages land at their positions. Greedy decoding under a grammar
(``_GreedyGrammarFirst``), the grammar's literal strings drafted and checked in batches, writes what
llama-cpp-python's sampler chain writes."""

from __future__ import annotations

import pytest

from qa import prompts
from qa.llm import Passage
from qa.llm.llamacpp import (LlamaGenerator, _context, _Drafts, _GreedyGrammarFirst, _piece, _root_prefix,
                             _until_stop, grammar_literals)
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
    """Every passage read from its stored state (``Settings.passage_stitch``)."""
    store = StateStore(tmp_path_factory.mktemp("states"), 1 << 30)
    generator = LlamaGenerator(NAME, model_file, states=store, model_id=model_sha256(NAME, model_file), stitch=True)
    yield generator
    generator.close()


@pytest.fixture(scope="module")
def exact(model_file, tmp_path_factory):
    """States used only where they are exact (the default)."""
    store = StateStore(tmp_path_factory.mktemp("exact"), 1 << 30)
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
    assert "Amur" in full
    evidence, answer = stitched.split("\n", 1)
    assert "2" in evidence and ("Amur" in answer or "Rusia" in answer)  # read from the shifted passage


def test_a_prompt_read_whole_after_a_stitched_one_reuses_no_stitched_cell(with_states, full_prefill):
    from qa.llm import read_whole

    question = "Where did Putin and Kim meet in September 2023?"
    messages = prompts.answer_messages(question, [(1, KURSK), (2, MEETING)], "en")
    grammar = prompts.answer_grammar([1, 2])
    "".join(with_states.stream(messages, grammar=grammar, max_tokens=30))
    assert with_states.last_usage.passage_states
    segments = with_states.segments(messages)
    first = next(i for i, s in enumerate(segments) if s.passage)
    stitched_from = sum(len(s.tokens) for s in segments[:first + 1])  # cells after the first passage
    whole = "".join(with_states.stream(read_whole(messages), grammar=grammar, max_tokens=30))
    assert not with_states.last_usage.passage_states
    assert with_states.last_usage.reused_prompt_tokens <= stitched_from
    assert whole == "".join(full_prefill.stream(messages, grammar=grammar, max_tokens=30))
    "".join(with_states.stream(messages, grammar=grammar, max_tokens=30))  # stitched again, then scored whole
    assert with_states.choose(read_whole(messages), "EVIDENCE: 2\nANSWER:", [" Amur", " Kursk"]) == \
        full_prefill.choose(messages, "EVIDENCE: 2\nANSWER:", [" Amur", " Kursk"])
    assert with_states._stitched_at is None


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


def test_the_prompt_is_cut_where_the_tokenizer_cuts_it(full_prefill):
    """Parts are tokenized apart; each cut must fall on a token boundary of the whole text, or a passage
    would read as words the model never sees in one piece (a lone space, a full stop apart from its line break)."""
    passages = [OFFER, MEETING, KURSK + " ", "  " + MEETING]
    messages = prompts.answer_messages("Who met where?", list(enumerate(passages, start=1)), "en")
    user = messages[1]["content"]
    pieces = [t for part in user for t in full_prefill._tokens(part, special=False)]
    assert pieces == full_prefill._tokens("".join(user), special=False)


@pytest.fixture(scope="module")
def recomputing(model_file, with_states):
    """Shares ``with_states``'s stored passages; computes the first tokens of later passages again."""
    def make(window):
        return LlamaGenerator(NAME, model_file, states=with_states.states, model_id=with_states.model_id,
                              stitch=True, recompute=window)
    made = []
    yield lambda window: made.append(make(window)) or made[-1]
    for generator in made:
        generator.close()


def test_recomputing_every_later_passage_gives_what_full_prefill_gives(recomputing, full_prefill):
    question = "Where did Putin and Kim meet in September 2023?"
    passages = [KURSK, OFFER, MEETING]
    everything = recomputing(10_000)
    for p in passages:
        everything.prepare(prompts.answer_messages("", [(1, p)], "en"))
    assert _answer(everything, question, passages) == _answer(full_prefill, question, passages)
    assert everything.last_usage.reused_prompt_tokens > 0  # the first passage, from its state


def _first_passage_tokens(generator, messages) -> int:
    segments = generator.segments(messages)
    return len(next(s for s in segments if s.passage).tokens)


def _recording(generator, monkeypatch) -> list[str]:
    """What ``_keep_context`` does from now on: "kept", "restored" or "computed", in order."""
    keep = generator._keep_context
    outcomes: list[str] = []
    monkeypatch.setattr(generator, "_keep_context", lambda context: outcomes.append(keep(context)) or outcomes[-1])
    return outcomes


def _confirm(generator, question, answer=None):
    return "".join(generator.stream(prompts.confirm_messages(OFFER, question, answer),
                                    grammar=prompts.CONFIRM_GRAMMAR, max_tokens=2))


def test_exact_states_give_full_prefills_answers_reading_only_the_first_passage_from_its_state(
        exact, full_prefill, monkeypatch):
    question = "Where did Putin and Kim meet in September 2023?"
    passages = [MEETING, KURSK, OFFER]
    assert _answer(exact, question, passages) == _answer(full_prefill, question, passages)  # its state computed now
    _confirm(exact, question)  # another prompt takes the cache in between
    outcomes = _recording(exact, monkeypatch)
    again = _answer(exact, "When did they meet?", passages)
    assert again == _answer(full_prefill, "When did they meet?", passages)
    messages = prompts.answer_messages("When did they meet?", list(enumerate(passages, start=1)), "en")
    context = len(_context(exact.segments(messages)))
    assert outcomes == ["restored"]  # the instructions put back from memory, the first passage from disk
    assert exact.last_usage.reused_prompt_tokens == context + _first_passage_tokens(exact, messages)

    # the same first passage, other passages after it: what the two prompts share stays, the rest is read
    shorter = [MEETING, OFFER]
    assert _answer(exact, question, shorter) == _answer(full_prefill, question, shorter)
    assert exact.last_usage.reused_prompt_tokens > context + _first_passage_tokens(exact, messages)
    assert outcomes == ["restored"]
    assert exact.prepare(prompts.answer_messages("", [(1, KURSK)], "en")) == 1  # a later passage stored nothing


def test_a_confirmation_reads_its_passage_from_its_state_and_answers_as_full_prefill(exact, full_prefill, monkeypatch):
    first = "Which newspaper reported that the deployment was requested by Pyongyang?"
    assert _confirm(exact, first) == _confirm(full_prefill, first)
    _answer(exact, "Who reported it?", [MEETING])  # the answer's prompt takes the cache in between
    outcomes = _recording(exact, monkeypatch)
    for question, answer, after_another_prompt in (("Did Moscow ask for the troops?", "No [1]", True),
                                                   ("Who met in Amur?", None, False)):
        assert _confirm(exact, question, answer) == _confirm(full_prefill, question, answer)
        messages = prompts.confirm_messages(OFFER, question, answer)
        stored = len(_context(exact.segments(messages))) + _first_passage_tokens(exact, messages)
        if after_another_prompt:  # the instructions from memory, the passage from disk
            assert exact.last_usage.reused_prompt_tokens == stored
        else:  # the same passage as the confirmation before: the prefix shared with it, "Question:" included
            assert exact.last_usage.reused_prompt_tokens > stored
    assert outcomes == ["restored"]  # the confirmation's instructions, kept aside beside the answer's


def test_the_confirmation_prompt_is_cut_where_the_tokenizer_cuts_it(full_prefill):
    for passage in (OFFER, MEETING + " ", "Satu dua?"):
        user = prompts.confirm_messages(passage, "Who?", "Kim [1]")[1]["content"]
        pieces = [t for part in user for t in full_prefill._tokens(part, special=False)]
        assert pieces == full_prefill._tokens("".join(user), special=False)


@pytest.mark.parametrize("window", [1, 8])
def test_a_recomputed_window_leaves_every_cell_in_place(recomputing, window):
    import llama_cpp

    generator = recomputing(window)
    passages = [KURSK, OFFER, MEETING]
    for p in passages:
        generator.prepare(prompts.answer_messages("", [(1, p)], "en"))
    answer = _answer(generator, "Where did Putin and Kim meet in September 2023?", passages)
    llm = generator._llm
    memory = llama_cpp.llama_get_memory(llm._ctx.ctx)
    assert llama_cpp.llama_memory_seq_pos_min(memory, 0) == 0
    assert llama_cpp.llama_memory_seq_pos_max(memory, 0) == llm.n_tokens - 1
    stitched_size = llama_cpp.llama_state_seq_get_size(llm._ctx.ctx, 0)  # grows with the cells: no hole, no twin
    tokens = list(llm.input_ids[:llm.n_tokens])
    llm.reset()
    llama_cpp.llama_memory_clear(memory, True)
    llm.eval(tokens)
    assert llama_cpp.llama_state_seq_get_size(llm._ctx.ctx, 0) == stitched_size
    segments = generator.segments(prompts.answer_messages("", list(enumerate(passages, 1)), "en"))
    first = next(i for i, s in enumerate(segments) if s.passage)
    kept = sum(len(s.tokens) for s in segments[:first]) + sum(len(s.tokens) for s in segments if s.passage)
    assert generator.last_usage.reused_prompt_tokens == kept - 2 * window  # the static prefix and the stored cells
    assert answer.startswith("EVIDENCE:")


@pytest.mark.parametrize("mode", ["full_prefill", "with_states"])
def test_the_instructions_are_put_back_after_another_prompt(mode, request, monkeypatch):
    generator = request.getfixturevalue(mode)
    keep = generator._keep_context
    outcomes: list[str] = []
    monkeypatch.setattr(generator, "_keep_context", lambda context: outcomes.append(keep(context)) or outcomes[-1])

    question = "Which newspaper reported that the deployment was requested by Pyongyang?"
    first = _answer(generator, question, [MEETING, OFFER])
    instructions = len(_context(generator.segments(
        prompts.answer_messages(question, [(1, MEETING), (2, OFFER)], "en"))))
    confirmed = "".join(generator.stream(prompts.confirm_messages(OFFER, question), grammar=prompts.CONFIRM_GRAMMAR,
                                            max_tokens=2))  # another prompt takes the cache
    assert confirmed in ("yes", "no")
    outcomes.clear()
    again = _answer(generator, question, [MEETING, OFFER])
    assert outcomes == ["restored"]  # put back, not read again
    assert generator.last_usage.reused_prompt_tokens >= instructions > 50
    assert again == first  # and the same answer as when they were read


def test_options_are_scored_whole_and_the_context_is_left_as_it_was(full_prefill, with_states):
    messages = [{"role": "user", "content": f"Which newspaper does this report cite?\n{OFFER}"}]
    options = [" Kompas", " The New York Times", " Tempo"]  # the right one takes several tokens
    assert full_prefill.choose(messages, "The report cites", options) == " The New York Times"
    question = "Which newspaper reported that the deployment was requested by Pyongyang?"
    for generator in (full_prefill, with_states):
        before = _answer(generator, question, [MEETING, OFFER])
        messages = prompts.answer_messages(question, [(1, MEETING), (2, OFFER)], "en")
        picked = generator.choose(messages, before.split("\nANSWER:")[0] + "\nANSWER:", [" Putin", " The New York Times"])
        assert picked == " The New York Times"
        assert _answer(generator, question, [MEETING, OFFER]) == before  # nothing left behind in the cache


def test_a_backend_that_cannot_score_options_gives_none():
    from qa.llm import choose
    from doubles import ScriptedGenerator

    assert choose(ScriptedGenerator(["EVIDENCE: 1\nANSWER: Ya"]), [], "EVIDENCE: 1\nANSWER:", [" Ya", " Tidak"]) is None


def test_greedy_decoding_asks_the_grammar_about_the_best_token_first_and_writes_what_the_sampler_chain_writes(
        model_file, full_prefill):
    """The generator's decoding (``_GreedyGrammarFirst``, the grammar's literals drafted and checked in batches)
    against llama-cpp-python's own ``create_completion`` and sampler chain (the grammar judging every token, a
    decode per token), on prompts where the model's best token is allowed (most steps) and where it is not (an
    unanswerable question, whose best first word the evidence grammar refuses; a yes/no grammar in lower case), and
    a rewrite that ends at a stop string."""
    from llama_cpp import Llama, LlamaGrammar

    chain = Llama(model_path=str(model_file), n_ctx=4096, n_threads=2, n_threads_batch=2, n_batch=512, verbose=False)
    try:
        cases = [(prompts.answer_messages(q, [(1, OFFER), (2, MEETING)], "en"), prompts.answer_grammar([1, 2]), 60,
                  prompts.answer_prediction([1, 2]))
                 for q in ("Who proposed the troop deployment?", "What is the capital of Australia?")]
        cases += [(prompts.answer_messages("Apakah Putin dan Kim bertemu di Amur?", [(1, MEETING)], "id", yes_no=True),
                   prompts.answer_grammar([1], prompts.VERDICTS["id"]), 60, prompts.answer_prediction([1], yes_no=True)),
                  (prompts.confirm_messages(OFFER, "Who proposed the troop deployment?"), prompts.CONFIRM_GRAMMAR, 2,
                   ""),
                  (prompts.rewrite_messages("Where did they meet?", [{"role": "user", "content": "Who met in Amur?"},
                                                                    {"role": "assistant", "content": "Putin and Kim."}]),
                   prompts.REWRITE_GRAMMAR, 60, "")]
        refused, drafted, predicted_drafts = [], 0, []
        for messages, grammar, most, prediction in cases:
            stop = ["?"] if grammar == prompts.REWRITE_GRAMMAR else []
            first = _GreedyGrammarFirst.sample
            calls = {"all": 0}

            def counting(self, ctx, idx=-1, first=first):
                before = self._logits.copy()
                token = first(self, ctx, idx)
                calls["all"] += int(not (self._logits == before).all())
                return token

            _GreedyGrammarFirst.sample = counting
            try:
                fast = "".join(full_prefill.stream(messages, grammar=grammar, max_tokens=most, stop=stop))
            finally:
                _GreedyGrammarFirst.sample = first
            predicted = "".join(full_prefill.stream(messages, grammar=grammar, max_tokens=most, stop=stop,
                                                    prediction=prediction))
            if prediction:
                predicted_drafts.append(full_prefill.last_usage.drafted_tokens)
            refused.append(calls["all"])
            drafted += full_prefill.last_usage.drafted_tokens
            tokens = [t for s in full_prefill.segments(messages) for t in s.tokens]
            chain.reset()
            expected = "".join(c["choices"][0]["text"] for c in chain.create_completion(
                prompt=tokens, temperature=0.0, top_k=1, max_tokens=most, stream=True, stop=stop or None,
                grammar=LlamaGrammar.from_string(grammar, verbose=False)))
            assert fast == predicted == expected
        assert any(refused)  # some step's best token was refused, and the whole vocabulary judged
        assert drafted >= 8  # "EVIDENCE: " and "\nANSWER: " at least, in each answer
        assert min(predicted_drafts) > 4  # "EVIDENCE: 1" at least
    finally:
        chain.close()


def test_the_grammars_literals_are_drafted_where_the_reply_spells_their_start():
    yes_no = prompts.answer_grammar([1, 2], prompts.VERDICTS["en"])
    assert grammar_literals(yes_no)[:4] == ["EVIDENCE: NONE\nANSWER: NONE", "EVIDENCE: ", "\nFACT: ", "\nANSWER: "]
    assert grammar_literals('root ::= [^"\\]]+ "a\\"b" # "comment"\nx ::= "c"') == ['a"b', "c"]
    assert _root_prefix(yes_no) == _root_prefix(prompts.answer_grammar([1])) == "EVIDENCE: "
    assert _root_prefix(prompts.CONFIRM_GRAMMAR) == "" and _root_prefix(prompts.REWRITE_GRAMMAR) == ""
    assert _root_prefix('rootx ::= "Q"\nroot ::= "AB" [)|]\n  | "AC" # | "B"\nx ::= "q"') == "A"
    assert _root_prefix('root ::= "AB"? "AC"') == _root_prefix('root ::= ("A" | "B") "C"') == ""
    assert grammar_literals('root ::= "x\\x41\\n"') == ["xA\n"]

    class Grammar:  # allows every token but "FACT"
        def allows(self, token):
            return token != "FACT"

    drafts = _Drafts(yes_no, lambda text: [text[i:i + 4] for i in range(0, len(text), 4)])
    assert drafts.at_start(Grammar()) == ["EVID", "ENCE", ": "]
    assert drafts.after([], [b"EVIDENCE:", b" ", b"1", b","], Grammar()) == [" "]
    assert drafts.after([], [b"1", b"\n"], Grammar()) == ["ANSW", "ER: "]  # "\nFACT: " first, but the grammar refuses it
    assert drafts.after([], [b"Kim", b" Jong"], Grammar()) == []
    copying = _Drafts(prompts.answer_grammar([1]), lambda text: [], prompt=[5, 6, 7, 8, 9, 6, 7, 1, 2], lookup=3)
    assert copying.after([4, 6, 7], [b"a", b"b", b"c"], Grammar()) == [1, 2]  # where "6 7" last comes
    assert copying.after([5, 6, 7], [b"a", b"b", b"c"], Grammar()) == [8, 9, 6]  # "5 6 7" first
    assert copying.after([7, 6], [b"a", b"b"], Grammar()) == []


def test_a_prediction_of_the_reply_is_drafted_while_the_reply_follows_it():
    class Grammar:
        def allows(self, token):
            return True

    prediction = ["EVIDENCE", ":", " ", "1", ",", " ", "2", ",", " ", "3", "\n", "ANSWER", ":", " "]
    drafts = _Drafts(prompts.answer_grammar([1, 2, 3]), list, prediction=prediction)
    assert drafts.at_start(Grammar()) == prediction
    reply = ["EVIDENCE", ":", " ", "2"]  # left it at "1": on from where "2" is in it
    assert drafts.after(reply, [t.encode() for t in reply], Grammar()) == [",", " ", "3", "\n", "ANSWER", ":", " "]
    reply += [",", " ", "3", "\n", "ANSWER", ":", " ", "3"]  # past its end: an answer's "3" drafts nothing from it
    assert drafts.after(reply, [t.encode() for t in reply], Grammar()) == []
    drafts = _Drafts(prompts.answer_grammar([1, 2, 3]), list, prediction=prediction)
    reply = ["EVIDENCE", ":", " ", "NONE", ",", " ", "1"]
    assert drafts.after(reply[:4], [t.encode() for t in reply[:4]], Grammar()) == []  # "NONE" is not in it
    assert drafts.after(reply, [t.encode() for t in reply], Grammar()) == []  # and it is not followed again
    following = _Drafts(prompts.answer_grammar([1, 2, 3]), list, prediction=prediction)
    assert following.after(reply[:3] + reply[-3:], [], Grammar())[:3] == [",", " ", "2"]
    batch = _Drafts(prompts.answer_grammar([1, 2, 3]), list, prediction=prediction)  # "NONE" inside one batch
    assert batch.after(reply, [t.encode() for t in reply], Grammar()) == []

    class Refusing:
        def allows(self, token):
            return token != "EVIDENCE"

    start = _Drafts(prompts.answer_grammar([1]), lambda text: ["E", text[1:]] if text else [], prediction=prediction)
    assert start.at_start(Refusing()) == ["E", "VIDENCE: "]  # the grammar's own start instead
    assert prompts.answer_prediction([2, 1, 4]) == "EVIDENCE: 1, 2, 4\nANSWER: "
    assert prompts.answer_prediction([1], yes_no=True) == "EVIDENCE: 1\nFACT: " and prompts.answer_prediction([]) == ""


def test_text_is_given_out_up_to_a_stop_string_and_held_back_where_one_may_begin():
    assert _until_stop("Who met?\nThen", 0, ["\n"]) == (8, True)
    assert _until_stop("Who met", 0, ["met?"]) == (4, False)  # "met" may begin "met?"
    assert _until_stop("Who met?", 4, ["met?"]) == (4, True)
    assert _until_stop("Who met", 0, []) == (7, False)


def test_a_token_of_more_than_32_bytes_is_read_whole(full_prefill):
    """llama-cpp-python's ``detokenize`` gives nothing for such a token (Qwen2.5 has 240: runs of spaces, dashes)."""
    llm, dashes = full_prefill._llm, ("-" * 64).encode()
    tokens = llm.tokenize(dashes, add_bos=False)
    assert max(len(_piece(llm._model.vocab, t)) for t in tokens) > 32
    assert b"".join(_piece(llm._model.vocab, t) for t in tokens) == dashes
