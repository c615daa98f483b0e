"""``python -m qa eval``: a gold set run through the real pipeline, scored and written as JSON and markdown.

A gold item (one JSON object per line)::

    {"id": "g01", "question": str, "language": "en"|"id", "kind": str, "history": [{role, content}, ...],
     "passages": [ids of the passages that state the answer], "must": [[alternative, ...], ...],
     "must_not": [str, ...]}

``kind`` "unanswerable" means the articles do not contain the answer: the right reply is an abstention.
An answer is correct when it contains one alternative of every ``must`` group and nothing of ``must_not``;
matching forgives form (12.000 = 12,000 = twelve thousand = dua belas ribu; Desember = December) and
nothing else.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from qa.language import normalise_number
from qa.settings import PROJECT_ROOT
from qa.lexicon import MONTHS

DEFAULT_GOLD = PROJECT_ROOT / "tests" / "data" / "gold.jsonl"
RECALL_AT = (1, 3, 5)
KINDS = ("factual", "paraphrase", "followup", "both_articles", "conflicting", "unanswerable")


class GoldError(ValueError):
    """A gold file that cannot be used; the message names the line."""


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    language: str
    kind: str
    history: tuple[dict, ...] = ()
    passages: tuple[str, ...] = ()
    must: tuple[tuple[str, ...], ...] = ()
    must_not: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


def load_gold(path: Path) -> list[GoldItem]:
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            raw = json.loads(line)
            item = GoldItem(
                id=str(raw["id"]), question=raw["question"], language=raw["language"], kind=raw["kind"],
                history=tuple(raw.get("history") or ()), passages=tuple(raw.get("passages") or ()),
                must=tuple(tuple(group) for group in raw.get("must") or ()),
                must_not=tuple(raw.get("must_not") or ()))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError(f"{where}: not a gold item ({type(exc).__name__}: {exc})") from None
        if item.language not in ("en", "id") or item.kind not in KINDS:
            raise GoldError(f"{where}: language must be en or id and kind one of {', '.join(KINDS)}")
        if item.answerable and not (item.must and item.passages):
            raise GoldError(f"{where}: an answerable item needs 'must' and 'passages'")
        if item.id in seen:
            raise GoldError(f"{where}: id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(item)
    return items


# ---------------------------------------------------------------- matching answers

_EN_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
_ID_UNITS = {w: i for i, w in enumerate("nol satu dua tiga empat lima enam tujuh delapan sembilan".split())}
_ID_SPECIAL = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000, "sejuta": 1_000_000}
_SCALES = {"hundred": 100, "ratus": 100, "thousand": 1000, "ribu": 1000, "million": 1_000_000, "juta": 1_000_000,
           "billion": 1_000_000_000, "miliar": 1_000_000_000, "milyar": 1_000_000_000}
_MONTHS = {name: f"month{number}" for number, names in MONTHS.items() for name in names}
_NUMBER_WORD = re.compile(
    r"\b(?:(?:\d+(?:[.,]\d+)?|" + "|".join(sorted({*_EN_UNITS, *_EN_TENS, *_ID_UNITS, *_ID_SPECIAL, *_SCALES, "belas", "puluh",
                                       "and", "dan"}, key=len, reverse=True)) + r")\b[\s-]*)+", re.IGNORECASE)


def _words_to_number(phrase: str) -> int | float | None:
    """12 thousand, twelve thousand, dua belas ribu, 1.5 million -> 12000, 12000, 12000, 1500000; None if
    the phrase is not one number (two figures side by side are never added up)."""
    words = [w for w in re.split(r"[\s-]+", phrase.lower()) if w]
    if words and words[-1] in ("and", "dan"):
        words = words[:-1]
    if not words or len(words) == 1 and (_is_figure(words[0]) or words[0] == "one"):
        return None  # a lone figure is already digits; a lone "one" is mostly a pronoun
    if sum(_is_figure(w) for w in words) > 1:
        return None
    total, current, unit = 0.0, 0.0, 0.0
    for position, word in enumerate(words):
        if word in ("and", "dan"):
            if position == 0 or words[position - 1] not in _SCALES:
                return None  # "10,000 and 12,000": two numbers, not one
            continue
        if _is_figure(word):
            unit = float(word.replace(",", "."))
            current += unit
        elif word in _EN_UNITS or word in _ID_UNITS:
            unit = _EN_UNITS.get(word, _ID_UNITS.get(word, 0))
            current += unit
        elif word in _EN_TENS:
            unit = _EN_TENS[word]
            current += unit
        elif word in _ID_SPECIAL:
            value = _ID_SPECIAL[word]
            if value >= 1000:
                total += (current or 1) * value
                current = 0
            elif value == 100:
                current = current * 100 if current else 100
            else:
                current += value
            unit = 0
        elif word == "belas":  # dua belas = 12: acts on the last unit only
            current += 10
            unit = 0
        elif word == "puluh":  # dua ratus dua puluh = 220
            current += unit * 9 if unit else 10
            unit = 0
        elif word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
            unit = 0
        else:
            return None
    value = total + current
    return int(value) if value == int(value) else value


def _is_figure(word: str) -> bool:
    return re.fullmatch(r"\d+(?:[.,]\d+)?", word) is not None


def normalise_for_match(text: str) -> str:
    """Lower case; thousands separators gone; number words as digits; month names as month<n>."""
    text = text.lower().replace("\u00a0", " ")
    text = re.sub(r"\d+(?:[.,]\d{3})+(?!\d)", lambda m: normalise_number(m.group(0)), text)

    def words(match: re.Match) -> str:
        phrase = match.group(0)
        value = _words_to_number(phrase.strip())
        if value is None:
            return phrase
        return str(value) + (" " if phrase[-1:].isspace() or phrase.endswith("-") else "")

    text = _NUMBER_WORD.sub(words, text)
    text = re.sub(r"[a-z]+", lambda m: _MONTHS.get(m.group(0), m.group(0)), text)
    return re.sub(r"\b(month\d+) (\d{1,2})(?!\d)", r"\2 \1", text)  # December 23 = 23 Desember


def contains(answer: str, alternative: str) -> bool:
    """Whether the answer contains the alternative; a number must match whole (12000 is not in 112000)."""
    haystack, needle = normalise_for_match(answer), normalise_for_match(alternative).strip()
    if not needle:
        return False
    before = r"(?<![\d\w])" if needle[0].isalnum() else ""
    after = r"(?![\d])" if needle[-1].isdigit() else ""
    return re.search(before + re.escape(needle) + after, haystack) is not None


def answer_is_correct(answer: str, item: GoldItem) -> bool:
    return all(any(contains(answer, alt) for alt in group) for group in item.must) and \
        not any(contains(answer, bad) for bad in item.must_not)


# ---------------------------------------------------------------- running and scoring

@dataclass
class ItemResult:
    id: str
    kind: str
    language: str
    question: str
    answer: str
    abstained: bool
    extractive: bool
    correct: bool  # answerable: right answer; unanswerable: abstained
    cited: list[str]
    supporting_cited: bool  # the citations include a passage that states the answer
    only_supporting_cited: bool  # and no citation of a passage that does not
    retrieved_rank: int | None  # rank of the first supporting passage in retrieval (1-based), None if beyond 5
    total_ms: float
    first_token_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    problems: list[str] = field(default_factory=list)


def score_item(item: GoldItem, answer, retrieved_ids: Sequence[str]) -> ItemResult:
    supporting = set(item.passages)
    cited = [c.passage for c in answer.citations]
    rank = next((i for i, pid in enumerate(retrieved_ids, start=1) if pid in supporting), None)
    if item.answerable:
        correct = not answer.abstained and answer_is_correct(answer.answer, item)
    else:
        correct = answer.abstained
    t = answer.timings
    return ItemResult(
        id=item.id, kind=item.kind, language=item.language, question=item.question, answer=answer.answer,
        abstained=answer.abstained, extractive=answer.extractive, correct=correct, cited=cited,
        supporting_cited=bool(supporting & set(cited)), only_supporting_cited=bool(cited) and set(cited) <= supporting,
        retrieved_rank=rank, total_ms=t.get("total_ms") or 0.0, first_token_ms=t.get("first_token_ms"),
        prompt_tokens=t.get("prompt_tokens") or 0, completion_tokens=t.get("completion_tokens") or 0,
        problems=list(answer.problems))


def run_eval(assistant, items: Iterable[GoldItem],
             on_result: Callable[[ItemResult], None] | None = None) -> list[ItemResult]:
    results = []
    for item in items:
        answer = assistant.ask(item.question, list(item.history))
        retrieved = assistant.retriever.search(answer.standalone_question, k=max(RECALL_AT),
                                               language=answer.language)
        result = score_item(item, answer, [r.passage.id for r in retrieved])
        results.append(result)
        if on_result:
            on_result(result)
    return results


def _percentile(values: Sequence[float], q: float) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _ratio(part: int, whole: int) -> dict:
    return {"count": part, "of": whole, "rate": round(part / whole, 3) if whole else None}


def summarise(results: Sequence[ItemResult]) -> dict:
    answerable = [r for r in results if r.kind != "unanswerable"]
    unanswerable = [r for r in results if r.kind == "unanswerable"]
    answered = [r for r in answerable if not r.abstained]
    abstentions = [r for r in results if r.abstained]
    timed = [r for r in results if r.total_ms]
    generated = [r for r in results if r.first_token_ms is not None]
    return {
        "items": len(results),
        "retrieval_recall": {f"@{k}": _ratio(sum(r.retrieved_rank is not None and r.retrieved_rank <= k
                                                  for r in answerable), len(answerable)) for k in RECALL_AT},
        "accuracy": _ratio(sum(r.correct for r in answerable), len(answerable)),
        "citations_include_support": _ratio(sum(r.supporting_cited for r in answered), len(answered)),
        "citations_only_support": _ratio(sum(r.only_supporting_cited for r in answered), len(answered)),
        "abstention_precision": _ratio(sum(r.kind == "unanswerable" for r in abstentions), len(abstentions)),
        "abstention_recall": _ratio(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "false_abstentions": _ratio(sum(r.abstained for r in answerable), len(answerable)),
        "extractive_fallbacks": _ratio(sum(r.extractive for r in results), len(results)),
        "latency_ms": {
            "total_p50": _percentile([r.total_ms for r in timed], 50),
            "total_p95": _percentile([r.total_ms for r in timed], 95),
            "first_token_p50": _percentile([r.first_token_ms for r in generated], 50),
            "first_token_p95": _percentile([r.first_token_ms for r in generated], 95),
        },
        "prompt_tokens_mean": round(statistics.mean(r.prompt_tokens for r in generated), 1) if generated else None,
    }


def build_report(results: Sequence[ItemResult], model: str, gold: Path, seconds: float) -> dict:
    return {
        "model": model,
        "gold": str(gold),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(seconds, 1),
        "overall": summarise(results),
        "by_language": {lang: summarise([r for r in results if r.language == lang]) for lang in ("en", "id")},
        "by_kind": {kind: summarise([r for r in results if r.kind == kind])
                    for kind in KINDS if any(r.kind == kind for r in results)},
        "items": [asdict(r) for r in results],
    }


def _cell(ratio: dict) -> str:
    return "–" if not ratio["of"] else f"{ratio['count']}/{ratio['of']}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value / 1000:.1f} s"


def report_markdown(report: dict) -> str:
    rows = [("all", report["overall"])] + [(k, v) for k, v in report["by_language"].items() if v["items"]] + \
        [(k, v) for k, v in report["by_kind"].items()]
    lines = [
        f"# kutip eval: {report['model']}",
        "",
        f"Gold set `{report['gold']}`, {report['overall']['items']} items, {report['seconds']:.0f} s, {report['created']}.",
        "",
        "| slice | items | recall@1 | recall@3 | recall@5 | correct | cites support | cites only support "
        "| abstention precision | abstention recall | false abstentions | first token p50/p95 | total p50/p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in rows:
        r, lat = s["retrieval_recall"], s["latency_ms"]
        lines.append(
            f"| {name} | {s['items']} | {_cell(r['@1'])} | {_cell(r['@3'])} | {_cell(r['@5'])} | {_cell(s['accuracy'])} "
            f"| {_cell(s['citations_include_support'])} | {_cell(s['citations_only_support'])} "
            f"| {_cell(s['abstention_precision'])} | {_cell(s['abstention_recall'])} | {_cell(s['false_abstentions'])} "
            f"| {_ms(lat['first_token_p50'])} / {_ms(lat['first_token_p95'])} | {_ms(lat['total_p50'])} / {_ms(lat['total_p95'])} |")
    misses = [i for i in report["items"] if not i["correct"] or (i["kind"] != "unanswerable" and not i["abstained"]
                                                                  and not i["supporting_cited"])]
    if misses:
        lines += ["", "## Misses", ""]
        for i in misses:
            answer = i["answer"].replace("|", "\\|").replace("\n", " ")
            lines.append(f"- `{i['id']}` ({i['kind']}, {i['language']}) {i['question']} → {answer} "
                         f"(cited {', '.join(i['cited']) or 'nothing'})")
    return "\n".join(lines) + "\n"


def write_report(report: dict, out_dir: Path) -> tuple[Path, Path]:
    from qa.files import atomic_write_text

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "report.json", out_dir / "report.md"
    atomic_write_text(json_path, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    atomic_write_text(md_path, report_markdown(report))
    return json_path, md_path
