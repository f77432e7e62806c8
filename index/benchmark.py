"""Ingestion and query benchmark: prints figures, asserts nothing.

    python -m index.benchmark                       # RealTimeQA corpus and dev questions
    python -m index.benchmark --limit 500           # the first 500 documents only
    python -m index.benchmark --engines --limit 300 # local pipeline beside --engine ray

Figures: ingestion chunks/s next to the raw model encoding the same chunks in this process
(their ratio is the pipeline's overhead), peak memory, chunk count and token lengths, warm
`ask` latency p50/p95 over the dev questions, and cold `rag ask` wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from index.pipeline import index_paths
from rag import Assistant, Settings
from rag.documents import searchable_text
from rag.embedder import SentenceEmbedder
from rag.store.news_index import NewsIndex

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "realtimeqa"


def _percentile(values: Sequence[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q, method="nearest"))  # a measured value, as quoted


def limited_corpus(corpus: Path, limit: int | None, folder: Path) -> Path:
    """`corpus`, or a copy of its first `limit` lines in `folder`."""
    if not limit:
        return corpus
    subset = folder / f"first-{limit}.jsonl"
    with corpus.open(encoding="utf-8") as source, subset.open("w", encoding="utf-8") as out:
        for number, line in enumerate(source):
            if number >= limit:
                break
            out.write(line)
    return subset


def measure_ingestion(corpus: Path, index_dir: Path, settings: Settings) -> dict[str, float]:
    """Index `corpus` from scratch, then encode the same chunks with the bare model."""
    report = index_paths([corpus], index_dir, settings, progress=True)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stored = list(NewsIndex.open(index_dir).store.all())
    texts = [searchable_text(str(c.metadata["title"]), c.text) for c in stored]
    tokens = [int(c.metadata["tokens"]) for c in stored]
    raw = SentenceEmbedder(settings.embed_model, settings.embed_dtype, settings.embed_batch_size)
    raw.embed(texts[:64])  # load and warm the model outside the timing
    started = time.perf_counter()
    raw.embed(texts)
    raw_seconds = time.perf_counter() - started
    pipeline_rate = report.chunks_embedded / report.seconds
    raw_rate = len(texts) / raw_seconds
    return {
        "articles": len(report.added),
        "failed_inputs": len(report.failed),
        "chunks": len(stored),
        "tokens_p5": _percentile(tokens, 5),
        "tokens_p50": _percentile(tokens, 50),
        "tokens_p95": _percentile(tokens, 95),
        "tokens_max": max(tokens),
        "ingest_seconds": report.seconds,
        "ingest_chunks_per_s": pipeline_rate,
        "raw_model_chunks_per_s": raw_rate,
        "ratio": pipeline_rate / raw_rate,
        "peak_rss_mib_after_ingest": peak_mib,
    }


def measure_engines(corpus: Path, folder: Path, settings: Settings) -> dict[str, float]:
    """The same corpus indexed end to end (model load included) by the local pipeline and by
    Ray Data on a local Ray (its start included), each into a fresh folder."""
    from index.ray_pipeline import index_paths_ray

    local = index_paths([corpus], folder / "local", settings, progress=False)
    spread = index_paths_ray([corpus], folder / "ray", settings, progress=False)
    return {
        "articles": len(local.added),
        "chunks": local.chunks_embedded,
        "local_seconds": local.seconds,
        "local_chunks_per_s": local.chunks_embedded / local.seconds,
        "ray_seconds": spread.seconds,
        "ray_chunks_per_s": spread.chunks_embedded / spread.seconds,
        "ray_over_local_time": spread.seconds / local.seconds,
    }


def measure_queries(
    index_dir: Path, questions: Path, settings: Settings
) -> dict[str, float | None]:
    """Warm `ask` latency over every question, with its `asked_on` as `as_of`.

    Also the share of answerable questions with a gold document among the top-k passages,
    with and without `as_of`: what the date prior is worth. Only questions whose gold
    documents are indexed count; None when there are none (e.g. a corpus cut by --limit).
    """
    assistant = Assistant(NewsIndex.open(index_dir), settings)
    records = [json.loads(line) for line in questions.open(encoding="utf-8") if line.strip()]
    assistant.ask(records[0]["question"])  # warm: model loaded, BM25 read
    totals = []
    hits = {"dated": 0, "undated": 0}
    indexed = set(assistant.index.articles())
    answerable = [r for r in records if set(r.get("docs_containing_answer") or ()) & indexed]
    for record in records:
        answer = assistant.ask(record["question"], as_of=record.get("asked_on"))
        totals.append(answer.timings["total"])
        gold = set(record.get("docs_containing_answer") or ()) & indexed
        if gold:
            undated = assistant.search(record["question"], k=settings.top_k)
            hits["dated"] += any(p.doc_id in gold for p in answer.passages)
            hits["undated"] += any(p.doc_id in gold for p in undated)
    return {
        "questions": len(totals),
        "ask_p50_ms": 1000 * statistics.median(totals),
        "ask_p95_ms": 1000 * _percentile(totals, 95),
        f"gold_doc_hit@{settings.top_k}_as_of": _share(hits["dated"], len(answerable)),
        f"gold_doc_hit@{settings.top_k}_no_date": _share(hits["undated"], len(answerable)),
    }


def print_figures(figures: dict[str, float | None]) -> None:
    """One aligned line per figure; "n/a" where a figure does not apply."""
    for name, value in figures.items():
        if value is None:
            shown = "n/a"
        else:
            shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        print(f"{name:28} {shown}")


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def measure_cold_cli(index_dir: Path, runs: int = 3) -> dict[str, float]:
    """Wall time of a fresh `rag ask` process (imports, model load, one answer)."""
    command = [
        sys.executable,
        "-m",
        "cli",
        "ask",
        "When does the withdrawal end?",
        "--index",
        str(index_dir),
    ]
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
    return {"cold_rag_ask_s": statistics.median(walls)}


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m index.benchmark", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--corpus", type=Path, default=BENCH / "corpus.jsonl")
    parser.add_argument("--questions", type=Path, default=BENCH / "dev.jsonl")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--keep", type=Path, help="build the index here and keep it")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--queries-only", action="store_true", help="reuse the index given with --keep"
    )
    parser.add_argument(
        "--engines", action="store_true", help="only: the local pipeline beside --engine ray"
    )
    args = parser.parse_args(argv)
    settings = Settings()
    scratch = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    index_dir = args.keep or scratch / "index"
    try:
        figures: dict[str, float | None] = {}
        if args.engines:
            corpus = limited_corpus(args.corpus, args.limit, scratch)
            print_figures(dict(measure_engines(corpus, scratch, settings)))
            return 0
        if not args.queries_only:
            corpus = limited_corpus(args.corpus, args.limit, scratch)
            figures |= measure_ingestion(corpus, index_dir, settings)
        figures |= measure_queries(index_dir, args.questions, settings)
        figures |= measure_cold_cli(index_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_figures(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
