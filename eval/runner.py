"""Ask the systems every question of a dataset, conversations in order; score each answer.

results = evaluate(system, dataset.dialogues)
write_results(results, Path("artifacts/eval/seeds/results.jsonl"))
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.dataset import Dialogue, Item
from eval.scoring import ItemScores, score
from eval.systems import Run, System
from rag.conversation import Message, exchange

WARM_UP = "What happened?"  # loads the model, BM25 and Chroma before the clock matters


@dataclass(frozen=True)
class ItemResult:
    """One question as a system handled it: the item, the run and its scores."""

    item: Item
    run: Run
    scores: ItemScores

    def record(self) -> dict[str, Any]:
        """The line of results.jsonl: answer, citations, ranking, scores and timings."""
        item, answer = self.item, self.run.answer
        return {
            "id": item.id,
            "type": item.type,
            "question": item.question,
            "answers": list(item.answers),
            "answerable": item.answerable,
            "sources": None if item.sources is None else list(item.sources),
            "asked_on": item.asked_on,
            "answer": answer.text,
            "abstained": answer.abstained,
            "confidence": round(answer.confidence, 4),
            "citations": [asdict(citation) for citation in answer.citations],
            "sentences": [asdict(sentence) for sentence in answer.sentences],
            "answer_doc_ids": [p.doc_id for p in answer.passages],
            "retrieved_doc_ids": [p.doc_id for p in self.run.ranked],
            "retrieved_chunk_ids": [p.chunk_id for p in self.run.ranked],
            "scores": self.scores.flat(),
            "timings": {stage: round(seconds, 5) for stage, seconds in answer.timings.items()},
        }


def evaluate(
    systems: Sequence[System], dialogues: Sequence[Dialogue], progress: bool = True
) -> dict[str, list[ItemResult]]:
    """Every item of `dialogues` asked of each system, by system name, in dataset order.

    The systems take turns dialogue by dialogue, a different one first each time: the first
    embedding of each new input shape costs PyTorch ~100 ms more on this CPU, and running the
    systems one after another would charge all of that to whichever ran first.
    """
    from tqdm import tqdm

    for system in systems:
        system.run(WARM_UP, [], None)
    results: dict[str, list[ItemResult]] = {system.name: [] for system in systems}
    total = len(systems) * sum(len(d.items) for d in dialogues)
    with tqdm(total=total, desc="Evaluating", unit=" answers", disable=not progress) as bar:
        for number, dialogue in enumerate(dialogues):
            first = number % len(systems)
            for system in [*systems[first:], *systems[:first]]:
                results[system.name] += converse(system, dialogue)
                bar.update(len(dialogue.items))
    return results


def converse(system: System, dialogue: Dialogue) -> list[ItemResult]:
    """Ask the dialogue's items in order, each with the earlier questions and answers."""
    history: list[Message] = []
    results = []
    for item in dialogue.items:
        run = system.run(item.question, history, item.asked_on)
        results.append(ItemResult(item, run, score(item, run)))
        history += exchange(item.question, run.answer.text)
    return results


def write_results(results: Sequence[ItemResult], path: Path) -> None:
    """One JSON line per question."""
    with path.open("w", encoding="utf-8") as out:
        for result in results:
            out.write(json.dumps(result.record(), ensure_ascii=False) + "\n")
