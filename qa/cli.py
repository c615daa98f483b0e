"""Command line: ``python -m qa index|add|search|ask|eval|bench``. Results go to stdout, messages to stderr."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

from qa.settings import Settings


class UsageError(Exception):
    """A problem the user can fix; printed without a traceback, exit status 2."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress_bar(description: str, unit: str = "passage"):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if total == 0:
            return
        if bar is None:
            bar = tqdm(total=total, desc=description, unit=unit, unit_scale=unit == "B", file=sys.stderr,
                       leave=False)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _phase_bars():
    """A progress callback for index updates: one bar per phase (reading, embedding, stemming)."""
    from qa.index import PHASE_UNITS

    bars: dict[str, object] = {}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in bars:
            bars[phase] = _progress_bar(phase, PHASE_UNITS.get(phase, "item"))
        bars[phase](done, total)  # type: ignore[operator]

    return update


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    return settings.replace(
        articles_dir=getattr(args, "articles", None),
        index_dir=getattr(args, "index", None),
        embedder=getattr(args, "embedder", None),
        index_kind=getattr(args, "index_kind", None),
        vector_store=getattr(args, "vector_store", None),
        k=getattr(args, "k", None),
        llm=getattr(args, "model", None),
        threads=getattr(args, "threads", None),
    )


def open_retriever(settings: Settings, rebuild: bool = False, quiet: bool = False):
    """The retriever over the articles folder, its index synced first, with what the sync did on stderr."""
    from qa import retrieve

    retriever, report = retrieve.open_retriever(settings, rebuild=rebuild,
                                                progress=None if quiet else _phase_bars())
    for problem in report.problems:
        _stderr(f"warning: {problem}")
    for article_id in report.kept_despite_errors:
        _stderr(f"warning: {article_id} keeps its previous passages in the index until its file is fixed")
    if report.rebuilt_because and not rebuild:
        _stderr(f"rebuilding the index: {report.rebuilt_because}")
    if not quiet or report.written:
        _stderr(report.summary())
    return retriever


def cmd_index(args: argparse.Namespace) -> int:
    settings = _settings(args)
    index = open_retriever(settings, rebuild=args.rebuild).index
    _stderr(f"{len(index.articles)} articles, {len(index)} passages in {settings.index_dir}")
    from qa.llm import states_dir
    from qa.llm.state_store import folder_size

    files, size = folder_size(states_dir(settings.cache_dir))
    mode = "every passage, stitched" if settings.passage_stitch else "where exact"
    budget = f"{mode}, budget {settings.passage_cache_mb:,} MB" if settings.passage_cache else \
        "off: KUTIP_PASSAGE_CACHE=0"
    _stderr(f"passage states: {files} stored, {size / 1e6:,.1f} MB in {states_dir(settings.cache_dir)} ({budget})")
    return 0


def files_to_add(paths: Sequence[Path]) -> tuple[list[tuple[str, Path]], int]:
    """The files named, and those in the folders named (recursively, hidden ones left out) whose suffix
    kutip reads; and how many other files the folders held. A named file is always tried, to say why not."""
    from qa.readers import ARTICLE_SUFFIXES

    found: list[tuple[str, Path]] = []
    other = 0
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path} does not exist")
        if path.is_file():
            found.append((path.name, path))
            continue
        for child in sorted(path.rglob("*")):
            if any(part.startswith(".") for part in child.relative_to(path).parts) or not child.is_file():
                continue
            if child.suffix.lower() in ARTICLE_SUFFIXES:
                found.append((child.name, child))
            else:
                other += 1
    return found, other


def cmd_add(args: argparse.Namespace) -> int:
    from qa.collection import Collection
    from qa.readers import ARTICLE_SUFFIXES

    settings = _settings(args)
    files, other = files_to_add(args.paths)
    if not files:
        raise UsageError(f"no article files found (kutip reads {', '.join(ARTICLE_SUFFIXES)})")
    collection = Collection(settings, progress=_phase_bars())
    results, message = collection.add_files(files, progress=_phase_bars())
    for (_, path), r in zip(files, results):  # one result per file, in order
        if args.json:
            print(json.dumps({"file": str(path), "status": r.status, "message": r.message,
                              "article": r.article.id if r.article else None}, ensure_ascii=False))
        else:
            print(f"{r.status:9} {path}: {r.message}")
    if other:
        _stderr(f"left out {other} file(s) of other formats in the folders")
    _stderr(message)
    return 1 if any(r.status == "refused" for r in results) else 0


def cmd_search(args: argparse.Namespace) -> int:
    question = args.question.strip()
    if not question:
        raise UsageError("the question is empty")
    settings = _settings(args)
    results = open_retriever(settings, quiet=True).search(question, k=args.k or settings.k)
    if args.json:
        print(json.dumps([{"article": r.passage.article, "passage": r.passage.id, "text": r.passage.text,
                           "score": r.score} for r in results], ensure_ascii=False, indent=1))
    else:
        for rank, r in enumerate(results, start=1):
            print(f"{rank}. [{r.passage.id}] score {r.score:.3f}  ({r.article.title[:60]})")
            print(f"   {r.passage.text}\n")
    return 0


def _read_batch(path: str) -> list[dict]:
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    items = []
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path} line {number}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise UsageError(f"{path} line {number}: expected {{\"question\": str, \"history\": [...]}}")
            history = item.get("history") or []
            if not isinstance(history, list) or not all(
                    isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
                    for t in history):
                raise UsageError(f"{path} line {number}: history must be a list of {{role, content}} turns")
            items.append({"question": item["question"], "history": history})
    return items


def _open_assistant(settings: Settings, show_progress: bool, retriever=None):
    """The assistant over the synced index, the model loaded (and assembled on first use, with a bar)."""
    from qa.assistant import Assistant
    from qa.llm import generator_from_settings

    retriever = retriever or open_retriever(settings, quiet=True)
    generator = generator_from_settings(settings, progress=_progress_bar("assembling model", "B") if show_progress
                                        else None)
    return Assistant(retriever, generator, settings)


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.assistant import QuestionError

    if args.batch:
        items = _read_batch(args.batch)
    elif args.question is not None:
        items = [{"question": args.question, "history": []}]
    else:
        raise UsageError("give a QUESTION or --batch FILE.jsonl")
    if not args.batch and not args.question.strip():
        raise UsageError("the question is empty")
    assistant = _open_assistant(_settings(args), show_progress=not args.json)
    failures = 0
    for item in items:
        try:
            if args.json:
                answer = assistant.ask(item["question"], item["history"])
            else:
                answer = None
                for piece in assistant.stream(item["question"], item["history"]):
                    if isinstance(piece, str):
                        print(piece, end="", flush=True)
                    else:
                        answer = piece
                print("\r\033[K" if sys.stdout.isatty() else "\n", end="")
        except QuestionError as exc:
            failures += 1
            _stderr(f"error: {exc}")
            if args.json:
                print(json.dumps({"question": item["question"], "error": str(exc)}, ensure_ascii=False), flush=True)
            continue
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(answer.answer)
            for c in answer.citations:
                print(f"  [{c.n}] {c.passage} (paragraph {c.paragraph}): {c.text}")
    if not args.batch and failures:
        return 2
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import time

    from qa import evaluate

    gold_path = Path(args.gold) if args.gold else evaluate.DEFAULT_GOLD
    try:
        items = evaluate.load_gold(gold_path)
    except OSError as exc:
        raise UsageError(f"cannot read the gold set {gold_path}: {exc.strerror}") from None
    if args.ids:
        wanted = set(args.ids.split(","))
        items = [i for i in items if i.id in wanted]
    if args.limit:
        items = items[: args.limit]
    if not items:
        raise UsageError("no gold items to run")
    settings = _settings(args)
    distractors = None
    if args.distractors:
        folder, kept, left_out = evaluate.with_distractors(
            settings.articles_dir, Path(args.distractors), settings.index_dir.parent / "eval")
        distractors = {"from": args.distractors, "articles": kept, "left_out": left_out}
        print(f"{settings.articles_dir} among {kept} distractors from {args.distractors} ({len(left_out)} left out as "
              f"copies of an article: {', '.join(left_out[:5])}{' …' if len(left_out) > 5 else ''})",
              file=sys.stderr)
        settings = settings.replace(articles_dir=folder)
    if (args.articles or distractors) and not args.index:  # another collection: its own index, the app's is left alone
        settings = settings.replace(index_dir=evaluate.eval_index_dir(settings.index_dir, settings.articles_dir))
    retriever = open_retriever(settings, quiet=False)
    try:
        items = evaluate.resolve_evidence(items, retriever.index.passages)
    except evaluate.GoldError as exc:
        raise UsageError(str(exc)) from None
    collection = {"articles_dir": str(settings.articles_dir), "articles": len(retriever.index.articles),
                  "passages": len(retriever.index), "embedder": settings.embedder}
    if distractors:
        collection["distractors"] = distractors
    if args.retrieval_only:
        recall = evaluate.retrieval_recall(retriever, items)
        print(evaluate.recall_markdown(recall, gold_path, collection))
        return 0
    assistant = _open_assistant(settings, show_progress=True, retriever=retriever)
    prepare_started = time.perf_counter()
    # the passages read once, as a user's earlier questions would have; among distractors none (hours), so that
    # run's first questions pay for storing the states they meet
    looked, computed = assistant.prepare_passages(
        limit=0 if distractors else len(retriever.index), progress=_progress_bar("reading passages once"))
    if looked:
        collection["passage_states"] = {"passages": looked, "computed": computed,
                                        "seconds": round(time.perf_counter() - prepare_started, 1)}

    def show(r: "evaluate.ItemResult") -> None:
        mark = "ok  " if r.strict else "MISS"
        _stderr(f"{mark} {r.id} {r.total_ms / 1000:5.1f} s  {r.question[:60]!r} -> {r.answer[:90]!r}")

    started = time.perf_counter()
    results = evaluate.run_eval(assistant, items, on_result=show)
    unrecorded = getattr(assistant.generator, "unrecorded", None)  # a replayed run (KUTIP_LLM=replay:…)
    if unrecorded:
        _stderr(f"replayed: the model's yes for {len(set(unrecorded))} items is not in the report but guessed "
                f"(run them with the model): {','.join(dict.fromkeys(unrecorded))}")
    model_file = getattr(assistant.generator, "path", None)  # which weights ran (Settings.weights)
    model = f"{settings.llm} ({model_file.name})" if model_file and model_file.name != Path(settings.llm).name \
        else settings.llm
    report = evaluate.build_report(results, model, gold_path, time.perf_counter() - started, collection)
    out_dir = Path(args.out) if args.out else settings.index_dir.parent / "eval" / Path(settings.llm).name
    json_path, md_path = evaluate.write_report(report, out_dir)
    print(evaluate.report_markdown(report))
    _stderr(f"report written to {json_path} and {md_path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from qa import bench

    return bench.main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa", description="kutip: cited answers from your articles")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--articles", type=Path, help="articles folder (default: seeds/)")
        p.add_argument("--index", type=Path, help="index folder (default: .kutip/index)")
        p.add_argument("--embedder", help="e5-small (default) or sentence-transformers:<name or path>")
        p.add_argument("--index-kind", choices=["flat", "hnsw", "ivf"], help="FAISS index kind (default flat)")
        p.add_argument("--vector-store", help="faiss (default) or milvus:<Milvus Lite file or server URI> "
                                              "(env KUTIP_VECTOR_STORE)")

    p = commands.add_parser("index", help="build or update the index of the articles folder")
    common(p)
    p.add_argument("--rebuild", action="store_true", help="throw the index away and embed everything again")
    p.set_defaults(run=cmd_index)

    p = commands.add_parser("add", help="add article files (.txt .md .html .pdf .docx; folders recursively) "
                                        "to the articles folder and index them")
    common(p)
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    p.add_argument("--json", action="store_true", help="print one JSON object per file: {file, status, message, article}")
    p.set_defaults(run=cmd_add)

    p = commands.add_parser("search", help="the passages that best match a question")
    common(p)
    p.add_argument("question")
    p.add_argument("--k", type=int, help=f"how many passages (default {Settings.k})")
    p.add_argument("--json", action="store_true", help="print JSON: [{article, passage, text, score}]")
    p.set_defaults(run=cmd_search)

    p = commands.add_parser("ask", help="answer a question with citations")
    common(p)
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true", help="print one JSON object per answer")
    p.add_argument("--batch", metavar="FILE.jsonl", help='questions, one {"question", "history"} per line ("-" for stdin)')
    p.add_argument("--model", "--llm", dest="model", help="qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, a GGUF "
                   "path or openai:<base URL> (env KUTIP_LLM)")
    p.add_argument("--k", type=int, help=f"passages given to the model (default {Settings.k})")
    p.add_argument("--threads", type=int, help=f"CPU threads for the model (default {Settings.threads})")
    p.set_defaults(run=cmd_ask)

    p = commands.add_parser("eval", help="run a gold set through the pipeline and report quality and latency")
    common(p)
    p.add_argument("gold", nargs="?", help="gold set (.jsonl; default tests/data/gold.jsonl)")
    p.add_argument("--model", "--llm", dest="model", help="qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, a GGUF "
                   "path or openai:<base URL> (env KUTIP_LLM)")
    p.add_argument("--k", type=int, help=f"passages given to the model (default {Settings.k})")
    p.add_argument("--threads", type=int, help=f"CPU threads for the model (default {Settings.threads})")
    p.add_argument("--ids", help="only these item ids, comma-separated")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument("--out", help="folder for report.json and report.md (default .kutip/eval/<model>)")
    p.add_argument("--retrieval-only", action="store_true",
                   help="only retrieval recall@1/4/10 per language (no model is loaded)")
    p.add_argument("--distractors", metavar="DIR|TAR.GZ", help="run among these articles too (e.g. "
                   "../shared/articles-scale.tar.gz); copies of the gold's articles among them are left out")
    p.set_defaults(run=cmd_eval)

    p = commands.add_parser("bench", help="measure indexing and vector search speed")
    p.add_argument("--sizes", default="10000,100000,1000000", help="synthetic collection sizes")
    p.add_argument("--kinds", default="flat,hnsw,ivf", help="FAISS index kinds to compare (empty: skip)")
    p.add_argument("--stores", default="faiss,milvus", help="vector stores to compare, flat and HNSW each: faiss, "
                                                            "milvus (Milvus Lite in a temporary folder; empty: skip)")
    p.add_argument("--queries", type=int, default=200, help="queries per size")
    p.add_argument("--copies", type=int, default=20, help="variants of the seeds to index for throughput (0: skip)")
    p.add_argument("--update-sizes", default="100,1000,10000,100000",
                   help="collection sizes (articles) for adding and removing one article (empty: skip)")
    p.add_argument("--update-articles", help="folder of articles to copy into those collections (default: the "
                                             "articles folder); the first is the one added")
    p.add_argument("--update-runs", type=int, default=3, help="adds and removes per size (the median is shown)")
    p.add_argument("--llm-questions", type=int, default=8, help="gold questions for the LLM stage (0: skip)")
    p.add_argument("--model", help="generator for the LLM stage (default: the settings' llm)")
    p.add_argument("--remote-questions", type=int, default=8,
                   help="gold questions for the server-against-in-process comparison (0: skip)")
    p.add_argument("--remote-server", help="base URL of a running server with the same model (default: start "
                                           "llama_cpp.server on loopback)")
    p.set_defaults(run=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    from embeddings import EmbedderError
    from qa.index import IndexCorruptError, IndexNotFoundError
    from qa.llm import GeneratorError
    from qa.models import ModelFileError
    from qa.rerank import RerankerError

    try:
        return args.run(args)
    except (UsageError, EmbedderError, IndexCorruptError, IndexNotFoundError, ModelFileError, GeneratorError,
            RerankerError, FileNotFoundError, ValueError) as exc:
        _stderr(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _stderr("interrupted")
        return 130
