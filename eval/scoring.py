"""Per-question scores, and their summary overall and per question type (each with its `n`).

scores = score(item, run)              # one question
block = summarize(all_scores)          # {"answer_accuracy": 0.61, ..., "n": {...}}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval import metrics
from eval.dataset import Item
from eval.systems import DEPTH, Run
from rag.answers import Answer

RECALL_AT = (1, 5, 10)
# Where each question ends up, in the order a reader looks for the loss.
OUTCOMES = (
    "right",
    "not retrieved",  # no passage given to the answerer holds a gold answer
    "wrong sentence",  # retrieved, but the cited sentences do not hold it
    "wrong phrase",  # the cited sentence holds it, the short answer does not
    "wrong choice",  # the answer also names one of the quiz's wrong choices
    "abstained on answerable",
    "abstained (right)",  # unanswerable, and the answer said so
    "answered unanswerable",
)
STAGES = ("dense", "lexical", "fuse", "answer", "first_token", "generate", "verify", "total")


@dataclass(frozen=True)
class ItemScores:
    """Every measurement of one question; None where a metric does not apply to it."""

    type: str
    answerable: bool
    abstained: bool
    correct: bool | None  # answerable only
    f1: float | None  # answerable only
    answer_rank: int | None  # first ranked passage holding a gold answer
    source_rank: int | None  # first ranked passage from a source article
    has_sources: bool  # answerable with sources named
    citations: int
    correct_citations: int | None  # answered and answerable only
    timings: dict[str, float]
    confidence: float = 0.0  # the answer's own estimate of being right
    stage: str = ""  # where the question was won or lost: one of STAGES_OF_OUTCOME

    def flat(self) -> dict[str, Any]:
        """The per-question metrics under their summary names (for results.jsonl)."""
        answer_rank = self.answer_rank if self.answerable else None
        source_rank = self.source_rank if self.has_sources else None
        flat: dict[str, Any] = {"accuracy": _float(self.correct), "f1": self.f1}
        for k in RECALL_AT:
            flat[f"answer_recall@{k}"] = _maybe(metrics.hit_at, answer_rank, k, self.answerable)
            flat[f"source_hit@{k}"] = _maybe(metrics.hit_at, source_rank, k, self.has_sources)
        flat[f"mrr@{DEPTH}"] = _maybe(metrics.reciprocal_rank, source_rank, DEPTH, self.has_sources)
        flat["citations"] = self.citations
        flat["correct_citations"] = self.correct_citations
        flat["stage"] = self.stage
        return flat


def score(item: Item, run: Run) -> ItemScores:
    """Score one system's run on one question."""
    answer = run.answer
    answered = item.answerable and not answer.abstained
    ranked = run.ranked[:DEPTH]
    quotes = [c.quote for c in answer.citations]
    sources = item.sources if item.answerable and item.sources else ()
    correct, f1 = _graded(item, answer) if item.answerable else (None, None)
    answer_rank = metrics.first_answer_rank([p.text for p in ranked], item.answers)
    given = len(answer.passages) or 5
    return ItemScores(
        type=item.type,
        answerable=item.answerable,
        abstained=answer.abstained,
        correct=correct,
        f1=f1,
        answer_rank=answer_rank,
        source_rank=metrics.first_source_rank([p.doc_id for p in ranked], sources),
        has_sources=bool(sources),
        citations=len(quotes),
        correct_citations=metrics.correct_citations(quotes, item.answers) if answered else None,
        timings=dict(answer.timings),
        confidence=answer.confidence,
        stage=outcome(item, answer, correct, answer_rank, given),
    )


def outcome(
    item: Item, answer: Answer, correct: bool | None, answer_rank: int | None, given: int
) -> str:
    """Which of OUTCOMES the question met."""
    if not item.answerable:
        return "abstained (right)" if answer.abstained else "answered unanswerable"
    if correct:
        return "right"
    if answer.abstained:
        return "abstained on answerable"
    if answer_rank is None or answer_rank > given:
        return "not retrieved"
    quotes = " ".join(c.quote for c in answer.citations)
    if metrics.answer_correct(_graded_text(answer), item.answers):
        return "wrong choice"  # holds the gold answer, and a wrong choice beside it
    if any(metrics.contains(quotes, gold) for gold in item.answers):
        return "wrong phrase"
    return "wrong sentence"


def _graded_text(answer: Answer) -> str:
    """What an answer claims: its short answer when it has one, else its text."""
    return answer.short or metrics.strip_citations(answer.text)


def _graded(item: Item, answer: Answer) -> tuple[bool, float]:
    """Accuracy and F1 of an answer to an answerable question; an abstention scores 0."""
    if answer.abstained:
        return False, 0.0
    text = _graded_text(answer)
    correct = metrics.answer_correct(text, item.answers, item.choices)
    return correct, metrics.token_f1(text, item.answers) or 0.0


def summarize(scores: Sequence[ItemScores]) -> dict[str, Any]:
    """The summary block of `scores`: metrics, latency percentiles and `n` per metric."""
    graded = [s for s in scores if s.answerable]
    sourced = [s for s in scores if s.has_sources]
    answered = [s for s in graded if not s.abstained]
    abstained = [s.abstained for s in scores]
    unanswerable = [not s.answerable for s in scores]
    totals = [s.timings["total"] for s in scores if "total" in s.timings]
    block: dict[str, Any] = {
        "questions": len(scores),
        "answer_accuracy": metrics.mean([float(bool(s.correct)) for s in graded]),
        "answer_f1": metrics.mean([s.f1 or 0.0 for s in graded]),
    }
    for k in RECALL_AT:
        block[f"answer_recall@{k}"] = metrics.mean(
            [metrics.hit_at(s.answer_rank, k) for s in graded]
        )
    for k in RECALL_AT:
        block[f"source_hit@{k}"] = metrics.mean([metrics.hit_at(s.source_rank, k) for s in sourced])
    block[f"mrr@{DEPTH}"] = metrics.mean([metrics.reciprocal_rank(s.source_rank) for s in sourced])
    cited = sum(s.citations for s in answered)
    block["citation_precision"] = (
        sum(s.correct_citations or 0 for s in answered) / cited if cited else None
    )
    block["citation_support"] = metrics.mean([float(bool(s.correct_citations)) for s in answered])
    block["abstention_precision"] = metrics.abstention_precision(abstained, unanswerable)
    block["abstention_recall"] = metrics.abstention_recall(abstained, unanswerable)
    block["outcomes"] = {name: sum(s.stage == name for s in scores) for name in OUTCOMES}
    right = [bool(s.correct) and not s.abstained for s in scores]
    block["calibration"] = metrics.calibration([s.confidence for s in scores], right)
    block["latency_p50_s"] = metrics.percentile(totals, 50)
    block["latency_p95_s"] = metrics.percentile(totals, 95)
    block["latency_s"] = _stage_latency(scores)
    block["n"] = _counts(scores, graded, sourced, answered, cited)
    return block


def by_type(scores: Sequence[ItemScores]) -> dict[str, dict[str, Any]]:
    """A summary block per question type, types in alphabetical order."""
    types = sorted({s.type for s in scores})
    return {kind: summarize([s for s in scores if s.type == kind]) for kind in types}


def _stage_latency(scores: Sequence[ItemScores]) -> dict[str, dict[str, float | None]]:
    stages = [stage for stage in STAGES if any(stage in s.timings for s in scores)]
    latency = {}
    for stage in stages:
        values = [s.timings[stage] for s in scores if stage in s.timings]
        latency[stage] = {
            "p50": metrics.percentile(values, 50),
            "p95": metrics.percentile(values, 95),
        }
    return latency


def _counts(
    scores: Sequence[ItemScores],
    graded: Sequence[ItemScores],
    sourced: Sequence[ItemScores],
    answered: Sequence[ItemScores],
    cited: int,
) -> dict[str, int]:
    """How many questions (or citations) stand behind each metric."""
    n = {"answer_accuracy": len(graded), "answer_f1": len(graded)}
    n |= {f"answer_recall@{k}": len(graded) for k in RECALL_AT}
    n |= {f"source_hit@{k}": len(sourced) for k in RECALL_AT}
    n[f"mrr@{DEPTH}"] = len(sourced)
    n["citation_precision"] = cited  # citations, not questions
    n["citation_support"] = len(answered)
    n["abstention_precision"] = sum(s.abstained for s in scores)
    n["abstention_recall"] = sum(not s.answerable for s in scores)
    n["latency_p50_s"] = n["latency_p95_s"] = len(scores)
    return n


def _float(flag: bool | None) -> float | None:
    return None if flag is None else float(flag)


def _maybe(metric: Any, rank: int | None, k: int, applies: bool) -> float | None:
    return metric(rank, k) if applies else None
