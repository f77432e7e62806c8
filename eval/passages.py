"""Fit the passage ranking (rag.retrieval.ranking) on the questions asked before a day, and
measure it against rank fusion on the questions asked from that day on.

    python -m eval.passages --dataset ../shared/bench/realtimeqa/dev-2023-2025.jsonl \\
        --index DIR --before 2025-01-01 [--save] [--report dev.jsonl:DIR]

Each question is retrieved once as the assistant retrieves it (its time words and
`asked_on` included). Every candidate of both searches becomes a row of PASSAGE_FEATURES,
labelled 1 when its text holds a gold answer (as answer recall@k counts it). LightGBM
learns to rank each question's rows (lambdarank), over the questions with a labelled row
among their candidates. The figures printed — answer recall@1/5/10 by rank fusion and by
the fitted ranking, and the share a perfect ranking of the same candidates would reach —
are measured on the later questions, and on each `--report` dataset over its own index:
never on the questions fitted. `--save` writes the shipped model
(`rag/retrieval/passage_model.json`); fit the answer models again after it
(`python -m eval fit`), since their features include each passage's rank.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval import metrics
from eval.dataset import Item, load_dataset
from eval.fit import RANKER as ANSWER_RANKER
from eval.fit import fit_trees
from rag import Assistant, load_settings
from rag.retrieval.hybrid import HybridRetriever
from rag.retrieval.ranking import PASSAGE_FEATURES, PassageModel, Searched, passage_features

# Small trees, slowly learnt, each leaf from at least 50 passages; the same trees every run:
# the short-answer ranker's settings (tried against others: eval/README.md, stop 31).
RANKER = {key: value for key, value in ANSWER_RANKER.items() if key != "monotone_constraints"}
RECALL_AT = (1, 5, 10)


@dataclass(frozen=True)
class Candidates:
    """One question's candidate passages: their features, and which hold a gold answer."""

    item: Item
    features: np.ndarray  # (candidates, len(PASSAGE_FEATURES))
    labels: np.ndarray


def searches(
    assistant: Assistant, items: Sequence[Item], progress: bool = True
) -> list[tuple[Item, Searched]]:
    """What both searches found for each item, retrieved as the assistant retrieves (its
    time words and `asked_on` read) but ranked by the fusion alone: the shipped ranking may
    have been fitted on other features, and its order is not what is measured or fitted."""
    from tqdm import tqdm

    retriever = assistant.retriever
    assistant.retriever = HybridRetriever(
        assistant.index, assistant.embedder, retriever.candidates, "rrf", retriever.lexical_weight
    )
    found = []
    try:
        for item in tqdm(items, desc="Searches", unit=" questions", disable=not progress):
            retrieval, _, _ = assistant._retrieve(
                item.question, item.question, item.asked_on, None, None
            )
            assert retrieval.searched is not None
            found.append((item, retrieval.searched))
    finally:
        assistant.retriever = retriever
    return found


def collect(assistant: Assistant, items: Sequence[Item], progress: bool = True) -> list[Candidates]:
    """The candidate rows of every item, retrieved as the assistant retrieves."""
    lexical_weight = assistant.retriever.lexical_weight
    snapshot = assistant.index.snapshot()
    found = []
    for item, searched in searches(assistant, items, progress):
        chunk_ids = HybridRetriever.candidates_of(snapshot, searched)
        rows = passage_features(snapshot, searched, chunk_ids, lexical_weight)
        if rows is None:
            raise RuntimeError(f"{assistant.index.folder} has lost its BM25 terms; rebuild it")
        texts = {chunk.id: chunk.text for chunk in assistant.index.store.get(chunk_ids)}
        labels = np.array(
            [
                float(
                    item.answerable
                    and any(metrics.contains(texts.get(c, ""), a) for a in item.answers)
                )
                for c in chunk_ids
            ]
        )
        found.append(Candidates(item, rows, labels))
    return found


def fit(found: Sequence[Candidates], about: str = "") -> PassageModel:
    """A lambdarank ranking of the candidates of the questions that have a labelled one."""
    useful = [c for c in found if c.labels.any()]
    trees, importance = fit_trees([c.features for c in useful], [c.labels for c in useful], RANKER)
    return PassageModel(trees, about, importance)


def recall(found: Sequence[Candidates], score: Callable[[np.ndarray], np.ndarray]) -> list[float]:
    """Answer recall@k (RECALL_AT) over the answerable questions, candidates ranked by
    `score`, then the share with any labelled candidate (a perfect ranking's)."""
    answerable = [c for c in found if c.item.answerable]
    hits = np.zeros(len(RECALL_AT) + 1)
    for c in answerable:
        if not len(c.labels):
            continue
        order = np.argsort(-score(c.features), kind="stable")
        hits[:-1] += [bool(c.labels[order[:k]].any()) for k in RECALL_AT]
        hits[-1] += bool(c.labels.any())
    return (hits / max(len(answerable), 1)).tolist()


def fused(features: np.ndarray) -> np.ndarray:
    """The rank fusion's score of each row: the ranking before the learned one."""
    return features[:, PASSAGE_FEATURES.index("fused_dated")]


def main(argv: Sequence[str] | None = None) -> int:
    """Collect, fit on the earlier questions, print recall on the later ones and --report."""
    parser = argparse.ArgumentParser(prog="python -m eval.passages", description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--before", type=dt.date.fromisoformat, required=True)
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="DATASET:INDEX",
        help="also measure on this dataset over its own index",
    )
    parser.add_argument("--save", action="store_true", help="write the shipped model")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    from rag.offline import go_offline

    go_offline()
    assistant = Assistant.open(args.index, load_settings(index_dir=args.index))
    items = [i for d in load_dataset(args.dataset).dialogues for i in d.items]
    day = args.before.isoformat()
    found = collect(assistant, items, not args.quiet)
    earlier = [c for c in found if (c.item.asked_on or "") < day]
    later = [c for c in found if (c.item.asked_on or "") >= day]
    about = (
        f"fitted by `python -m eval.passages` on {args.dataset.name} asked before {day} "
        f"({len(earlier)} questions) over {args.index}, {dt.date.today().isoformat()}"
    )
    model = fit(earlier, about)
    measured = [(f"{args.dataset.name} from {day} ({len(later)} q)", later)]
    for spec in args.report:
        dataset, index = spec.rsplit(":", 1)
        other = Assistant.open(Path(index), load_settings(index_dir=Path(index)))
        report_items = [i for d in load_dataset(Path(dataset)).dialogues for i in d.items]
        measured.append(
            (
                f"{Path(dataset).name} ({len(report_items)} q)",
                collect(other, report_items, not args.quiet),
            )
        )
    heads = " | ".join(f"R@{k}" for k in RECALL_AT)
    print(f"| questions | ranking | {heads} | any candidate |")
    print("|---|---|" + "---:|" * (len(RECALL_AT) + 1))
    for name, group in measured:
        for label, score in (("rank fusion", fused), ("learned", model.score)):
            figures = " | ".join(f"{v:.3f}" for v in recall(group, score))
            print(f"| {name} | {label} | {figures} |")
    shares = sorted(zip(PASSAGE_FEATURES, model.importance, strict=True), key=lambda p: -p[1])
    print("gain: " + ", ".join(f"{name} {share:.3f}" for name, share in shares if share > 0))
    if args.save:
        model.save()
        print("→ rag/retrieval/passage_model.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
