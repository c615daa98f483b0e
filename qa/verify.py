"""Checks of what an answer claims against what it cites. Pure functions, no model; ``qa.decision`` decides
what their findings mean for the answer.

- ``parse_model_output``: the evidence list and the answer line of the constrained output.
- ``check_answer``: markers that point at no passage are dropped; the numbers, amounts (with their scale
  word: "$1 million" is not "$1 miliar"), months and names of each sentence must appear in the passages that
  sentence cites (or, without markers of its own, in all the answer cites).
- ``check_figures``: for a how-many question, whether the answer's figure is one the question asks for.
- ``missing_question_terms``: names and numbers of the question that no retrieved passage mentions.
- ``supporting_span``: the sentence of a cited passage to highlight for the reader.
- ``quote_misses``: why a sentence quoted in place of a failed answer does not answer the question.
- ``check_polarity``: an answer that drops the "not" of the sentence it cites.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Callable, Collection, Sequence

from qa.ingest import sentence_spans
from qa.language import (CURRENCY, NUMBER_PHRASE, Language, detect_language, glossary_has, is_common_word,
                         normalise_number, spelled_numbers, text_terms, word_forms, words_to_number)
from qa.lexicon import (CHANGE_WORDS, COUNTRIES, DATE_WORDS, FUNCTION_WORDS, HOME_COUNTRY, MONEY_UNITS, MONEY_WORDS,
                        MONTH_OF, NAME_ALIASES, NAMED_ASKED, NEGATIONS, NEGATIVE_PREDICATES, NOT_A_DENIAL, NOT_NAMES,
                        QUANTITY_WORDS, REFUSAL_STEMS, REFUSALS, SCALE_OF, SHARE_WORDS, TIME_ASKED, TIME_SPANS,
                        TITLE_ABBREVIATIONS, YES_WORDS)

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# an amount may follow its currency without a space, as Indonesian news writes it: "Rp15 juta", "USD100 juta"
_GLUED_CURRENCY = ("Rp", "Rp.", "USD", "SGD", "IDR", "EUR")
_NUMBER_START = r"(?:(?<![\w.,])|" + "|".join(f"(?<={re.escape(c)})" for c in _GLUED_CURRENCY) + r")"
_NUMBER = re.compile(_NUMBER_START + r"\d+(?:[.,]\d{3})*(?:[.,]\d+)?(?![\d])")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_SCALED = re.compile(_NUMBER_START + r"(\d+(?:[.,]\d{3})*(?:[.,]\d+)?)\s*(" + "|".join(SCALE_OF) + r")\b", re.IGNORECASE)


@dataclass
class CheckedAnswer:
    text: str  # the answer with invalid markers removed
    citations: list[int]  # passage numbers cited, in order of first mention
    problems: list[str] = field(default_factory=list)  # claims the cited passages do not support
    dropped: list[str] = field(default_factory=list)  # markers removed because they point at no passage

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.citations)


def parse_model_output(raw: str) -> tuple[list[int] | None, str]:
    """(evidence passage numbers, or None for NONE; the answer text, "" for NONE) from the constrained
    output ``EVIDENCE: …\\nANSWER: …``, or for a yes/no question ``EVIDENCE: …\\nFACT: …\\nANSWER: yes|no``,
    whose answer text is the verdict, then the fact ("No. The appeal was rejected [1]."); "" while the
    verdict is not written yet or when the fact is NONE. Tolerates a missing line."""
    evidence: list[int] | None = []
    answer = ""
    match = re.search(r"EVIDENCE:\s*([^\n]*)", raw)
    if match:
        value = match.group(1).strip()
        evidence = None if value.upper().startswith("NONE") else [int(n) for n in re.findall(r"\d+", value)]
    match = re.search(r"(?:^|\n)ANSWER:\s*(.*)", raw, re.DOTALL)
    if match:
        answer = match.group(1).strip()
    elif "EVIDENCE:" not in raw:
        answer = raw.strip()
    if re.fullmatch(r"NONE\.?", answer, re.IGNORECASE):
        answer = ""
    fact = written_fact(raw)
    if fact is not None:
        answer = f"{answer}. {fact}" if answer and fact else ""
    return evidence, answer


def written_fact(raw: str) -> str | None:
    """The FACT line of a yes/no answer as far as it is written ("" for NONE); None when there is none."""
    match = re.search(r"FACT:[ \t]*([^\n]*)", raw)
    if match is None:
        return None
    fact = re.split(r"\s*\bANSWER:", match.group(1))[0].strip()  # a verdict the model wrote into its fact line
    return "" if re.fullmatch(r"NONE\.?", fact, re.IGNORECASE) else fact


_REFERENCE_NUMBERS = r"(\d+(?:\s*(?:,\s*(?:and|dan)|,|and|dan)\s*\d+)*)"
# only forms that plainly point at a passage: "(Passage 2)", "(from passage 2)", "from passages 1 and 3",
# "in passage 3 and 4", "(Passage 2, 3, and 4)", "(2)"
_PASSAGE_REFERENCE = re.compile(
    r"\((?:(?:from|see|in|dari|lihat)\s+)?(?:passages?|bagian)\s+" + _REFERENCE_NUMBERS + r"\)"
    r"|\b(?:from|see|in|by|dari|lihat|di|menurut)\s+(?:passages?|bagian)\s+" + _REFERENCE_NUMBERS +
    r"|(?<=\w)\s?\((\d(?:\s*(?:,|and|dan)\s*\d)*)\)", re.IGNORECASE)
# "The passage states that …", "Passages 1 and 2 say that …": the claim is what follows, its passages a marker
_PASSAGE_LEAD_IN = re.compile(
    r"(?:(?<=^)|(?<=[.!?]\s))(?:the\s+)?(?:passages?|bagian)(?:\s+" + _REFERENCE_NUMBERS + r")?\s+"
    r"(?:states?|says?|mentions?|shows?|indicates?|reports?|menyebutkan|menyatakan)\s+(?:that\s+|bahwa\s+)?"
    r"([^.!?]*)", re.IGNORECASE)


def without_repeated_items(answer: str) -> tuple[str, list[str]]:
    """A sentence's list that gives an item of words again ("Rosan Roeslani, Rosan Roeslani, Rosan Roeslani":
    the small model looping) keeps it once, where it first comes, with the markers of all its copies; a figure
    may come twice ("2, 2 dan 1 medali"). Returns the text and what was dropped."""
    pieces, last, dropped = [], 0, 0
    for s, e in sentence_spans(answer):
        sentence = answer[s:e]
        end = re.search(r"[.!?]*\s*$", sentence)
        items = re.split(r",\s+", sentence[:end.start()])
        first: dict[str, int] = {}
        kept: list[str] = []
        copies: list[set[int]] = []  # the markers of each kept item's dropped copies
        for item in items:
            key = " ".join(_MARKER.sub(" ", item).casefold().split())
            if key in first and any(ch.isalpha() for ch in key):
                copies[first[key]].update(n for _, _, numbers in markers(item) for n in numbers)
                continue
            first.setdefault(key, len(kept))
            kept.append(item)
            copies.append(set())
        if len(kept) < len(items):
            dropped += len(items) - len(kept)
            for i, (item, extra) in enumerate(zip(kept, copies)):
                own = {n for _, _, numbers in markers(item) for n in numbers}
                if extra - own:
                    kept[i] = f"{_MARKER.sub('', item).rstrip()} [{', '.join(map(str, sorted(own | extra)))}]"
            sentence = ", ".join(kept) + sentence[end.start():]
        pieces += [answer[last:s], sentence]
        last = e
    if not dropped:
        return answer, []
    return "".join(pieces) + answer[last:], [f"{dropped} repeated list item{'s' if dropped > 1 else ''} dropped"]


def normalise_references(answer: str) -> str:
    """Turn the ways a model names a passage in words ("(Passage 2)", "from passages 1 and 3", "The passage 2
    states that X") into markers ("X [2]")."""
    def lead_in(m: re.Match) -> str:
        claim = m.group(2)  # as written: capitalised, "methane" would be checked as a name
        if not claim:
            return m.group(0)
        if not m.group(1) or _MARKER.search(claim):
            return claim
        return f"{claim} [{', '.join(re.findall(r'[0-9]+', m.group(1)))}]"

    def marker(m: re.Match) -> str:
        numbers = ", ".join(re.findall(r"\d+", next(g for g in m.groups() if g)))
        return f" [{numbers}]" if m.group(3) else f"[{numbers}]"  # "NDRC (2)" and "NDRC(2)" alike

    return _PASSAGE_REFERENCE.sub(marker, _PASSAGE_LEAD_IN.sub(lead_in, answer))


# "… ahli waris. [2] Pada kesempatan ini …": the marker ends the sentence before it, not the next one
_MARKER_AFTER_STOP = re.compile(r"([.!?]+)([\"”’]?)((?:[ \t]*" + _MARKER.pattern.replace("(", "(?:", 1) +
                                r")+)(?=\s*$|\s+[A-Z\"“(])")  # before the end or a new sentence: not "U.S. [1] and"


def markers_before_stops(text: str) -> str:
    """A marker written after a sentence's full stop moves before it ("mandat. [2] Pada …" -> "mandat [2]. Pada
    …"), so that it cites the sentence it follows: a sentence is read with the markers inside it."""
    return _MARKER_AFTER_STOP.sub(lambda m: f"{m.group(2)} {m.group(3).strip()}{m.group(1)}", text)


def without_markers(text: str) -> str:
    """A claim without its citation markers, tidied ("belum [1]." -> "belum.")."""
    return _filter_markers(text, lambda n: False)[0]


def strip_markers(text: str) -> str:
    """Text quoted from an article, without anything that would read as a citation marker."""
    return re.sub(r"\s{2,}", " ", _MARKER.sub("", text)).strip()


def markers(text: str) -> list[tuple[int, int, list[int]]]:
    """(start, end, numbers) of each citation marker such as [2] or [1, 3]."""
    return [(m.start(), m.end(), [int(n) for n in re.findall(r"\d+", m.group(1))]) for m in _MARKER.finditer(text)]


def check_answer(answer: str, passages: Sequence[str | None], evidence: Sequence[int] | None = None,
                 question: str = "") -> CheckedAnswer:
    """``passages[n - 1]`` is the text of passage [n]; None for a number the model was not shown. A name the
    ``question`` gives is no claim of the answer's ("PSSI" in an answer to a question about PSSI): the
    cited passage need not repeat it (rule 1 has found it in the articles); a number or a month must be there, and
    a yes/no answer's names too (its fact restates the question: the names are what it claims)."""
    count = len(passages)
    given = {w.lower().strip("'’-") for w in _WORD.findall(question)}
    asked = set() if is_yes_no_question(question) else given

    def exists(n: int) -> bool:
        return 1 <= n <= count and passages[n - 1] is not None

    dropped: list[str] = []
    problems: list[str] = []

    text, removed = _filter_markers(normalise_references(answer), exists)
    dropped.extend(f"marker [{n}] points at no passage" for n in removed)
    text, repeated = without_repeated_items(text)
    dropped.extend(repeated)

    text = markers_before_stops(text)
    if evidence and not markers(text):
        text = with_evidence(text, [n for n in dict.fromkeys(evidence) if exists(n)])
    text = prune_citations(text, passages, asked, given)
    text, moved = recite(text, passages, asked)
    dropped.extend(moved)
    cited = list(dict.fromkeys(n for _, _, numbers in markers(text) for n in numbers))
    if not text:
        return CheckedAnswer("", [], ["the answer is empty"], dropped)
    if not any(ch.isalnum() for ch in _MARKER.sub(" ", text)):  # "[2]" alone points, it does not answer
        return CheckedAnswer(text, cited, ["the answer has no words, only markers"], dropped)
    if not cited:
        return CheckedAnswer(text, [], ["the answer cites no passage"], dropped)

    for s, e in sentence_spans(text):
        sentence = text[s:e]
        own = [n for _, _, numbers in markers(sentence) for n in numbers]
        support = " ".join(passages[n - 1] or "" for n in (own or cited))
        for fact in _claimed_but_absent(_MARKER.sub(" ", sentence), support, asked):
            problems.append(f"{fact!r} is not in the cited passage{'s' if len(own or cited) > 1 else ''}")
    return CheckedAnswer(text, cited, problems, dropped)


_VERDICT_WORDS = YES_WORDS | NEGATIONS | {"yet"}


def with_evidence(text: str, evidence: Sequence[int]) -> str:
    """An answer written without markers, each sentence marked with the passages the model named as its
    evidence (pruned later, sentence by sentence, to those that hold the sentence's facts); a verdict alone
    ("Ya.", "Not yet.") states nothing to cite, and gets the marker only when it is all the answer says."""
    if not evidence or not text.strip():
        return text
    marker = f" [{', '.join(map(str, evidence))}]"
    pieces, cursor = [], 0
    for s, e in sentence_spans(text):
        words = _WORD.findall(text[s:e])
        if not any(ch.isalnum() for ch in text[s:e]) or (words and all(w.lower() in _VERDICT_WORDS for w in words)):
            continue  # a stray quote mark, a verdict alone
        stop = s + re.search(r"[.!?]*[\"”’]?\s*$", text[s:e]).start()
        pieces += [text[cursor:stop], marker, text[stop:e]]
        cursor = e
    return "".join(pieces) + text[cursor:] if pieces else text.rstrip() + marker


def _claimed_but_absent(claim: str, support: str, asked: Collection[str]) -> list[str]:
    """``_absent_facts`` less the names the question gives (``asked``, lower case): those are the question's,
    not claims of the answer's. Numbers and months always count."""
    return [fact for fact in _absent_facts(claim, support)
            if fact[:1].isdigit() or (name := fact.lower().strip("'’-")) in MONTH_OF or name not in asked]


def _amount(number: str, scale: str = "") -> float:
    return float(_number_key(number)) * 10 ** SCALE_OF.get(scale.lower(), 0)


def _filter_markers(text: str, keep: Callable[[int], bool]) -> tuple[str, list[int]]:
    """``text`` with each marker reduced to the numbers ``keep`` accepts (repeats merged; a marker left empty
    goes, with the space before it), and the numbers removed."""
    removed: list[int] = []

    def rewrite(match: re.Match) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        removed.extend(n for n in numbers if not keep(n))
        kept = [n for n in dict.fromkeys(numbers) if keep(n)]
        return f"[{', '.join(map(str, kept))}]" if kept else ""

    text = re.sub(r"\s+([.,;!?])", r"\1", _MARKER.sub(rewrite, text)).strip()
    return re.sub(r"[ \t]{2,}", " ", text), removed


def prune_citations(text: str, passages: Sequence[str | None], asked: Collection[str] = frozenset(),
                    given: Collection[str] = frozenset()) -> str:
    """In a sentence that cites several passages in one marker, keep those that hold all of its names and
    numbers and share words with it, when at least one does: a small model tends to cite every passage it was
    shown. A name the question gives (``given``) need not be in each kept passage (a passage often leaves it
    to its article) as long as the kept passages together still hold every name ``check_answer`` looks for
    (all but ``asked``)."""
    pieces, cursor = [], 0
    for s, e in sentence_spans(text):
        sentence = text[s:e]
        found = markers(sentence)
        cited = list(dict.fromkeys(n for _, _, numbers in found for n in numbers
                                   if 1 <= n <= len(passages) and passages[n - 1]))
        apart = any(sentence[end:start].strip() for (_, end, _), (start, _, _) in zip(found, found[1:]))
        if len(cited) > 1 and not apart:  # markers at several places cite the sentence's parts
            claim = _MARKER.sub(" ", sentence)
            terms = _overlap_terms(claim)
            keep: set[int] = set()
            for ignored in (given, asked):
                keep = {n for n in cited if not _claimed_but_absent(claim, passages[n - 1] or "", ignored)
                        and terms & _overlap_terms(passages[n - 1] or "")}
                if keep and not _claimed_but_absent(claim, " ".join(passages[n - 1] or "" for n in keep), asked):
                    break
                keep = set()
            if keep and keep != set(cited):
                sentence, _ = _filter_markers(sentence, keep.__contains__)
        pieces.append(text[cursor:s] + sentence)
        cursor = e
    return "".join(pieces) + text[cursor:]


def recite(text: str, passages: Sequence[str | None], asked: Collection[str] = frozenset()) -> tuple[str, list[str]]:
    """A sentence whose names and numbers are not in the passages it cites, but all in one other shown passage
    that shares words with it, cites that passage instead: a small model often gets the claim from one passage
    and the number of the marker from another. The claim is still checked, now against the passage that
    holds it. Returns the text and a note for each marker moved."""
    pieces, notes, cursor = [], [], 0
    for s, e in sentence_spans(text):
        sentence = text[s:e]
        cited = [n for _, _, numbers in markers(sentence) for n in numbers]
        claim = _MARKER.sub(" ", sentence)
        support = " ".join(passages[n - 1] or "" for n in cited if 1 <= n <= len(passages))
        if cited and _claimed_but_absent(claim, support, asked):
            terms = _overlap_terms(claim)
            holder = next((n for n, passage in enumerate(passages, start=1)
                           if passage and n not in cited and terms & _overlap_terms(passage)
                           and not _claimed_but_absent(claim, passage, asked)), None)
            if holder is not None:
                first = _MARKER.search(sentence)
                sentence = (sentence[:first.start()] + f"[{holder}]" +
                            _MARKER.sub("", sentence[first.end():])).replace("  ", " ")
                was = ", ".join(map(str, dict.fromkeys(cited)))
                notes.append(f"marker [{was}] moved to [{holder}], the passage that holds the claim")
        pieces.append(text[cursor:s] + sentence)
        cursor = e
    return "".join(pieces) + text[cursor:], notes


def unsupported_facts(claim: str, support: str) -> list[str]:
    """Numbers, months and names of ``claim`` that ``support`` does not contain. A number the support writes in
    words counts ("dua tahun" supports "2 years")."""
    support_numbers = {_number_key(n) for n in _NUMBER.findall(support)} | {
        _number_key(str(value)) for m in NUMBER_PHRASE.finditer(support) if (value := words_to_number(m.group(0)))
        is not None}
    support_words = {w.lower().strip("'’-") for w in _WORD.findall(support)}
    support_months = {MONTH_OF[w] for w in support_words if w in MONTH_OF}
    missing = []
    scaled = {m.start(1): m for m in _SCALED.finditer(claim)}  # "1,5 juta" is judged as 1.500.000
    amounts = ({_amount(n) for n in _NUMBER.findall(support)} | {_amount(n, w) for n, w in _SCALED.findall(support)}
               if scaled else set())
    for match in _NUMBER.finditer(claim):
        number, amount = match.group(0), scaled.get(match.start())
        if amount is not None:
            if not any(math.isclose(_amount(number, amount.group(2)), a, rel_tol=1e-9) for a in amounts):
                missing.append(amount.group(0) if _number_key(number) in support_numbers else number)
        elif _number_key(number) not in support_numbers:
            missing.append(number)
    for position, word in enumerate(_WORD.findall(claim)):
        word = re.sub(r"['’]s$", "", word)  # Ukraine's -> Ukraine
        lower = word.lower().strip("'’-")
        if lower in MONTH_OF:
            if MONTH_OF[lower] not in support_months:
                missing.append(word)
        elif _is_name(word, first=position == 0) and not word_in(lower, support_words):
            missing.append(word)
    return missing


def _number_key(number: str) -> str:
    """5.7 and 5,7 are one number once thousands separators are gone (English and Indonesian decimals)."""
    return normalise_number(number).replace(",", ".")


def missing_question_terms(question: str, passages: Sequence[str], language: Language = "en") -> list[str]:
    """Names and numbers of the question that none of the passages mention. Hyphenated words count by their
    parts ("US-Australia", "Al-Khoziny"). A capitalised English word that the glossary translates ("Finance
    Minister", "SOE") counts when a translation is there. Within a multi-word name, the words before a word the
    glossary does not know that is there count too (titles and first names: "Menkeu Purbaya", "David
    Beckham"; not "Presiden Prancis Emmanuel Macron"), and so does a word the glossary knows when any other word
    of the name is there ("Social Affairs Ministry" as "Kemensos")."""
    written = {offices_in_short(m.group(0)): m.group(0) for m in _OFFICE.finditer(question)}  # as asked
    question = offices_in_short(question)
    words = [part for word in _WORD.findall(question) for part in word.split("-") if part]
    support = " ".join(passages)
    support = f"{support} {support.replace('-', ' ')} {offices_in_short(support)}"
    numbers = " ".join(_NUMBER.findall(question))
    missing = unsupported_facts(f"{' '.join(words[1:])} {numbers}", support)  # the first word is capitalised anyway
    if missing:
        home = _unnamed_home_country(passages)
        missing = [m for m in missing if m.lower() not in home]
    if not missing:
        return []
    if language == "en":
        missing = _untranslated(missing, support)
    absent = set(missing)
    for run in capitalised_runs(words):
        found = [i for i, w in enumerate(run) if w not in absent and w.lower() not in NOT_NAMES]
        last_name = max((i for i in found if not glossary_has(run[i].lower())), default=-1)
        absent -= {w for i, w in enumerate(run) if i < last_name or (found and glossary_has(w.lower()))}
    return [written.get(m, m) for m in missing if m in absent]


def unnamed_by_cited_articles(question: str, citations: Sequence[int], articles: Sequence[str | None],
                               language: Language = "en") -> list[str]:
    """Rule 1 again, on the articles an answer or a quote cites instead of all the retrieved ones:
    ``articles[n - 1]`` is the whole text (title and passages) of passage [n]'s article, None where unknown.
    The names of the question that none of them mention, as a problem; empty when they all do or no article
    is known. Among many articles an answer is often taken from one on another subject ("USD100 million" for
    Danantara's commitment, from a bank's loan); the passage itself need not name the subject
    (``check_answer``), its article must. Numbers and months are left to the passages (``check_answer``,
    ``quote_misses``): they date or qualify the subject, and a question in two parts ("where did they meet in
    September, and where in June?") may take each from another article."""
    texts = [articles[n - 1] for n in dict.fromkeys(citations) if 1 <= n <= len(articles) and articles[n - 1]]
    if not texts:
        return []
    missing = [m for m in missing_question_terms(question, texts, language)
               if not m[:1].isdigit() and m.lower() not in MONTH_OF]
    if not missing:
        return []
    return [f"the cited article{'s do' if len(texts) > 1 else ' does'} not mention "
            f"{', '.join(repr(m) for m in missing)}"]


def _unnamed_home_country(passages: Sequence[str]) -> frozenset[str]:
    """The words for the country the articles are written in, which they need not name (``HOME_COUNTRY``);
    none when they name other countries: then it is one of several."""
    text = " ".join(passages)
    home = HOME_COUNTRY.get(detect_language(text, default="en"), frozenset())
    return home if home and COUNTRIES.isdisjoint(w.lower() for w in _WORD.findall(text)) else frozenset()


def offices_in_short(text: str) -> str:
    """``text`` with each office written in full by its short form ("Wakil Wali Kota Bogor" -> "Wawali Bogor",
    not "Wakil Walkot"; ``TITLE_ABBREVIATIONS``), so that either form of an office meets the other."""
    return _OFFICE.sub(lambda m: _SHORT_OFFICE[" ".join(m.group(0).lower().split())].capitalize(), text)


_SHORT_OFFICE = {full: short for short, full in TITLE_ABBREVIATIONS.items()}
_OFFICE = re.compile(r"\b(?:" + "|".join(re.escape(full).replace(r"\ ", r"\s+")
                                        for full in sorted(_SHORT_OFFICE, key=len, reverse=True)) + r")\b",
                     re.IGNORECASE)


def _absent_facts(claim: str, support: str) -> list[str]:
    """The names and numbers of ``claim`` that ``support`` holds neither as written nor in translation (an
    office by its other form too: "Mendagri" for "Menteri Dalam Negeri")."""
    missing = unsupported_facts(claim, support)
    if missing and _OFFICE.search(f"{claim} {support}"):
        missing = unsupported_facts(offices_in_short(claim), offices_in_short(support))
    return _untranslated(missing, support)


def _untranslated(missing: Sequence[str], support: str) -> list[str]:
    """The words of ``missing`` (``unsupported_facts``) that are not there in translation either: a capitalised
    English word the glossary translates ("SOE", "VAT", "Finance") is there when its Indonesian is ("BUMN")."""
    if not missing:
        return []
    terms = text_terms(support)
    return [m for m in missing
            if not (glossary_has(m.lower()) and any(forms & terms for forms in word_forms(m, "en")))]


def capitalised_runs(words: Sequence[str], shortest: int = 2) -> list[list[str]]:
    """Runs of consecutive capitalised words, ``shortest`` or more: the words of one name ("Finance Minister
    Purbaya")."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word[:1].isupper():
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if len(r) >= shortest]


def word_in(word: str, vocabulary: set[str]) -> bool:
    """Whether a word, or its Indonesian form, or a spelling close to it, occurs in ``vocabulary``."""
    if word in vocabulary:
        return True
    if any(alias in vocabulary for alias in NAME_ALIASES.get(word, ())):
        return True
    if len(word) < 4:
        return False
    for other in vocabulary:
        if abs(len(other) - len(word)) <= 3 and other[:2] == word[:2] and \
                SequenceMatcher(None, word, other).ratio() >= 0.8:
            return True
    return False


def _is_name(word: str, first: bool = False) -> bool:
    """A capitalised word that is not a function word; a sentence's first word also must not be a short
    word, nor a common English word of the glossary unless written in capitals throughout (an acronym, or
    an injected "BANANA")."""
    lower = word.lower()
    if not word[:1].isupper() or lower in NOT_NAMES or len(word) < 2:
        return False
    return not first or (len(word) > 3 and (word.isupper() or not glossary_has(lower)))


def supporting_span(answer: str, n: int, passage: str) -> tuple[int, int] | None:
    """Offsets in ``passage`` of the sentence that best supports what the answer cites as [n]: the one that
    shares the most words and numbers with the answer's sentences carrying that marker. None if none shares
    any."""
    claims, previous = [], ""
    for s, e in sentence_spans(answer):
        sentence = answer[s:e]
        words = _MARKER.sub(" ", sentence).strip(" .,;:!?")
        if any(n in numbers for _, _, numbers in markers(sentence)):
            claims.append(sentence if words else previous)  # "… itu. [1]": the marker closes the sentence before
        previous = sentence if words else previous
    claims = [c for c in claims if c] or [answer]
    wanted = _overlap_terms(_MARKER.sub(" ", " ".join(claims)))
    best, best_score = None, 0
    for s, e in sentence_spans(passage):
        score = len(wanted & _overlap_terms(passage[s:e]))
        if score > best_score:
            best, best_score = (s, e), score
    return best


def _overlap_terms(text: str) -> set[str]:
    words = {w.lower() for w in _WORD.findall(text) if len(w) > 2 and w.lower() not in FUNCTION_WORDS}
    return words | {normalise_number(n) for n in _NUMBER.findall(text)}


# ---------------------------------------------------------------- figures: is the number the one asked for?

_QUANTITY_PHRASE = re.compile(
    r"\b(?:how\s+(?:many|much|large|big|high|long)|berapa(?:\s+(?:banyak|jumlah|besar))?|jumlah"
    r"|what\s+(?:[\w-]+\s+)?(?:rate|percentage|share|proportion))\b\s*(?P<rest>.*)", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    n: int  # passage number
    value: str  # normalised: 12.000 -> 12000
    written: str  # as the passage writes it, with the word after it when that says what it counts
    sentence: tuple[int, int]  # offsets of its sentence in the passage
    relevance: int  # how much of the question its sentence covers, 2 more when it counts what is asked
    asked: bool = False  # the word after it (or after the figure before it) is the thing the question counts
    clause: int = 0  # how much of the question its clause covers: which of a sentence's figures is meant


# "tahun berapa", "tanggal berapa": the "berapa" of a date, which asks when, not how many
_BERAPA_OF_A_DATE = re.compile(r"\b(?:tanggal|tahun|bulan|hari|pukul|jam)\s+berapa\b", re.IGNORECASE)


def _quantity_phrase(question: str) -> re.Match | None:
    return _QUANTITY_PHRASE.search(_BERAPA_OF_A_DATE.sub(" ", asked_question(question)))


def is_quantity_question(question: str) -> bool:
    return _quantity_phrase(question) is not None


def counted_forms(question: str, language: Language) -> frozenset[str]:
    """The forms of what a how-many question counts ("How many North Korean troops …" -> troops and its
    Indonesian equivalents); empty when the question asks for no quantity or does not say what."""
    match = _quantity_phrase(question)
    if not match:
        return frozenset()
    phrase: set[str] = set()
    for word in _WORD.findall(match.group("rest")):
        if word[:1].isupper():  # names qualify the thing counted
            continue
        forms = word_forms(word, language) if word.lower() not in FUNCTION_WORDS else []
        if forms:
            phrase |= forms[0]
            if language != "en":  # Indonesian names the thing first: "siswa korban keracunan"
                break
        elif phrase:  # English names it last: "the poisoned students", up to the next function word
            break
    return frozenset(phrase)


def passage_figures(question: str, language: Language, passages: Sequence[str | None]) -> list[Figure]:
    """The counts and amounts the passages give (not years, not dates), each scored by how many of the
    question's words (in any of their forms) its sentence holds, plus 2 when the word after it (or after the
    figure before it in the sentence: "1.000 tentara …, lebih dari 3.000") is the thing the question counts."""
    concepts = _concepts(question, language)
    counted = counted_forms(question, language)
    given = {value for _, _, value in _figures_in(question)}  # "how many of the 186 pupils": not 186
    counts_only = bool(_HOW_MANY.search(question))  # "how many projects": not "$1 miliar"
    money_only = asks_for_money(question)  # "how much did they pay": not "15 tahun"
    share_only = asks_for_share(question)  # "berapa persen dari PDB": not "Rp 371,5 triliun"
    figures = []
    for n, text in enumerate(passages, start=1):
        for s, e in sentence_spans(text or ""):
            sentence = text[s:e]
            coverage = _held(concepts, sentence)
            counts = ""
            for start, end, value in _figures_in(sentence):
                unit = _word_after(sentence, end)
                if unit.lower() in NOT_NAMES or unit.lower() in MONTH_OF:
                    unit = ""
                counts = unit or counts
                asked = bool(counts and counted & text_terms(counts))
                # a number in words is a figure only when it counts what is asked or is said to be a count
                # ("sebanyak sembilan ketua"): "satu orang", "lima tahun" are mostly phrases, not the amount a
                # question wants
                counted_here = asked or bool(_COUNT_BEFORE.search(sentence[:start]))
                if value in given or not (sentence[start].isdigit() or counted_here) or \
                        counts_only and _AFTER_CURRENCY.search(sentence[:start]) or \
                        money_only and not _is_money(sentence, start, end) or \
                        share_only and not _is_share(sentence, end):
                    continue
                figures.append(Figure(n, value, f"{sentence[start:end]} {unit}".strip(), (s, e), coverage + 2 * asked,
                                      asked, _held(concepts, _clause(sentence, start))))
    return figures


def asks_for_money(question: str) -> bool:
    """A how-much question about a sum of money ("How much did they pay …", "Berapa biaya …"); not a share of
    one ("Berapa persen anggaran …"), nor a change, which may be given in percent ("How much did prices rise?")."""
    if not is_quantity_question(question):
        return False
    words = {w.lower() for w in _WORD.findall(asked_question(question))}
    return bool(words & MONEY_WORDS) and not words & CHANGE_WORDS and not asks_for_share(question)


def asks_for_share(question: str) -> bool:
    """A how-much question about a percentage ("Berapa persen …", "What interest rate …"); not an exchange rate,
    a price per share or servings ("porsi")."""
    if not is_quantity_question(question):
        return False
    asked = asked_question(question)
    words = {w.lower() for w in _WORD.findall(asked)}
    return bool(words & SHARE_WORDS or "%" in asked or _RATE.search(asked))


_RATE = re.compile(r"\b(?:(?:interest|inflation|growth|unemployment|tax)\s+rate|share\s+of|suku\s+bunga"
                   r"|tingkat\s+(?:inflasi|pengangguran|bunga))\b", re.IGNORECASE)


def _is_share(text: str, end: int) -> bool:
    return bool(_PERCENT_AFTER.match(text, end))


_PERCENT_AFTER = re.compile(r"\s*(?:%|persen\b|percent\b|per\s+cent\b)", re.IGNORECASE)


def _is_money(sentence: str, start: int, end: int) -> bool:
    """Whether the number at ``start``–``end`` is a sum of money: after a currency ("Rp 15 juta", "US$ 3,8"),
    or before a currency's name ("15 juta rupiah")."""
    return bool(_AFTER_CURRENCY.search(sentence[:start]) or _MONEY_AFTER.match(sentence, end))


_MONEY_AFTER = re.compile(r"\s*(?:" + "|".join(SCALE_OF) + r")?\s*(?:" + "|".join(MONEY_UNITS) + r")\b", re.IGNORECASE)


# what says that the number after it is a count: "Sebanyak sembilan ketua … dilantik"
_COUNT_BEFORE = re.compile(r"\b(?:sebanyak|a\s+total\s+of|as\s+many\s+as)\s+$", re.IGNORECASE)


# where a sentence turns to another thing: "di New York lebih dari 100.000 orang, sementara di Washington 8.000"
_CLAUSE_BREAK = re.compile(r";\s|\s(?:sementara|sedangkan|adapun|namun|tetapi|while|whereas|but)\s", re.IGNORECASE)


def _clause(sentence: str, position: int) -> str:
    starts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(sentence) if m.end() <= position]
    following = _CLAUSE_BREAK.search(sentence, position)
    return sentence[starts[-1]:following.start() if following else len(sentence)]


def _figures_in(sentence: str) -> list[tuple[int, int, str]]:
    """The counts and amounts of a sentence, in digits or in words ("sembilan ketua": news writes small
    numbers out), as (start, end, normalised value) in reading order; not dates, nor digits of an address."""
    found = [(m.start(), m.end(), normalise_number(m.group(0))) for m in _NUMBER.finditer(sentence)
             if not _is_date(sentence, m) and not _in_address(sentence, m) and not _is_list_label(sentence, m)]
    found += [(start, end, str(value)) for start, end, value in spelled_numbers(sentence)]
    return sorted(found)


_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|co|id|org|net|go|ac)\b\S*|\S*[^\W\d_]\d\S*|\S*\d[^\W\d_]\S*"
                      r"|\S+/\S+")


def _is_list_label(text: str, match: re.Match) -> bool:
    """The number of an item in a list counts nothing: "3. DPC PDIP Buleleng …" (a sentence of its own once
    split), "1) pertama, 2) kedua"."""
    after, before = text[match.end():match.end() + 1], text[:match.start()]
    if after == ")" and before.count("(") <= before.count(")") and re.search(r"(?:^|[,;:])\s*$", before):
        return True
    return after == "." and not before.strip() and not text[match.end() + 1:].strip()


def _in_address(text: str, match: re.Match) -> bool:
    """Digits of a URL, a path, or an id that mixes letters and digits ("B4", "covid19") count nothing; an
    amount after its currency ("Rp15", "USD100") is no id."""
    return any(a.start() <= match.start() and match.end() <= a.end() and not _GLUED_AMOUNT.fullmatch(a.group(0))
               for a in _ADDRESS.finditer(text))


_GLUED_AMOUNT = re.compile(r"\W*(?:" + "|".join(re.escape(c) for c in _GLUED_CURRENCY) + r")\d[\d.,]*\W*")


def _word_after(text: str, position: int) -> str:
    following = _WORD.match(text, position + 1) if text[position:position + 1] == " " else None
    return following.group(0) if following else ""


_DAY_RANGE = re.compile(r"\s?[-–]\s?\d{1,2}\s+(?:" + "|".join(sorted(MONTH_OF, key=len, reverse=True)) + r")\b",
                        re.IGNORECASE)


def _is_date(sentence: str, match: re.Match) -> bool:
    """2024, 24 Desember, December 24, tanggal 23."""
    value = normalise_number(match.group(0))
    if value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2100:
        return True
    if _DAY_RANGE.match(sentence, match.end()):  # the first day of "11-12 September"
        return True
    before = _WORD.findall(sentence[max(0, match.start() - 12):match.start()])[-1:]
    near = [w.lower() for w in before + [_word_after(sentence, match.end())]]
    return any(w in MONTH_OF or w == "tanggal" for w in near)


@dataclass
class FigureCheck:
    problems: list[str]  # empty when the answer gives no figure or one of the best
    best: list[Figure]  # the figures whose sentences cover the question best (within the margin), best first
    matched: int = 0  # relevance of the answer's figure (of the best figure when the answer gives none or fails)

    def others(self, answer: str, most: int = 2, keep: Callable[[int], bool] = lambda n: True) -> list[tuple[int, str]]:
        """At most ``most`` figures that count what the question counts, match it at least as well as the
        answer's and that it leaves out, as (passage number, "10.000 tentara"), one per value, from passages
        that ``keep`` accepts: articles often disagree on counts, and a small model reports only one of them. A
        figure of something else is noise."""
        seen = {_number_key(n) for n in _NUMBER.findall(_MARKER.sub(" ", answer))}
        found = []
        for figure in self.best:
            if len(found) == most:
                break
            if figure.asked and figure.relevance >= self.matched and _number_key(figure.value) not in seen \
                    and keep(figure.n):
                seen.add(_number_key(figure.value))
                found.append((figure.n, figure.written))
        return found


def check_figures(question: str, language: Language, answer: str, passages: Sequence[str | None],
                  margin: int = 2) -> FigureCheck:
    """For a how-many question, whether the answer's figure is one the question asks for. A small model
    often reports a number that counts something else (12.000 troops sent, asked for casualties): the
    answer fails when each of its figures sits, in the passages it cites, in a sentence that covers the
    question clearly less (by ``margin``) than the best figure's sentence does, or counts a unit of time there
    while the question asks for none (``_time_spans``)."""
    if not is_quantity_question(question):
        return FigureCheck([], [])
    claim = _MARKER.sub(" ", answer)
    given = {_number_key(m.group(0)) for m in _NUMBER.finditer(claim) if not _is_date(claim, m)}  # 3.8 is 3,8
    cited = {n for _, _, numbers in markers(answer) for n in numbers} or set(range(1, len(passages) + 1))
    spans = _time_spans(question, claim, given, [passages[n - 1] or "" for n in cited if 1 <= n <= len(passages)])
    figures = passage_figures(question, language, passages)
    top = max((f.relevance for f in figures), default=0)
    best = sorted((f for f in figures if f.relevance > top - margin), key=lambda f: (-f.relevance, -f.clause))
    if spans:
        return FigureCheck([f"{number} counts {unit} in the cited passages, and the question asks for no time"
                            for number, unit in spans], best, top)
    if not figures:
        return FigureCheck([], [])
    if not given:  # "ten thousand", or no figure at all (``kind_misses``)
        return FigureCheck([], best, top)
    scores = [f.relevance for f in figures if _number_key(f.value) in given and f.n in cited]
    if scores and max(scores) > top - margin:
        return FigureCheck([], best, max(scores))
    return FigureCheck([f"{', '.join(sorted(given))} is not the figure the question asks for; passage "
                        f"[{best[0].n}] gives {best[0].written}"], best, top)


def _time_spans(question: str, claim: str, given: set[str], passages: Sequence[str]) -> list[tuple[str, str]]:
    """(figure, unit) for each figure of ``given`` that counts a unit of time wherever ``passages`` give it, in
    digits or in words ("enam bulan" for 6), when neither the question ("How many projects …?") nor the
    ``claim`` ("10 tahun" to "Berapa hukumannya?") asks for or gives a time."""
    claimed = _units_after(claim)
    if _asks_for_time(question) or \
            any(claimed.get(key, set()) & TIME_SPANS for key in given):
        return []
    found: dict[str, set[str]] = {}
    for text in passages:
        for key, units in _units_after(text).items():
            if key in given:
                found.setdefault(key, set()).update(units)
    return [(key, " or ".join(sorted(units))) for key, units in sorted(found.items()) if units <= TIME_SPANS]


def _asks_for_time(question: str) -> bool:
    return bool({w.lower() for w in _WORD.findall(question)} & TIME_ASKED)


def _units_after(text: str) -> dict[str, set[str]]:
    """Each figure of ``text`` (``_figures_in``: in digits or in words) with the words right after it ("" for
    none)."""
    units: dict[str, set[str]] = {}
    for _, end, value in _figures_in(text):
        units.setdefault(_number_key(value), set()).add(_word_after(text, end).lower())
    return units


# ---------------------------------------------------------------- quotes: does the sentence answer the question?

# an English "when" asks only where a question starts with it (or joins it on): "What did he mean when he …"
# asks what; Indonesian "kapan" asks wherever it stands ("Sejak kapan …", "… mulai kapan?")
_WHEN = re.compile(r"(?:^\W*|\b(?:and|or|since|until)\s+)when\b|\b(?:what\s+(?:year|date|day|month|time)|kapan"
                   r"|(?:tanggal|pukul|jam)\s+berapa|(?:tahun|bulan|hari)\s+(?:apa|berapa))\b", re.IGNORECASE)
_NAMED = "|".join(sorted(NAMED_ASKED, key=len, reverse=True))
_WHO = re.compile(r"(?:^\W*|[,;:]\s*|\b(?:and|or|to|by|with|from|for|of|about|than)\s+)(?:who|whom|whose)\b|\bsiapa\b"
                  r"|\b(?:which|what)\s+(?:" + _NAMED + r")\b"
                  # "which North Korean general", the noun in lower case: not "What Supreme Court ruling"
                  r"|\b(?:which|what)\s+(?:(?-i:[A-Z])[\w'’-]*\s+){1,3}(?-i:" + _NAMED
                  + r")\b(?!\s+(?-i:[a-z]+ing\b|ruling|decision|law|case))"
                  r"|\b(?:" + _NAMED + r")\s+(?:mana|apa)\b",
                  re.IGNORECASE)  # also "which investor", "kementerian mana": a name is asked for
_WHERE = re.compile(r"\b(?:where|di\s*mana|ke\s*mana|dari\s*mana)\b", re.IGNORECASE)


def question_type(question: str) -> str:
    """What kind of thing the question asks for: "quantity", "when", "who", "where", or "" for anything else;
    of several, the one asked first ("Where was he speaking when …" asks where)."""
    if is_quantity_question(question):
        return "quantity"
    question = asked_question(question)
    found = [(match.start(), kind) for kind, pattern in (("when", _WHEN), ("who", _WHO), ("where", _WHERE))
             if (match := pattern.search(question))]
    return min(found)[1] if found else ""


_HOW_MANY = re.compile(r"\bhow\s+many\b", re.IGNORECASE)
_AFTER_CURRENCY = re.compile(CURRENCY + r"\s?$")


def kind_misses(question: str, text: str, subject: str = "the answer", first_word_may_be_name: bool = True) -> list[str]:
    """Why ``text`` does not hold the kind of thing the question asks for, empty when it does: a figure (not a
    date; or a word such as "three" or "puluhan") for how many, a date or day for when, a name the question
    does not already give for who and where."""
    kind = question_type(question)
    if kind == "quantity" and not any(not _is_date(text, m) for m in _NUMBER.finditer(text)) and \
            not any(w.lower() in QUANTITY_WORDS and (i == 0 or w.islower()) for i, w in enumerate(_WORD.findall(text))):
        return [f"{subject} gives no figure"]  # "three", "puluhan"; not the "One" of "One Piece"
    if kind == "quantity" and _HOW_MANY.search(question):
        sums = [bool(_AFTER_CURRENCY.search(text[:m.start()])) for m in _NUMBER.finditer(text) if not _is_date(text, m)]
        time_asked = _asks_for_time(question)
        counts = [end for _, end, _ in spelled_numbers(text) if time_asked
                  or _word_after(text, end).lower() not in TIME_SPANS]  # "enam bulan" counts no projects
        if sums and all(sums) and not counts:
            return [f"{subject} gives a sum of money, not a count"]  # how many projects: not "$1 billion"
    if kind == "quantity" and asks_for_share(question) and \
            not any(_is_share(text, m.end()) for m in _NUMBER.finditer(text)):
        return [f"{subject} gives no percentage"]
    if kind == "when" and not _says_when(text):
        return [f"{subject} gives no date"]
    if kind in ("who", "where") and not _new_names(text, question, first_word_may_be_name):
        return [f"{subject} names no one the question does not ({kind})"]
    return []


def quote_misses(question: str, language: Language, sentence: str, coverage: float, passage: str = "",
                 figure_weighed: bool = False) -> list[str]:
    """Why ``sentence`` is no answer to ``question``, empty when it may be one: it must hold the kind of thing
    asked for (a figure that is not a date for how many, a date or day for when, a name the question does not
    already give for who and where) and at least ``coverage`` of the question's content words, in any of
    their forms; and its ``passage`` (the sentence alone when not given) must hold every number of the question:
    a passage about 2025 does not answer for 2024. (Names are left to rule 1, over whole articles: a passage
    of one sentence often leaves to the article around it the country or person the question names.) A
    sentence that merely shares a topic with the question is not an answer to it, nor one that holds the
    question's names and none of its other words, unless it is the sentence of a figure that ``check_figures``
    chose for what it counts (``figure_weighed``: "148 siswa" for "Berapa jumlah murid …?"). Nor is one whose
    date or name stands apart from what is asked (``apart_from_the_event``), whose only new names are its
    speaker's (``only_speakers``), or that gives no reason to "why" (``reason_misses``)."""
    if is_headline(sentence):
        return ["the quoted sentence is a headline"]
    misses = kind_misses(question, sentence, "the quoted sentence", first_word_may_be_name=False)
    misses += reason_misses(question, language, sentence)
    speakers = only_speakers(question, sentence, [passage or sentence], first_word_may_be_name=False)
    if speakers:
        misses.append(f"the quoted sentence names only who said it ({', '.join(speakers)})")
    apart = apart_from_the_event(question, language, sentence, [passage or sentence], first_word_may_be_name=False)
    if apart:
        misses.append(f"the quoted sentence's {apart!r} is of something else")
    absent = unsupported_facts(" ".join(_NUMBER.findall(question)), passage or sentence)
    if absent:
        misses.append(f"the quoted passage does not mention {', '.join(repr(a) for a in dict.fromkeys(absent))}")
    concepts = _concepts(question, language)
    if concepts:
        held = _held(concepts, sentence)
        if held < coverage * len(concepts):
            misses.append(f"the quoted sentence holds {held} of the question's {len(concepts)} words")
        elif not figure_weighed and (asked := _concepts(_without_names(question), language)) \
                and not _held(asked, sentence):
            misses.append("the quoted sentence holds the question's names and none of its other words")
    return misses


_ASKS_WHY = re.compile(r"\b(?:why|kenapa|mengapa|what\s+(?:caused|led\s+to)|apa\s+(?:sebab|penyebab|alasan)\w*)\b",
                       re.IGNORECASE)
_REASON = re.compile(r"\b(?:karena|sebab|akibat|lantaran|gara-gara|sehingga|demi|agar|supaya|alasan\w*|penyebab\w*|"
                     r"menyebabkan|disebabkan|dipicu|memicu|because|due\s+to|owing\s+to|so\s+that|in\s+order\s+to|"
                     r"caused|reasons?)\b", re.IGNORECASE)
# the words after which the cause comes (after "sehingga", "menyebabkan", "caused" comes the effect)
_CAUSE_FOLLOWS = re.compile(r"karena|sebab|akibat|lantaran|gara-gara|disebabkan|dipicu|because|due\s+to|owing\s+to",
                            re.IGNORECASE)


def reason_misses(question: str, language: Language, sentence: str) -> list[str]:
    """For a "why" question, why a quoted ``sentence`` gives no reason: no word that gives one ("karena", "akibat",
    "because"), or each gives as the reason what the question asks about ("korban meninggal akibat runtuhnya
    bangunan" to "What caused the building to collapse?": the collapse is the cause there, not the effect)."""
    if not _ASKS_WHY.search(asked_question(question)):
        return []
    reasons = list(_REASON.finditer(sentence))
    if not reasons:
        return ["the quoted sentence gives no reason"]
    asked = [forms for forms in _concepts(_without_names(asked_question(question)), language)
             if not _REASON.fullmatch(min(forms))]
    event = max(2, (len(asked) + 1) // 2)  # the asked event itself, not one shared word ("harga … karena harga pupuk")

    def cause_is_the_event(m: re.Match) -> bool:
        return bool(_CAUSE_FOLLOWS.fullmatch(m.group(0))) and \
            _held(asked, " ".join(_WORD.findall(sentence[m.end():])[:3])) >= event

    if asked and all(cause_is_the_event(m) for m in reasons):
        return ["the quoted sentence gives what the question asks about as the reason for something else"]
    return []


def _without_names(question: str) -> str:
    """The question less its capitalised words after the first: what it asks about them ("What has Frank De
    Boer said about coaching Indonesia?" -> "What has said about coaching?")."""
    return re.sub(r"(?<=\s)[^\W\d_][\w'’-]*", lambda m: "" if m.group(0)[0].isupper() else m.group(0), question)


def is_headline(sentence: str) -> bool:
    """A headline in title case ("Kemenbud Tanda Tangani Sejumlah MoU dengan Kementerian"): it says less than
    the article under it, and its capitals do not tell names from words, so it is quoted as no answer. Not a
    line of a list ("Ketua: Gede Supriatna Sekretaris: …")."""
    words = [w for w in _WORD.findall(sentence) if w.lower() not in FUNCTION_WORDS and not w[:1].isdigit()]
    return len(words) >= 4 and not sentence.rstrip().endswith((".", "!", "?", '"', "”")) and ":" not in sentence and \
        sum(w[:1].isupper() for w in words) >= 0.8 * len(words)


def copies_a_headline(answer: str, articles: Sequence[str]) -> bool:
    """Whether ``answer`` is a headline (``is_headline``) that one of ``articles`` has as a line of its own: the
    model copied a title ("Purbaya Umumkan APBN Tekor Rp 371,5 T sampai September 2025" to "Di mana …?"),
    which says less than the article under it, as a quote of it would."""
    text = strip_markers(answer).rstrip(". ")
    return is_headline(text) and any(line.strip().rstrip(". ") == text for article in articles
                                     for line in article.splitlines())


def _says_when(sentence: str) -> bool:
    """A date, a day or a month; not the word "tanggal" without one ("pada tanggal [1]"), nor the year of a name
    ("Perjanjian Paris 2015", "Piala Dunia 2026": the edition, not when something happened)."""
    words = {w.lower() for w in _WORD.findall(sentence)}
    if words & DATE_WORDS or any(w in MONTH_OF for w in words):
        return True
    return any(_is_date(sentence, m) and not _year_of_a_name(sentence, m) for m in _NUMBER.finditer(sentence))


_ASKS_FOR_A_YEAR = re.compile(r"\b(?:what|which)\s+years?\b|\btahun\s+(?:berapa|apa)\b|\brentang\s+tahun\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_MONTH_BEFORE = re.compile(r"(?:\b(?:" + "|".join(MONTH_OF) + r")(?:\s+\d{1,2},?)?|\d{1,2}/\d{1,2}/?)\s*$",
                           re.IGNORECASE)  # "26 Februari 2025", "February 26, 2025", "(26/2/2025)"


def year_of_a_fuller_date(question: str, answer: str, cited: Sequence[str]) -> str | None:
    """The year an answer to a "when" question gives alone where a ``cited`` passage gives it with its month
    ("2025" for "Kapan Prabowo meluncurkan bank emas?" where the passage says "26 Februari 2025"): the answer
    leaves out what was asked. None when the question asks for a year ("tahun berapa", "what year"), or the
    answer has a day, a month or no year."""
    if question_type(question) != "when" or _ASKS_FOR_A_YEAR.search(question):
        return None
    text = strip_markers(answer)
    years = _YEAR.findall(text)
    if not years or {w.lower() for w in _WORD.findall(text)} & (DATE_WORDS | set(MONTH_OF)) or \
            re.search(r"\d{1,2}/\d{1,2}", text):
        return None
    return next((year for year in years for passage in cited for m in _YEAR.finditer(passage)
                 if m.group(0) == year and _MONTH_BEFORE.search(passage[max(0, m.start() - 20):m.start()])), None)


# words that ask for the time itself, not for what happened then
_TIME_WORDS = frozenset("when date day year month time kapan tanggal hari tahun bulan pukul jam".split())


def apart_from_the_event(question: str, language: Language, answer: str, cited: Sequence[str],
                         first_word_may_be_name: bool = True) -> str | None:
    """What an answer gives for "when", "who" or "where" (a date; a name the question does not give) where each
    ``cited`` sentence that holds it, read with the sentence before it, holds nothing of what the question asks
    but its names: the date or name of another event ("Senin (11/8/2025)", the day of the first verdict, to
    "When did Bazarsah file his cassation appeal?"). None when the answer's dates or names are not found as
    written, when any of them stands with the event, or the question asks nothing beside names and time.
    ``first_word_may_be_name``: as for
    ``kind_misses`` (not for a quoted sentence, whose first word is capitalised anyway)."""
    kind = question_type(question)
    if kind not in ("when", "who", "where"):
        return None
    asked = [forms for forms in _concepts(_without_names(asked_question(question)), language)
             if not forms & _TIME_WORDS]
    if not asked:
        return None
    text = strip_markers(answer)
    if kind == "when":
        given = [m.group(0) for m in _NUMBER.finditer(text) if _is_date(text, m)]
    else:
        given = _new_names(text, question, first_word_may_be_name)
    apart = None
    for thing in dict.fromkeys(given):
        written = re.compile(rf"(?<![\w.,]){re.escape(thing)}(?![\w]|[.,]\d)")
        around = []
        for passage in cited:
            spans = sentence_spans(passage)
            around += [passage[spans[max(0, i - 1)][0]:e] for i, (s, e) in enumerate(spans) if written.search(passage[s:e])]
        if any(_held(asked, sentences) for sentences in around):
            return None  # one part of the date or name stands with the event ("11 Agustus" of "11 Agustus 2025")
        apart = apart or (thing if around else None)
    return apart


# a question that asks who said, told, reported or announced something asks for a speaker
_ASKS_A_SPEAKER = re.compile(r"\b(?:say|says|said|tell|told|state[sd]?|according|claim(?:s|ed)?|report(?:s|ed)?|"
                             r"announce[sd]?|warn(?:s|ed)?|bilang|kata|ujar|menurut|klaim|lapor\w*|melaporkan|"
                             r"(?:me)?nyata\w*|(?:meng)?ungkap\w*|umum\w*|mengumumkan|sebut\w*|menyebut\w*|"
                             r"sampai\w*|menyampaikan|jelas\w*|menjelaskan|tegas\w*|menegaskan|peringat\w*)\b",
                             re.IGNORECASE)
_SAID_AFTER = (r"(?:\s+[A-Z][\w'’-]*)*(?:\s*\([^)]*\))?(?:,[^,.;]{1,120},)?\s+(?:juga\s+|pun\s+|kemudian\s+)?"
               r"(?:mengatakan|menyatakan|menyebut(?:kan)?|menjelaskan|menegaskan|mengungkapkan|menyampaikan|"
               r"menuturkan|berkata|said|says|told|stated|added)\b")
# "…," kata Kirby / "…", said Kirby: after a comma or a closing quote; "menurut X" anywhere; only lower-case words
# between the verb and the name (not "said General Kim …", whom the ministry spoke of)
_SAID_BEFORE = (r"(?:(?<=[,\"”])\s*(?:kata|ujar|ucap|tutur|ungkap|imbuh|tambah|tegas|said)|\b(?:[Mm]enurut|[Aa]ccording\s+to))"
                r"\s+(?:[a-z][\w.]*\s+){0,3}?")
# a speaker with what names them: "John Kirby, penasihat … AS, mengatakan", "kata Menteri Sosial Saifullah Yusuf"
_SPEAKER = re.compile(r"(?<![\w-])[A-Z][\w'’-]*" + _SAID_AFTER + "|" + _SAID_BEFORE + r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def only_speakers(question: str, text: str, cited: Sequence[str], first_word_may_be_name: bool = True) -> list[str]:
    """For a "who" question: the names ``text`` gives that the question does not, when the ``cited`` passages
    hold every one of them only as the one who said something ("John Kirby, penasihat …, mengatakan …", "…, kata
    Kirby"): the source of a report, not whoever the question asks about ("Which North Korean general commands
    the troops …?"). Empty when any of them is named otherwise (a doer beside the speaker answers), and when
    the question asks who said, reported or announced something."""
    if question_type(question) != "who" or _ASKS_A_SPEAKER.search(asked_question(question)):
        return []
    names = list(dict.fromkeys(_new_names(strip_markers(text), question, first_word_may_be_name)))
    spans = [[m.span() for m in _SPEAKER.finditer(passage)] for passage in cited]
    for name in names:
        written = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
        found = [(m.start(), within) for passage, within in zip(cited, spans) for m in written.finditer(passage)]
        if not found or not all(any(s <= at < e for s, e in within) for at, within in found):
            return []
    return names


def _year_of_a_name(sentence: str, match: re.Match) -> bool:
    """A year right after a name of two capitalised words within the sentence ("dari Perjanjian Paris 2015"),
    not after the sentence's first words ("Pada 2023"), a period ("kuartal III 2024") or a holiday ("Lebaran
    2025")."""
    before = re.search(r"\b([A-Z][\w'’-]*)\s+([A-Z][\w'’-]*)\s$", sentence[:match.start()])
    return bool(before and not {before.group(1).lower(), before.group(2).lower()} & (NOT_NAMES | DATE_WORDS)
                and sentence[:before.start()].strip())


# written like names, naming no one and no place: "menyita uang USD 1 juta" answers no "where"
_CURRENCY_CODES = frozenset({"rp", "usd", "idr", "eur", "sgd", "myr", "jpy", "cny", "rmb", "gbp", "aud"})


def _new_names(text: str, question: str, first_word_may_be_name: bool = False) -> list[str]:
    """Names in ``text`` that the question does not give. A sentence's first word is capitalised anyway, and a
    later sentence's that either language's word lists know is no name ("Fasilitas di dalamnya …"); an
    answer's first word ("China [1]", "Bali hosted it") may well be the name asked for."""
    asked = {w.lower().strip("'’-") for w in _WORD.findall(question)}
    asked |= {alias for w in asked for alias in NAME_ALIASES.get(w, ())}  # "Utara" of "North Korean"
    names = []
    for s, e in sentence_spans(text):
        words = _WORD.findall(text[s:e])
        first = s == 0 and first_word_may_be_name
        names += [w for i, w in enumerate(words)
                  if _is_name(w, first=i == 0 and not first) and w.lower() not in _CURRENCY_CODES
                  and w.lower() not in DATE_WORDS and w.lower() not in MONTH_OF  # "Jumat", "Oktober": no one
                  and not (i == 0 and s > 0 and is_common_word(w) and w.lower() not in COUNTRIES)  # "Fasilitas di …"
                  and not word_in(w.lower().strip("'’-"), asked)]
    return names


# ---------------------------------------------------------------- polarity: is the "not" of the passage kept?

_YES_NO_QUESTION = re.compile(r"^\W*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b"
                              r"|\bapakah\b", re.IGNORECASE)  # "apakah" also after a clause: "Sepekan kemudian, apakah …"


def is_yes_no_question(question: str) -> bool:
    return bool(_YES_NO_QUESTION.search(asked_question(question)))


def asked_question(text: str) -> str:
    """Of several questions, the last: a follow-up searched with the question before it ("Who did PSSI dismiss?
    Which teams will they no longer handle?") asks what the last one asks. Not a request after a question
    ("Siapa menterinya? Jawab singkat."), and not a follow-up that asks only through the one before it
    ("Berapa tentara yang dikerahkan? Bagaimana dengan perkiraan Ukraina?"): then the whole text."""
    questions = [q for q in _AFTER_A_QUESTION.split(text.strip()) if q.rstrip().endswith("?")]
    if len(questions) < 2 or is_elliptical(questions[-1]):
        return text
    return questions[-1]


def is_elliptical(question: str) -> bool:
    """A follow-up that asks what the question before it asked, of something else: "What about Ukraine?",
    "Bagaimana dengan perkiraan Ukraina?"."""
    return bool(_ELLIPTICAL.match(question))


_AFTER_A_QUESTION = re.compile(r"(?<=[?!.])\s+(?=[A-Z\W])")
_ELLIPTICAL = re.compile(r"^\W*(?:(?:and|but|dan|lalu|terus)\s+)?(?:(?:what|how)\s+about|bagaimana\s+dengan|"
                         r"kalau|gimana\s+dengan)\b", re.IGNORECASE)


YES_DENIED = "the answer says yes"  # how check_polarity's problem with a "yes" its cited sentence denies begins


def check_polarity(question: str, language: Language, answer: str, passages: Sequence[str | None]) -> list[str]:
    """Claims that leave out a denial their cited sentence makes: "belum mengkonfirmasi" reported as "has
    confirmed", or "yes" to a yes/no question whose best-matching cited sentence denies something, or whose own
    fact says that someone denied or refused (``REFUSALS``) where the question asks about no refusal. Each
    sentence of the answer is held against the sentence of its cited passages that shares the most words with
    it; a denial counts when it stands just before a word of the claim ("tidak lagi beroperasi"), in any of its
    forms, and the claim has no denial of its own."""
    problems = []
    cited_all = [n for _, _, numbers in markers(answer) for n in numbers]
    for s, e in sentence_spans(answer):
        sentence = answer[s:e]
        claim = _MARKER.sub(" ", sentence)
        if _denies(claim):
            continue
        own = [n for _, _, numbers in markers(sentence) for n in numbers] or cited_all
        support = _best_sentence(claim, language, [passages[n - 1] or "" for n in own if 1 <= n <= len(passages)])
        concepts = _concepts(claim, language)
        for denial, following in _denials(support):
            if any(forms & text_terms(following) for forms in concepts):
                problems.append(f"the cited sentence says {denial} {following!r} and the answer leaves the "
                                f"{denial!r} out")
                break
    words = _WORD.findall(_MARKER.sub(" ", answer))
    if is_yes_no_question(question) and words and words[0].lower() in YES_WORDS and cited_all:
        support = _best_sentence(question, language,
                                 [passages[n - 1] or "" for n in cited_all if 1 <= n <= len(passages)])
        denial = next(iter(_denials(support)), None)
        if denial:
            problems.append(f"{YES_DENIED}, and the cited sentence says {denial[0]} {denial[1]!r}")
        refused = next((w for w in words if w.lower() in REFUSALS), None)
        if refused and not any(stem in w.lower() for w in _WORD.findall(question) for stem in REFUSAL_STEMS):
            problems.append(f"a yes whose own fact says {refused!r}")  # "… a 'king' label, which he denied"
    return problems


def yes_beyond_the_passages(question: str, language: Language, answer: str, passages: Sequence[str | None]) -> list[str]:
    """For a "yes" to a yes/no question: the words of what the question asks (besides its names) that the
    answer says and none of its cited passages holds in any form. "Yes. Danantara received this year's SOE
    dividends in a single payment [1]" where passage [1] says the dividends came in stages: the fact asserts
    what the question asks, and the passage does not say it. An English word the glossary does not know is not
    judged against Indonesian passages: its absence there says nothing ("ore" for "bijih")."""
    words = _WORD.findall(_MARKER.sub(" ", answer))
    if not is_yes_no_question(question) or not words or words[0].lower() not in YES_WORDS:
        return []
    cited = [passages[n - 1] or "" for _, _, numbers in markers(answer) for n in numbers if 1 <= n <= len(passages)]
    if not cited:
        return []
    said, held = text_terms(_MARKER.sub(" ", answer)), text_terms(" ".join(cited))
    unjudged = language == "en" and detect_language(" ".join(cited), default="id") == "id"
    return list(dict.fromkeys(word for word in _WORD.findall(_without_names(asked_question(question)))
                              if not (unjudged and not glossary_has(word.lower()))  # "ore": no Indonesian to look for
                              for forms in _concepts(word, language) if forms & said and not forms & held))


def restates_the_question(question: str, language: Language, claim: str) -> bool:
    """Whether ``claim`` (an answer, or a yes/no answer's fact) only says again what the question asks: no word
    or number the (last) question does not have, and no denial of its own. "Keluarga Beckham sekarang masih
    menempati Rowneybury House." to "Apakah keluarga Beckham sekarang masih menempati Rowneybury House?" is
    the question made a statement, not what a passage says; so is "BUMN" to "BUMN mana …?" or "Ukraine's
    aspirations would the peace proposal … set aside." to "Which of Ukraine's aspirations would …?". The small
    model writes one when it has nothing better. A question that offers a choice ("A or B?", "… atau …?") is
    answered in its own words."""
    asked_text, claim = asked_question(question), strip_markers(claim)
    if _OFFERS_A_CHOICE.search(asked_text):
        return False
    asked = _concepts(asked_text, language)
    words = _concepts(claim, detect_language(claim, language))
    numbers = {_number_key(n) for n in _NUMBER.findall(asked_text)}
    return bool(words) and all(any(forms & other for other in asked) for forms in words) and \
        all(_number_key(n) in numbers for n in _NUMBER.findall(claim)) and (not _denies(claim) or _denies(question))


_OFFERS_A_CHOICE = re.compile(r"\b(?:or|atau)\b", re.IGNORECASE)


def denial_of_the_question(question: str, language: Language, answer: str) -> str | None:
    """For a yes/no ``question``, the denial ("tidak", "belum", "not") with which the ``answer``'s own words
    deny what the question asks, standing before a word of the question ("Ya. … tak ada wajah baru [1]" for
    "Apakah ada wajah baru …?"); "not yet" for "not" before "yet". None when there is none, or when the
    question denies or asks about an ending, a stop or a refusal itself (``NEGATIVE_PREDICATES``: "tidak lagi
    beroperasi" is the yes to "sudah berhenti beroperasi?")."""
    asked = asked_question(question)
    if _denies(asked) or {w.lower() for w in _WORD.findall(asked)} & NEGATIVE_PREDICATES:
        return None
    concepts = _concepts(asked, language)
    text = strip_markers(answer)
    for denial, _, (start, end) in _denial_spans(text):
        clause = _CLAUSE_BREAK.split(re.split(r"[,;:]", text[start:end])[0])[0]  # "tidak hadir, tetapi pengurus …"
        clause = clause.strip()
        if any(forms & text_terms(clause) for forms in concepts):
            return "not yet" if denial == "not" and clause.lower().startswith("yet") else denial
    return None


def _denies(text: str) -> bool:
    return any(w.lower() in NEGATIONS for w in _WORD.findall(text)) or "n't" in text.lower()


def _denials(sentence: str) -> list[tuple[str, str]]:
    """(the denying word, the three words after it) for each denial in ``sentence``. A capitalised one that
    opens a quotation names something (the "No Kings" protests) and denies nothing."""
    return [(word, " ".join(following)) for word, following, _ in _denial_spans(sentence)]


def _denial_spans(sentence: str) -> list[tuple[str, list[str], tuple[int, int]]]:
    """``_denials`` with the offsets of the text from the denying word's end to its third following word's."""
    matches = list(_WORD.finditer(sentence))
    found = []
    for i, match in enumerate(matches):
        word = match.group(0)
        following = matches[i + 1:i + 4]
        if word.lower() not in NEGATIONS or not following or following[0].group(0).lower() in NOT_A_DENIAL:
            continue
        before = sentence[:match.start()].rstrip()[-1:]
        if word[0].isupper() and before and before in "'\"‘“":
            continue
        found.append((word.lower(), [m.group(0) for m in following], (match.end(), following[-1].end())))
    return found


def _best_sentence(text: str, language: Language, passages: Sequence[str]) -> str:
    """The sentence of ``passages`` that holds the most of ``text``'s words, in any of their forms."""
    concepts = _concepts(text, language)
    best, best_score = "", 0
    for passage in passages:
        for s, e in sentence_spans(passage):
            score = _held(concepts, passage[s:e])
            if score > best_score:
                best, best_score = passage[s:e], score
    return best


def confirmed_passage(question: str, language: Language, citations: Sequence[int], shown: Sequence[str | None]) -> int:
    """Of the passages an answer cites, the one to ask the model about again (``decision.after_confirmation``):
    the one that holds most of the question's words in any of their forms, the first cited of those
    (``shown[n - 1]``: passage [n]'s text). A sentence citing two passages often has its subject in one and
    only a detail in the other."""
    concepts = _concepts(asked_question(question), language)
    return max(citations, key=lambda n: (_held(concepts, shown[n - 1] or "") if 0 < n <= len(shown) else -1,
                                         -citations.index(n)))


def _held(concepts: Sequence[frozenset[str]], text: str) -> int:
    """How many of ``concepts`` (``_concepts``) ``text`` holds, in any of their forms."""
    terms = text_terms(text)
    return sum(1 for forms in concepts if forms & terms)


def _concepts(text: str, language: Language) -> list[frozenset[str]]:
    """Each content word of ``text`` with its forms, Indonesian equivalents and name spellings."""
    return [forms | {a for w in forms for a in NAME_ALIASES.get(w, ())} for forms in word_forms(text, language)]
