"""The Python API: ``Assistant.from_folder("seeds").ask("Who proposed the troop deployment?")``.

One question runs: follow-up rewrite (only when it leans on the conversation) → hybrid retrieval →
constrained generation (evidence first, then the answer with [n] markers) → verification → the answer, an
extractive quote when the generated answer fails its checks, or an abstention.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence


from qa import prompts
from qa.generate import Generator, Usage, collect, generator_from_settings
from qa.language import Language, detect_language
from qa.retrieve import RetrievedPassage, Retriever, SentenceFocus, open_retriever
from qa.settings import Settings
from qa.verify import (FigureCheck, check_answer, check_figures, missing_question_terms, parse_model_output,
                       strip_markers)

_REFERS_BACK = re.compile(
    r"\b(that|it|its|they|them|their|this|these|those|he|she|him|her|his|there|then|itu|tersebut|ini|"
    r"dia|ia|mereka|beliau|sana)\b|\w{3,}nya\b|^(what|how) about\b|^(and|but|dan|lalu|terus|kalau|bagaimana dengan)\b",
    re.IGNORECASE)


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long); the message says why."""


@dataclass(frozen=True)
class Citation:
    n: int
    article: str
    passage: str
    text: str
    title: str
    paragraph: int
    source_url: str | None
    score: float

    def to_json(self) -> dict:
        return {"n": self.n, "article": self.article, "passage": self.passage, "text": self.text}


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    extractive: bool  # the generated answer failed its checks; this quotes the best evidence instead
    citations: list[Citation]
    passages: list[Citation]  # every passage given to the model, numbered as in the answer's markers
    standalone_question: str
    language: Language
    problems: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    raw_output: str = ""  # what the model wrote, for inspection

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "extractive": self.extractive,
            "standalone_question": self.standalone_question,
            "citations": [c.to_json() for c in self.citations],
            "passages": [dict(p.to_json(), score=p.score) for p in self.passages],
            "problems": self.problems,
            "timings": self.timings,
        }


class Assistant:
    def __init__(self, retriever: Retriever, generator: Generator, settings: Settings | None = None,
                 focus: SentenceFocus | None = None) -> None:
        self.retriever = retriever
        self.generator = generator
        self.settings = settings or retriever.settings
        self.focus = focus or SentenceFocus(retriever.embedder, lexical_weight=self.settings.lexical_weight)

    @classmethod
    def from_folder(cls, articles_dir: str | Path = "seeds", settings: Settings | None = None,
                    generator: Generator | None = None, **changes) -> "Assistant":
        """Index ``articles_dir`` (only new text is embedded) and load the generator once."""
        settings = (settings or Settings.from_env()).replace(articles_dir=Path(articles_dir), **changes)
        retriever, _ = open_retriever(settings)
        if generator is None:
            generator = generator_from_settings(settings)
        return cls(retriever, generator, settings)

    def ask(self, question: str, history: Sequence[dict] = (), k: int | None = None) -> Answer:
        final = None
        for item in self.stream(question, history, k=k):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(self, question: str, history: Sequence[dict] = (), k: int | None = None) -> Iterator[str | Answer]:
        """Yield pieces of answer text as the model writes them, then the final, checked ``Answer``
        (whose text may differ from what was streamed: the streamed text is a draft)."""
        started = time.perf_counter()
        question = self._clean(question)
        language = detect_language(question)
        usage = Usage()

        standalone = question
        if history and (_REFERS_BACK.search(question) or len(question.split()) <= 4):
            standalone = self._rewrite(question, history, usage)
        retrieve_started = time.perf_counter()
        retrieved = self.retriever.search(standalone, k=k or self.settings.k, language=language)
        retrieve_ms = (time.perf_counter() - retrieve_started) * 1000
        texts = [r.passage.text for r in retrieved]
        missing = missing_question_terms(standalone, texts) if texts else ["(no passages)"]
        evidence = self.focus.select(standalone, retrieved, self.settings.evidence_sentences, language)
        shown = {e.n for e in evidence}
        given = [_citation(n, r) for n, r in enumerate(retrieved, start=1) if n in shown]
        shown_texts = [r.passage.text if n in shown else None for n, r in enumerate(retrieved, start=1)]

        raw = ""
        first_token_ms = None
        if evidence and not missing:
            streamed = 0
            for piece in self.generator.stream(
                    prompts.answer_messages(standalone, [(e.n, e.text) for e in evidence], language),
                    grammar=prompts.answer_grammar(sorted(shown)), schema=prompts.answer_schema(sorted(shown)),
                    max_tokens=self.settings.max_answer_tokens):
                raw += piece
                _, draft = parse_model_output(raw) if "ANSWER:" in raw else (None, "")
                if len(draft) > 5 and len(draft) > streamed:
                    if first_token_ms is None:
                        first_token_ms = (time.perf_counter() - started) * 1000
                    yield draft[streamed:]
                    streamed = len(draft)
            _add_usage(usage, self.generator.last_usage)

        answer = self._decide(question, standalone, language, raw, given, shown_texts, retrieved, missing)
        answer.raw_output = raw
        answer.timings = {
            "retrieve_ms": round(retrieve_ms, 1),
            "first_token_ms": round(first_token_ms, 1) if first_token_ms is not None else None,
            "total_ms": round((time.perf_counter() - started) * 1000, 1),
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
        }
        yield answer

    # ------------------------------------------------------------------ steps

    def _clean(self, question: str) -> str:
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        question = "".join(ch if ch.isprintable() else " " for ch in question)
        question = " ".join(question.split())
        if not question:
            raise QuestionError("the question is empty")
        if not any(ch.isalnum() for ch in question):
            raise QuestionError("the question has no words (only symbols or emoji)")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"the question has {len(question):,} characters; the limit is "
                                f"{self.settings.max_question_chars:,}")
        return question

    def _rewrite(self, question: str, history: Sequence[dict], usage: Usage) -> str:
        rewritten = collect(self.generator, prompts.rewrite_messages(question, history),
                            grammar=prompts.REWRITE_GRAMMAR, max_tokens=60, stop=["\n"])
        _add_usage(usage, self.generator.last_usage)
        rewritten = " ".join(rewritten.split()).strip('"“” ')
        unchanged = rewritten.lower().rstrip("?. ") == question.lower().rstrip("?. ")
        if unchanged or len(rewritten) < 5 or len(rewritten) > 4 * len(question) + 200:
            # a rewrite that resolved nothing: let the previous question carry the context
            last_user = next((t["content"] for t in reversed(history) if t.get("role") == "user"), "")
            return f"{last_user} {question}".strip()
        return rewritten

    def _decide(self, question: str, standalone: str, language: Language, raw: str, given: list[Citation],
                texts: list[str | None], retrieved: list[RetrievedPassage], missing: list[str]) -> Answer:
        by_number = {c.n: c for c in given}

        def build(text: str, citations: Sequence[int], abstained=False, extractive=False, problems=()):
            return Answer(question=question, answer=text, abstained=abstained, extractive=extractive,
                          citations=[by_number[n] for n in citations], passages=given,
                          standalone_question=standalone, language=language, problems=list(problems))

        abstain = prompts.ABSTAIN_REPLY[language]
        if missing:
            return build(abstain, [], abstained=True,
                         problems=[f"no passage mentions {', '.join(repr(m) for m in missing)}"])
        evidence, answer_text = parse_model_output(raw)
        if evidence is None or not (answer_text or evidence):
            return build(abstain, [], abstained=True, problems=["the model found no passage that states the answer"])
        checked = check_answer(answer_text, texts, evidence)
        figures = check_figures(standalone, language, checked.text, texts)
        if checked.ok and not figures.problems:
            return build(*_with_other_figures(checked.text, checked.citations, figures, language),
                         problems=checked.dropped)
        problems = checked.dropped + checked.problems + figures.problems
        if figures.best:  # a how-many question: quote the sentence that gives the figure asked for
            best = figures.best[0]
            s, e = best.sentence
            n, quoted = best.n, texts[best.n - 1][s:e]
        else:  # the sentence that best matches the question (not the model's pick: its answer failed the checks)
            focus = self.focus.select(standalone, [r for n, r in enumerate(retrieved, 1) if n in by_number], 1,
                                      language)[0]
            n = [c.n for c in given][focus.n - 1]
            s, e = focus.spans[0]
            quoted = focus.passage.passage.text[s:e]
        quote = f"{prompts.EXTRACTIVE_PREFIX[language]} “{strip_markers(quoted)}” [{n}]"
        return build(*_with_other_figures(quote, [n], figures, language), extractive=True, problems=problems)


def _with_other_figures(text: str, citations: list[int], figures: FigureCheck,
                        language: Language) -> tuple[str, list[int]]:
    """The answer with the best-matching figures it leaves out, each with its passage."""
    extra = figures.others(text)
    if not extra:
        return text, citations
    listed = "; ".join(f"{figure} [{n}]" for n, figure in extra)
    return (f"{text} {prompts.OTHER_FIGURES[language]} {listed}.",
            citations + [n for n in dict.fromkeys(n for n, _ in extra) if n not in citations])


def _citation(n: int, r: RetrievedPassage) -> Citation:
    return Citation(n=n, article=r.passage.article, passage=r.passage.id, text=r.passage.text,
                    title=r.article.title, paragraph=r.passage.paragraph, source_url=r.article.source_url,
                    score=r.score)


def _add_usage(total: Usage, step: Usage) -> None:
    total.prompt_tokens += step.prompt_tokens
    total.completion_tokens += step.completion_tokens
