"""The answer decision: whether kutip answers, quotes or abstains. The rules, in the order they apply:

1. **Abstain before asking the model** when no passage was retrieved, or when a name or number of the
   question is in none of the articles the retrieved passages come from, titles included
   (``verify.missing_question_terms``): then the articles are not about it, whatever a model would write.
   An office counts in either form ("Mendagri", "Menteri Dalam Negeri"); Indonesia need not be named by
   Indonesian articles that name no other country. (``before_generation``)
2. **Abstain** when the model names no evidence (``EVIDENCE: NONE``, whatever its answer says) or writes
   neither evidence nor an answer. (Rules 2–5: ``after_generation``.)
3. **Answer** with the model's text when it passes its checks: it reads as the question's language (not
   checked for a yes/no answer, whose verdict is), markers point only at shown passages, and
   each sentence's names, numbers and months are in the passages it cites (a name the question gives need
   not be, except in a yes/no answer; ``verify.check_answer``); for a
   how-many question, its figure is one that the question asks for, and no span of time unless time is asked
   (``verify.check_figures``); it holds the kind of thing asked for: a figure for how many, a date for when, a
   name the question does not give for who and where (``verify.kind_misses``), and not a year alone where
   the cited passage gives the date (``verify.year_of_a_fuller_date``), nor a date or name whose cited sentence
   (with the one before it) holds nothing the question asks besides its names: another event's
   (``verify.apart_from_the_event``), nor names to "who" that its cited passages all hold only as the one who
   said something (``verify.only_speakers``: the source, not the one asked about); the answer (a yes/no answer's
   fact) says more than the question does (``verify.restates_the_question``) and is no headline its article
   has as a line of its own (``verify.copies_a_headline``); no claim
   leaves out a "not" its cited sentence puts before the claim's words, and no "yes" answers a question whose
   cited sentence denies or whose fact says it was denied (``verify.check_polarity``), or whose fact says words of
   what is asked that its cited passages hold in no form (``verify.yes_beyond_the_passages``); and the articles it
   cites name the question's names, as rule 1 asks of the retrieved articles together (``verify.unnamed_by_cited_articles``: among many articles
   an answer is often drawn from one on another subject). A "yes" whose own fact denies what the question
   asks is answered with the verdict its fact gives instead, and only the fact's sentences that deny: "Tidak.
   … tak ada wajah baru [1]" (``_verdict_its_fact_gives``).
   Then the model is asked again, with only the cited passage that holds most of the question's words (the first
   cited of those; ``verify.confirmed_passage``), whether that passage states
   the answer to the question; "no" **abstains**, the passage given as related (``after_confirmation``).
   A yes/no question's answer is put to the model instead ("does the passage support this answer?"). Measured
   on the dev gold's answers that passed their checks (1.5B): "no" for 7 of 19 unanswerable questions, 11 of
   49 wrong answers and 2 of 47 right ones, both to yes/no questions, which putting the answer keeps.
   A quote (rule 4) is put to the model the same way, whether its passage states the answer (not to a
   yes/no question).
4. Otherwise **quote**, marked extractive: for a how-many question, the sentence that gives the figure asked
   for; else the shown sentence that best matches the question among those that hold the date or the name
   asked for, where one does (``EvidenceSelector.closest_sentence``; not the model's pick, as its answer
   failed). A quote is only an answer when its sentence holds the kind of thing asked for and enough of the
   question's words (not its names alone), in a passage that holds the question's numbers
   (``verify.quote_misses``) and an article that names its names; otherwise **abstain**, and
   give its passage as related, not as a citation: the closest sentence to an unanswerable question is
   still the closest sentence. An English question whose quote would be an Indonesian sentence gets the
   figure or the date it asks for in English instead, when the sentence gives one (``english_lead``):
   rendered by rule, not by the model, so the lead is as faithful as the quote; the sentence stays one
   click away, highlighted. To an Indonesian how-many question the quote's figure leads the same way, as the
   sentence writes it (``figure_lead``: "antara 8.000 dan 10.000", not the 100.000 of New York before it).
5. After an answer or a quote to a how-many question, **list the other figures** that match the question at
   least as well, each cited (in English for an English question): articles often disagree on counts, and
   a small model reports only one.

The fixed texts (the abstention, the quote's preface, the figures' lead-in) are in ``qa.prompts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable, Sequence

from qa import prompts
from qa.language import Language, detect_language, english_dates, english_figure, figure_as_written
from qa.ingest import sentence_spans
from qa.lexicon import YES_WORDS
from qa.verify import (YES_DENIED, Figure, FigureCheck, apart_from_the_event, check_answer, check_figures,
                       check_polarity, confirmed_passage, copies_a_headline, denial_of_the_question, is_headline,
                       is_yes_no_question, kind_misses, markers, missing_question_terms, only_speakers,
                       parse_model_output, question_type, quote_misses, restates_the_question, strip_markers,
                       unnamed_by_cited_articles, without_markers, written_fact, year_of_a_fuller_date,
                       yes_beyond_the_passages)


@dataclass(frozen=True)
class Decision:
    text: str
    citations: tuple[int, ...]  # passage numbers, in the order the text cites them
    abstained: bool = False
    extractive: bool = False  # a quote from a passage, not the model's text
    problems: tuple[str, ...] = ()  # why the model's answer was changed or refused
    related: tuple[int, ...] = ()  # an abstention's closest passage, shown as related: it does not answer
    quoted: str = ""  # a quote's sentence, as the article writes it


def abstention(language: Language, problem: str) -> Decision:
    return Decision(prompts.ABSTAIN_REPLY[language], (), abstained=True, problems=(problem,))


def before_generation(question: str, articles: Sequence[str], language: Language) -> Decision | None:
    """Rule 1: an abstention, or None when the model is to be asked. ``articles``: the titles and passages of
    the articles the retrieved passages come from; none when nothing was retrieved."""
    if not articles:
        return abstention(language, "no passage was retrieved")
    missing = missing_question_terms(question, articles, language)
    if missing:
        return abstention(language, f"no article found mentions {', '.join(repr(m) for m in missing)}")
    return None


def after_generation(question: str, language: Language, raw: str, shown: Sequence[str | None],
                     closest_sentence: Callable[[Callable[[str], bool] | None], tuple[int, str]], coverage: float,
                     articles: Sequence[str | None] = ()) -> Decision:
    """Rules 2–5 for what the model wrote (``raw``). ``shown[n - 1]`` is the text of passage [n] as the model
    saw it, None for a retrieved passage it was not shown; ``closest_sentence(answers)`` gives (n, sentence) to
    quote, the closest of the sentences ``answers`` accepts where there is one;
    ``coverage`` is ``Settings.quote_coverage``; ``articles[n - 1]`` is the whole text of passage [n]'s article,
    its title and then its passages a line each (none given: the cited articles are not checked)."""
    evidence, answer_text = parse_model_output(raw)
    if evidence is None or not (answer_text or evidence):
        return abstention(language, "the model found no passage that states the answer")
    checked = check_answer(answer_text, shown, evidence, question=question)
    figures = check_figures(question, language, checked.text, shown)
    polarity = check_polarity(question, language, checked.text, shown) if checked.ok else []
    kind = kind_misses(question, strip_markers(checked.text)) if checked.ok else []
    def cited(texts: Sequence[str | None]) -> list[str]:
        return [texts[n - 1] or "" for n in checked.citations if 1 <= n <= len(texts)]

    beyond = yes_beyond_the_passages(question, language, checked.text, shown) if checked.ok else []
    if beyond:  # apart from polarity's problems: a "yes" its passage denies may still take the fact's verdict
        kind.append(f"the answer says yes to {', '.join(map(repr, beyond))}, which its cited passages do not say")
    cited_shown = cited(shown)
    year = year_of_a_fuller_date(question, checked.text, cited_shown) if checked.ok else None
    if year:
        kind.append(f"the answer gives the year {year} alone; its passage gives the date")
    speakers = only_speakers(question, checked.text, cited_shown) if checked.ok else []
    if speakers:
        kind.append(f"the answer names {speakers[0]!r}, who only says it in its cited passages")
    apart = apart_from_the_event(question, language, checked.text, cited_shown) if checked.ok else None
    if apart:
        kind.append(f"the answer's {apart!r} is in a sentence about something else")
    if checked.ok and copies_a_headline(checked.text, cited(articles)):
        kind.append("the answer is a headline")
    yes_no = is_yes_no_question(question)
    claim = written_fact(raw) if yes_no else checked.text
    if checked.ok and claim and restates_the_question(question, language, claim):
        kind.append(f"the {'fact' if yes_no else 'answer'} only says again what the question asks")
    foreign = _language_misses(question, language, checked.text) if checked.ok else []
    unnamed_at = cache(lambda n: unnamed_by_cited_articles(question, [n], articles, language))  # per passage

    def on_subject(n: int) -> bool:
        return not unnamed_at(n)

    unnamed = unnamed_by_cited_articles(question, checked.citations, articles, language) if checked.ok else []
    denied = _verdict_its_fact_gives(question, language, checked.text, checked.citations) if checked.ok and \
        all(p.startswith(YES_DENIED) for p in polarity) and not (unnamed or figures.problems) else None
    if denied:
        cited = tuple(dict.fromkeys(n for _, _, numbers in markers(denied) for n in numbers))
        return Decision(denied, cited, problems=tuple(checked.dropped + polarity) + (
            "the answer said yes and its own fact denies what is asked: the verdict is the fact's",))
    if checked.ok and not figures.problems and not polarity and not kind and not foreign and not unnamed:
        text, citations = _with_other_figures(checked.text, checked.citations, figures, language, shown, on_subject)
        return Decision(text, tuple(citations), problems=tuple(checked.dropped))
    problems = checked.dropped + checked.problems + figures.problems + polarity + kind + foreign + unnamed
    figure = next((f for f in figures.best if on_subject(f.n) and not _headline_of(f, shown)), None)
    if figure:
        s, e = figure.sentence
        n, quoted = figure.n, (shown[figure.n - 1] or "")[s:e]
    else:
        n, quoted = closest_sentence(None if question_type(question) == "quantity" else  # figures: chosen above
                                     lambda sentence: not kind_misses(question, sentence, first_word_may_be_name=False))
    misses = quote_misses(question, language, quoted, coverage, passage=shown[n - 1] or "",
                          figure_weighed=figure is not None) + unnamed_at(n)
    if misses:
        return Decision(prompts.ABSTAIN_REPLY[language], (), abstained=True, problems=tuple(problems + misses),
                        related=(n,))
    quoted = strip_markers(quoted)
    lead = english_lead(question, quoted, figure, shown[n - 1] or quoted) if language == "en" else \
        figure_lead(quoted, figure)
    text = f"{lead} [{n}]" if lead else f"{prompts.EXTRACTIVE_PREFIX[language]} “{quoted}” [{n}]"
    text, citations = _with_other_figures(text, [n], figures, language, shown, on_subject)
    return Decision(text, tuple(citations), extractive=True, problems=tuple(problems), quoted=quoted)


def _headline_of(figure: Figure, shown: Sequence[str | None]) -> bool:
    """Whether the figure's sentence is a headline, which is no quote (the next best figure's sentence is)."""
    s, e = figure.sentence
    return is_headline((shown[figure.n - 1] or "")[s:e])


def _verdict_its_fact_gives(question: str, language: Language, answer: str, citations: Sequence[int]) -> str | None:
    """A "yes" whose own fact denies what the question asks ("Ya. Dari sembilan KSB yang dilantik, tak ada wajah
    baru [1]" to "Apakah ada wajah baru …?"): the answer with the verdict the fact gives ("Tidak. …", "Belum. …"
    for a "belum"). The small model says yes to nearly any yes/no question; its fact, copied from the passage,
    keeps the passage's "not" (and its names and numbers are checked against the passage like any claim).
    None for any other answer, or when the fact denies nothing the question asks
    (``verify.denial_of_the_question``)."""
    first, *rest = answer.split(maxsplit=1) or [""]
    if not is_yes_no_question(question) or first.strip(".,!").lower() not in YES_WORDS:
        return None
    denial = denial_of_the_question(question, language, answer)
    if denial is None:
        return None
    _, no, not_yet = prompts.VERDICTS[language]
    verdict = not_yet if denial in ("belum", "not yet") else no
    # the fact's sentences that deny what is asked, not those that say yes beside them ("… telah resmi
    # diputuskan. Kendati belum ada keputusan final, …"): the answer must say nothing false
    fact = rest[0] if rest else ""
    kept = " ".join(fact[s:e].strip() for s, e in sentence_spans(fact)
                    if denial_of_the_question(question, language, fact[s:e])) or fact
    if not markers(kept):
        kept = f"{kept.rstrip()} [{', '.join(map(str, citations))}]"
    return f"{verdict}. {kept}"


def _language_misses(question: str, language: Language, text: str) -> list[str]:
    """An answer that reads as the other language (the model copied the passage's sentence) is no answer to
    the question as asked. Not checked for a yes/no answer: its verdict is in the question's language
    whatever its fact copies, and a quote would lose the verdict."""
    if is_yes_no_question(question) or detect_language(strip_markers(text), default=language) == language:
        return []
    return ["the answer is not in the question's language"]


def english_lead(question: str, sentence: str, figure: Figure | None, passage: str) -> str | None:
    """The figure or date an English question asks for, in English, from the ``sentence`` of an Indonesian
    ``passage`` to be quoted: the ``figure`` the quote was chosen for (its sentence) for how many or how much,
    the sentence's one date for when. None for an English passage, another kind of question, or a sentence with
    several dates (which of them answers is not for a rule to guess)."""
    if detect_language(passage, default="en") != "id":
        return None
    kind = question_type(question)
    if kind == "quantity" and figure:
        return english_figure(sentence, figure.written)
    if kind == "when":
        dates = english_dates(sentence)
        return dates[0] if len(dates) == 1 else None
    return None


def figure_lead(sentence: str, figure: Figure | None) -> str | None:
    """For how many or how much, the quote's ``figure`` as its ``sentence`` writes it, with its hedge and range
    ("antara 8.000 dan 10.000"): the answer leads with what was asked, and the sentence is the quote it rests
    on, as for an English question (``english_lead``). None for other questions."""
    return figure_as_written(sentence, figure.written) if figure else None


def _with_other_figures(text: str, citations: list[int], figures: FigureCheck, language: Language,
                        shown: Sequence[str | None], on_subject: Callable[[int], bool]) -> tuple[str, list[int]]:
    """Rule 5: the text with the best-matching figures it leaves out, each with its passage (one whose article
    is ``on_subject``); for an English question, a figure of an Indonesian passage in English."""
    extra = figures.others(text, keep=on_subject)
    if not extra:
        return text, citations
    if language == "en":
        extra = [(n, _figure_in_english(figures, n, written, shown[n - 1] or "")) for n, written in extra]
    listed = "; ".join(f"{figure} [{n}]" for n, figure in extra)
    return (f"{text} {prompts.OTHER_FIGURES[language]} {listed}.",
            citations + [n for n in dict.fromkeys(n for n, _ in extra) if n not in citations])


def _figure_in_english(figures: FigureCheck, n: int, written: str, passage: str) -> str:
    if detect_language(passage, default="en") != "id":
        return written
    figure = next((f for f in figures.best if f.n == n and f.written == written), None)
    if figure is None:
        return written
    s, e = figure.sentence
    return english_figure(passage[s:e], written) or written


def after_confirmation(decided: Decision, question: str, confirms: Callable[[int, str | None], bool],
                       language: Language, shown: Sequence[str | None] = ()) -> Decision:
    """Rules 3 and 4, last part: ``confirms(n, answer)`` is the model's own yes or no, asked again with passage
    [n] alone, to whether that passage states the answer to the question (``answer`` None) or supports the
    given answer; it is asked about the cited passage that holds most of the question's words, the first of
    those (``confirmed_passage``; ``shown[n - 1]``: passage [n]'s text). A model's answer to a yes/no
    question is put to it: asked whether a passage "states the answer", the model says no when the answer is
    no (measured on the dev gold, 1.5B: that form withdrew 2 right answers of 47, both to yes/no questions; put
    the answer, none). A quote is the passage's own sentence, so only whether the passage states the answer is
    asked, and not for a yes/no question (for the same reason: it withdrew 2 right quotes of 2 on the dev gold).
    Measured on the quotes of the dev gold (1.5B): 2 of 8 unanswerable questions declined, no right quote
    lost; on the seeds 1 wrong quote of 7 declined. An answer or a quote the model does not confirm is
    withdrawn; abstentions are left as they are."""
    yes_no = is_yes_no_question(question)
    if decided.abstained or not decided.citations or (decided.extractive and yes_no):
        return decided
    n = confirmed_passage(question, language, decided.citations, shown)
    if confirms(n, without_markers(decided.text) if yes_no else None):  # quotes to yes/no questions left above
        return decided
    return Decision(prompts.ABSTAIN_REPLY[language], (), abstained=True, related=(n,),
                    problems=decided.problems + (f"asked again, the model did not find the answer in passage [{n}]",))
