"""How much BM25 should weigh in the hybrid's rank fusion, chosen by k-fold cross-validation.

    python -m eval.fusion --dataset ../shared/bench/realtimeqa/dev.jsonl --index DIR

Each answerable question is retrieved once as the assistant retrieves it (its question-time
words and `asked_on` included); the dense and BM25 candidates are then fused again for every
weight on the grid, which costs no model call. For each fold the weight with the best
answer recall@5 (then recall@1) on the other folds is scored on that fold: the printed
out-of-fold figures were never measured on the questions that chose them.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Sequence
from pathlib import Path

from eval import metrics
from eval.dataset import Item, load_dataset
from eval.passages import searches
from rag import Assistant, load_settings
from rag.retrieval.hybrid import HybridRetriever
from rag.retrieval.ranking import Searched
from rag.store.news_index import Snapshot

GRID = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


def _ranks(
    retriever: HybridRetriever,
    snapshot: Snapshot,
    cases: list[tuple[Item, Searched]],
    weight: float,
) -> list[int | None]:
    """First rank holding a gold answer (or None) per question, at `weight`."""
    retriever.lexical_weight = weight
    ranks = []
    for item, searched in cases:
        passages = retriever._fuse(snapshot, searched, 10)
        ranks.append(metrics.first_answer_rank([p.text for p in passages], item.answers))
    return ranks


def _recall(ranks: Sequence[int | None], k: int) -> float:
    return statistics.fmean(metrics.hit_at(rank, k) for rank in ranks)


def main(argv: Sequence[str] | None = None) -> int:
    """Collect each question's candidates, fuse at every weight, and cross-validate."""
    parser = argparse.ArgumentParser(prog="python -m eval.fusion", description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    settings = load_settings(index_dir=args.index)
    assistant = Assistant.open(args.index, settings)
    # The fusion alone ("rrf"): the weight is what is measured, not the learned ranking.
    fusion = HybridRetriever(assistant.index, assistant.embedder, settings.candidates, "rrf")
    items = [i for d in load_dataset(args.dataset).dialogues for i in d.items if i.answerable]
    cases = searches(assistant, items, progress=False)
    snapshot = assistant.index.snapshot()
    table = {weight: _ranks(fusion, snapshot, cases, weight) for weight in GRID}
    for weight, ranks in table.items():
        print(f"BM25 weight {weight:>4}: R@1 {_recall(ranks, 1):.3f}  R@5 {_recall(ranks, 5):.3f}")
    order = list(range(len(cases)))
    random.Random(0).shuffle(order)
    folds = [order[n :: args.folds] for n in range(args.folds)]
    held_out: list[int | None] = []
    for fold in folds:
        inside = set(fold)
        rest = [n for n in order if n not in inside]

        def fitness(weight: float, rest: list[int] = rest) -> tuple[float, float]:
            ranks = [table[weight][n] for n in rest]
            return _recall(ranks, 5), _recall(ranks, 1)

        chosen = max(GRID, key=fitness)
        held_out += [table[chosen][n] for n in fold]
        print(f"fold of {len(fold)}: weight {chosen} chosen on the other {len(rest)}")
    print(
        f"out of fold ({len(held_out)} answerable): R@1 {_recall(held_out, 1):.3f}  "
        f"R@5 {_recall(held_out, 5):.3f}  (weight 1.0: R@1 {_recall(table[1.0], 1):.3f}  "
        f"R@5 {_recall(table[1.0], 5):.3f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
