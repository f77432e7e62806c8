"""Fitting the passage ranking: what it learns, and how recall@k counts."""

from __future__ import annotations

import numpy as np

from eval.dataset import Item, load_dataset
from eval.passages import RECALL_AT, Candidates, fit, fused, recall
from rag import Assistant
from rag.retrieval.ranking import PASSAGE_FEATURES
from tests.conftest import ROOT


def _item(n: int, answerable: bool = True) -> Item:
    answers = ("Paris",) if answerable else ()
    return Item(f"20230101_{n}", "Which city?", answers, None, "2023-01-01", (), "", n + 1)


def _questions(n: int = 300, seed: int = 5) -> list[Candidates]:
    """Questions of 20 candidates each, one holding the answer: fusion places it anywhere,
    but it holds more of the question's words than the others."""
    rng = np.random.default_rng(seed)
    found = []
    for q in range(n):
        rows = np.zeros((20, len(PASSAGE_FEATURES)))
        rows[:, PASSAGE_FEATURES.index("fused_dated")] = rng.random(20)
        coverage = rng.random(20) * 0.6
        right = int(rng.integers(20))
        coverage[right] = 0.7 + 0.3 * rng.random()
        rows[:, PASSAGE_FEATURES.index("coverage")] = coverage
        labels = np.zeros(20)
        labels[right] = 1.0
        found.append(Candidates(_item(q), rows, labels))
    return found


def test_the_ranking_learns_what_marks_the_answer_bearing_passage() -> None:
    train, test = _questions(seed=5), _questions(seed=6)
    model = fit(train, "synthetic")
    learned, by_fusion = recall(test, model.score), recall(test, fused)
    assert learned[0] > 0.9 > by_fusion[0]
    assert max(model.importance) == model.importance[PASSAGE_FEATURES.index("coverage")]


def test_recall_counts_answerable_questions_and_the_best_a_ranking_could_do() -> None:
    rows = np.zeros((3, len(PASSAGE_FEATURES)))
    rows[:, PASSAGE_FEATURES.index("fused_dated")] = [0.3, 0.2, 0.1]
    found = [
        Candidates(_item(0), rows, np.array([0.0, 1.0, 0.0])),  # second by fusion
        Candidates(_item(1), rows, np.zeros(3)),  # no candidate holds the answer
        Candidates(_item(2, answerable=False), rows, np.zeros(3)),  # not counted
    ]
    figures = recall(found, fused)
    assert len(figures) == len(RECALL_AT) + 1
    assert figures == [0.0, 0.5, 0.5, 0.5]  # R@1, R@5, R@10, any candidate


def test_collect_labels_the_seeds_candidates_as_the_assistant_retrieves_them(
    assistant: Assistant,
) -> None:
    from eval.passages import collect

    dataset = load_dataset(ROOT / "eval" / "datasets" / "seeds.jsonl")
    items = [item for dialogue in dataset.dialogues for item in dialogue.items][:12]
    retriever = assistant.retriever
    found = collect(assistant, items, progress=False)
    assert assistant.retriever is retriever, "the assistant's own retriever is put back"
    assert [c.item.id for c in found] == [item.id for item in items]
    for c in found:
        assert c.features.shape == (len(c.labels), len(PASSAGE_FEATURES))
        if not c.item.answerable:
            assert not c.labels.any()
    withdrawal = next(c for c in found if c.item.id == "withdrawal-end")
    assert withdrawal.labels.any(), "a seed passage says September 11"
    assert 0 < withdrawal.labels.sum() < len(withdrawal.labels)
