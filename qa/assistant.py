"""The Python API: ``Assistant.from_folder("seeds").ask("Who proposed the troop deployment?")``.

One question runs: follow-up rewrite (only when it leans on the conversation) → retrieval (``qa.retrieve``)
→ evidence (``qa.evidence``) → constrained generation (``qa.llm``, prompts in ``qa.prompts``) → the answer
decision (``qa.decision``: answer, quote or abstain) → an ``Answer`` with its citations.

With stitched passage states (``Settings.passage_stitch``) the passages are read from stored states, which do not
attend to one another; when the decision refuses what the model wrote that way (a quote or a decline in its place),
the question is asked once more with the passages read whole, and that answer's decision stands
(``Settings.passage_reread``): the fast path costs no answer that full prefill would give, only time.
"""

from __future__ import annotations

import re
import time
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from qa import decision, prompts
from qa.evidence import EvidenceSelector
from qa.language import Language, detect_language, is_common_word
from qa.lexicon import DATE_WORDS, FUNCTION_WORDS, MONTH_OF
from qa.llm import Generator, JsonOutput, Usage, choose, collect, generator_from_settings, read_whole
from qa.models import confirms_answers
from qa.retrieve import RetrievedPassage, Retriever
from qa.settings import Settings
from qa.verify import (capitalised_runs, is_elliptical, is_yes_no_question, parse_model_output, question_type,
                       unsupported_facts, written_fact)

if TYPE_CHECKING:
    from qa.collection import Collection

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
    date: str | None = None
    source: str | None = None
    page: int | None = None

    def to_json(self) -> dict:
        return {"n": self.n, "article": self.article, "passage": self.passage, "text": self.text,
                "title": self.title, "date": self.date, "source": self.source, "url": self.source_url,
                "page": self.page}


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
    related: list[Citation] = field(default_factory=list)  # an abstention's closest passage: it does not answer
    quoted: str = ""  # an extractive answer's sentence, as the article writes it (its figure or date may lead)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "extractive": self.extractive,
            "quoted": self.quoted,
            "standalone_question": self.standalone_question,
            "citations": [c.to_json() for c in self.citations],
            "related": [c.to_json() for c in self.related],
            "passages": [dict(p.to_json(), score=p.score) for p in self.passages],
            "problems": self.problems,
            "timings": self.timings,
        }


class Assistant:
    """Answers questions over a retriever with a generator. Built on a ``Collection`` (``from_folder`` does),
    it always searches the collection's current index, so articles added or removed through it are seen
    by the next question."""

    def __init__(self, retriever: Retriever | None, generator: Generator, settings: Settings | None = None,
                 evidence: EvidenceSelector | None = None, collection: Collection | None = None) -> None:
        if (retriever is None) == (collection is None):
            raise ValueError("give the Assistant a retriever or a collection")
        self._retriever = retriever
        self.collection = collection
        self.generator = generator
        self.settings = settings or self.retriever.settings
        self.evidence = evidence or EvidenceSelector(self.retriever.embedder, self.settings)

    @property
    def retriever(self) -> Retriever:
        return self.collection.retriever if self.collection is not None else self._retriever  # type: ignore[return-value]

    @classmethod
    def for_collection(cls, collection: Collection, generator: Generator, settings: Settings | None = None,
                       evidence: EvidenceSelector | None = None) -> "Assistant":
        return cls(None, generator, settings or collection.settings, evidence=evidence, collection=collection)

    @classmethod
    def from_folder(cls, articles_dir: str | Path = "seeds", settings: Settings | None = None,
                    generator: Generator | None = None, **changes) -> "Assistant":
        """Index ``articles_dir`` (only new text is embedded) as a ``Collection`` (``assistant.collection``
        adds and removes articles) and load the generator once."""
        from qa.collection import Collection

        settings = (settings or Settings.from_env()).replace(articles_dir=Path(articles_dir), **changes)
        collection = Collection(settings)
        if generator is None:
            generator = generator_from_settings(settings)
        return cls.for_collection(collection, generator, settings)

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
        evidence = self.evidence.select(standalone, retrieved, language)
        shown = dict(sorted((e.n, e.passage) for e in evidence))  # [n] in the prompt and the answer -> passage
        numbers = list(shown)
        decided = decision.before_generation(
            standalone, self.retriever.article_texts([r.passage.article for r in retrieved]), language)

        raw = ""
        drafts = _Drafts(started)
        reread = False
        if decided is None:
            texts = [shown[n].passage.text if n in shown else None for n in range(1, max(numbers, default=0) + 1)]
            article_of = {a: "\n".join(self.retriever.article_texts([a]))
                          for a in dict.fromkeys(r.passage.article for r in shown.values())}
            articles = [article_of[shown[n].passage.article] if n in shown else None for n in range(1, len(texts) + 1)]
            yes_no = is_yes_no_question(standalone)
            if evidence:
                messages, grammar, schema = prompts.answer_prompt(
                    standalone, [(e.n, e.text) for e in evidence], language, yes_no=yes_no)
                prediction = prompts.answer_prediction([e.n for e in evidence], yes_no=yes_no)
            for whole in (False, True):
                raw, from_states = "", False
                if evidence:
                    if whole:
                        messages = read_whole(messages)
                    raw = yield from self._write(messages, grammar, schema, prediction, drafts)
                    _add_usage(usage, self.generator.last_usage)
                    from_states = self.generator.last_usage.passage_states
                    if yes_no:
                        raw = self._verdict(messages, raw, language)
                decided = decision.after_generation(
                    standalone, language, raw, texts, coverage=self.settings.quote_coverage, articles=articles,
                    closest_sentence=lambda answers: self.evidence.closest_sentence(standalone, list(shown.items()),
                                                                                     language, answers))
                may_reread = from_states and not whole and self.settings.passage_reread
                if may_reread and _refused(decided):  # not confirmed: the passages are read again first
                    reread = True
                    continue
                if self.settings.confirm_answers and confirms_answers(self.generator.name):
                    decided = decision.after_confirmation(
                        decided, standalone,
                        lambda n, answer: self._confirms(texts[n - 1] or "", standalone, answer, usage), language,
                        shown=texts)
                if may_reread and _refused(decided):
                    reread = True
                    continue
                break

        text = decided.text
        if self.settings.translate_quotes and f"“{decided.quoted}”" in text and language == "en" and \
                detect_language(decided.quoted, default="en") == "id":
            translation = self._translate(decided.quoted, usage)
            if translation:
                text = f"{text}\n{prompts.MACHINE_TRANSLATION} {translation}"
        given = {n: _citation(n, r) for n, r in shown.items()}
        answer = Answer(question=question, answer=text, abstained=decided.abstained,
                        extractive=decided.extractive, citations=[given[n] for n in decided.citations],
                        related=[given[n] for n in decided.related],
                        passages=list(given.values()), standalone_question=standalone, language=language,
                        problems=list(decided.problems), raw_output=raw, quoted=decided.quoted)
        answer.timings = {
            "retrieve_ms": round(retrieve_ms, 1),
            "first_token_ms": round(drafts.first_ms, 1) if drafts.first_ms is not None else None,
            "total_ms": round((time.perf_counter() - started) * 1000, 1),
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "passages_reread": reread,
        }
        yield answer

    def prepare_passages(self, limit: int | None = None,
                         progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Have the generator read each passage of the collection once and store its state (a generator
        without passage states does nothing), so that the first questions are as fast as later ones. At
        most ``limit`` passages (default ``Settings.prepare_passages``); the others are read on first use.
        Returns (passages looked at, states computed now)."""
        prepare = getattr(self.generator, "prepare", None)
        if prepare is None or not getattr(self.generator, "states", None):
            return 0, 0
        limit = self.settings.prepare_passages if limit is None else limit
        passages = self.retriever.index.passages[:max(0, limit)]
        computed = 0
        for i, passage in enumerate(passages, start=1):
            computed += prepare(prompts.answer_messages("", [(1, passage.text)], "en"))
            if progress:
                progress(i, len(passages))
        return len(passages), computed

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
        if rewrite_problem(question, rewritten):
            return with_the_name_answered(question, history) or with_previous_question(question, history)
        return rewritten

    def _confirms(self, passage: str, question: str, answer: str | None, usage: Usage) -> bool:
        """The model's yes or no to whether ``passage`` alone states the answer (or supports ``answer``); anything
        but a no is a yes (a server that ignores the constraint)."""
        reply = collect(self.generator, prompts.confirm_messages(passage, question, answer),
                        grammar=prompts.CONFIRM_GRAMMAR, max_tokens=2)
        _add_usage(usage, self.generator.last_usage)
        return not reply.strip().lower().startswith("no")

    def _write(self, messages: list[dict], grammar: str, schema: JsonOutput, prediction: str, drafts: "_Drafts"
               ) -> typing.Generator[str, None, str]:
        """Stream the model's answer to ``messages``, yielding what extends the draft shown so far; returns all
        that the model wrote."""
        raw = ""
        for piece in self.generator.stream(messages, grammar=grammar, schema=schema, prediction=prediction,
                                           max_tokens=self.settings.max_answer_tokens):
            raw += piece
            more = drafts.extend(_draft(raw))
            if more:
                yield more
        return raw

    def _verdict(self, messages: list[dict], raw: str, language: Language) -> str:
        """A yes/no answer's verdict chosen again with each verdict scored whole (``qa.llm.choose``), after
        the fact the model wrote; the grammar's token-by-token pick stands where the backend cannot score."""
        head, found, _ = raw.partition("\nANSWER:")
        if not found or not written_fact(raw):
            return raw
        picked = choose(self.generator, messages, head + found, [f" {v}" for v in prompts.VERDICTS[language]])
        return head + found + picked if picked else raw

    def _translate(self, sentence: str, usage: Usage) -> str:
        """An English rendering of a quoted Indonesian sentence, shown beneath the quote and labelled as machine
        translation; "" when it names a name or number the sentence does not, or does not read as English."""
        translated = collect(self.generator, prompts.translate_messages(sentence), grammar=prompts.REWRITE_GRAMMAR,
                             max_tokens=2 * len(sentence.split()) + 30, stop=["\n"])
        _add_usage(usage, self.generator.last_usage)
        translated = " ".join(translated.split()).strip('"“” ')
        if not translated or unsupported_facts(translated, sentence) or detect_language(translated, "en") != "en":
            return ""
        return translated


class _Drafts:
    """The answer text streamed so far. A yes/no answer streams its fact; the verdict comes with the final
    answer, which replaces drafts. A draft written again (the passages read whole) streams on only where it
    extends what was shown."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.shown = ""
        self.first_ms: float | None = None

    def extend(self, draft: str) -> str:
        """What ``draft`` adds to the text shown, now shown too ("" when it adds nothing or differs)."""
        if "NONE.".startswith(draft.upper()) or len(draft) <= len(self.shown) or not draft.startswith(self.shown):
            return ""
        if self.first_ms is None:
            self.first_ms = (time.perf_counter() - self.started) * 1000
        more, self.shown = draft[len(self.shown):], draft
        return more


def _refused(decided: decision.Decision) -> bool:
    """The model's answer was not kept: a quote or a decline stands in its place."""
    return decided.extractive or decided.abstained


def _draft(raw: str) -> str:
    """The answer as far as the model has written it: a yes/no answer's fact until its verdict comes; nothing
    after no evidence (``decision`` declines it) and nothing that may yet be the answer NONE (``_Drafts.extend``)."""
    fact = written_fact(raw)
    if fact is None and "ANSWER:" not in raw:
        return ""
    evidence, answer = parse_model_output(raw)
    if evidence is None:
        return ""
    return fact if fact is not None else answer


def rewrite_problem(question: str, rewritten: str) -> str | None:
    """Why the model's rewrite of a follow-up cannot stand for it, None when it can. A small model often answers
    the question instead of rewriting it ("Lebih dari 1.000 tentara."), or asks another kind of question
    ("Apa saja …" rewritten as "Apakah …", which asks for a yes or no)."""
    if rewritten.lower().rstrip("?. ") == question.lower().rstrip("?. "):
        return "the rewrite resolved nothing"
    if len(rewritten) < 5 or len(rewritten) > 4 * len(question) + 200:
        return "the rewrite is too short or too long"
    if question.rstrip().endswith("?") and not rewritten.endswith("?"):
        return "the rewrite is not a question"
    if rewritten.count("?") > 1:
        return "the rewrite asks more than one question"
    if not is_elliptical(question) and (is_yes_no_question(rewritten) != is_yes_no_question(question) or
                                        question_type(rewritten) != question_type(question)):
        return "the rewrite asks another kind of question"  # "What about Ukraine?" asks what the one before did
    return None


def with_previous_question(question: str, history: Sequence[dict]) -> str:
    """A follow-up with the previous user question before it, so that the earlier one carries the context."""
    last_user = next((t["content"] for t in reversed(history) if t.get("role") == "user"), "").strip().rstrip(".")
    if last_user and not last_user.endswith(("?", "!")):
        last_user += "?"  # the question asked is the last one (``qa.verify.asked_question``)
    return f"{last_user} {question}".strip()


_ONE_PERSON = re.compile(r"\b(?:(he|him|she|dia|ia|beliau)|(his))\b", re.IGNORECASE)
# "Who is Colleen Hoffman …?", "Siapa Colleen Hoffman?": she is the one asked about, not a name of the answer
_WHO_IS_NAMED = re.compile(r"^\W*(?:(?i:who\s+(?:is|was))\s+[A-Z]|(?i:siapa(?:kah)?)\s+[A-Z](?![^?]*\byang\b))")


def with_the_name_answered(question: str, history: Sequence[dict]) -> str | None:
    """A follow-up to a "who" question whose "he", "she", "dia" or "ia" stands for the one the previous answer
    named: the pronoun replaced by the first name of that answer the previous question did not give ("Berapa
    lama dia ditahan?" after "Siapa yang ditahan KPK …?" / "KPK menahan Arso Sadewo (AS), …" -> "Berapa lama
    Arso Sadewo ditahan?"; "his team" -> "Arso Sadewo's team"). None when the previous question asked no "who",
    the follow-up has no such pronoun or the answer no such name. A group ("mereka", "they") is left alone: the
    name of one of its members would narrow it."""
    last_user = next((str(t.get("content") or "") for t in reversed(history) if t.get("role") == "user"), "")
    last_answer = next((str(t.get("content") or "") for t in reversed(history) if t.get("role") == "assistant"), "")
    pronoun = _ONE_PERSON.search(question)
    if not pronoun or question_type(last_user) != "who" or _WHO_IS_NAMED.match(last_user):
        return None
    asked = {w.lower() for w in re.findall(r"[\w'’-]+", last_user)}
    new = [run for run in map(_name_of, _capitalised_words(last_answer)) if any(w.lower() not in asked for w in run)]
    # a person's name is two words or more ("Arso Sadewo"), or one that is neither an acronym ("AFP") nor a
    # word a sentence may start with ("Tim")
    name = next((" ".join(run) for run in new if len(run) > 1), None) or \
        next((run[0] for run in new if len(run) == 1 and not run[0].isupper() and not is_common_word(run[0])), None)
    if not name:
        return None
    return question[:pronoun.start()] + (name + "'s" if pronoun.group(2) else name) + question[pronoun.end():]


def _name_of(run: list[str]) -> list[str]:
    """A run of capitalised words less the function words, days and months at its ends ("Pada Selasa, …")."""
    def plain(word: str) -> bool:
        return word.lower() in FUNCTION_WORDS or word.lower() in DATE_WORDS or word.lower() in MONTH_OF

    start, end = 0, len(run)
    while start < end and plain(run[start]):
        start += 1
    while end > start and plain(run[end - 1]):
        end -= 1
    return run[start:end]


def _capitalised_words(text: str) -> list[list[str]]:
    """Runs of capitalised words within each clause of ``text`` ("KPK", "Arso Sadewo", "AS", "Komisaris Utama PT
    Inti Alasindo Energi" of "KPK menahan Arso Sadewo (AS), Komisaris Utama PT Inti Alasindo Energi")."""
    return [[word.rstrip(".") for word in run] for clause in re.split(r"[,;:()\[\]“”\"]|[.!?](?:\s|$)", text)
            for run in capitalised_runs(re.findall(r"[\w'’.-]+", clause), shortest=1)]


def _citation(n: int, r: RetrievedPassage) -> Citation:
    return Citation(n=n, article=r.passage.article, passage=r.passage.id, text=r.passage.text,
                    title=r.article.title, paragraph=r.passage.paragraph, source_url=r.article.source_url,
                    score=r.score, date=r.article.date, source=r.article.source, page=r.passage.page)


def _add_usage(total: Usage, step: Usage) -> None:
    total.prompt_tokens += step.prompt_tokens
    total.completion_tokens += step.completion_tokens
