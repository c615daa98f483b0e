"""What every generation backend shares: the ``Generator`` interface, its message and usage types, the JSON
output constraint servers take, and the one error a backend raises for a server that fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, Sequence

Message = dict  # {"role": "system" | "user" | "assistant", "content": str | a sequence of str and Passage parts}


class Passage(str):
    """A part of a message that a backend may read once and reuse where it appears again: its state is computed
    after the prompt's text before the first passage only, so it is exact where the passage comes first; read
    elsewhere from its state (stitched) it does not attend to the other passages or to what comes between them.
    Backends without such states read it as plain text."""


def content_text(content: str | Sequence[str]) -> str:
    """A message's content as one string, its parts joined."""
    return content if isinstance(content, str) else "".join(content)


def read_whole(messages: Sequence[Message]) -> list[Message]:
    """``messages`` with every ``Passage`` part made plain text: a backend with passage states reads them all
    again, each attending to the ones before it (full prefill), as it would without states."""
    return [dict(m, content=tuple(str.__str__(part) for part in m["content"]))
            if not isinstance(m.get("content", ""), str) else dict(m) for m in messages]


def plain_messages(messages: Sequence[Message]) -> list[Message]:
    """``messages`` with every content joined into one string (what a chat server takes)."""
    return [dict(m, content=content_text(m.get("content", ""))) for m in messages]


class GeneratorError(RuntimeError):
    """A generation server that is down, refuses the request or answers garbage; the message says which."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reused_prompt_tokens: int = 0  # read from stored passage states or the previous prompt, not computed
    # the prompt's passages after the first were read from stored states: they did not attend to one another
    passage_states: bool = False
    first_token_ms: float | None = None
    total_ms: float = 0.0
    drafted_tokens: int = 0  # reply tokens read in a batch with the one before them (``qa.llm.llamacpp``)


@dataclass(frozen=True)
class JsonOutput:
    """An output constraint for servers that take a JSON schema, and how its JSON reads as the text the
    GBNF grammar of the same step produces (so one parser serves both backends)."""
    name: str
    schema: dict
    render: Callable[[dict], str]  # must only grow as members complete: it renders partial replies too


class Generator(Protocol):
    name: str
    last_usage: Usage

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: JsonOutput | None = None, prediction: str = "") -> Iterator[str]:
        """Text for chat ``messages`` at temperature 0, as it is written. ``grammar`` (GBNF) and ``schema``
        describe the same output; each backend enforces the form it can. ``prediction``: what the reply likely
        begins with, a hint a backend may use to check several tokens at once. A wrong prediction is never
        written, but checking tokens in a batch may turn a close choice (``qa.llm.llamacpp._generate``)."""
        ...


def collect(generator: Generator, messages: Sequence[Message], grammar: str | None = None,
            max_tokens: int = 200, stop: Sequence[str] = (), schema: JsonOutput | None = None) -> str:
    """The whole text of one generation."""
    return "".join(generator.stream(messages, grammar=grammar, max_tokens=max_tokens, stop=stop, schema=schema))


def choose(generator: Generator, messages: Sequence[Message], prefix: str, options: Sequence[str]) -> str | None:
    """Of ``options``, the one the model finds likeliest to follow ``messages`` and the start of its reply
    ``prefix``, each option scored whole; None from a backend that gives no log-probabilities (the servers).
    Decoding under a grammar picks token by token, so an option that shares its first token with what the
    model would rather write wins for that alone: asked for "Ya", "Tidak" or "Belum", the 1.5B wants to write
    "Yes", and " Y" takes "Ya" (dev gold: "Ya" to 13 of 14 Indonesian questions whose answer is no)."""
    method = getattr(generator, "choose", None)
    return method(messages, prefix, options) if method is not None else None
