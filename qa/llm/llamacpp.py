"""The in-process backend: a GGUF model run by llama-cpp-python, the output constrained by a GBNF grammar."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator, Sequence

from qa.llm.base import JsonOutput, Message, Usage
from qa.models import ModelFileError


class LlamaGenerator:
    def __init__(self, name: str, path: Path, threads: int = 2, n_ctx: int = 4096) -> None:
        from llama_cpp import Llama

        self.name = name
        self.path = path
        self.last_usage = Usage()
        self._lock = threading.Lock()  # one llama context: one generation at a time
        self._grammars: dict[str, object] = {}
        try:
            self._llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                              n_batch=512, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileError(f"llama.cpp could not load {path}: {exc}; the file may be damaged "
                                 "(delete it to have it assembled again)") from None

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _grammar(self, source: str):
        from llama_cpp import LlamaGrammar

        if source not in self._grammars:
            self._grammars[source] = LlamaGrammar.from_string(source, verbose=False)
        return self._grammars[source]

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: JsonOutput | None = None) -> Iterator[str]:
        """``schema`` is the servers' form of ``grammar``; here the grammar is enforced."""
        with self._lock:
            usage = Usage()
            started = time.perf_counter()
            chunks = self._llm.create_chat_completion(
                messages=list(messages), temperature=0.0, top_k=1, max_tokens=max_tokens, stream=True,
                grammar=self._grammar(grammar) if grammar else None, stop=list(stop) or None)
            for chunk in chunks:
                text = chunk["choices"][0]["delta"].get("content")
                if not text:
                    continue
                if usage.first_token_ms is None:
                    usage.first_token_ms = (time.perf_counter() - started) * 1000
                usage.completion_tokens += 1
                yield text
            usage.total_ms = (time.perf_counter() - started) * 1000
            usage.prompt_tokens = max(0, self._llm.n_tokens - usage.completion_tokens)
            self.last_usage = usage

    def close(self) -> None:
        """Free the model (before the interpreter tears llama_cpp down, else its finalizers fail noisily)."""
        close = getattr(self._llm, "close", None)
        if close:
            close()
