"""All settings in one typed object, with defaults that work on the seed articles.

Every field can be set from the environment as ``KUTIP_<FIELD NAME IN CAPITALS>``; the command line
overrides the environment.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.base import default_cache_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    # where things live
    articles_dir: Path = PROJECT_ROOT / "seeds"
    index_dir: Path = PROJECT_ROOT / ".kutip" / "index"
    cache_dir: Path = field(default_factory=default_cache_dir)

    # embedding and index
    embedder: str = "e5-small"
    index_kind: str = "flat"  # flat | hnsw | ivf
    vector_store: str = "faiss"  # faiss (in the index folder) | milvus:<Milvus Lite file or server URI>
    milvus_token: str = ""  # for a Milvus server that asks for one: "user:password" or an API key
    passage_max_words: int = 120  # long paragraphs are windowed on sentences under this budget
    max_article_bytes: int = 5_000_000

    # retrieval
    k: int = 4  # passages given to the model; each costs prompt time
    candidates: int = 30  # taken from each of dense and BM25 before fusion
    bm25_weight_same_language: float = 1.0
    bm25_weight_other_language: float = 1.0  # English questions reach Indonesian passages via the glossary
    rrf_k: int = 60
    # share of the best lexical match's vector in a second dense query, when that passage is in the other
    # language than the question (0 turns it off); see Retriever._cross_language_feedback
    cross_language_feedback: float = 0.5
    # weight of a passage's article (its first passage's vector) in the passage's dense score (0 turns it off),
    # and how many best-matching articles bring all their passages in as candidates; see qa.retrieve
    article_context: float = 0.1
    context_articles: int = 10
    # weight, for English questions, of the ranking of Indonesian passages by their English word-by-word
    # gloss (qa.index; 0 turns it off). Dev gold among 852 distractors, English recall@1/@4/@10 of 69: 19/37/51
    # without, 23/43/53 at 1, 27/44/53 at 2, 27/46/53 at 3; dev articles alone 31/52/65 -> 33/54/64 at 3. Off
    # by default: at 3 the seeds' "Who proposed the troop deployment?" is answered "Kim Jong-un", at 1 with a quote
    # of the wrong sentence; answers at 1: seeds 43 -> 41 of 59, dev +2 of 66 changed items, +4 of 76 among the
    # distractors (README)
    gloss_weight: float = 0.0
    # English questions: the best fused candidates read again by a cross-encoder, Indonesian passages glossed
    # word by word in English; see qa.rerank. Off by default: it finds the supporting passage far more often
    # (dev among 852 distractors, English recall@4 38 -> 52 of 69) but the 1.5B's answers do not follow (strict
    # there 44 -> 45, dev 52 -> 53, seeds 31 -> 27; unanswerable declined 27 -> 23) and a question costs ~0.5 s more
    reranker: str = "none"
    rerank_candidates: int = 30
    # best-matching sentences of the k passages shown to the model; 0 shows whole passages (measured: 3
    # sentences cut the prompt by ~45% but the 1.5B model then picked wrong answers more often)
    evidence_sentences: int = 0
    lexical_weight: float = 0.1  # weight of question-term coverage against dense similarity for sentences
    # share of the question's content words a sentence quoted in place of a failed answer must hold to stand
    # as the answer (qa.decision, rule 4); below it kutip declines. Measured as a curve in the README
    quote_coverage: float = 0.34
    # ask the model again, with the first cited passage alone, whether it states the answer; "no" declines
    # (qa.decision, rule 3). Costs one short generation per answer
    confirm_answers: bool = True
    # an English rendering under a quote in Indonesian given to an English question, labelled as machine
    # translation. Off by default: the 1.5B's renderings were not faithful often enough (README)
    translate_quotes: bool = False

    # generation
    llm: str = "qwen2.5-coder-1.5b"  # a model name, a GGUF path, or openai:<base URL of a chat-completions server>
    llm_model: str = ""  # the model name sent to an openai: server (default: the first it lists)
    llm_api_key: str = ""  # sent as a bearer token to an openai: server
    llm_timeout: float = 120.0  # seconds an openai: server may stay silent before the request fails
    llm_retries: int = 3  # tries again on connection errors and 429/5xx, with exponential backoff
    # a named model's weights (qa.models): q4_k_m as its packages ship them, or a q8_0 copy made once, which
    # llama.cpp's AMX kernels multiply on their tiles (qa.llama_build); auto: where llama.cpp has those kernels,
    # the form each model answered best with (NamedModel.amx_weights: the 0.5B's q8_0, the 1.5B's q4_k_m)
    weights: str = "auto"
    threads: int = 2
    n_ctx: int = 4096
    max_answer_tokens: int = 200
    # passage states (qa.llm.state_store): the in-process model stores a passage's KV cells the first time it reads
    # it right after a prompt's fixed instructions, and reuses them wherever that passage comes there again: the
    # first of the k passages of an answer, the passage of a confirmation. There the stored cells are what reading
    # the passage would compute (up to rounding), so answers do not change. Dev gold, 1.5B, 27 questions in one process: the same 27
    # answers, first token p50 3.1 -> 2.6 s, whole answer 5.1 -> 4.2 s (README). Off: every prompt is read whole
    passage_cache: bool = True
    # every passage of an answer read from its stored state, wherever it sits (CacheBlend's idea): passages then do
    # not attend to each other, which full prefill lets them do. Off by default: the 1.5B loses 5 strictly correct
    # answers of 131 on the dev gold (67 against 72) and 4 of 47 on the seeds for a first token of 1.6 s against
    # 3.1 s, even with refused answers read again whole (passage_reread) (README)
    passage_stitch: bool = False
    # with passage_stitch: tokens at the start of each passage after the first computed again in place, attending
    # to the passages before them: quality bought back for (k-1) * this many tokens
    passage_recompute: int = 0
    # with passage_stitch: an answer the checks refuse (a quote or a decline in its place) is asked again with
    # the passages read whole (qa.assistant). Seed gold, 1.5B: strict 22 -> 28 of 47 (full prefill 32), whole
    # answer p50 3.3 -> 5.5 s (full prefill 6.5 s); 0.5B: 20 of 47, as full prefill (README)
    passage_reread: bool = True
    passage_cache_mb: int = 4096  # disk budget of the stored states; least recently used go first
    # passages read before the app says it is ready (0.4 s each for the 1.5B, on AMX); the rest on first use, which
    # costs what reading them whole costs
    prepare_passages: int = 100
    max_question_chars: int = 2000

    def __post_init__(self) -> None:
        from qa.models import WEIGHTS

        if self.weights not in WEIGHTS:
            raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, not {self.weights!r}")

    def replace(self, **changes: object) -> "Settings":
        changes = {k: v for k, v in changes.items() if v is not None}
        for name in ("articles_dir", "index_dir", "cache_dir"):
            if name in changes:
                changes[name] = Path(changes[name])  # type: ignore[arg-type]
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        environ = dict(os.environ if environ is None else environ)
        changes: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"KUTIP_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls(), f.name)
            try:
                if isinstance(default, bool):
                    changes[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
                elif isinstance(default, int):
                    changes[f.name] = int(raw)
                elif isinstance(default, float):
                    changes[f.name] = float(raw)
                else:
                    changes[f.name] = raw
            except ValueError as exc:
                raise ValueError(f"KUTIP_{f.name.upper()}={raw!r} is not a valid {type(default).__name__}") from exc
        return cls().replace(**changes)
