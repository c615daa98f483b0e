"""What every generation backend shares: the ``Generator`` interface, its message and usage types, the JSON
output constraint servers take, and the one error a backend raises for a server that fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, Sequence

Message = dict  # {"role": "system" | "user" | "assistant", "content": str}


class GeneratorError(RuntimeError):
    """A generation server that is down, refuses the request or answers garbage; the message says which."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_ms: float | None = None
    total_ms: float = 0.0


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
               stop: Sequence[str] = (), schema: JsonOutput | None = None) -> Iterator[str]:
        """Text for chat ``messages`` at temperature 0, as it is written. ``grammar`` (GBNF) and ``schema``
        describe the same output; each backend enforces the form it can."""
        ...


def collect(generator: Generator, messages: Sequence[Message], grammar: str | None = None,
            max_tokens: int = 200, stop: Sequence[str] = (), schema: JsonOutput | None = None) -> str:
    """The whole text of one generation."""
    return "".join(generator.stream(messages, grammar=grammar, max_tokens=max_tokens, stop=stop, schema=schema))
