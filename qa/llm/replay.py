"""A generator that writes again what a model wrote in a ``qa eval`` run: ``KUTIP_LLM=replay:<report.json>``.

Each question gets the model's recorded output from the report (``raw_output``, ``standalone_question``), so
that a change to the checks, the decision or the scoring is measured on a whole gold set in seconds instead of
the model's half hour. The replay is faithful only where the model would be given what it was given then:
the same retrieval and the same prompts. The model's confirmation (``decision.after_confirmation``) is
answered from the report: "no" where the report records that the model refused that same passage, "yes"
otherwise. A "yes" the report does not hold (the model was not asked then, was asked about another passage, or
was given another yes/no answer) is a guess: such items are listed in ``unrecorded``, to be run with the model
before a number is reported. Timings mean nothing here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator, Sequence

from qa import prompts
from qa.llm.base import GeneratorError, JsonOutput, Message, Passage, Usage, content_text

_QUESTION = re.compile(r"\nQuestion: (.*)\n")
_CONFIRM = re.compile(r"^Passage: (.*)\n\nQuestion: (.*?)\n", re.DOTALL)
_REFUSED = re.compile(r"asked again, the model did not find the answer in passage \[(\d+)\]")
_LAST_QUESTION = re.compile(r"\nLast question: (.*)\nRewritten question:")
_GIVEN_ANSWER = re.compile(r"\nAnswer: (.*)\nDoes the passage support this answer")
_MARKERS = re.compile(r"\[[\d,\s]+\]")


class ReplayError(GeneratorError):
    """A report that cannot be replayed, or a question it does not hold."""


class ReplayGenerator:
    def __init__(self, report: Path) -> None:
        try:
            data = json.loads(Path(report).read_text("utf-8"))
            items = data["items"]
            model = data.get("model", "")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ReplayError(f"{report} is not a qa eval report (report.json): {error}") from None
        self.name = f"replay:{model}"
        self.last_usage = Usage()
        self.unrecorded: list[str] = []
        self._by_question = {item["question"]: item for item in items}
        self._by_standalone = {item.get("standalone_question") or item["question"]: item for item in items}
        self._item: dict | None = None
        self._shown: dict[int, str] = {}

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: JsonOutput | None = None, prediction: str = "") -> Iterator[str]:
        self.last_usage = Usage()
        system = content_text(messages[0]["content"]) if messages else ""
        user = messages[-1]["content"] if messages else ""
        if system == prompts.REWRITE_SYSTEM:
            yield self._rewrite(content_text(user))
        elif system == prompts.CONFIRM_SYSTEM:
            yield self._confirm(content_text(user))
        elif system == prompts.TRANSLATE_SYSTEM:
            yield ""  # no translation recorded: the quote stands alone
        else:
            yield self._answer(user)

    def choose(self, messages: Sequence[Message], prefix: str, options: Sequence[str]) -> str | None:
        """The verdict the recorded output ends with (it was chosen whole when recorded)."""
        raw = (self._item or {}).get("raw_output") or ""
        return next((option for option in options if raw.endswith(option)), None)

    def _rewrite(self, user: str) -> str:
        found = _LAST_QUESTION.search(user)
        item = self._by_question.get(found.group(1).strip()) if found else None
        if item is None:
            raise ReplayError(f"the report holds no follow-up {found.group(1)!r}" if found else
                              "not a rewrite prompt")
        return item.get("standalone_question") or item["question"]

    def _answer(self, user: str | Sequence[str]) -> str:
        parts = [user] if isinstance(user, str) else list(user)
        self._shown = {}
        for before, part in zip(parts, parts[1:]):
            marker = re.fullmatch(r"\[(\d+)\]", before)
            if marker and isinstance(part, Passage):
                self._shown[int(marker.group(1))] = part.strip()
        found = _QUESTION.search("".join(parts))
        question = found.group(1).strip() if found else ""
        self._item = self._by_standalone.get(question)
        if self._item is None:
            raise ReplayError(f"the report holds no question {question!r}")
        return self._item.get("raw_output") or ""

    def _confirm(self, user: str) -> str:
        found = _CONFIRM.match(user)
        item = self._item or {}
        passage = found.group(1).strip() if found else ""
        refused = [int(n) for problem in item.get("problems", ()) for n in _REFUSED.findall(problem)]
        if refused and self._shown.get(refused[0]) == passage:
            return "no"
        given = _GIVEN_ANSWER.search(user)  # a yes/no answer is put to the model with the passage
        first = _MARKERS.search(item.get("answer", ""))  # the passage the recorded answer was confirmed on
        asked_then = bool(first) and self._shown.get(int(re.findall(r"\d+", first.group(0))[0])) == passage
        confirmed = not refused and not item.get("abstained") and asked_then and (
            _plain(given.group(1)) == _plain(item.get("answer", "")) if given else True)
        if not confirmed:
            self.unrecorded.append(item.get("id", "?"))
        return "yes"


def _plain(answer: str) -> str:
    """The words of an answer, without its markers, spaces and punctuation."""
    return re.sub(r"\W+", "", _MARKERS.sub(" ", answer))
