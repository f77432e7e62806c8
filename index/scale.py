"""The scale curve: one index grown through 2022 and 2023–2025 news, measured at each size.

    python -m index.scale --keep /tmp/scale                       # ≈5k, 25k, 100k, 300k passages
    python -m index.scale --points 5000,25000 --keep /tmp/small   # a quick curve

At each point: ingestion of the step that reached it (passages/s, and the bare model on a
sample of the same step's passages in the same process, so their ratio is the pipeline's
overhead; where the time went), peak RSS while indexing, disk bytes per passage, and, in a
fresh process, what serving costs (cold open, BM25 load and rebuild, warm `ask` p50/p95 over
dev questions, serving RSS), cold `rag ask`, and adding one article with `rag index`.
Figures print as they come, go to `--json` and are drawn into `--plot`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "realtimeqa"
CORPORA = (BENCH / "corpus.jsonl", BENCH / "corpus-2023-2025.jsonl.gz")
POINTS = (5_000, 25_000, 100_000, 300_000)
SAMPLE = 1_500  # passages of a step the bare model embeds for the ratio
TARGETS = {  # issue 12, at 300k passages
    "ask_p50_ms": 100,
    "ask_p95_ms": 200,
    "peak_rss_indexing_mib": 3 * 1024,
    "serving_rss_mib": 2 * 1024,
    "add_one_article_s": 5,
    "cold_rag_ask_s": 3,
}


def records(corpora: tuple[Path, ...]) -> Iterator[str]:
    """The JSON Lines of every corpus in turn (gzipped ones decompressed as read)."""
    for corpus in corpora:
        opener = gzip.open if corpus.name.endswith(".gz") else open
        with opener(corpus, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8") as lines:
            yield from (line for line in lines if line.strip())


def grow(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Index the corpora step by step, measuring at each point; the figures per point."""
    from index.chunker import Chunker
    from index.loaders import load_articles
    from rag.documents import searchable_text
    from rag.embedder import SentenceEmbedder
    from rag.settings import Settings
    from rag.store.news_index import NewsIndex

    settings = Settings()
    embedder = SentenceEmbedder(
        settings.embed_model, settings.embed_dtype, settings.embed_batch_size
    )
    embedder.embed(["warm the model outside every timing"])
    chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)
    index_dir, work = args.keep / "index", args.keep / "steps"
    shutil.rmtree(args.keep, ignore_errors=True)
    work.mkdir(parents=True)
    stream = records(tuple(args.corpus))
    passages, per_article = 0, 12.0
    curve: list[dict[str, Any]] = []
    for point in args.points:
        step, step_chunks, step_seconds, stages = (
            0,
            0,
            0.0,
            dict.fromkeys(("prepare", "embed", "store", "publish"), 0.0),
        )
        sample: list[str] = []
        seen, chooser = 0, random.Random(0)
        peak, offset, timeline, failed = 0.0, 0.0, [], 0
        while passages < 0.98 * point:
            wanted = max(20, int((point - passages) / per_article))
            lines = [line for _, line in zip(range(wanted), stream, strict=False)]
            if not lines:
                break
            part = work / f"step-{len(curve)}-{step}.jsonl"
            part.write_text("".join(lines), encoding="utf-8")
            report = index_step(part, index_dir, args.progress)
            step += 1
            step_chunks += report["chunks_embedded"]
            step_seconds += report["seconds"]
            for stage, seconds in report["stages"].items():
                stages[stage] += seconds
            peak = max(peak, report["peak_rss_mib"])
            failed += report["failed"]
            timeline += [[round(offset + t, 1), mib] for t, mib in report["rss"]]
            offset = timeline[-1][0] if timeline else offset
            for article in load_articles([part], settings.max_article_chars):
                if isinstance(article, Exception):
                    continue
                for chunk in chunker.chunk(article):  # a reservoir: memory stays flat
                    seen += 1
                    slot = chooser.randrange(seen) if seen > SAMPLE else len(sample)
                    if slot < SAMPLE:
                        text = searchable_text(article.title, chunk.text)
                        sample[slot : slot + 1] = [text]
            catalog = NewsIndex.open(index_dir).articles()
            passages = sum(len(info.chunk_ids) for info in catalog.values())
            per_article = passages / max(len(catalog), 1)
        started = time.perf_counter()
        embedder.embed(sample)
        bare = len(sample) / (time.perf_counter() - started)
        rate = step_chunks / step_seconds if step_seconds else 0.0
        figures: dict[str, Any] = {
            "passages": passages,
            "articles": len(catalog),
            "step_passages": step_chunks,
            "ingest_passages_per_s": rate,
            "bare_model_passages_per_s": bare,
            "ratio": rate / bare if bare else None,
            "failed_articles": failed,
            **{f"step_{k}_s": v for k, v in stages.items()},
            "peak_rss_indexing_mib": peak,
            **disk(index_dir, passages),
            **serving(index_dir, args.questions, args.count),
            "cold_rag_ask_s": cold_ask(index_dir),
            "add_one_article_s": add_one(index_dir, next(stream, None), work),
        }
        show(figures)
        figures["rss_indexing_mib"] = timeline  # [seconds into the step, MiB], every second
        curve.append(figures)
        if args.json:
            args.json.write_text(json.dumps(curve, indent=2), encoding="utf-8")
        if args.plot:
            draw(curve, args.plot)
        if args.copies:
            shutil.copytree(index_dir, args.keep / f"at-{passages}")
        if passages < 0.98 * point:
            break  # the corpora ran out
    return curve


def index_step(part: Path, index_dir: Path, progress: bool) -> dict[str, Any]:
    """Index `part` as `rag index` would, in a fresh process (`--step`), and sample its
    resident memory every second: the peak is the indexer's alone, not this harness's (its
    bare-model sample, the catalogs it reads between steps)."""
    command = [sys.executable, "-m", "index.scale", "--step", str(part), "--index", str(index_dir)]
    if progress:
        command.append("--progress")
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    status, started, rss = Path(f"/proc/{child.pid}/status"), time.perf_counter(), []
    while child.poll() is None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            # A child that has exited but is not yet reaped has a status without VmRSS.
            lines = [x for x in status.read_text().splitlines() if x.startswith("VmRSS:")]
            if lines:
                mib = int(lines[0].split()[1]) // 1024
                rss.append([round(time.perf_counter() - started, 1), mib])
        time.sleep(1.0)
    out, _ = child.communicate()
    if child.returncode:
        raise SystemExit(f"indexing {part} failed (exit {child.returncode})")
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    report["rss"] = rss
    return report


def step(part: Path, index_dir: Path, progress: bool) -> dict[str, Any]:
    """`--step`: index one part with a warmed model; the report and this process's peak."""
    from index.pipeline import index_paths
    from rag.embedder import SentenceEmbedder
    from rag.settings import Settings

    settings = Settings()
    embedder = SentenceEmbedder(
        settings.embed_model, settings.embed_dtype, settings.embed_batch_size
    )
    embedder.embed(["warm the model outside every timing"])
    report = index_paths([part], index_dir, settings, embedder, progress=progress)
    for failure in report.failed:
        print(f"skipped: {failure}", file=sys.stderr)
    return {
        "failed": len(report.failed),
        "seconds": report.seconds,
        "chunks_embedded": report.chunks_embedded,
        "stages": report.stages,
        "peak_rss_mib": peak_rss_mib(),
    }


def peak_rss_mib() -> float:
    """This process's peak resident memory. Not `ru_maxrss`: after fork and exec that still
    counts the parent's peak, so a child measured by it would report the indexer's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def remeasure(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Measure serving again on the copies `--copies` kept (after a change to the query path),
    replacing those figures in `--json`."""
    curve = json.loads(args.json.read_text(encoding="utf-8"))
    for figures in curve:
        copy = args.keep / f"at-{figures['passages']}"
        if not copy.is_dir():
            continue
        figures |= serving(copy, args.questions, args.count)
        figures["cold_rag_ask_s"] = cold_ask(copy)
        figures["add_one_article_s"] = add_one(copy, None, args.keep)
        show(figures)
    args.json.write_text(json.dumps(curve, indent=2), encoding="utf-8")
    if args.plot:
        draw(curve, args.plot)
    return curve


def disk(index_dir: Path, passages: int) -> dict[str, float]:
    """Bytes on disk per passage: all of it, and the Chroma store's share."""
    total = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
    chroma = sum(f.stat().st_size for f in (index_dir / "chroma").rglob("*") if f.is_file())
    return {
        "disk_mib": total / 2**20,
        "disk_bytes_per_passage": total / max(passages, 1),
        "chroma_bytes_per_passage": chroma / max(passages, 1),
    }


def serving(index_dir: Path, questions: Path, count: int) -> dict[str, float]:
    """What a fresh serving process costs on this index (`--serve`, in a subprocess)."""
    command = [sys.executable, "-m", "index.scale", "--serve", str(index_dir)]
    command += ["--questions", str(questions), "--count", str(count)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve(index_dir: Path, questions: Path, count: int) -> dict[str, float]:
    """Open the index cold, answer `count` dev questions warm, then rebuild BM25 once."""
    from rag import Assistant, Settings
    from rag.retrieval.lexical import LexicalIndex
    from rag.store.news_index import NewsIndex

    started = time.perf_counter()
    LexicalIndex.load(index_dir / "derived" / "bm25")  # alone, then dropped
    bm25_load = time.perf_counter() - started
    started = time.perf_counter()
    index = NewsIndex.open(index_dir)
    snapshot = index.snapshot()  # catalog and BM25 read from disk
    opened = time.perf_counter() - started
    assistant = Assistant(index, Settings())
    lines = [json.loads(line) for line in questions.open(encoding="utf-8") if line.strip()]
    chosen = random.Random(0).sample(lines, min(count, len(lines)))
    started = time.perf_counter()
    assistant.ask(chosen[0]["question"], as_of=chosen[0].get("asked_on"))
    first = time.perf_counter() - started
    totals = []
    for record in chosen:
        answer = assistant.ask(record["question"], as_of=record.get("asked_on"))
        totals.append(answer.timings["total"])
    rss = peak_rss_mib()
    lexical = snapshot.lexical
    lexical.tokens()  # read, so that the rebuild alone is timed
    started = time.perf_counter()
    lexical.rebuilt()
    build = time.perf_counter() - started
    ordered = sorted(totals)
    return {
        "open_index_s": opened,
        "bm25_load_s": bm25_load,
        "bm25_build_s": build,
        "first_ask_s": first,
        "ask_p50_ms": 1000 * statistics.median(totals),
        "ask_p95_ms": 1000 * ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "serving_rss_mib": rss,
    }


def cold_ask(index_dir: Path, runs: int = 3) -> float:
    """Median wall time of a fresh `rag ask` process."""
    command = [sys.executable, "-m", "cli", "ask", "When does the withdrawal end?"]
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*command, "--index", str(index_dir)], check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def add_one(index_dir: Path, line: str | None, work: Path) -> float | None:
    """Wall time of `rag index` adding the stream's next article in a fresh process (past the
    end of the stream: the first article again under a new id, as a republished copy)."""
    if line is None:
        record = json.loads(next(records(CORPORA)))
        record["id"] = f"{record.get('id', 'article')}-again-{time.time_ns()}"
        line = json.dumps(record) + "\n"
    one = work / "one.jsonl"
    one.write_text(line, encoding="utf-8")
    started = time.perf_counter()
    command = [sys.executable, "-m", "cli", "index", str(one), "--index", str(index_dir)]
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def show(figures: dict[str, Any]) -> None:
    """The point's figures, one aligned line each."""
    print(f"--- {figures['passages']:,} passages", flush=True)
    for name, value in figures.items():
        shown = "n/a" if value is None else f"{value:,.3f}" if isinstance(value, float) else value
        print(f"{name:28} {shown}", flush=True)


LABELS = {
    "ingest_passages_per_s": "pipeline",
    "bare_model_passages_per_s": "bare model, same passages",
    "ratio": "pipeline ÷ bare model",
    "peak_rss_indexing_mib": "indexing (peak)",
    "serving_rss_mib": "serving (peak)",
    "disk_bytes_per_passage": "whole index",
    "chroma_bytes_per_passage": "Chroma store",
    "ask_p50_ms": "p50",
    "ask_p95_ms": "p95",
    "bm25_build_s": "BM25 build",
    "bm25_load_s": "BM25 load",
    "cold_rag_ask_s": "cold `rag ask`",
    "add_one_article_s": "add one article",
}


def draw(curve: list[dict[str, Any]], path: Path) -> None:
    """Each figure against passages (log scale), with issue 12's targets dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [p["passages"] for p in curve]
    panels = (
        ("Ingestion (passages/s)", ("ingest_passages_per_s", "bare_model_passages_per_s")),
        ("Pipeline ÷ bare model", ("ratio",)),
        ("Peak RSS (MiB)", ("peak_rss_indexing_mib", "serving_rss_mib")),
        ("Disk (bytes per passage)", ("disk_bytes_per_passage", "chroma_bytes_per_passage")),
        ("Warm ask (ms)", ("ask_p50_ms", "ask_p95_ms")),
        ("Seconds", ("bm25_build_s", "bm25_load_s", "cold_rag_ask_s", "add_one_article_s")),
    )
    figure = plt.figure(figsize=(15, 12))
    grid = figure.add_gridspec(3, 3)
    axes = [figure.add_subplot(grid[row, column]) for row in range(2) for column in range(3)]
    for axis, (title, names) in zip(axes, panels, strict=True):
        for name in names:
            y = [p.get(name) for p in curve]
            shown = [(a, b) for a, b in zip(x, y, strict=True) if b is not None]
            (line,) = (
                axis.plot(*zip(*shown, strict=True), marker="o", label=LABELS.get(name, name))
                if shown
                else (None,)
            )
            if line is not None and name in TARGETS:
                axis.axhline(TARGETS[name], linestyle="--", color=line.get_color(), alpha=0.6)
        if names == ("ratio",):
            axis.axhline(0.95, linestyle="--", color="grey", alpha=0.6)
        axis.set_xscale("log")
        axis.set_xticks(x, [f"{n / 1000:.{0 if n >= 10_000 else 1}f}k" for n in x])
        axis.minorticks_off()
        axis.set_title(title)
        axis.set_xlabel("passages indexed")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    memory = figure.add_subplot(grid[2, :])  # is memory flat through each step's ingest?
    for point in curve:
        if point.get("rss_indexing_mib"):
            seconds, mib = zip(*point["rss_indexing_mib"], strict=True)
            memory.plot(seconds, mib, linewidth=0.8, label=f"step to {point['passages']:,}")
    memory.axhline(TARGETS["peak_rss_indexing_mib"], linestyle="--", color="grey", alpha=0.6)
    memory.set_title("RSS of `rag index` through each step (sampled every second)")
    memory.set_xlabel("seconds into the step")
    memory.set_ylabel("MiB")
    memory.grid(alpha=0.3)
    memory.legend(fontsize=8)
    figure.suptitle("Scale curve (dashed: issue 12 targets at 300k passages)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


ROWS = (
    ("passages (articles)", lambda p: f"{p['passages']:,} ({p['articles']:,})"),
    (
        "ingestion: pipeline / bare model",
        lambda p: (
            f"{p['ingest_passages_per_s']:.0f} / {p['bare_model_passages_per_s']:.0f} "
            f"passages/s ({p['ratio']:.2f})"
        ),
    ),
    (
        "  where the step's time went",
        lambda p: " · ".join(
            f"{k} {p[f'step_{k}_s']:.0f} s" for k in ("embed", "prepare", "store", "publish")
        ),
    ),
    (
        "peak RSS indexing / serving",
        lambda p: (
            f"{p['peak_rss_indexing_mib'] / 1024:.2f} / {p['serving_rss_mib'] / 1024:.2f} GiB"
        ),
    ),
    (
        "disk per passage (Chroma)",
        lambda p: (
            f"{p['disk_bytes_per_passage'] / 1024:.1f} KiB "
            f"({p['chroma_bytes_per_passage'] / 1024:.1f})"
        ),
    ),
    ("warm ask p50 / p95", lambda p: f"{p['ask_p50_ms']:.0f} / {p['ask_p95_ms']:.0f} ms"),
    ("BM25 build / load", lambda p: f"{p['bm25_build_s']:.2f} / {p['bm25_load_s']:.2f} s"),
    (
        "open index / cold `rag ask`",
        lambda p: f"{p['open_index_s']:.2f} / {p['cold_rag_ask_s']:.2f} s",
    ),
    (
        "add one article (`rag index`)",
        lambda p: (
            "n/a" if p.get("add_one_article_s") is None else f"{p['add_one_article_s']:.1f} s"
        ),
    ),
)


def _cell(cell: Any, point: dict[str, Any]) -> str:
    try:
        return str(cell(point))
    except (TypeError, KeyError):
        return "n/a"  # not measured at this point


def markdown(curve: list[dict[str, Any]]) -> str:
    """The curve as a Markdown table, one column per point (for the README)."""
    lines = ["| | " + " | ".join(f"{p['passages'] / 1000:.0f}k" for p in curve) + " |"]
    lines.append("| --- |" + " ---: |" * len(curve))
    for label, cell in ROWS:
        lines.append(f"| {label} | " + " | ".join(_cell(cell, p) for p in curve) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Grow the index and print the curve (or, with --serve, one serving measurement)."""
    parser = argparse.ArgumentParser(
        prog="python -m index.scale", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--keep", type=Path, default=Path("/tmp/rag-scale"), help="work folder")
    parser.add_argument("--corpus", type=Path, action="append", help="default: both corpora")
    parser.add_argument("--questions", type=Path, default=BENCH / "dev.jsonl")
    parser.add_argument("--count", type=int, default=200, help="warm questions per point")
    parser.add_argument("--points", default=",".join(map(str, POINTS)))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--copies", action="store_true", help="keep a copy of each point")
    parser.add_argument("--progress", action="store_true", help="a bar per step")
    parser.add_argument(
        "--remeasure", action="store_true", help="serving figures again on the kept copies"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print --json's curve as a Markdown table"
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--step", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(step(args.step, args.index, args.progress)))
        return 0
    if args.serve:
        print(json.dumps(serve(args.serve, args.questions, args.count)))
        return 0
    args.corpus = args.corpus or list(CORPORA)
    args.points = [int(p) for p in args.points.split(",")]
    if args.markdown:
        print(markdown(json.loads(args.json.read_text(encoding="utf-8"))))
    elif args.remeasure:
        remeasure(args)
    else:
        grow(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
