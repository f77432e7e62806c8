"""Fit the short-answer model (rag.answering.short.SpanModel) on a dataset, and measure it
on questions it was not fitted to.

    python -m eval fit --dataset ../shared/bench/realtimeqa/dev.jsonl --index /tmp/rtqa-index \\
        --folds 5 [--save]

Every candidate phrase of every question becomes a row of features, labelled 1 when it is a
right answer (`metrics.answer_correct`, choices included). LightGBM learns to rank each
question's rows (lambdarank: the right phrase first); the best phrase's score and lead are
then calibrated into a chance, and it is stated as the short answer when that chance is at
least 0.5 (below that the answerer quotes sentences, or abstains). With `--folds K` the questions
are split by quiz week (ids `20220610_3` share week `20220610`) into K groups: each group is
answered by a model fitted on the others, so the figures printed are never measured on the
questions the weights saw. `--save` fits once more on everything and writes the model that
ships (`rag/answering/span_model.json`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from eval import metrics
from eval.dataset import Item
from rag.answering.confidence import SIGNALS, ConfidenceModel, Signals
from rag.answering.short import FEATURES, SpanModel
from rag.answers import Passage
from rag.assistant import Assistant
from rag.conversation import standalone_question
from rag.time.dates import parse_as_of
from rag.trees import Trees

C = 1.0  # inverse regularisation strength of the logistic regressions
# The phrase ranking: small trees, slowly learnt, each leaf from at least 50 phrases; the
# same trees every run. Fitted on the 2023–24 weeks at stop 27, the right phrase came first
# for 136 of 385 answerable 2025 questions and 109 of 285 on dev (the logistic model it
# replaced: 116 and 94; in a trial on the same new features, lambdarank beat a logistic
# model by ~7 each). A phrase of a better-ranked passage never scores lower, all else equal:
# the ranking already holds the date preference (as_of), which the trees must not undo.
RANKER: dict[str, Any] = {
    "objective": "lambdarank",
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 7,
    "min_child_samples": 50,
    "deterministic": True,
    "force_row_wise": True,
    "random_state": 0,
    "verbose": -1,
    "monotone_constraints": [int(name == "passage_rank") for name in FEATURES],
}
# An abstention should be right this often (issue 10: abstention precision ≥ 0.8); the
# threshold abstains as often as that allows.
ABSTAIN_PRECISION = 0.8
MIN_ABSTENTIONS = 20  # the first few lowest chances alone say nothing about a precision


@dataclass(frozen=True)
class Rows:
    """The candidate phrases of one question: features, labels, and the question itself."""

    item: Item
    features: np.ndarray  # (phrases, len(FEATURES))
    labels: np.ndarray  # 1.0 where the phrase is a right answer
    factoid: bool  # the question asks for a single fact (it has an expectation)


def retrieved(assistant: Assistant, item: Item) -> tuple[str, list[Passage]]:
    """The item's question made standalone, and the passages the assistant answers it from
    (its retriever alone: the question's time words are not read, as in every fit so far)."""
    resolved, query = standalone_question(item.question, [])
    top_k, asked_on = assistant.settings.top_k, parse_as_of(item.asked_on)
    return resolved, assistant.retriever.retrieve(query, top_k, asked_on).passages


def collect(assistant: Assistant, items: Sequence[Item], progress: bool = True) -> list[Rows]:
    """The phrase rows of every item, retrieved as the assistant retrieves."""
    from tqdm import tqdm

    from rag.answering.expectation import expectation

    rows = []
    for item in tqdm(items, desc="Phrases", unit=" questions", disable=not progress):
        resolved, passages = retrieved(assistant, item)
        phrases = assistant.extractive.phrases(resolved, passages, parse_as_of(item.asked_on))
        features = np.array([p.features for p in phrases], dtype=float).reshape(-1, len(FEATURES))
        labels = np.array(
            [
                float(
                    item.answerable and metrics.answer_correct(p.short, item.answers, item.choices)
                )
                for p in phrases
            ]
        )
        factoid = expectation(resolved).kind is not None
        rows.append(Rows(item, features, labels, factoid))
    return rows


def fit(rows: Sequence[Rows], about: str = "") -> SpanModel:
    """A ranking of the phrases of `rows` (LightGBM's lambdarank over the questions that have
    a right phrase among their candidates), and its calibrated chance of being right."""
    useful = [r for r in rows if r.labels.any()]
    trees, importance = fit_trees([r.features for r in useful], [r.labels for r in useful], RANKER)
    # Threshold 0.5: a short answer is stated when it is more likely right than not; below
    # it the answerer quotes sentences instead (or abstains, by the sentence score).
    model = SpanModel(trees, 0.5, about, importance=importance)
    return replace(model, calibration=calibrate(model, rows))


def fit_trees(
    features: Sequence[np.ndarray], labels: Sequence[np.ndarray], settings: dict[str, Any]
) -> tuple[Trees, tuple[float, ...]]:
    """LightGBM's lambdarank over groups of rows (one per question) and their 0/1 labels,
    as flat trees checked to score as LightGBM does, and each feature's share of the gain."""
    import lightgbm

    rows = np.vstack(features)
    ranker = lightgbm.LGBMRanker(**settings).fit(
        rows, np.concatenate(labels).astype(int), group=[len(group) for group in labels]
    )
    trees = Trees.from_lightgbm(ranker.booster_.dump_model())
    drift = float(np.abs(trees.score(rows) - ranker.predict(rows)).max())
    if drift > 1e-6:
        raise RuntimeError(f"the flattened trees score {drift:g} away from LightGBM's")
    gain = ranker.booster_.feature_importance("gain")
    return trees, tuple(float(g) for g in gain / max(gain.sum(), 1e-12))


def collect_drafts(
    assistant: Assistant, items: Sequence[Item], progress: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The confidence signals of each item's draft answer, whether that draft is right (an
    unanswerable item's never is), and whether the item is answerable; retrieved as `collect`
    retrieves."""
    from tqdm import tqdm

    signals, right, answerable = [], [], []
    for item in tqdm(items, desc="Drafts", unit=" questions", disable=not progress):
        resolved, passages = retrieved(assistant, item)
        draft, found = assistant.extractive.draft(resolved, passages, parse_as_of(item.asked_on))
        claim = "" if draft is None else draft.short or metrics.strip_citations(draft.text)
        signals.append(found.vector())
        answerable.append(item.answerable)
        right.append(
            float(item.answerable and metrics.answer_correct(claim, item.answers, item.choices))
        )
    return np.array(signals).reshape(-1, len(SIGNALS)), np.array(right), np.array(answerable)


def fit_confidence(
    signals: np.ndarray, right: np.ndarray, answerable: np.ndarray, about: str = ""
) -> ConfidenceModel:
    """P(a draft is right) from its signals, for questions for one fact, and the chance below
    which the answerer abstains: the highest at which its abstentions, on the questions fitted
    on, are still ABSTAIN_PRECISION unanswerable.

    An even chance is no threshold here: most drafts are more likely wrong than right (one
    in eight is right on the 2023–2024 weeks), and abstaining on all of them would give up
    every answer that a reader can still check against its quote."""
    from sklearn.linear_model import LogisticRegression

    # Only questions for one fact: the answerer judges the others by their sentence score.
    factoid = signals[:, SIGNALS.index("factoid")] == 1.0
    signals, right, answerable = signals[factoid], right[factoid], answerable[factoid]
    # A question asked on no day has no age: it is read as the typical one fitted on.
    age = signals[:, SIGNALS.index("age")]
    typical_age = float(np.nanmean(age)) if not np.isnan(age).all() else 0.0
    signals = signals.copy()
    signals[np.isnan(age), SIGNALS.index("age")] = typical_age
    regression = LogisticRegression(C=C, max_iter=2000).fit(signals, right)
    model = ConfidenceModel(
        tuple(float(w) for w in regression.coef_[0]),
        float(regression.intercept_[0]),
        0.5,
        about,
        typical_age,
    )
    chances = np.array([model.chance(Signals(*row)) for row in signals])
    return replace(model, threshold=abstention_threshold(chances, ~answerable.astype(bool)))


def abstention_threshold(chances: np.ndarray, unanswerable: np.ndarray) -> float:
    """The highest threshold whose abstentions (chance below it) are at least
    ABSTAIN_PRECISION unanswerable, over at least MIN_ABSTENTIONS questions (0: none is)."""
    order = np.argsort(chances, kind="stable")
    precision = np.cumsum(unanswerable[order]) / np.arange(1, len(order) + 1)
    fine = np.flatnonzero(precision[MIN_ABSTENTIONS - 1 :] >= ABSTAIN_PRECISION)
    if not len(fine):
        return 0.0
    last = int(fine[-1]) + MIN_ABSTENTIONS - 1  # abstain on order[: last + 1]
    above = chances[order[last + 1]] if last + 1 < len(order) else 1.0
    return float((chances[order[last]] + above) / 2)


def calibrate(model: SpanModel, rows: Sequence[Rows]) -> tuple[float, float, float]:
    """Logistic weights turning the best phrase's logit and lead into P(it is right), over
    every question of `rows` (those with no right phrase, unanswerable ones included)."""
    from sklearn.linear_model import LogisticRegression

    inputs, right = [], []
    for r in rows:
        if not len(r.labels):
            continue
        row, top, lead = model.top(r.features)
        inputs.append([top, lead])
        right.append(r.labels[row])
    regression = LogisticRegression(max_iter=1000).fit(np.array(inputs), np.array(right))
    scale, per_lead = (float(w) for w in regression.coef_[0])
    return scale, per_lead, float(regression.intercept_[0])


def folds(items: Sequence[Item], k: int) -> list[int]:
    """The fold of each item: whole quiz weeks (the id before `_`), dealt round-robin."""
    weeks = sorted({item.id.split("_")[0] for item in items})
    fold_of = {week: n % k for n, week in enumerate(weeks)}
    return [fold_of[item.id.split("_")[0]] for item in items]


def cross_validate(rows: Sequence[Rows], k: int) -> list[SpanModel]:
    """The model for each fold, fitted on the other folds' rows."""
    assignment = folds([r.item for r in rows], k)
    return [
        fit([r for r, f in zip(rows, assignment, strict=True) if f != fold], f"fold {fold}")
        for fold in range(k)
    ]


def describe(model: SpanModel) -> str:
    """Each feature's share of the trees' gain, largest first, and the threshold."""
    pairs = sorted(zip(FEATURES, model.importance, strict=True), key=lambda p: -p[1])
    lines = [f"  {name:<20} {share:.3f}" for name, share in pairs if share > 0]
    return "\n".join([*lines, f"  threshold {model.threshold:.3f}"])


def logit(p: float) -> float:
    """log(p / (1 - p)), bounded."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
