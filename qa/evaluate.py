"""``python -m qa eval``: a gold set run through the real pipeline, scored and written as JSON and markdown.

A gold item (one JSON object per line)::

    {"id": "g01", "question": str, "language": "en"|"id", "kind": str, "history": [{role, content}, ...],
     "passages": [ids of the passages that state the answer] or "evidence": [verbatim text that states it],
     "must": [[alternative, ...], ...], "must_not": [str, ...],
     "qtype": "who"|"how_many"|"yes_no"|..., "articles": [article ids], "answer": "a reference answer"}

``kind`` "unanswerable" means the articles do not contain the answer: the right reply is an abstention.
``evidence`` is resolved to passage ids in the collection the eval runs on (``--articles``), so a gold set
over another folder survives changes to how articles are split.

Two verdicts per answerable item:
- *correct* (lenient): it contains one alternative of every ``must`` group and nothing of ``must_not``;
  matching forgives form (12.000 = 12,000 = twelve thousand = dua belas ribu; Desember = December).
- *strict*, as a careful reader judges: phrases match at word boundaries on both sides ("nor" is not in
  "north"); a how-many or how-much answer's first figure is the gold one; a yes/no answer that opens with
  a yes or a no opens with the gold one; a cited passage states the answer; and the answer is in the
  question's language.
"""

from __future__ import annotations

import dataclasses
import json
import re
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from qa.language import NUMBER_PHRASE, normalise_number, words_to_number
from qa.settings import PROJECT_ROOT
from qa.lexicon import MONTHS

DEFAULT_GOLD = PROJECT_ROOT / "tests" / "data" / "gold.jsonl"
RECALL_AT = (1, 4, 10)
FIGURE_QTYPES = ("how_many", "how_much")
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
    qtype: str = ""
    evidence: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    reference: str = ""

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
                must_not=tuple(raw.get("must_not") or ()), qtype=raw.get("qtype") or "",
                evidence=tuple(raw.get("evidence") or ()), articles=tuple(raw.get("articles") or ()),
                reference=raw.get("answer") or "")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError(f"{where}: not a gold item ({type(exc).__name__}: {exc})") from None
        if item.language not in ("en", "id") or item.kind not in KINDS:
            raise GoldError(f"{where}: language must be en or id and kind one of {', '.join(KINDS)}")
        if item.answerable and not (item.must and (item.passages or item.evidence)):
            raise GoldError(f"{where}: an answerable item needs 'must' and 'passages' or 'evidence'")
        if item.id in seen:
            raise GoldError(f"{where}: id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(item)
    return items


# evidence this long is a clause, not a phrase: another article that holds it word for word states the same
COPIED_EVIDENCE_WORDS = 6


def resolve_evidence(items: Sequence[GoldItem], passages: Sequence) -> list[GoldItem]:
    """Items with ``evidence`` get the ids of the passages that hold it (white space and case aside): in the
    articles the item names, and, for a piece of at least ``COPIED_EVIDENCE_WORDS`` words, in any other
    article too. A news collection holds copies and revisions of a story from other outlets (among the 852
    distractors of ``--distractors``, 15 dev items' evidence is in another article word for word), and an
    answer citing one is as well supported as one citing the original. A piece of evidence not in the named
    articles is a GoldError naming the item, as the gold set was written for another collection."""
    texts = [(p.id, p.article, " ".join(p.text.split()).casefold()) for p in passages]
    resolved = []
    for item in items:
        if not item.evidence:
            resolved.append(item)
            continue
        ids: list[str] = []
        for piece in item.evidence:
            needle = " ".join(piece.split()).casefold()
            holding = [(pid, article) for pid, article, text in texts if needle in text]
            found = [pid for pid, article in holding if not item.articles or article in item.articles]
            if not found:
                raise GoldError(f"{item.id}: its evidence {piece[:60]!r}… is in no passage of this collection; "
                                f"run the eval on the articles the gold set was written for (--articles)")
            if item.articles and len(needle.split()) >= COPIED_EVIDENCE_WORDS:
                found += [pid for pid, article in holding if article not in item.articles]
            ids.extend(pid for pid in found if pid not in ids)
        resolved.append(dataclasses.replace(item, passages=tuple(ids)))
    return resolved


# ---------------------------------------------------------------- matching answers

_MONTHS = {name: f"month{number}" for number, names in MONTHS.items() for name in names}


def normalise_for_match(text: str) -> str:
    """Lower case; thousands separators gone; number words as digits; month names as month<n>."""
    text = text.lower().replace("\u00a0", " ")
    text = re.sub(r"\b(rp|us\$|usd|idr|\$)(?=\d)", r"\1 ", text)  # Rp80 = Rp 80
    text = re.sub(r"(\d)\s*(?:%|persen\b|per cent\b|percent\b)", r"\1 percent", text)  # 5% = 5 persen
    text = re.sub(r"\d+(?:[.,]\d{3})+(?!\d)", lambda m: normalise_number(m.group(0)), text)

    def words(match: re.Match) -> str:
        phrase = match.group(0)
        value = words_to_number(phrase.strip())
        if value is None:
            return phrase
        return str(value) + (" " if phrase[-1:].isspace() or phrase.endswith("-") else "")

    text = NUMBER_PHRASE.sub(words, text)
    text = re.sub(r"[a-z]+", lambda m: _MONTHS.get(m.group(0), m.group(0)), text)
    return re.sub(r"\b(month\d+) (\d{1,2})(?!\d)", r"\2 \1", text)  # December 23 = 23 Desember


def contains(answer: str, alternative: str, whole_words: bool = False) -> bool:
    """Whether the answer contains the alternative; a number must match whole (12000 is not in 112000), and
    with ``whole_words`` a word too ("nor" is not in "north")."""
    haystack, needle = normalise_for_match(answer), normalise_for_match(alternative).strip()
    if not needle:
        return False
    before = r"(?<![\d\w])" if needle[0].isalnum() else ""
    if needle[-1].isdigit():
        after = r"(?![\d])"
    else:
        after = r"(?!\w)" if whole_words and needle[-1].isalnum() else ""
    return re.search(before + re.escape(needle) + after, haystack) is not None


def has_must(answer: str, item: GoldItem, whole_words: bool = False) -> bool:
    """One alternative of every ``must`` group is in the answer."""
    return all(any(contains(answer, alt, whole_words) for alt in group) for group in item.must)


def has_must_not(answer: str, item: GoldItem, whole_words: bool = False) -> bool:
    return any(contains(answer, bad, whole_words) for bad in item.must_not)


def answer_is_correct(answer: str, item: GoldItem, whole_words: bool = False) -> bool:
    return has_must(answer, item, whole_words) and not has_must_not(answer, item, whole_words)


def lead_figure(answer: str) -> str | None:
    """The first figure of an answer, normalised; citation markers, years and days of a date left out."""
    text = normalise_for_match(re.sub(r"\[\d+\]", " ", answer))
    for match in re.finditer(r"(?<![\w.,/])\d+(?:[.,]\d+)?(?![\w/])", text):
        value, after = match.group(0), text[match.end():match.end() + 12]
        if re.match(r"\s*month\d+", after) or re.fullmatch(r"(?:19|20)\d\d", value):
            continue  # a day of a month, or a year
        return value
    return None


def lead_figure_is_gold(answer: str, item: GoldItem) -> bool:
    """For how-many and how-much questions: the answer leads with the figure of the first ``must`` group."""
    if item.qtype not in FIGURE_QTYPES or not item.must:
        return True
    gold = {lead_figure(alt) for alt in item.must[0]} - {None}
    first = lead_figure(answer)
    # "trillions", "only one": no figure in digits to compare; the must groups judge those
    return not gold or first is None or first in gold


_YES_VERDICT = frozenset("yes ya iya benar betul".split())
_NO_VERDICT = frozenset("no not tidak tak belum bukan never".split())


def verdict_agrees(answer: str, item: GoldItem) -> bool:
    """For yes/no questions: an answer that opens with a yes or a no opens with the gold one ("Ya. Sekolah itu
    tak layak pakai" says yes, whatever "tak" follows). The gold's first ``must`` group holds its verdict words."""
    if item.qtype != "yes_no" or not item.must:
        return True
    words = re.findall(r"[^\W\d_]+", answer.lower())
    if not words or words[0] not in _YES_VERDICT | _NO_VERDICT:
        return True
    return ("yes" if words[0] in _YES_VERDICT else "no") in item.must[0]


# frequent Indonesian words that English never uses; for judging an answer's language only
_INDONESIAN_ONLY = frozenset("""belum maupun telah sudah akan juga bahwa masih tersebut adalah merupakan oleh para
pada sebagai tidak bukan dalam kepada atau serta namun tetapi sejak hingga setelah sebelum yang dengan untuk
dari ini itu""".split())


def in_language(answer: str, language: str) -> bool:
    """Whether an answer reads as the question's language; names and figures alone are no evidence. A quote
    given with its machine translation is an exhibit in the article's language: the translation is judged."""
    from qa.lexicon import ENGLISH_FUNCTION_WORDS, INDONESIAN_FUNCTION_WORDS
    from qa.prompts import MACHINE_TRANSLATION

    if MACHINE_TRANSLATION in answer:
        answer = re.sub(r"“[^”]*”", " ", answer)
    words = re.findall(r"[^\W\d_]+", re.sub(r"\[\d+\]", " ", answer).lower())
    english = sum(w in ENGLISH_FUNCTION_WORDS for w in words)
    indonesian = sum(w in INDONESIAN_FUNCTION_WORDS for w in words)
    if language == "en":  # a clause left in Indonesian inside an English answer counts against it
        only_indonesian = sum((w in INDONESIAN_FUNCTION_WORDS or w in _INDONESIAN_ONLY) and w not in ENGLISH_FUNCTION_WORDS
                              for w in words)
        return indonesian - english < 2 and only_indonesian < 3 and not (only_indonesian == 2 and english <= 2)
    return english - indonesian < 2  # one "as" (Amerika Serikat) or "di" is no sign either way


# ---------------------------------------------------------------- running and scoring

@dataclass
class ItemResult:
    id: str
    kind: str
    qtype: str
    language: str
    question: str
    answer: str
    abstained: bool
    extractive: bool
    correct: bool  # answerable: right answer; unanswerable: abstained
    strict: bool  # answerable: correct at word boundaries, lead figure, verdict, supported by a citation, in language
    language_ok: bool  # the answer (or abstention) is in the question's language
    strict_misses: list[str]  # which strict checks failed
    cited: list[str]
    supporting_cited: bool  # the citations include a passage that states the answer
    only_supporting_cited: bool  # and no citation of a passage that does not
    retrieved_rank: int | None  # rank of the first supporting passage in retrieval (1-based), None if beyond 10
    total_ms: float
    first_token_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    problems: list[str] = field(default_factory=list)
    passages_reread: bool = False  # answered from passage states, refused, and asked again with them read whole
    standalone_question: str = ""  # a follow-up as searched and answered (rewritten, or after the question before it)
    raw_output: str = ""  # what the model wrote, before the checks (report.json only)


def claim_of(answer: str) -> str:
    """What an answer claims: without the fixed preface of a quote, whose words ("could not be checked",
    "tidak dapat dicocokkan") would otherwise pass for the "not" a yes/no question's gold asks for."""
    from qa.prompts import EXTRACTIVE_PREFIX

    for preface in EXTRACTIVE_PREFIX.values():
        answer = answer.replace(preface, " ")
    return answer.strip()


def score_item(item: GoldItem, answer, retrieved_ids: Sequence[str]) -> ItemResult:
    supporting = set(item.passages)
    claim = claim_of(answer.answer)
    cited = [c.passage for c in answer.citations]
    rank = next((i for i, pid in enumerate(retrieved_ids, start=1) if pid in supporting), None)
    language_ok = in_language(answer.answer, item.language)
    supporting_cited = bool(supporting & set(cited))
    if item.answerable:
        correct = not answer.abstained and answer_is_correct(claim, item)
        checks = {
            "abstained": not answer.abstained,
            "missing": has_must(claim, item, whole_words=True),
            "must_not": not has_must_not(claim, item, whole_words=True),
            "lead figure": lead_figure_is_gold(claim, item),
            "verdict": verdict_agrees(claim, item),
            "support not cited": supporting_cited,
            "language": language_ok,
        }
        misses = ["abstained"] if answer.abstained else [name for name, ok in checks.items() if not ok]
    else:
        correct = answer.abstained
        misses = [] if answer.abstained else ["answered"]
    strict = not misses
    t = answer.timings
    return ItemResult(
        id=item.id, kind=item.kind, qtype=item.qtype, language=item.language, question=item.question,
        answer=answer.answer, abstained=answer.abstained, extractive=answer.extractive, correct=correct,
        strict=strict, language_ok=language_ok, strict_misses=misses, cited=cited,
        supporting_cited=supporting_cited, only_supporting_cited=bool(cited) and set(cited) <= supporting,
        retrieved_rank=rank, total_ms=t.get("total_ms") or 0.0, first_token_ms=t.get("first_token_ms"),
        prompt_tokens=t.get("prompt_tokens") or 0, completion_tokens=t.get("completion_tokens") or 0,
        problems=list(answer.problems), passages_reread=bool(t.get("passages_reread")),
        standalone_question=answer.standalone_question, raw_output=answer.raw_output)


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


def eval_index_dir(index_dir: Path, articles_dir: Path) -> Path:
    """Where the eval keeps the index of another articles folder: beside the app's, one per folder."""
    import hashlib

    resolved = Path(articles_dir).resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    return Path(index_dir).parent / "eval" / f"index-{resolved.name}-{digest}"


def with_distractors(articles_dir: Path, distractors: Path, work_dir: Path) -> tuple[Path, int, list[str]]:
    """A collection of the articles of ``articles_dir`` among those of ``distractors`` (a folder, or a .tar.gz
    such as ../shared/articles-scale.tar.gz): a folder under ``work_dir`` of links to both (an archive is
    unpacked inside it, in a hidden folder), made once per pair (named by their paths, sizes and times). A
    distractor with the text or the title of one of the articles is left out (another revision of the same
    news), or the copy would compete with the original and take its place in the ranking. Returns (folder,
    distractors kept, names of those left out)."""
    import hashlib
    import os
    import shutil
    import tarfile

    from qa.ingest import ArticleError, article_files, load_article

    articles_dir, distractors = Path(articles_dir).resolve(), Path(distractors).resolve()
    stamp = "|".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in (articles_dir, distractors))
    folder = Path(work_dir) / f"collection-{articles_dir.name}-{hashlib.sha256(stamp.encode()).hexdigest()[:8]}"
    record = folder / ".distractors.json"
    if record.is_file():
        made = json.loads(record.read_text("utf-8"))
        return folder, made["kept"], made["left_out"]

    staging = folder.with_name(folder.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    source = distractors
    if not distractors.is_dir():
        with tarfile.open(distractors) as archive:
            archive.extractall(staging / ".distractors", filter="data")
        source = staging / ".distractors"

    def content_keys(files: dict[str, os.DirEntry]) -> dict[str, tuple[str, str]]:
        keys = {}
        for name, entry in files.items():
            try:
                article = load_article(Path(entry.path))
            except ArticleError:
                continue
            keys[name] = (article.content_key or "", " ".join(article.title.casefold().split()))
        return keys

    originals, _ = article_files(articles_dir)
    original_keys = {key for pair in content_keys(originals).values() for key in pair}
    kept, left_out = 0, []
    for directory in sorted({source, *(p for p in source.rglob("*") if p.is_dir())}):
        files, _ = article_files(directory)
        for name, key in sorted(content_keys(files).items()):
            entry = files[name]
            if not original_keys.isdisjoint(key):
                left_out.append(entry.name)
            elif name not in originals and not (staging / entry.name).exists():
                path = Path(entry.path)
                # relative inside the folder, so that it can be renamed into place
                os.symlink(os.path.relpath(path, staging) if path.is_relative_to(staging) else path, staging / entry.name)
                kept += 1
    for entry in originals.values():
        os.symlink(entry.path, staging / entry.name)
    (staging / ".distractors.json").write_text(json.dumps({"kept": kept, "left_out": sorted(left_out)}), "utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(staging, folder)
    return folder, kept, sorted(left_out)


def search_question(item: GoldItem) -> str:
    """The question retrieval sees without the model: a follow-up carries the previous user turn, as the
    assistant does when its rewrite resolves nothing."""
    from qa.assistant import with_previous_question

    return with_previous_question(item.question, item.history)


def retrieval_recall(retriever, items: Sequence[GoldItem]) -> dict:
    """Recall@k of the supporting passages per language, and the search time, with no model involved."""
    answerable = [i for i in items if i.answerable]
    ranks: dict[str, list[int | None]] = {"en": [], "id": []}
    times = []
    for item in answerable:
        started = time.perf_counter()
        found = retriever.search(search_question(item), k=max(RECALL_AT))
        times.append((time.perf_counter() - started) * 1000)
        supporting = set(item.passages)
        ranks[item.language].append(next((n for n, r in enumerate(found, 1) if r.passage.id in supporting), None))
    ranks["all"] = ranks["en"] + ranks["id"]
    return {"recall": {lang: {f"@{k}": _ratio(sum(r is not None and r <= k for r in rs), len(rs)) for k in RECALL_AT}
                       for lang, rs in ranks.items()},
            "search_ms_p50": _percentile(times, 50), "search_ms_p95": _percentile(times, 95)}


def _among(collection: dict) -> str:
    """", 852 of them distractors from `…`" for a collection built by ``with_distractors``, else nothing."""
    among = collection.get("distractors")
    return f", {among['articles']} of them distractors from `{among['from']}`" if among else ""


def recall_markdown(recall: dict, gold: Path, collection: dict) -> str:
    lines = [f"Retrieval over `{collection['articles_dir']}` ({collection['articles']} articles{_among(collection)}, "
             f"{collection['passages']} passages, {collection['embedder']}), gold `{gold}`:", "",
             "| questions | recall@1 | recall@4 | recall@10 |", "|---|---|---|---|"]
    for lang, r in recall["recall"].items():
        lines.append(f"| {lang} | {_cell(r['@1'])} | {_cell(r['@4'])} | {_cell(r['@10'])} |")
    lines += ["", f"search p50 {recall['search_ms_p50']:.0f} ms, p95 {recall['search_ms_p95']:.0f} ms"]
    return "\n".join(lines) + "\n"


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
        "strict_accuracy": _ratio(sum(r.strict for r in answerable), len(answerable)),
        "strict_overall": _ratio(sum(r.strict for r in results), len(results)),
        "in_language": _ratio(sum(r.language_ok for r in results), len(results)),
        "citations_include_support": _ratio(sum(r.supporting_cited for r in answered), len(answered)),
        "citations_only_support": _ratio(sum(r.only_supporting_cited for r in answered), len(answered)),
        "abstention_precision": _ratio(sum(r.kind == "unanswerable" for r in abstentions), len(abstentions)),
        "abstention_recall": _ratio(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "false_abstentions": _ratio(sum(r.abstained for r in answerable), len(answerable)),
        "extractive_fallbacks": _ratio(sum(r.extractive for r in results), len(results)),
        "passages_reread": _ratio(sum(r.passages_reread for r in results), len(results)),
        "latency_ms": {
            "total_p50": _percentile([r.total_ms for r in timed], 50),
            "total_p95": _percentile([r.total_ms for r in timed], 95),
            "first_token_p50": _percentile([r.first_token_ms for r in generated], 50),
            "first_token_p95": _percentile([r.first_token_ms for r in generated], 95),
        },
        "prompt_tokens_mean": round(statistics.mean(r.prompt_tokens for r in generated), 1) if generated else None,
    }


def build_report(results: Sequence[ItemResult], model: str, gold: Path, seconds: float,
                 collection: dict | None = None) -> dict:
    return {
        "model": model,
        "gold": str(gold),
        "collection": collection or {},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(seconds, 1),
        "overall": summarise(results),
        "by_language": {lang: summarise([r for r in results if r.language == lang]) for lang in ("en", "id")},
        "by_kind": {kind: summarise([r for r in results if r.kind == kind])
                    for kind in KINDS if any(r.kind == kind for r in results)},
        "by_qtype": {qtype: summarise([r for r in results if r.qtype == qtype])
                     for qtype in sorted({r.qtype for r in results if r.qtype})},
        "items": [asdict(r) for r in results],
    }


def _cell(ratio: dict) -> str:
    return "–" if not ratio["of"] else f"{ratio['count']}/{ratio['of']}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value / 1000:.1f} s"


def report_markdown(report: dict) -> str:
    rows = [("all", report["overall"])] + [(k, v) for k, v in report["by_language"].items() if v["items"]] + \
        [(k, v) for k, v in report["by_kind"].items()] + [(k, v) for k, v in report.get("by_qtype", {}).items()]
    collection = report.get("collection") or {}
    where = (f" over `{collection['articles_dir']}` ({collection['articles']} articles{_among(collection)}, "
             f"{collection['passages']} passages)" if collection else "")
    lines = [
        f"# kutip eval: {report['model']}",
        "",
        f"Gold set `{report['gold']}`{where}, {report['overall']['items']} items, {report['seconds']:.0f} s, "
        f"{report['created']}.",
        "",
        "Correct: the must phrases, leniently matched. Strict: at word boundaries, the lead figure right, a yes/no "
        "answer's opening yes or no the gold one, a cited passage states it, in the question's language "
        "(unanswerable items: declined).",
        "",
        "| slice | items | recall@1 | recall@4 | recall@10 | correct | strict | in language | cites support "
        "| cites only support | abstention precision | abstention recall | false abstentions | first token p50/p95 "
        "| total p50/p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in rows:
        r, lat = s["retrieval_recall"], s["latency_ms"]
        lines.append(
            f"| {name} | {s['items']} | {_cell(r['@1'])} | {_cell(r['@4'])} | {_cell(r['@10'])} | {_cell(s['accuracy'])} "
            f"| {_cell(s['strict_accuracy'])} | {_cell(s['in_language'])} "
            f"| {_cell(s['citations_include_support'])} | {_cell(s['citations_only_support'])} "
            f"| {_cell(s['abstention_precision'])} | {_cell(s['abstention_recall'])} | {_cell(s['false_abstentions'])} "
            f"| {_ms(lat['first_token_p50'])} / {_ms(lat['first_token_p95'])} | {_ms(lat['total_p50'])} / {_ms(lat['total_p95'])} |")
    reread = report["overall"].get("passages_reread")
    if reread and reread["count"]:
        lines += ["", f"Answers from passage states refused and asked again with the passages read whole: "
                      f"{reread['count']} of {reread['of']}."]
    misses = [i for i in report["items"] if not i.get("strict", i["correct"])]
    if misses:
        lines += ["", "## Strict misses", ""]
        for i in misses:
            answer = i["answer"].replace("|", "\\|").replace("\n", " ")
            lines.append(f"- `{i['id']}` ({i['kind']}, {i['language']}; {', '.join(i.get('strict_misses', []))}) "
                         f"{i['question']} → {answer} (cited {', '.join(i['cited']) or 'nothing'})")
    return "\n".join(lines) + "\n"


def write_report(report: dict, out_dir: Path) -> tuple[Path, Path]:
    from qa.files import atomic_write_text

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "report.json", out_dir / "report.md"
    atomic_write_text(json_path, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    atomic_write_text(md_path, report_markdown(report))
    return json_path, md_path
