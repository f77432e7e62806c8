"""`python -m eval`: score the assistant, and baselines beside it, on a set of questions.

    python -m eval run --dataset eval/datasets/seeds.jsonl --corpus seeds/ --baselines
    python -m eval run --dataset ../shared/bench/realtimeqa/dev.jsonl \\
        --corpus ../shared/bench/realtimeqa/corpus.jsonl --index /tmp/rtqa-index --baselines
    python -m eval bench --corpus seeds/ [--limit N] [--index DIR]

The one module of eval/ that imports index/: `--corpus` indexes the corpus (incrementally, so an
unchanged corpus costs a re-read), and `bench` reuses index.benchmark's measurements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eval.experiment import Experiment
    from rag.documents import Article

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path("artifacts") / "eval"
SEEDS_DATASET = ROOT / "eval" / "datasets" / "seeds.jsonl"


def build_parser() -> argparse.ArgumentParser:
    """Arguments of `run` and `bench`."""
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="answer every question of a dataset and score it")
    run.add_argument("--dataset", type=Path, required=True, metavar="FILE.jsonl")
    run.add_argument("--corpus", type=Path, metavar="PATH", help="index this corpus first")
    run.add_argument(
        "--index",
        type=Path,
        metavar="DIR",
        help=f"index folder (with --corpus: {ARTIFACTS}/"
        "<corpus>-index; else RAG_INDEX_DIR or .rag)",
    )
    run.add_argument("--answerer", metavar="NAME", help="answerer (default: RAG_ANSWERER)")
    run.add_argument("--top-k", type=int, metavar="K", help="passages given to the answerer")
    run.add_argument("--out", type=Path, metavar="DIR", help=f"default {ARTIFACTS}/<dataset>/")
    run.add_argument(
        "--baselines",
        action="store_true",
        help="also BM25 only, dense only, rank fusion alone, llama-index default",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    fit = commands.add_parser("fit", help="fit the short-answer model; cross-validated figures")
    fit.add_argument("--dataset", type=Path, required=True, metavar="FILE.jsonl")
    fit.add_argument("--corpus", type=Path, metavar="PATH", help="index this corpus first")
    fit.add_argument("--index", type=Path, metavar="DIR", help="index folder (as for run)")
    fit.add_argument("--folds", type=int, default=5, metavar="K", help="cross-validation folds")
    fit.add_argument(
        "--before",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="fit both answer models on the questions asked before this day and report on "
        "the rest (instead of --folds)",
    )
    fit.add_argument("--out", type=Path, metavar="DIR", help=f"default {ARTIFACTS}/<dataset>-cv/")
    fit.add_argument(
        "--save", action="store_true", help="fit on everything and write the shipped model"
    )
    fit.add_argument("--quiet", action="store_true", help="no progress bars")
    bench = commands.add_parser("bench", help="ingestion throughput and query latency")
    bench.add_argument("--corpus", type=Path, required=True, metavar="PATH")
    bench.add_argument("--limit", type=int, metavar="N", help="first N records of a .jsonl corpus")
    bench.add_argument(
        "--index", type=Path, metavar="DIR", help="build here (an existing index: queries only)"
    )
    bench.add_argument("--dataset", type=Path, default=SEEDS_DATASET, metavar="FILE.jsonl")
    commands.add_parser("dates", help="the relative-date table: correct / wrong / unresolved")
    dups = commands.add_parser("duplicates", help="republished-story groups; synthetic recall")
    dups.add_argument("--corpus", type=Path, required=True, metavar="PATH")
    dups.add_argument("--sample", type=int, default=300, help="articles copied (default 300)")
    dups.add_argument("--show", type=int, default=10, help="groups printed to inspect")
    dups.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; 1 when something failed."""
    args = build_parser().parse_args(argv)
    from eval import news_time
    from rag.errors import RagError
    from rag.offline import go_offline

    go_offline()
    try:
        commands = {
            "run": run,
            "fit": fit_model,
            "bench": bench,
            "dates": lambda _: news_time.dates_report(),
            "duplicates": lambda a: news_time.duplicates_report(a.corpus, a.sample, a.seed, a.show),
        }
        return commands[args.command](args)
    except RagError as error:
        print(f"eval: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def corpus_name(corpus: Path) -> str:
    """`seeds` for seeds/, `realtimeqa-corpus` for realtimeqa/corpus.jsonl."""
    corpus = corpus.resolve()
    return corpus.name if corpus.is_dir() else f"{corpus.parent.name}-{corpus.stem}"


def run(args: argparse.Namespace) -> int:
    """`python -m eval run`"""
    from eval.dataset import load_dataset
    from eval.experiment import Experiment
    from eval.report import table
    from rag.errors import ConfigError, InputError
    from rag.settings import load_settings

    if args.corpus and not args.corpus.exists():
        raise ConfigError(f"--corpus {args.corpus}: no such file or folder")
    index_dir = args.index
    if index_dir is None and args.corpus:
        index_dir = ARTIFACTS / f"{corpus_name(args.corpus)}-index"
    settings = load_settings(index_dir=index_dir, top_k=args.top_k, answerer=args.answerer)
    dataset = load_dataset(args.dataset)
    for problem in dataset.skipped:
        print(f"eval: skipped {problem}", file=sys.stderr)
    if not dataset.items:
        raise InputError(str(args.dataset), "no usable question; see the errors above")
    experiment = Experiment(settings, dataset, corpus=args.corpus, progress=not args.quiet)
    if args.corpus:
        print(_index_corpus(experiment, args.corpus, not args.quiet))
    articles = (lambda: _articles(args.corpus)) if args.corpus else None
    out = args.out or ARTIFACTS / args.dataset.stem
    summary = experiment.run(out, baselines=args.baselines, load_articles=articles)
    print(table(summary))
    print(f"→ {out}/summary.json, report.md, results*.jsonl, *.png")
    return 0


def fit_model(args: argparse.Namespace) -> int:
    """`python -m eval fit`: cross-validated figures of the short-answer model, and --save."""
    from eval.cross_validation import cross_validated_run
    from eval.dataset import load_dataset
    from eval.experiment import Experiment
    from eval.report import table
    from rag.settings import load_settings

    index_dir = args.index
    if index_dir is None and args.corpus:
        index_dir = ARTIFACTS / f"{corpus_name(args.corpus)}-index"
    settings = load_settings(index_dir=index_dir)
    dataset = load_dataset(args.dataset)
    experiment = Experiment(settings, dataset, corpus=args.corpus, progress=not args.quiet)
    if args.corpus:
        print(_index_corpus(experiment, args.corpus, not args.quiet))
    if args.before is not None:
        from eval.held_out import held_out_run

        out = args.out or ARTIFACTS / f"{args.dataset.stem}-from-{args.before}"
        summary = held_out_run(experiment, out, args.before, args.save)
    else:
        out = args.out or ARTIFACTS / f"{args.dataset.stem}-cv"
        summary = cross_validated_run(experiment, out, args.folds, args.save)
    print(table(summary))
    print(f"→ {out}/summary.json, report.md, results.jsonl, *.png")
    return 0


def _index_corpus(experiment: Experiment, corpus: Path, progress: bool) -> str:
    from index.pipeline import index_paths

    settings = experiment.settings
    report = index_paths([corpus], settings.index_dir, settings, experiment.model, progress)
    # Bad records (e.g. empty texts) are skipped by the indexer: normal for scraped corpora.
    return f"{report.summary()} → {settings.index_dir}"


def _articles(corpus: Path) -> Iterator[Article]:
    from index.loaders import load_articles
    from rag.documents import Article

    return (item for item in load_articles([corpus]) if isinstance(item, Article))


def bench(args: argparse.Namespace) -> int:
    """`python -m eval bench`: index.benchmark's figures for the corpus named."""
    import json

    from eval.dataset import load_dataset
    from index.benchmark import limited_corpus, measure_ingestion, measure_queries, print_figures
    from rag.errors import ConfigError
    from rag.settings import load_settings

    if args.limit and args.corpus.suffix != ".jsonl":
        raise ConfigError(f"--limit takes the first N lines of a .jsonl corpus, not {args.corpus}")
    settings = load_settings()
    figures: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="eval-bench-") as scratch:
        folder = Path(scratch)
        index_dir = args.index or folder / "index"
        if (index_dir / "chroma").is_dir():
            print(f"eval: {index_dir} already holds an index: measuring queries only")
        else:
            corpus = limited_corpus(args.corpus, args.limit, folder)
            figures |= measure_ingestion(corpus, index_dir, settings)
        questions = folder / "questions.jsonl"
        items = load_dataset(args.dataset).items
        records = [
            {"question": i.question, "asked_on": i.asked_on, "docs_containing_answer": i.sources}
            for i in items
        ]
        questions.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
        figures |= measure_queries(index_dir, questions, settings)
    print_figures(figures)
    return 0
