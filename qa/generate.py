"""Text generation: a local GGUF model through llama-cpp-python (loaded once and reused), or an
OpenAI-compatible server (``qa.openai_api``), chosen by one string through ``generator_from_settings``.

``Generator`` is the small interface the pipeline uses: stream text for chat messages at temperature 0,
constrained by a GBNF grammar (local) or the equivalent JSON schema (servers). ``ScriptedGenerator``
replays fixed outputs for fast unit tests of the logic around the model.
"""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Protocol, Sequence

from qa.models import ModelFileError, model_path

if TYPE_CHECKING:
    from qa.prompts import JsonOutput
    from qa.settings import Settings

Message = dict  # {"role": "system" | "user" | "assistant", "content": str}


class GeneratorError(RuntimeError):
    """A generation server that is down, refuses the request or answers garbage; the message says which."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_ms: float | None = None
    total_ms: float = 0.0


class Generator(Protocol):
    name: str
    last_usage: Usage

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: "JsonOutput | None" = None) -> Iterator[str]:
        """``grammar`` and ``schema`` describe the same output; each backend uses the form it can enforce."""
        ...


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
               stop: Sequence[str] = (), schema: "JsonOutput | None" = None) -> Iterator[str]:
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


class ScriptedGenerator:
    """Replays the given outputs in order, one per call; for tests of the logic around the model."""

    def __init__(self, outputs: Sequence[str], name: str = "scripted") -> None:
        self.name = name
        self.outputs = list(outputs)
        self.calls: list[list[Message]] = []
        self.last_usage = Usage()

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: "JsonOutput | None" = None) -> Iterator[str]:
        self.calls.append(list(messages))
        if not self.outputs:
            raise AssertionError("ScriptedGenerator has no output left for this call")
        text = self.outputs.pop(0)
        pieces = text.split(" ")
        for i, piece in enumerate(pieces):
            yield piece if i == len(pieces) - 1 else piece + " "
        self.last_usage = Usage(prompt_tokens=sum(len(m["content"].split()) for m in messages),
                                completion_tokens=len(pieces), first_token_ms=0.0, total_ms=0.0)


_loaded: dict[tuple, LlamaGenerator] = {}
_loading = threading.Lock()


@atexit.register
def _close_loaded() -> None:
    """Free the models before the interpreter tears llama_cpp down (else its finalizers fail noisily)."""
    for generator in _loaded.values():
        close = getattr(generator._llm, "close", None)
        if close:
            close()
    _loaded.clear()


def load_generator(name: str, cache_dir: Path, threads: int = 2, n_ctx: int = 4096,
                   progress: Callable[[int, int], None] | None = None) -> LlamaGenerator:
    """The generator for a model name or GGUF path, loaded once per process."""
    with _loading:
        path = model_path(name, cache_dir, progress)
        key = (str(path), threads, n_ctx)
        if key not in _loaded:
            _loaded[key] = LlamaGenerator(name, path, threads=threads, n_ctx=n_ctx)
        return _loaded[key]


_servers: dict[tuple, Generator] = {}


def generator_from_settings(settings: "Settings", model: str | None = None,
                            progress: Callable[[int, int], None] | None = None) -> Generator:
    """The generator ``model`` (default ``settings.llm``) names: ``openai:<base URL>`` for a chat-completions
    server, else a model name or GGUF path run here. One instance per process for each."""
    model = model or settings.llm
    if model.startswith("openai:"):
        from qa.openai_api import OpenAIGenerator, ServerSettings, parse_spec

        server = ServerSettings(base_url=parse_spec(model), model=settings.llm_model, api_key=settings.llm_api_key,
                                timeout=settings.llm_timeout, retries=settings.llm_retries)
        with _loading:
            if server not in _servers:
                _servers[server] = OpenAIGenerator(server)
            return _servers[server]
    return load_generator(model, settings.cache_dir, threads=settings.threads, n_ctx=settings.n_ctx,
                          progress=progress)


def collect(generator: Generator, messages: Sequence[Message], grammar: str | None = None,
            max_tokens: int = 200, stop: Sequence[str] = (), schema: "JsonOutput | None" = None) -> str:
    return "".join(generator.stream(messages, grammar=grammar, max_tokens=max_tokens, stop=stop, schema=schema))
