"""The openai: generator backend against a real ``python -m llama_cpp.server`` on 127.0.0.1 with the 0.5B model;
the schema fallback, retries and failures against small loopback servers that refuse, stall or talk garbage
in front of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from conftest import ROOT, free_port
from qa import prompts
from qa.assistant import Assistant
from qa.llm import GeneratorError, generator_from_settings
from qa.llm.llama_server import start_llama_server
from qa.llm.openai_compatible import OpenAIGenerator, ServerSettings, parse_spec
from qa.retrieve import Retriever
from qa.settings import Settings
from qa.verify import markers

# ------------------------------------------------------------------ pure logic


@pytest.mark.parametrize("spec", ["openai:", "openai:localhost:8000", "openai:ftp://x", "llama:http://x"])
def test_bad_server_specs_are_refused_with_the_form_to_use(spec):
    with pytest.raises(ValueError, match="openai:http://HOST:PORT/v1"):
        parse_spec(spec)


# ------------------------------------------------------------------ the real server


@pytest.fixture(scope="module")
def llama_server():
    from qa.models import model_path

    process, base_url = start_llama_server(model_path("qwen2.5-coder-0.5b", Settings().cache_dir))
    yield base_url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def seeds_retriever(seeds_index, e5):
    return Retriever(seeds_index, e5, Settings())


def _generator(base_url: str, **changes) -> OpenAIGenerator:
    return OpenAIGenerator(ServerSettings(base_url=base_url, **{"retries": 2, "backoff": 0.05, **changes}))


def test_answers_through_the_server_are_streamed_checked_and_cited(llama_server, seeds_retriever):
    generator = _generator(llama_server)
    # the transport is tested here, not the model's second opinion: a server's model is asked to confirm
    # quotes too, and the 0.5B behind this one says no to its right quote of "12.000 tentara"
    assistant = Assistant(seeds_retriever, generator, Settings(confirm_answers=False))
    pieces = []
    for item in assistant.stream("How many North Korean troops were deployed to support Russia?"):
        pieces.append(item)
    answer = pieces[-1]
    # llama_cpp.server refuses OpenAI's json_schema form (HTTP 500 naming response_format): the next form is used
    assert generator.format_mode == "json_object"
    assert answer.raw_output.startswith("EVIDENCE: ")
    assert not answer.abstained and answer.citations
    shown = {p.n for p in answer.passages}
    assert {n for _, _, numbers in markers(answer.answer) for n in numbers} <= shown
    if not answer.extractive:
        assert "12.000" in answer.answer or "12,000" in answer.answer
        assert len([p for p in pieces if isinstance(p, str)]) > 1  # streamed in pieces, not at the end
    assert answer.timings["completion_tokens"] > 0 and answer.timings["total_ms"] > 0


def test_unanswerable_question_abstains_before_the_server_is_asked(llama_server, seeds_retriever):
    answer = Assistant(seeds_retriever, _generator(llama_server)).ask("What is the capital of Australia?")
    assert answer.abstained and answer.citations == [] and answer.raw_output == ""


def test_same_text_as_in_process_llama_cpp_on_the_same_prompt(llama_server, small_model):
    messages = prompts.answer_messages("Who reported the request?", [(1, "The New York Times reported it.")], "en")
    local = "".join(small_model.stream(messages, max_tokens=30))
    remote = "".join(_generator(llama_server).stream(messages, max_tokens=30))
    assert remote == local and local


class _Proxy:
    """A loopback server in front of the real one that misbehaves as told: refuses response_format, fails the
    first requests with 503, or answers garbage."""

    def __init__(self, upstream: str, refuse_schema=False, fail_first=0, garbage: bytes | None = None):
        self.upstream, self.refuse_schema, self.fail_first, self.garbage = upstream, refuse_schema, fail_first, garbage
        self.requests: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: bytes, kind="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                upstream = httpx.get(proxy.upstream + self.path.removeprefix("/v1"))
                self._reply(upstream.status_code, upstream.content)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                proxy.requests.append(body)
                if proxy.garbage is not None:
                    return self._reply(200, proxy.garbage, "text/html")
                if len(proxy.requests) <= proxy.fail_first:
                    return self._reply(503, b'{"error": "busy"}')
                if proxy.refuse_schema and "response_format" in body:
                    return self._reply(400, b'{"error": {"message": "response_format is not supported"}}')
                upstream = httpx.post(proxy.upstream + "/chat/completions", json=body, timeout=300)
                self._reply(upstream.status_code, upstream.content, "text/event-stream")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_server_without_schemas_gets_plain_text_that_is_checked_the_same(llama_server, seeds_retriever):
    proxy = _Proxy(llama_server, refuse_schema=True)
    try:
        generator = _generator(proxy.base_url)
        answer = Assistant(seeds_retriever, generator).ask("Which newspaper reported that the deployment was "
                                                           "requested by Pyongyang?")
    finally:
        proxy.close()
    assert generator.format_mode == "text"
    formats = [("response_format" in r) for r in proxy.requests]
    assert formats[:3] == [True, True, False] and not any(formats[3:])  # two forms, then none (a confirmation too)
    assert proxy.requests[0]["response_format"]["type"] == "json_schema"
    assert proxy.requests[1]["response_format"]["type"] == "json_object"
    shown = {p.n for p in answer.passages}
    assert answer.abstained or {c.n for c in answer.citations} <= shown
    if not answer.abstained and not answer.extractive:
        assert "New York Times" in answer.answer


def test_busy_server_is_retried_with_backoff(llama_server):
    proxy = _Proxy(llama_server, fail_first=2)
    try:
        started = time.perf_counter()
        text = "".join(_generator(proxy.base_url, backoff=0.2).stream([{"role": "user", "content": "Say yes."}],
                                                                    max_tokens=3))
        waited = time.perf_counter() - started
    finally:
        proxy.close()
    assert text and len(proxy.requests) == 3
    assert waited >= 0.2 + 0.4  # two waits, the second twice the first


def test_garbage_answer_gives_a_clear_error(llama_server):
    proxy = _Proxy(llama_server, garbage=b"<html>Welcome to nginx!</html>")
    try:
        with pytest.raises(GeneratorError, match="not a chat-completions stream"):
            "".join(_generator(proxy.base_url).stream([{"role": "user", "content": "hi"}]))
    finally:
        proxy.close()


def test_server_down_gives_a_clear_error_after_retries():
    base_url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    generator = _generator(base_url, model="any", retries=2, backoff=0.05)
    with pytest.raises(GeneratorError, match=r"is not answering .*3 tries\); start it, or check KUTIP_LLM"):
        "".join(generator.stream([{"role": "user", "content": "hi"}]))


def test_the_setting_picks_the_backend(llama_server):
    generator = generator_from_settings(Settings(llm=f"openai:{llama_server}/"))
    assert isinstance(generator, OpenAIGenerator) and generator.settings.base_url == llama_server
    assert generator_from_settings(Settings(llm=f"openai:{llama_server}")) is generator  # one per process
    with pytest.raises(ValueError, match="openai:http://HOST:PORT/v1"):
        generator_from_settings(Settings(llm="openai:nowhere"))


def _cli(tmp_path, *args, llm: str):
    env = dict(os.environ, KUTIP_LLM=llm, KUTIP_LLM_RETRIES="1")
    return subprocess.run([sys.executable, "-m", "qa", "ask", "--index", str(tmp_path / "index"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_cli_json_contract_through_the_server(tmp_path, llama_server):
    result = _cli(tmp_path, "--json", "Siapa yang melaporkan bahwa pengerahan itu permintaan Pyongyang?",
                  llm=f"openai:{llama_server}")
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    assert {"question", "answer", "abstained", "citations", "passages", "timings"} <= set(obj)
    assert obj["abstained"] or obj["citations"]


def test_cli_with_the_server_down_exits_with_a_message(tmp_path):
    result = _cli(tmp_path, "--json", "Who proposed the troop deployment?",
                  llm=f"openai:http://127.0.0.1:{free_port()}/v1")
    assert result.returncode == 2
    assert "error: the generation server at http://127.0.0.1:" in result.stderr and "Traceback" not in result.stderr
