"""A generator backend for any OpenAI-compatible chat-completions server (llama.cpp's ``llama-server``,
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

from qa.generate import GeneratorError, Message, Usage
from qa.prompts import JsonOutput

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
               stop: Sequence[str] = (), schema: JsonOutput | None = None) -> Iterator[str]:
        """Text as it arrives. ``grammar`` is llama.cpp's local form and is not sent; ``schema`` is."""
        with self._lock:
            usage = Usage()
            started = time.perf_counter()
            renderer = _JsonRenderer(schema) if schema is not None else None
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
        body = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens, "temperature": 0.0,
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


class _JsonRenderer:
    """Turns a JSON reply arriving in pieces into the text form of ``output``, growing only by appending.

    A reply that does not open with ``{`` is a server that ignored the schema: it passes through as is.
    """

    def __init__(self, output: JsonOutput) -> None:
        self.output = output
        self.raw = ""
        self.sent = ""
        self.json_mode: bool | None = None

    def feed(self, piece: str) -> str:
        self.raw += piece
        if self.json_mode is None and self.raw.strip():
            self.json_mode = self.raw.lstrip().startswith("{")
        if not self.json_mode:
            return piece if self.json_mode is False else ""
        return self._advance(parse_partial_json(self.raw))

    def finish(self) -> str:
        if not self.json_mode:
            return ""
        return self._advance(parse_partial_json(self.raw))

    def _advance(self, value: object) -> str:
        text = self.output.render(value if isinstance(value, dict) else {})
        if not text.startswith(self.sent):
            return ""  # never take back what was sent; the next piece catches up
        new, self.sent = text[len(self.sent):], text
        return new


# ---------------------------------------------------------------- partial JSON

_DECODER = json.JSONDecoder(strict=False)  # a raw newline inside a string is tolerated, as servers may send one


class _End(Exception):
    """The text ended inside a value."""


def parse_partial_json(text: str) -> object:
    """The value a JSON text that may be cut off anywhere holds so far: objects keep their complete members
    and a string member still being written (as far as it goes); unfinished numbers, literals and arrays
    are left out, so each longer prefix of the same text gives a value that extends the previous one."""
    parser = _PartialParser(text)
    try:
        return parser.value()
    except _End:
        return parser.partial


class _PartialParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.partial: object = None  # the outermost object, filled in as members complete

    def _skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1
        if self.i >= len(self.text):
            raise _End

    def value(self) -> object:
        self._skip()
        ch = self.text[self.i]
        if ch == "{":
            return self._object()
        if ch == "[":
            return self._array()
        if ch == '"':
            text, complete = self._string()
            if not complete:
                raise _End
            return text
        return self._scalar()

    def _object(self) -> dict:
        result: dict = {}
        if self.partial is None:
            self.partial = result
        self.i += 1
        while not self._at_close("}"):
            if self.text[self.i] != '"':
                raise ValueError(f"unexpected {self.text[self.i]!r} at {self.i}")
            key, complete = self._string()
            if not complete:
                raise _End
            self._skip()
            if self.text[self.i] != ":":
                raise ValueError(f"expected ':' at {self.i}")
            self.i += 1
            self._skip()
            if self.text[self.i] == '"':
                text, complete = self._string()
                result[key] = text
                if not complete:
                    raise _End
                continue
            result[key] = self.value()  # an unfinished nested value raises _End and is left out
        return result

    def _array(self) -> list:
        items: list = []
        self.i += 1
        while not self._at_close("]"):
            items.append(self.value())
        return items

    def _at_close(self, closer: str) -> bool:
        """Past white space and commas between members; True (and past it) when ``closer`` comes next."""
        while True:
            self._skip()
            if self.text[self.i] == closer:
                self.i += 1
                return True
            if self.text[self.i] != ",":
                return False
            self.i += 1

    def _string(self) -> tuple[str, bool]:
        """(decoded text so far, whether the closing quote was reached)."""
        start = self.i + 1
        j = start
        while j < len(self.text):
            if self.text[j] == "\\":
                j += 2
                continue
            if self.text[j] == '"':
                self.i = j + 1
                return _DECODER.decode(self.text[start - 1:j + 1]), True
            j += 1
        body = self.text[start:]
        while body:  # drop an unfinished escape at the end (\, \u12)
            try:
                text = _DECODER.decode('"' + body + '"')
                if text and "\ud800" <= text[-1] <= "\udbff":
                    text = text[:-1]  # half of an escaped surrogate pair: its other half is still to come
                return text, False
            except json.JSONDecodeError:
                cut = body.rfind("\\")
                body = body[:cut] if cut >= 0 else ""
        self.i = len(self.text)
        return "", False

    def _scalar(self) -> object:
        j = self.i
        while j < len(self.text) and self.text[j] not in ",]} \t\r\n":
            j += 1
        if j >= len(self.text):
            raise _End  # 12 may yet become 123
        value = json.loads(self.text[self.i:j])
        self.i = j
        return value


# ---------------------------------------------------------------- a local server, for tests and bench

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(model_file: str, threads: int = 2, n_ctx: int = 4096, port: int | None = None,
                       wait: float = 120.0):
    """``python -m llama_cpp.server`` on 127.0.0.1 with a GGUF file; returns (process, base URL) once it answers.
    The caller stops it (``process.terminate()``)."""
    import subprocess
    import sys
    import tempfile

    import httpx

    port = port or free_port()
    log = tempfile.TemporaryFile("w+")  # not a pipe: uvicorn logs every request, and a full pipe would stall it
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_file), "--host", "127.0.0.1",
         "--port", str(port), "--n_threads", str(threads), "--n_threads_batch", str(threads),
         "--n_ctx", str(n_ctx), "--verbose", "False"],
        stdout=subprocess.DEVNULL, stderr=log, text=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise GeneratorError(f"llama_cpp.server exited with {process.returncode}: {log.read()[-500:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise GeneratorError(f"llama_cpp.server did not answer on {base_url} within {wait:.0f} s")
