"""The real Gradio app, started as a process on loopback, asked through its named API endpoint."""

import time
import urllib.request

import pytest

from conftest import start_app, stop_app


APP_PROCESS: dict = {}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    process, url, _ = start_app(tmp_path_factory.mktemp("app"))
    APP_PROCESS["pid"] = process.pid
    yield url
    stop_app(process)


def test_page_is_served_on_loopback(app_url):
    page = urllib.request.urlopen(app_url, timeout=10).read().decode("utf-8")
    assert "kutip" in page


def test_named_ask_endpoint_returns_the_cli_json(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict("Which newspaper reported that the deployment was requested by Pyongyang?", [],
                            api_name="/ask")
    assert {"question", "answer", "abstained", "citations", "passages", "timings"} <= set(result)
    assert result["citations"] and not result["abstained"]
    assert "002_b61871bac814194b#3" in [p["passage"] for p in result["passages"]]


def _rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_twenty_concurrent_clients_are_answered_in_order_without_crossing(app_url):
    """20 clients at once on loopback: each gets the answer to its own question, in order of arrival."""
    import threading

    from gradio_client import Client

    questions = [f"How many tanks did country number {i} send to Ukraine in {1990 + i}?" for i in range(16)] + [
        "Which newspaper reported that the deployment was requested by Pyongyang?",
        "Di mana Putin dan Kim bertemu pada September 2023?",
        "Berapa kontainer yang dikirim Pyongyang ke Rusia?",
        "Apa ibu kota Australia?"]
    clients = [Client(app_url, verbose=False) for _ in questions]
    rss_before = _rss_mb(APP_PROCESS["pid"])
    results: dict[int, dict] = {}
    received: dict[int, float] = {}
    lock = threading.Lock()

    def ask(i: int) -> None:
        result = clients[i].predict(questions[i], [], api_name="/ask")
        with lock:
            results[i] = result
            received[i] = time.monotonic()

    threads = []
    for i in range(len(questions)):
        threads.append(threading.Thread(target=ask, args=(i,)))
        threads[-1].start()
        time.sleep(0.15)  # a definite order of arrival
    for thread in threads:
        thread.join(timeout=600)
    assert len(results) == 20, f"only {len(results)} of 20 answered"
    for i, question in enumerate(questions):
        assert "error" not in results[i], results[i]
        assert results[i]["question"] == question  # nobody got another client's answer
    assert all(results[i]["abstained"] for i in range(16)), "years and countries no article mentions"
    assert not results[16]["abstained"] and results[16]["citations"]
    # an abstention queued behind a model answer is served milliseconds after it, and the two client threads
    # may then wake in either order: what counts is that no question was served before one asked earlier
    late = [(i, j) for i in received for j in received if i < j and received[j] < received[i] - 0.2]
    assert not late, f"served out of order: {late}"
    assert _rss_mb(APP_PROCESS["pid"]) - rss_before < 300, "memory grew by more than 300 MB over 20 requests"


@pytest.mark.parametrize("question", ["   ", "🙂🙂🙂", "x" * 20_000])
def test_bad_questions_get_a_clear_message_in_the_chat(app_url, question):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    kept, chat, _sources = client.predict(question, [], "qwen2.5-coder-0.5b", 4, False, api_name="/chat")
    content = chat[-1]["content"]  # a string, or Gradio 6's list of content blocks
    text = content if isinstance(content, str) else " ".join(block.get("text", "") for block in content)
    assert chat[-1]["role"] == "assistant" and text.startswith("⚠️"), chat[-1]
