"""``replay:<report.json>`` (``qa.llm.replay``): a ``qa eval`` run's model outputs written again give the same
answers through the same pipeline, without the model. Recorded here with a scripted model over a real index
(hashing embedder), replayed, compared."""

from __future__ import annotations

import json
import re
from typing import Iterator

import pytest

from doubles import HashingEmbedder
from qa import evaluate, prompts
from qa.assistant import Assistant
from qa.llm import generator_from_settings
from qa.llm.base import Passage, Usage, content_text
from qa.llm.replay import ReplayError, ReplayGenerator
from qa.models import confirms_answers
from qa.retrieve import Retriever
from qa.settings import Settings

SETTINGS = Settings(reranker="none")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
IDS = ["g03", "g04", "g06", "g26", "g31", "g35", "g40", "g48"]  # factual, how-many, follow-ups, two-part, unanswerable


class FirstSentenceModel:
    """Answers every question with the first sentence of passage [1] (its names and numbers are there, so
    the checks keep it), rewrites a follow-up as the question before it, and confirms every other answer."""

    name = "scripted"

    def __init__(self) -> None:
        self.last_usage = Usage()
        self.confirmations = 0

    def stream(self, messages, grammar=None, max_tokens=200, stop=(), schema=None, prediction="") -> Iterator[str]:
        system, user = content_text(messages[0]["content"]), messages[-1]["content"]
        if system == prompts.CONFIRM_SYSTEM:
            self.confirmations += 1
            yield "yes" if self.confirmations % 2 else "no"
        elif system == prompts.REWRITE_SYSTEM:
            yield re.findall(r"User: (.*)", user)[-1]
        else:
            first = next(str(part) for part in user if isinstance(part, Passage)).strip()
            sentence = _SENTENCE_END.split(first)[0]
            yield f"EVIDENCE: 1\nANSWER: {sentence} [1]"


def run(generator, index, items) -> dict:
    assistant = Assistant(Retriever(index, HashingEmbedder(), SETTINGS), generator, SETTINGS)
    return evaluate.build_report(evaluate.run_eval(assistant, items), generator.name, evaluate.DEFAULT_GOLD, 1.0)


@pytest.fixture(scope="module")
def items(hashed_seeds_index):
    gold = [item for item in evaluate.load_gold(evaluate.DEFAULT_GOLD) if item.id in IDS]
    return evaluate.resolve_evidence(gold, hashed_seeds_index.passages)


def test_a_replayed_run_gives_the_recorded_answers(hashed_seeds_index, items, tmp_path):
    recorded = run(FirstSentenceModel(), hashed_seeds_index, items)
    assert any("asked again" in " ".join(i["problems"]) for i in recorded["items"])  # some refused, some kept
    assert any(not i["abstained"] for i in recorded["items"])
    path = tmp_path / "report.json"
    path.write_text(json.dumps(recorded), "utf-8")

    replay = ReplayGenerator(path)
    replayed = run(replay, hashed_seeds_index, items)
    fields = ("id", "answer", "abstained", "extractive", "cited", "problems", "standalone_question", "strict")
    assert [{f: i[f] for f in fields} for i in replayed["items"]] == [{f: i[f] for f in fields} for i in recorded["items"]]
    assert replayed["overall"]["strict_accuracy"] == recorded["overall"]["strict_accuracy"]
    assert replay.unrecorded == []  # every confirmation was in the report


def test_a_decision_that_now_cites_another_passage_is_listed_as_a_guess(hashed_seeds_index, items, tmp_path):
    recorded = run(FirstSentenceModel(), hashed_seeds_index, items)
    refused = next(i for i in recorded["items"] if "asked again" in " ".join(i["problems"]))
    refused["problems"] = [p.replace("passage [", "passage [9") for p in refused["problems"]]  # another passage
    path = tmp_path / "report.json"
    path.write_text(json.dumps(recorded), "utf-8")
    replay = ReplayGenerator(path)
    replayed = {i["id"]: i for i in run(replay, hashed_seeds_index, items)["items"]}
    assert refused["id"] in replay.unrecorded and not replayed[refused["id"]]["abstained"]


def test_the_factory_takes_a_report_and_bad_reports_are_refused_clearly(tmp_path, hashed_seeds_index):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"model": "qwen2.5-coder-0.5b", "items": []}), "utf-8")
    generator = generator_from_settings(SETTINGS.replace(llm=f"replay:{path}"))
    assert isinstance(generator, ReplayGenerator) and generator.name == "replay:qwen2.5-coder-0.5b"
    assert not confirms_answers(generator.name)  # the 0.5B is not asked to confirm, nor is its replay
    assistant = Assistant(Retriever(hashed_seeds_index, HashingEmbedder(), SETTINGS), generator, SETTINGS)
    with pytest.raises(ReplayError, match="holds no question"):
        assistant.ask("Which newspaper reported that the deployment was requested by Pyongyang?")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    with pytest.raises(ReplayError, match="not a qa eval report"):
        ReplayGenerator(broken)
    with pytest.raises(ReplayError, match="not a qa eval report"):
        ReplayGenerator(tmp_path / "missing.json")
