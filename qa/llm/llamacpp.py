"""The in-process backend: a GGUF model run by llama-cpp-python, the output constrained by a GBNF grammar.

Prompts are rendered with the model's own chat template and tokenized here, each message's text apart from
the template's tokens, so text inside a message can never become a control token.

With a ``StateStore`` (``Settings.passage_cache``), a passage is not read again where its stored cells are exact.
Each passage's KV cells are computed once, as it reads right after a prompt's text before the first passage (the
fixed instructions), and stored (``qa.llm.state_store``). Where a passage sits right there again (the first
passage of an answer, the passage of a confirmation) its stored cells are what reading it would compute, up to
the kernels' rounding for another batch shape: they are loaded, and only the rest of the prompt is read (every
answer of the gold runs measured was the same as with every prompt read whole).

With ``stitch`` (``Settings.passage_stitch``) every passage is read from its state, wherever it sits, and a
question costs only the tokens around the passages:
1. the static prefix stays in sequence 0 from the previous question (as llama.cpp's prefix reuse would keep it);
2. each passage's cells are loaded into a scratch sequence, shifted to their place and copied into sequence 0;
3. the short texts between passages ("\\n[2] ") are computed in one batch, each in its own sequence that holds
   the prefix and the passages before it (llama.cpp wants a sequence's new positions to follow its last one);
4. the text after the passages (the question) is computed in sequence 0, with the reply's first tokens.
Stitched passages do not attend to each other, which full prefill lets them do: quality is measured, not assumed
(``qa eval`` with ``KUTIP_PASSAGE_STITCH=0`` and ``1``). ``Usage.passage_states`` says a prompt was read so, and
a prompt whose passages are plain text (``qa.llm.read_whole``) is read whole: it never reuses stitched cells.

The reply is decoded greedily here, not by llama-cpp-python's ``create_completion`` (``_generate``): the grammar
is asked about the model's best token first (``_GreedyGrammarFirst``), and the grammar's fixed strings are
drafted and checked in one batch instead of a decode per token (``_Drafts``, ``_verify``).
"""

from __future__ import annotations

import ctypes
import functools
import threading
import time
import warnings
from pathlib import Path
from typing import Iterator, Sequence

from qa.llm.base import JsonOutput, Message, Passage, Usage, plain_messages
from qa.llm.state_store import PassageState, StateStore, state_key
from qa.models import ModelFileError

_SEQUENCES = 16  # sequence 0 answers, 1 is scratch, the others hold the texts between passages
_SLOT = "\ue000{}\ue000"
_CONTEXTS = 4  # the instructions' cells kept aside: the answer's and the confirmation's prompts, and a spare
_LOOKUP = 8  # tokens drafted from the prompt where the reply copies it (0: none)


class _Segment:
    __slots__ = ("tokens", "passage")

    def __init__(self, tokens: list[int], passage: bool) -> None:
        self.tokens = tokens
        self.passage = passage


class LlamaGenerator:
    def __init__(self, name: str, path: Path, threads: int = 2, n_ctx: int = 4096,
                 states: StateStore | None = None, model_id: str = "", stitch: bool = False,
                 recompute: int = 0) -> None:
        import llama_cpp
        from llama_cpp import Llama

        self.name = name
        self.path = path
        self.last_usage = Usage()
        self.states = states
        self.stitch = stitch
        self.recompute = max(0, recompute)
        self.model_id = model_id or str(path)
        self._lock = threading.Lock()  # one llama context: one generation at a time
        self._grammars: dict[str, object] = {}
        self._context_cells: dict[tuple[int, ...], bytes] = {}  # each prompt's instructions' cells (``_keep_context``)
        self._stitched_at: int | None = None  # cells from here on were stitched from passage states
        try:
            self._llm = _greedy_grammar_first(Llama)(model_path=str(path), n_ctx=n_ctx, n_threads=threads,
                                                     n_threads_batch=threads, n_batch=512, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileError(f"llama.cpp could not load {path}: {exc}; the file may be damaged "
                                 "(delete it to have it assembled again)") from None
        self._formatter = self._chat_formatter()
        if self._formatter is not None:
            self._batch = self._new_batch()
        model = self._llm._model.model  # a recurrent model's cache cannot be cut back to before a refused draft
        self._drafting = not (llama_cpp.llama_model_is_recurrent(model) or llama_cpp.llama_model_is_hybrid(model))
        if self.states is not None and self._formatter is not None:
            self._use_sequences()
        elif self.states is not None:
            self.states = None  # no chat template of its own: llama-cpp-python formats, states cannot apply

    # ------------------------------------------------------------------ prompt

    def _chat_formatter(self):
        from llama_cpp import llama_chat_format

        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        return llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=self._token_text(self._llm.token_eos()),
            bos_token=self._token_text(self._llm.token_bos()), add_generation_prompt=True)

    def _token_text(self, token: int) -> str:
        return self._llm._model.token_get_text(token) if token >= 0 else ""

    def _tokens(self, text: str, special: bool) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=special) if text else []

    def count_tokens(self, text: str) -> int:
        return len(self._tokens(text, special=True))

    def segments(self, messages: Sequence[Message]) -> list[_Segment]:
        """The prompt's tokens in order: the template's own (control tokens allowed) and each message's text
        (plain), passages as segments of their own."""
        slotted = [dict(m, content=_SLOT.format(i)) for i, m in enumerate(messages)]
        rendered = self._formatter(messages=slotted).prompt
        segments: list[_Segment] = []
        bos = self._llm.token_bos()
        if self._llm._model.add_bos_token() and bos >= 0 and not rendered.startswith(self._token_text(bos)):
            segments.append(_Segment([bos], False))
        for i, message in enumerate(messages):
            slot = _SLOT.format(i)
            head, rendered = rendered.split(slot, 1)
            segments.append(_Segment(self._tokens(head, special=True), False))
            content = message.get("content", "")
            for part in [content] if isinstance(content, str) else content:
                segments.append(_Segment(self._tokens(part, special=False), isinstance(part, Passage)))
        segments.append(_Segment(self._tokens(rendered, special=True), False))
        return [s for s in segments if s.tokens]

    def _grammar(self, source: str):
        from llama_cpp import LlamaGrammar

        if source not in self._grammars:
            self._grammars[source] = LlamaGrammar.from_string(source, verbose=False)
        return self._grammars[source]

    # ------------------------------------------------------------------ generation

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: JsonOutput | None = None, prediction: str = "") -> Iterator[str]:
        """``schema`` is the servers' form of ``grammar``; here the grammar is enforced. ``prediction`` is
        drafted (``_Drafts``)."""
        with self._lock:
            usage = Usage()
            started = time.perf_counter()
            if self._formatter is None:
                texts = self._chat_completion(messages, grammar, max_tokens, stop, usage)
            else:
                segments = self.segments(messages)
                tokens = [t for s in segments for t in s.tokens]
                max_tokens = max_tokens if max_tokens > 0 else self._llm.n_ctx() - len(tokens)
                if len(tokens) + max_tokens > self._llm.n_ctx():
                    raise ValueError(f"the prompt has {len(tokens)} tokens and the answer may take {max_tokens}; "
                                     f"the model's context holds {self._llm.n_ctx()}")
                usage.reused_prompt_tokens, usage.passage_states = self._prepare_prompt(segments)
                usage.prompt_tokens = len(tokens)
                texts = self._generate(tokens, grammar, max_tokens, stop, usage, prediction)
            for text in texts:
                if not text:
                    continue
                if usage.first_token_ms is None:
                    usage.first_token_ms = (time.perf_counter() - started) * 1000
                yield text
            usage.total_ms = (time.perf_counter() - started) * 1000
            self.last_usage = usage

    def _chat_completion(self, messages: Sequence[Message], grammar: str | None, max_tokens: int,
                         stop: Sequence[str], usage: Usage) -> Iterator[str]:
        """A model without a chat template of its own: llama-cpp-python formats the prompt and decodes."""
        chunks = self._llm.create_chat_completion(
            messages=plain_messages(messages), temperature=0.0, top_k=1, max_tokens=max_tokens, stream=True,
            grammar=self._grammar(grammar) if grammar else None, stop=list(stop) or None)
        for chunk in chunks:
            text = chunk["choices"][0]["delta"].get("content")
            if text:
                usage.completion_tokens += 1
                yield text
        usage.prompt_tokens = max(0, self._llm.n_tokens - usage.completion_tokens)

    def _generate(self, tokens: list[int], grammar: str | None, max_tokens: int, stop: Sequence[str],
                  usage: Usage, prediction: str = "") -> Iterator[str]:
        """Greedy decoding of the reply to ``tokens``, whose cells are in place up to ``n_tokens``
        (``_prepare_prompt``), under ``grammar``.

        Where the reply so far ends in the start of one of the grammar's literal strings ("EVIDENCE: ",
        "\\nANSWER: ", ", "), the rest of that literal is drafted and read in one batch with the token before it;
        where its last tokens are in the prompt (a name, a figure, a sentence copied from a passage), the prompt's
        next tokens are; and the caller's ``prediction`` of the reply's start, as far as the reply follows it
        (``_Drafts``). Each drafted token is kept only while it is the token greedy decoding picks
        there (``_verify``): one batch instead of a decode per token (a decode is 16–57 ms here, a batch of 4
        costs 1.6x one, and the evidence line is most of the tokens before the answer). llama.cpp computes a
        batch with other kernels than a single token (logits up to 0.6 apart here, the same for any batch of 2 to
        16), so a close choice may go the other way than decoded one by one: measured on the gold sets, not
        assumed (README)."""
        import codecs

        import llama_cpp

        llm, vocab = self._llm, self._llm._model.vocab
        sampler = llm.greedy_sampler(self._grammar(grammar) if grammar else None)
        tokenize = functools.partial(self._tokens, special=False)
        drafts = _Drafts(grammar or "", tokenize, tokens, _LOOKUP, tokenize(prediction) if prediction else ())
        decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")
        pending, reply, pieces, text, shown = tokens[llm.n_tokens:], [], [], "", 0
        draft = drafts.at_start(sampler)
        while True:
            if not self._drafting:
                draft = []
            special = next((i for i, t in enumerate(draft) if llama_cpp.llama_vocab_is_eog(vocab, t) or
                            llama_cpp.llama_vocab_is_control(vocab, t)), len(draft))
            room = min(special, llm.n_ctx() - llm.n_tokens - len(pending), max_tokens - usage.completion_tokens - 1,
                       llm.n_batch - 1)
            chosen = self._verify(pending, draft[:max(0, room)], sampler)
            for i, token in enumerate(chosen):
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    yield text[shown:] + decoder.decode(b"", final=True)
                    return
                usage.completion_tokens += 1
                usage.drafted_tokens += i < len(chosen) - 1
                reply.append(token)
                pieces.append(_piece(vocab, token))
                text += decoder.decode(pieces[-1])
                end, stopped = _until_stop(text, shown, stop)
                yield text[shown:end]
                shown = end
                if stopped:
                    return
                if usage.completion_tokens >= max_tokens:
                    yield text[shown:] + decoder.decode(b"", final=True)
                    return
            pending = [chosen[-1]]
            draft = drafts.after(reply, pieces, sampler)

    def _verify(self, pending: list[int], draft: list[int], sampler: "_GreedyGrammarFirst") -> list[int]:
        """Read ``pending`` (tokens whose cells are not computed yet) and ``draft`` after them in one batch, and
        pick the next token at the last pending one and at each drafted one, up to the first drafted token that
        is not the one picked. Returns the tokens picked (the last one's cells not computed); the cache keeps
        what was read up to it."""
        llm = self._llm
        start, batch = llm.n_tokens, pending + draft
        cut = max(0, len(batch) - llm.n_batch)  # a long prompt's head first: the logits come from the last batch
        if cut:
            self._decode([(batch[:cut], start, 0)])
        self._decode([(batch[cut:], start + cut, 0)], logits=len(draft) + 1)
        llm.input_ids[start:start + len(batch)] = batch
        llm.n_tokens = start + len(batch)
        first = len(batch) - cut - len(draft) - 1
        chosen: list[int] = []
        for j in range(len(draft) + 1):
            chosen.append(sampler.sample(llm._ctx, first + j))
            if j < len(draft) and chosen[-1] != draft[j]:
                self._keep(start + len(pending) + j)
                break
        return chosen

    def choose(self, messages: Sequence[Message], prefix: str, options: Sequence[str]) -> str | None:
        """Of ``options``, the one the model finds likeliest to follow ``messages`` and the start of its reply
        ``prefix``: each scored whole, by the sum of its tokens' log-probabilities (``qa.llm.base.choose``).
        What the context already holds of the prompt and the reply is not read again. None for a model
        without a chat template of its own (llama-cpp-python formats its prompts, the tokens are not known)."""
        import llama_cpp
        import numpy as np

        if self._formatter is None:
            return None
        with self._lock:
            llm = self._llm
            segments = self.segments(messages)
            prompt = [t for s in segments for t in s.tokens]
            head = prompt + self._tokens(prefix, special=False)
            continuations = [self._tokens(option, special=False) for option in options]
            if len(head) + max(map(len, continuations)) > llm.n_ctx():
                raise ValueError("the prompt and the reply so far do not fit the model's context")

            def log_probabilities() -> np.ndarray:
                logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),))
                top = float(logits.max())
                return logits - (top + float(np.log(np.exp(logits - top).sum())))

            keep = self._keep
            shared = self._common_prefix(head)
            keep(shared if self._reads_states(segments) else self._unstitched(shared))
            llm.eval(head[llm.n_tokens:])
            first = log_probabilities()
            scores = []
            for tokens in continuations:
                score = float(first[tokens[0]])
                for token, following in zip(tokens, tokens[1:]):
                    llm.eval([token])
                    score += float(log_probabilities()[following])
                keep(len(head))
                scores.append(score)
            return options[scores.index(max(scores))]

    def prepare(self, messages: Sequence[Message]) -> int:
        """Compute and store the states of the passages in ``messages`` that have none; the number computed."""
        if self.states is None:
            return 0
        with self._lock:
            segments = self.segments(messages)
            context = _context(segments)
            if context is None:
                return 0
            self._keep_context(context)
            return sum(self._state(context, s.tokens)[1] for s in segments if s.passage)

    def close(self) -> None:
        """Free the model (before the interpreter tears llama_cpp down, else its finalizers fail noisily)."""
        close = getattr(self._llm, "close", None)
        if close:
            close()

    # ------------------------------------------------------------------ passage states

    def _use_sequences(self) -> None:
        """Swap the context Llama made (one sequence) for one with several sequences over one unified KV
        cache, which copying cells between sequences needs (Llama sets these only for embedding models)."""
        import contextlib

        import llama_cpp
        from llama_cpp import _internals

        params = self._llm.context_params
        params.n_seq_max = min(_SEQUENCES, llama_cpp.llama_max_parallel_sequences())
        params.kv_unified = True
        context = _internals.LlamaContext(model=self._llm._model, params=params, verbose=False)
        self._llm._stack.enter_context(contextlib.closing(context))
        previous, self._llm._ctx = self._llm._ctx, context
        previous.close()
        # the build's CPU features too: cells computed by other kernels (AMX or not) are not mixed
        self._runtime = f"llama-cpp-python {llama_cpp.__version__} {llama_cpp.llama_print_system_info().decode()}"

    def _new_batch(self):
        import contextlib

        from llama_cpp import _internals

        batch = _internals.LlamaBatch(n_tokens=self._llm.n_batch, embd=0, n_seq_max=1, verbose=False)
        self._llm._stack.enter_context(contextlib.closing(batch))
        return batch

    @property
    def _memory(self):
        import llama_cpp

        return llama_cpp.llama_get_memory(self._llm._ctx.ctx)

    def _decode(self, pieces: Sequence[tuple[Sequence[int], int, int]], logits: int = 0) -> None:
        """Decode (tokens, first position, sequence) pieces, in one batch unless they are more than a batch holds,
        the logits of the last ``logits`` tokens kept (``llama_get_logits_ith`` by their index in the batch)."""
        batch = self._batch.batch
        total, size = sum(len(tokens) for tokens, _, _ in pieces), self._llm.n_batch
        if logits and total > size:
            raise ValueError(f"{total} tokens with logits do not fit one batch of {size}")
        i = 0
        for tokens, first, seq in pieces:
            for offset, token in enumerate(tokens):
                batch.token[i] = token
                batch.pos[i] = first + offset
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = seq
                batch.logits[i] = i >= total - logits
                i += 1
                if i == size:  # more than one batch holds (stitched passages' texts between them, recomputed)
                    self._run(batch, i)
                    i = 0
        if i:
            self._run(batch, i)

    def _run(self, batch, n: int) -> None:
        import llama_cpp

        batch.n_tokens = n
        result = llama_cpp.llama_decode(self._llm._ctx.ctx, batch)
        if result != 0:
            raise RuntimeError(f"llama_decode failed ({result})")

    def _keep_context(self, context: list[int]) -> str:
        """Sequence 0 holds exactly ``context``, the text before the first passage (the static instructions):
        "kept" when it was there already, "restored" when its cells were put back from memory, "computed" when
        read now. Another prompt in between (the confirmation, a follow-up's rewrite) takes the cache; the
        instructions' cells are kept aside once read, so that they are never read again."""
        import llama_cpp

        llm, n, ctx = self._llm, len(context), self._llm._ctx.ctx
        if llm.n_tokens >= n and list(llm.input_ids[:n]) == context:
            self._keep(n)
            return "kept"
        llm.reset()
        llama_cpp.llama_memory_clear(self._memory, True)
        saved = self._context_cells.get(tuple(context))
        if saved is not None:
            buffer = (ctypes.c_uint8 * len(saved)).from_buffer_copy(saved)
            if llama_cpp.llama_state_seq_set_data(ctx, buffer, len(saved), 0) != 0:
                llm.input_ids[:n] = context
                llm.n_tokens = n
                return "restored"
            llama_cpp.llama_memory_clear(self._memory, True)  # refused: read them again
        llm.eval(context)
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        if len(self._context_cells) >= _CONTEXTS:
            self._context_cells.pop(next(iter(self._context_cells)))
        self._context_cells[tuple(context)] = bytes(buffer)[:written]
        return "computed"

    def _state(self, context: list[int], tokens: list[int]) -> tuple[PassageState, bool]:
        """The passage's stored state, or one computed now from the context in sequence 0 (True: computed)."""
        import llama_cpp

        assert self.states is not None
        key = state_key(self.model_id, context, tokens, self._runtime)
        try:
            state = self.states.get(key, tokens)
        except OSError as exc:  # an unreadable folder costs time, not the answer
            warnings.warn(f"passage states cannot be read ({exc}); the passage is read again", stacklevel=2)
            state = None
        if state is not None:
            return state, False
        memory, scratch, start = self._memory, 1, len(context)
        llama_cpp.llama_memory_seq_rm(memory, scratch, -1, -1)
        llama_cpp.llama_memory_seq_cp(memory, 0, scratch, 0, start)
        step = self._llm.n_batch
        for i in range(0, len(tokens), step):
            self._decode([(tokens[i:i + step], start + i, scratch)])
        llama_cpp.llama_memory_seq_rm(memory, scratch, 0, start)
        size = llama_cpp.llama_state_seq_get_size(self._llm._ctx.ctx, scratch)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(self._llm._ctx.ctx, buffer, size, scratch)
        llama_cpp.llama_memory_seq_rm(memory, scratch, -1, -1)
        state = PassageState(tuple(tokens), bytes(buffer)[:written])
        try:
            self.states.put(key, state)
        except OSError as exc:  # a full or read-only disk: used now, not kept
            warnings.warn(f"a passage state cannot be stored ({exc})", stacklevel=2)
        return state, True

    def _reads_states(self, segments: list[_Segment]) -> bool:
        """Whether this prompt's passages are read from stored states (else the prompt is read whole)."""
        return self.states is not None and _context(segments) is not None and \
            sum(s.passage for s in segments) <= _SEQUENCES - 2

    def _unstitched(self, shared: int) -> int:
        """For a prompt read whole: of the ``shared`` tokens it has in common with the cache, those before any
        stitched cell (the others are dropped, to be computed again attending to everything before them)."""
        if self._stitched_at is not None and shared > self._stitched_at:
            shared = self._stitched_at
            self._keep(shared)
        self._stitched_at = None
        return shared

    def _prepare_prompt(self, segments: list[_Segment]) -> tuple[int, bool]:
        """Put the prompt's cells in place, reading the first passage from its state (every passage, when
        stitching), up to the tokens left to read (from ``n_tokens`` on, at least the last one: ``_generate`` reads
        them in one batch with the reply's first drafted tokens). Returns the number of prompt tokens not computed
        now, and whether passages after the first were read from states. What the previous prompt shares with
        this one, whole segments of it, is kept as it is. Without states (or with more passages than sequences)
        the prefix it shares with the previous prompt is all that is reused, short of cells stitched for an earlier
        prompt."""
        tokens = [t for s in segments for t in s.tokens]
        shared = self._common_prefix(tokens)
        context = _context(segments)
        if not self._reads_states(segments):
            reused = self._restore_context(context, self._unstitched(shared))
            self._keep(self._common_prefix(tokens))
            return reused, False
        assert context is not None
        import llama_cpp

        llm, memory = self._llm, self._memory
        first = next(i for i, s in enumerate(segments) if s.passage)
        last = max(i for i, s in enumerate(segments) if s.passage)
        starts = [0]
        for segment in segments:
            starts.append(starts[-1] + len(segment.tokens))
        stitched = any(self._recomputed(i, first, s) < len(s.tokens)
                       for i, s in enumerate(segments) if s.passage and i != first)
        kept = max((i for i in range(first, len(segments) + 1) if starts[i] <= shared), default=None)
        if kept is not None and kept > last:
            self._keep(shared)
            return shared, stitched  # the same passages in the same order as last time: nothing to stitch
        if kept is None:
            reused = 0 if self._keep_context(context) == "computed" else starts[first]
            kept = first
        else:
            reused = starts[kept]
            self._keep(starts[kept])
        if not stitched:  # only the first passage is read from its state: there it is exact
            if kept == first:
                state, computed = self._state(context, segments[first].tokens)
                try:
                    self._place(state, len(context), starts[first], 0)
                    reused += 0 if computed else len(state.tokens)
                    kept = first + 1
                except RuntimeError as exc:  # refused by llama.cpp: the passage is read in place instead
                    warnings.warn(str(exc), stacklevel=2)
                    llama_cpp.llama_memory_seq_rm(memory, -1, starts[first], -1)
            llm.input_ids[:starts[kept]] = tokens[:starts[kept]]
            llm.n_tokens = starts[kept]
            self._stitched_at = None
            return reused, False
        windows = {i: self._recomputed(i, first, segments[i]) for i in range(kept, last + 1) if segments[i].passage}
        states = {}
        for i, window in windows.items():
            if window < len(segments[i].tokens):  # a passage computed whole needs no stored state read
                states[i], computed = self._state(context, segments[i].tokens)
                reused += 0 if computed else len(segments[i].tokens) - window

        between: list[tuple[list[int], int, int]] = []  # (tokens, first position, sequence)
        piece: list[int] = []  # tokens to compute, up to the next stored cells
        for i in range(kept, last + 1):
            position, segment = starts[i], segments[i]
            if i not in states:  # text between passages, or a passage computed whole
                piece += segment.tokens
                continue
            window = windows[i]
            self._place(states[i], len(context), position, window)
            piece += segment.tokens[:window]  # computed again, now that the passages before it precede it
            if piece:
                between.append((piece, position + window - len(piece), 2 + len(between)))
            piece = []
        if piece:
            between.append((piece, starts[last + 1] - len(piece), 2 + len(between)))
        for pieces, position, seq in between:
            llama_cpp.llama_memory_seq_cp(memory, 0, seq, 0, position)
        if between:
            self._decode(between)
        for pieces, position, seq in between:
            llama_cpp.llama_memory_seq_cp(memory, seq, 0, position, position + len(pieces))
            llama_cpp.llama_memory_seq_rm(memory, seq, -1, -1)

        end = starts[last + 1]
        llm.input_ids[:end] = tokens[:end]
        llm.n_tokens = end
        self._stitched_at = starts[first + 1] if stitched else None
        return reused, stitched  # the question is read with the reply's first drafted tokens (``_generate``)

    def _place(self, state: PassageState, start: int, position: int, window: int) -> None:
        """A passage's stored cells, computed at ``start`` (right after the instructions), moved to ``position``
        in sequence 0, all but the first ``window`` of them (those are computed again in place)."""
        import llama_cpp

        memory, scratch = self._memory, 1
        buffer = (ctypes.c_uint8 * len(state.data)).from_buffer_copy(state.data)
        if llama_cpp.llama_state_seq_set_data(self._llm._ctx.ctx, buffer, len(state.data), scratch) == 0:
            raise RuntimeError("llama.cpp refused a passage state")
        llama_cpp.llama_memory_seq_add(memory, scratch, start, -1, position - start)
        llama_cpp.llama_memory_seq_cp(memory, scratch, 0, position + window, -1)
        llama_cpp.llama_memory_seq_rm(memory, scratch, -1, -1)

    def _keep(self, n: int) -> None:
        """The cache keeps the first ``n`` tokens' cells (the rest of the prompt is read by ``_generate``)."""
        import llama_cpp

        llama_cpp.llama_memory_seq_rm(self._memory, -1, n, -1)
        self._llm.n_tokens = n

    def _restore_context(self, context: list[int] | None, shared: int) -> int:
        """Full prefill: the instructions' cells put back when another prompt took the cache (``_keep_context``);
        the rest of what the previous prompt shares with this one stays (``_keep``). Returns how many prompt tokens
        were not read now."""
        if context is None or shared >= len(context):
            return shared
        return len(context) if self._keep_context(context) == "restored" else shared

    def _recomputed(self, index: int, first: int, segment: _Segment) -> int:
        """How many leading tokens of a stored passage are computed again in place: none for the first
        passage (its state was computed right where it sits); for the others, whose stored cells never attended
        to the passages before them, all unless stitching, else ``recompute``."""
        if index == first:
            return 0
        return min(self.recompute, len(segment.tokens)) if self.stitch else len(segment.tokens)

    def _common_prefix(self, tokens: list[int]) -> int:
        n = 0
        for a, b in zip(self._llm.input_ids[:self._llm.n_tokens], tokens):
            if a != b:
                break
            n += 1
        return max(0, min(n, len(tokens) - 1))


def _context(segments: list[_Segment]) -> list[int] | None:
    """The tokens before the first passage (None without passages, or with nothing after the last one)."""
    first = next((i for i, s in enumerate(segments) if s.passage), None)
    if first is None or segments[-1].passage:
        return None
    return [t for s in segments[:first] for t in s.tokens]


@functools.cache
def _greedy_grammar_first(llama_class: type) -> type:
    """``llama_class`` (llama-cpp-python's ``Llama``) with greedy decoding under a grammar through
    ``_GreedyGrammarFirst`` instead of its sampler chain, which has the grammar judge every token of the
    vocabulary at every step (20 ms a token here, against 15–55 ms for the model's own decode)."""

    class GreedyGrammarFirstLlama(llama_class):  # type: ignore[misc, valid-type]
        _vocabulary = None  # (candidates, their logits) for the whole vocabulary, made on first need

        def greedy_sampler(self, grammar) -> "_GreedyGrammarFirst":
            """Greedy decoding under ``grammar`` (None: plain greedy), the grammar asked first."""
            if self._vocabulary is None:  # one per model, not one per generation: 151,936 candidates
                self._vocabulary = _vocabulary_candidates(self.n_vocab())
            return _GreedyGrammarFirst(self._model.vocab, grammar, *self._vocabulary)

        def _init_sampler(self, **options):
            plain = options.get("temp") == 0.0 and options.get("logits_processor") is None and \
                options.get("repeat_penalty", 1.0) == 1.0 and not options.get("frequency_penalty") and \
                not options.get("presence_penalty") and options.get("grammar") is not None
            return self.greedy_sampler(options["grammar"]) if plain else super()._init_sampler(**options)

    return GreedyGrammarFirstLlama


def _vocabulary_candidates(n_vocab: int):
    """Every token as a llama.cpp candidate, and a numpy view of their logits to fill before each use."""
    import llama_cpp
    import numpy as np

    candidates = (llama_cpp.llama_token_data * n_vocab)()
    fields = np.ctypeslib.as_array(candidates).view(np.dtype([("id", np.int32), ("logit", np.float32),
                                                               ("p", np.float32)]))
    fields["id"] = np.arange(n_vocab, dtype=np.int32)
    return candidates, fields["logit"]


class _GreedyGrammarFirst:
    """Greedy sampling under a grammar, the grammar asked first about the model's own best token: when it allows
    it, that is the token (the best of the allowed tokens is the best token); only when it refuses does the
    grammar judge the whole vocabulary, and the best allowed token is taken. The same choice as greedy decoding
    after the grammar has judged every token (llama.cpp's ``common_sampler`` does the same), at the cost of one
    token's check on most steps. Used by ``Llama.sample`` and ``LlamaGenerator._verify`` through ``sample``;
    tokens are accepted as chosen. Without a grammar, plain greedy decoding."""

    def __init__(self, vocab, grammar, candidates, logits) -> None:
        """``candidates``, ``logits``: the whole vocabulary's (``_vocabulary_candidates``), overwritten here."""
        import llama_cpp

        self._free = llama_cpp.llama_sampler_free
        self._grammar = None
        if grammar is not None:
            self._grammar = llama_cpp.llama_sampler_init_grammar(
                vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8"))
            if not self._grammar:
                raise ValueError("llama.cpp refused the grammar")
        self._one = (llama_cpp.llama_token_data * 1)()
        self._all, self._logits = candidates, logits

    def sample(self, ctx, idx: int = -1) -> int:
        import llama_cpp
        import numpy as np

        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx.ctx, idx), shape=(len(self._logits),))
        best = int(logits.argmax())
        if self._grammar is None:
            return best
        if not self.allows(best, float(logits[best])):
            self._logits[:] = logits
            self._judge(self._all)
            best = int(self._logits.argmax())
        llama_cpp.llama_sampler_accept(self._grammar, best)
        return best

    def allows(self, token: int, logit: float = 0.0) -> bool:
        """Whether the grammar, where it stands now, lets ``token`` come next."""
        if self._grammar is None:
            return True
        self._one[0].id, self._one[0].logit, self._one[0].p = token, logit, 0.0
        self._judge(self._one)
        return self._one[0].logit > float("-inf")  # NaN too is judged against the whole vocabulary

    def _judge(self, data) -> None:
        """The grammar sets the logits of the tokens in ``data`` that it refuses to -inf."""
        import llama_cpp

        candidates = llama_cpp.llama_token_data_array(data=data, size=len(data), selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(candidates))

    def __del__(self) -> None:
        grammar, self._grammar = getattr(self, "_grammar", None), None
        if grammar:
            self._free(grammar)


def _until_stop(text: str, shown: int, stop: Sequence[str]) -> tuple[int, bool]:
    """How far ``text`` (of which ``shown`` characters were given out) can be given out now, and whether a stop
    string ends it there; text that may be the start of a stop string is held back."""
    found = [i for i in (text.find(s, max(0, shown - len(s) + 1)) for s in stop if s) if i >= 0]
    if found:
        return max(shown, min(found)), True
    end = len(text)
    for s in stop:
        for n in range(min(len(s) - 1, len(text) - shown), 0, -1):
            if text.endswith(s[:n]):
                end = min(end, len(text) - n)
                break
    return end, False


def _grammar_items(text: str) -> list[tuple[str, str]]:
    """A GBNF text as (kind, text) items: "literal" (a quoted string, escapes read), "class" (``[...]``),
    "rule" (``name ::=``), and single characters ("|", "(", "?" …); comments and blanks dropped."""
    items: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif c in "\"[":
            close = '"' if c == '"' else "]"
            j, chars = i + 1, []
            while j < len(text) and text[j] != close:
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                    if text[j] in "xuU":
                        width = {"x": 2, "u": 4, "U": 8}[text[j]]
                        chars.append(chr(int(text[j + 1:j + 1 + width] or "0", 16)))
                        j += width
                    else:
                        chars.append(_ESCAPES.get(text[j], text[j]))
                else:
                    chars.append(text[j])
                j += 1
            items.append(("literal" if c == '"' else "class", "".join(chars)))
            i = j
        elif c.isalnum() or c in "-_":
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] in "-_"):
                j += 1
            rest = text[j:].lstrip(" \t")
            if rest.startswith("::="):
                items.append(("rule", text[i:j]))
                j = len(text) - len(rest) + 3
            else:
                items.append(("name", text[i:j]))
            i = j - 1
        elif not c.isspace():
            items.append(("char", c))
        i += 1
    return items


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def grammar_literals(grammar: str) -> list[str]:
    """The quoted strings of a GBNF grammar, in order (character classes and comments skipped)."""
    return [text for kind, text in _grammar_items(grammar) if kind == "literal"]


def _root_prefix(grammar: str) -> str:
    """The text every alternative of the grammar's root rule begins with: "" unless each begins with a literal
    that must come (not optional or repeated)."""
    items = _grammar_items(grammar)
    start = next((i for i, item in enumerate(items) if item == ("rule", "root")), None)
    if start is None:
        return ""
    end = next((i for i in range(start + 1, len(items)) if items[i][0] == "rule"), len(items))
    starts, depth, at_start = [], 0, True
    for i in range(start + 1, end):
        kind, text = items[i]
        if at_start:
            following = items[i + 1] if i + 1 < end else ("", "")
            if kind != "literal" or following[0] == "char" and following[1] in "?*+{":
                return ""
            starts.append(text)
            at_start = False
        elif kind == "char" and text in "(":
            depth += 1
        elif kind == "char" and text == ")":
            depth -= 1
        elif kind == "char" and text == "|" and depth == 0:
            at_start = True
    if not starts or at_start:
        return ""
    prefix = starts[0]
    for other in starts[1:]:
        while not other.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


class _Drafts:
    """What to draft after the reply so far. First the caller's ``prediction`` of the reply's start ("EVIDENCE:
    1, 2, 3, 4\\nANSWER: "), while the reply can still be following it (each of its tokens is one of the
    prediction's, and it has not reached the prediction's end): at the start all of it, then where the reply's last
    three, two or one tokens first occur in it, what follows them there (after "EVIDENCE: 2", ", 3, 4\\nANSWER:
    "). Then the grammar's literal strings: where the reply's last tokens spell the start of a literal ("\\n" of
    "\\nANSWER: "), the rest of it; at the start of the reply, what every alternative of the grammar's root begins
    with ("EVIDENCE: "). Of several literals, the longest match first, then the first in the grammar whose next
    token the grammar allows. Else from the prompt (``lookup`` tokens at most): where the reply's last three or
    two tokens last occur in it, the tokens after them. A wrong draft costs a few tokens of one batch, never the
    answer (``LlamaGenerator._verify`` keeps only tokens greedy decoding picks)."""

    def __init__(self, grammar: str, tokenize, prompt: Sequence[int] = (), lookup: int = 0,
                 prediction: Sequence[int] = ()) -> None:
        self._literals = [s.encode("utf-8") for s in dict.fromkeys(grammar_literals(grammar)) if len(s) > 1]
        self._tokenize = tokenize
        self._start = _root_prefix(grammar)
        self._prompt, self._lookup = list(prompt), lookup
        self._seen: dict[tuple[int, ...], int] = {}  # each run of 2 and 3 prompt tokens: where it last ends
        for n in (2, 3) if lookup else ():
            for i in range(n, len(self._prompt)):
                self._seen[tuple(self._prompt[i - n:i])] = i
        self._prediction = list(prediction)
        self._following = bool(self._prediction)
        self._checked = 0  # reply tokens already held against the prediction
        # the prediction's shortest ending found nowhere else in it: once the reply holds it, the prediction is past
        self._end = next((self._prediction[-n:] for n in range(1, len(self._prediction) + 1)
                          if _find(self._prediction, self._prediction[-n:]) == len(self._prediction) - n), [])

    def at_start(self, sampler: _GreedyGrammarFirst) -> list[int]:
        for tokens in (self._prediction, self._tokenize(self._start) if self._start else []):
            if tokens and sampler.allows(tokens[0]):
                return list(tokens)
        return []

    def _predicted(self, reply: list[int]) -> list[int]:
        """What the prediction has after the reply's last tokens, while the reply can still be following it."""
        new, self._checked = reply[self._checked:], len(reply)
        if self._following and (any(t not in self._prediction for t in new) or _find(reply, self._end) >= 0):
            self._following = False
        for n in (3, 2, 1) if self._following else ():
            at = _find(self._prediction, reply[-n:]) if len(reply) >= n else -1
            if at >= 0:
                return self._prediction[at + n:]
        return []

    def after(self, reply: list[int], pieces: list[bytes], sampler: _GreedyGrammarFirst) -> list[int]:
        """``reply``: the reply's tokens so far; ``pieces``: their bytes."""
        predicted = self._predicted(reply) if reply else []
        if predicted and sampler.allows(predicted[0]):
            return predicted
        for n in range(min(8, len(pieces)), 0, -1):
            tail = b"".join(pieces[-n:])
            for literal in self._literals:
                if len(literal) > len(tail) and literal.startswith(tail):
                    tokens = self._tokenize(literal[len(tail):].decode("utf-8", errors="ignore"))
                    if tokens and sampler.allows(tokens[0]):
                        return tokens
        for n in (3, 2):  # the reply copying the prompt (a name, a figure from a passage): what follows there
            end = self._seen.get(tuple(reply[-n:])) if len(reply) >= n else None
            if end is not None:
                tokens = self._prompt[end:end + self._lookup]
                return tokens if tokens and sampler.allows(tokens[0]) else []
        return []




def _find(tokens: Sequence[int], run: Sequence[int]) -> int:
    """Where ``run`` first occurs in ``tokens``, -1 where nowhere."""
    n = len(run)
    return next((i for i in range(len(tokens) - n + 1) if list(tokens[i:i + n]) == list(run)), -1) if n else -1


def _piece(vocab, token: int) -> bytes:
    """A token's bytes (llama-cpp-python's ``detokenize`` reads a token of more than 32 bytes wrong)."""
    import llama_cpp

    size = 32
    while True:
        buffer = (ctypes.c_char * size)()
        n = llama_cpp.llama_token_to_piece(vocab, token, buffer, size, 0, False)
        if n >= 0:
            return bytes(buffer[:n])
        size = -n
