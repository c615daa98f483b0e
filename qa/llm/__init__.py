"""Text generation behind one interface (``qa.llm.base.Generator``), the backend chosen by one string
(``Settings.llm``, env ``KUTIP_LLM``, ``--llm``) through ``generator_from_settings``:

- a model name (``qwen2.5-coder-1.5b``, ``qwen2.5-coder-0.5b``) or a GGUF path: run here by llama-cpp-python
  (``qa.llm.llamacpp``), loaded once per process;
- ``openai:<base URL>``: any OpenAI-compatible chat-completions server (``qa.llm.openai_compatible``);
- ``replay:<report.json>``: the outputs a model wrote in a ``qa eval`` run, written again (``qa.llm.replay``):
  the checks and the decision measured on a gold set in seconds, without the model.

A new backend is one file beside those, importing its types from ``qa.llm.base``, and one branch here.
The rest of kutip imports from ``qa.llm`` only.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from qa.llm.base import Generator, GeneratorError, JsonOutput, Message, Passage, Usage, choose, collect, read_whole
from qa.models import model_path, model_sha256

if TYPE_CHECKING:
    from qa.llm.llamacpp import LlamaGenerator
    from qa.settings import Settings

__all__ = ["Generator", "GeneratorError", "JsonOutput", "Message", "Passage", "Usage", "choose", "collect",
           "generator_from_settings", "load_generator", "read_whole", "states_dir"]

_loaded: dict[tuple, "LlamaGenerator"] = {}
_servers: dict[object, Generator] = {}
_loading = threading.Lock()


@atexit.register
def _close_loaded() -> None:
    for generator in _loaded.values():
        generator.close()
    _loaded.clear()


def load_generator(name: str, cache_dir: Path, threads: int = 2, n_ctx: int = 4096,
                   progress: Callable[[int, int], None] | None = None,
                   passage_cache_mb: int | None = None, passage_stitch: bool = False, passage_recompute: int = 0,
                   weights: str = "auto") -> "LlamaGenerator":
    """The llama.cpp generator for a model name or GGUF path, loaded once per process (a named model is
    assembled from its packages on first use; ``progress`` gets (bytes done, bytes in all)). With
    ``passage_cache_mb`` it reuses passage states stored under ``cache_dir/states`` within that budget where
    they are exact (a passage right after the instructions); with ``passage_stitch`` every passage's, computing
    the first ``passage_recompute`` tokens of every passage after the first again in place.
    ``weights``: a named model's weights form (``qa.models.weights_form``)."""
    from qa.llm.llamacpp import LlamaGenerator
    from qa.llm.state_store import StateStore

    with _loading:
        path = model_path(name, cache_dir, progress, weights)
        key = (str(path), threads, n_ctx, passage_cache_mb, passage_stitch, passage_recompute)
        if key not in _loaded:
            model_id = model_sha256(name, path)
            states = None if passage_cache_mb is None else \
                StateStore(states_dir(cache_dir) / model_id[:16], passage_cache_mb << 20)
            _loaded[key] = LlamaGenerator(name, path, threads=threads, n_ctx=n_ctx, states=states, model_id=model_id,
                                           stitch=passage_stitch, recompute=passage_recompute)
        return _loaded[key]


def states_dir(cache_dir: Path) -> Path:
    """Where passage states live: one folder per model file."""
    return Path(cache_dir) / "states"


def generator_from_settings(settings: "Settings", model: str | None = None,
                            progress: Callable[[int, int], None] | None = None) -> Generator:
    """The generator ``model`` (default ``settings.llm``) names: ``openai:<base URL>`` for a chat-completions
    server, else a model name or GGUF path run here. One instance per process for each."""
    model = model or settings.llm
    if model.startswith("replay:"):
        from qa.llm.replay import ReplayGenerator

        return ReplayGenerator(Path(model.removeprefix("replay:")))
    if model.startswith("openai:"):
        from qa.llm.openai_compatible import OpenAIGenerator, ServerSettings, parse_spec

        server = ServerSettings(base_url=parse_spec(model), model=settings.llm_model, api_key=settings.llm_api_key,
                                timeout=settings.llm_timeout, retries=settings.llm_retries)
        with _loading:
            if server not in _servers:
                _servers[server] = OpenAIGenerator(server)
            return _servers[server]
    return load_generator(model, settings.cache_dir, threads=settings.threads, n_ctx=settings.n_ctx,
                          progress=progress,
                          passage_cache_mb=settings.passage_cache_mb if settings.passage_cache else None,
                          passage_stitch=settings.passage_stitch, passage_recompute=settings.passage_recompute,
                          weights=settings.weights)
