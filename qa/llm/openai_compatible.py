"""The backend for any OpenAI-compatible chat-completions server (llama.cpp's ``llama-server``,
``python -m llama_cpp.server``, vLLM), chosen with ``KUTIP_LLM=openai:<base URL>``.

The pipeline around it is unchanged: the answer is constrained by a JSON schema (evidence first, then the
answer) and the JSON is turned, as it streams, into the same ``EVIDENCE: …\\nANSWER: …`` text the local
grammar produces, so parsing, verification and abstention are the same code for both backends.

Servers differ in how they take a schema; each is tried in turn and the first one the server accepts is
remembered: OpenAI's ``{"type": "json_schema"}`` (vLLM, llama-server), then ``{"type": "json_object",
"schema": …}`` (llama_cpp.server), then no constraint at all (the prompt already asks for the line format,
and a reply that ignores it fails verification like any other).
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from typing import Iterator, Sequence

from qa.llm.base import GeneratorError, JsonOutput, Message, Usage, plain_messages
from qa.llm.partial_json import JsonRenderer

FORMAT_MODES = ("json_schema", "json_object", "text")
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class ServerSettings:
    base_url: str  # e.g. http://127.0.0.1:8000/v1
    model: str = ""  # "" asks the server for its first model
    api_key: str = ""
    timeout: float = 120.0  # seconds without a byte from the server
    retries: int = 3
    backoff: float = 0.5  # first wait; doubled each try, with jitter


def parse_spec(spec: str) -> str:
    """The base URL of ``openai:<base URL>``; a clear error for anything else."""
    url = spec[len("openai:"):].strip().rstrip("/") if spec.startswith("openai:") else ""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{spec!r} is not an OpenAI-compatible server: write openai:http://HOST:PORT/v1")
    return url


class OpenAIGenerator:
    """Streams chat completions from a server; retries what can be retried, explains what cannot."""

    def __init__(self, settings: ServerSettings) -> None:
        import httpx

        self.settings = settings
        self.name = f"openai:{settings.base_url}"
        self.last_usage = Usage()
        self.format_mode: str = FORMAT_MODES[0]  # stepped down when the server refuses a schema form
        self._lock = threading.Lock()
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(settings.timeout, connect=10.0))
        self._model = settings.model

    # ------------------------------------------------------------ public

    @property
    def model(self) -> str:
        if not self._model:
            body = self._request_json("GET", "/models")
            try:
                self._model = str(body["data"][0]["id"])
            except (KeyError, IndexError, TypeError):
                raise GeneratorError(f"{self.settings.base_url}/models lists no model; set KUTIP_LLM_MODEL") from None
        return self._model

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: JsonOutput | None = None, prediction: str = "") -> Iterator[str]:
        """Text as it arrives. ``grammar`` is llama.cpp's local form and is not sent, nor is ``prediction`` (a
        llama.cpp server takes none); ``schema`` is."""
        with self._lock:
            usage = Usage()
            started = time.perf_counter()
            renderer = JsonRenderer(schema) if schema is not None else None
            for piece in self._stream_with_retries(messages, max_tokens, stop, schema, usage):
                if usage.first_token_ms is None:
                    usage.first_token_ms = (time.perf_counter() - started) * 1000
                text = renderer.feed(piece) if renderer else piece
                if text:
                    yield text
            if renderer:
                rest = renderer.finish()
                if rest:
                    yield rest
            usage.total_ms = (time.perf_counter() - started) * 1000
            self.last_usage = usage

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------ HTTP

    def _body(self, messages, max_tokens, stop, schema: JsonOutput | None) -> dict:
        # greedy and without a repeat penalty, as in-process (llama_cpp.server's default penalty is 1.1);
        # top_k and repeat_penalty are extensions that llama.cpp's servers and vLLM take and others ignore
        body = {"model": self.model, "messages": plain_messages(messages), "max_tokens": max_tokens, "temperature": 0.0,
                "top_k": 1, "repeat_penalty": 1.0, "stream": True, "stream_options": {"include_usage": True}}
        if stop:
            body["stop"] = list(stop)
        if schema is not None and self.format_mode == "json_schema":
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": schema.name, "schema": schema.schema, "strict": True}}
        elif schema is not None and self.format_mode == "json_object":
            body["response_format"] = {"type": "json_object", "schema": schema.schema}
        return body

    def _stream_with_retries(self, messages, max_tokens, stop, schema, usage: Usage) -> Iterator[str]:
        import httpx

        url = f"{self.settings.base_url}/chat/completions"
        attempt = 0
        while True:
            body = self._body(messages, max_tokens, stop, schema)
            started_streaming = False
            try:
                with self._client.stream("POST", url, json=body) as response:
                    if response.status_code != 200:
                        detail = response.read().decode("utf-8", "replace")[:500]
                        if "response_format" in body and _refuses_format(response.status_code, detail):
                            self.format_mode = FORMAT_MODES[FORMAT_MODES.index(self.format_mode) + 1]
                            continue  # the same request in the next form; not a retry
                        if response.status_code in RETRY_STATUSES and attempt < self.settings.retries:
                            raise _Retry(f"HTTP {response.status_code}: {detail[:200]}")
                        raise GeneratorError(f"the generation server at {self.settings.base_url} answered HTTP "
                                             f"{response.status_code}: {detail[:300]}")
                    for piece in _read_events(response, usage, self.settings.base_url):
                        started_streaming = True
                        yield piece
                return
            except (_Retry, httpx.TransportError) as exc:
                if started_streaming:
                    raise GeneratorError(f"the generation server at {self.settings.base_url} broke off the answer "
                                         f"({_describe(exc)})") from None
                self._wait_or_give_up(attempt, exc)
                attempt += 1

    def _request_json(self, method: str, path: str) -> dict:
        import httpx

        url = f"{self.settings.base_url}{path}"
        for attempt in range(self.settings.retries + 1):
            try:
                response = self._client.request(method, url)
                if response.status_code in RETRY_STATUSES and attempt < self.settings.retries:
                    raise _Retry(f"HTTP {response.status_code}")
                if response.status_code != 200:
                    raise GeneratorError(f"{url} answered HTTP {response.status_code}: {response.text[:300]}")
                return response.json()
            except json.JSONDecodeError:
                raise GeneratorError(f"{url} answered something that is not JSON: {response.text[:200]!r}") from None
            except (_Retry, httpx.TransportError) as exc:
                self._wait_or_give_up(attempt, exc)
        raise AssertionError("unreachable")

    def _wait_or_give_up(self, attempt: int, exc: Exception) -> None:
        """After failed try number ``attempt`` (from 0): wait the backoff, or raise when no try is left."""
        if attempt >= self.settings.retries:
            raise GeneratorError(f"the generation server at {self.settings.base_url} is not answering "
                                 f"({_describe(exc)}, {attempt + 1} tries); start it, or check KUTIP_LLM") from None
        time.sleep(self.settings.backoff * 2 ** attempt * (1 + random.random() / 4))


class _Retry(Exception):
    pass


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"


def _refuses_format(status: int, detail: str) -> bool:
    """A refusal of the response_format form (not of the request): llama_cpp.server answers 500 with a
    validation message, others 400/422."""
    lowered = detail.lower()
    return status in {400, 415, 422, 500, 501} and any(
        word in lowered for word in ("response_format", "json_schema", "json_object"))


def _read_events(response, usage: Usage, base_url: str) -> Iterator[str]:
    """The content pieces of a server-sent chat-completions stream; counts tokens into ``usage``."""
    seen_data = False
    for line in response.iter_lines():
        if not line.startswith("data:"):
            if line.strip() and not line.startswith((":", "event:", "id:", "retry:")) and not seen_data:
                raise GeneratorError(f"the server at {base_url} answered something that is not a chat-completions "
                                     f"stream: {line[:200]!r}")
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        seen_data = True
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            raise GeneratorError(f"the server at {base_url} sent an event that is not JSON: {data[:200]!r}") from None
        if not isinstance(event, dict):
            raise GeneratorError(f"the server at {base_url} sent an unexpected event: {data[:200]!r}")
        if "error" in event:
            raise GeneratorError(f"the server at {base_url} reported an error: {str(event['error'])[:300]}")
        if isinstance(event.get("usage"), dict):
            usage.prompt_tokens = int(event["usage"].get("prompt_tokens") or 0)
            usage.completion_tokens = int(event["usage"].get("completion_tokens") or usage.completion_tokens)
        for choice in event.get("choices") or []:
            text = (choice.get("delta") or {}).get("content") if isinstance(choice, dict) else None
            if text:
                if not isinstance(event.get("usage"), dict):
                    usage.completion_tokens += 1  # one event a token, when the server does not count
                yield text
    if not seen_data:
        raise GeneratorError(f"the server at {base_url} closed the stream without an answer")
