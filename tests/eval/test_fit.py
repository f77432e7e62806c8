"""Fitting the confidence model: calibrated chances, and the abstention threshold."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from eval.fit import ABSTAIN_PRECISION, MIN_ABSTENTIONS, abstention_threshold, fit_confidence
from rag.answering.confidence import SIGNALS, Signals


def _drafts(n: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drafts whose phrase chance says how often they are right; a third unanswerable."""
    rng = np.random.default_rng(seed)
    answerable = rng.random(n) > 1 / 3
    phrase = np.where(answerable, rng.beta(3, 2, n), rng.beta(1, 4, n))
    right = answerable & (rng.random(n) < phrase)
    signals = np.zeros((n, len(SIGNALS)))
    signals[:, SIGNALS.index("phrase")] = phrase
    signals[:, SIGNALS.index("factoid")] = 1.0
    return signals, right.astype(float), answerable


def test_the_threshold_abstains_as_often_as_the_precision_asked_for_allows() -> None:
    signals, right, answerable = _drafts()
    model = fit_confidence(signals, right, answerable)
    chances = np.array([model.chance(Signals(*row)) for row in signals])
    abstained = chances < model.threshold
    assert abstained.sum() >= MIN_ABSTENTIONS
    assert (~answerable[abstained]).mean() >= ABSTAIN_PRECISION
    assert abstained[~answerable].mean() > abstained[answerable].mean()


def test_the_threshold_stops_where_abstaining_more_would_be_wrong_too_often() -> None:
    # 40 unanswerable lowest, then answerable and unanswerable alternating: precision stays
    # ≥ 0.8 up to 66 abstentions (53 of 66 unanswerable, 0.803) and never reaches it again.
    unanswerable = np.array([True] * 40 + [False, True] * 30)
    chances = np.linspace(0.01, 0.99, len(unanswerable))
    threshold = abstention_threshold(chances, unanswerable)
    assert (chances < threshold).sum() == 66
    assert abstention_threshold(chances, np.zeros(len(chances), dtype=bool)) == 0.0


def test_the_chance_is_calibrated_on_the_drafts_it_was_fitted_on() -> None:
    signals, right, answerable = _drafts(4000)
    model = fit_confidence(signals, right, answerable)
    chances = np.array([model.chance(Signals(*row)) for row in signals])
    for low, high in [(0.0, 0.3), (0.3, 0.6), (0.6, 1.0)]:
        inside = (chances >= low) & (chances < high)
        assert right[inside].mean() == pytest.approx(chances[inside].mean(), abs=0.05)


def test_a_draft_asked_on_no_day_is_read_at_the_typical_age_fitted_on() -> None:
    signals, right, answerable = _drafts()
    age = SIGNALS.index("age")
    # Older quotes are right less often; a quarter of the drafts were asked on no day.
    rng = np.random.default_rng(5)
    signals[:, age] = np.where(
        right == 1.0, rng.uniform(0, 3, len(right)), rng.uniform(1, 6, len(right))
    )
    signals[rng.random(len(right)) < 0.25, age] = np.nan
    model = fit_confidence(signals, right, answerable)
    assert model.typical_age == pytest.approx(np.nanmean(signals[:, age]))
    assert model.weights[age] < 0
    row = signals[np.isnan(signals[:, age])][0]
    assert model.chance(Signals(*row)) == model.chance(
        Signals(*row[:age], model.typical_age, *row[age + 1 :])
    )


def test_questions_are_split_by_the_day_they_were_asked() -> None:
    from eval.held_out import _asked

    assert _asked("2025-01-06") >= dt.date(2025, 1, 1) > _asked("2024-12-30")
    assert _asked(None) < dt.date(1900, 1, 1)  # a line without asked_on is never held out


def _phrase_rows(questions: int = 300, seed: int = 5) -> list:
    """Questions of 30 candidate phrases each, one of them right in three of four: the right
    one has the kind asked for and a sentence that means more, with noise, so no single
    feature decides."""
    from eval.dataset import Item
    from eval.fit import Rows
    from rag.answering.short import FEATURES

    rng = np.random.default_rng(seed)
    label, meaning = FEATURES.index("label_match"), FEATURES.index("meaning")
    rows = []
    for n in range(questions):
        features = rng.random((30, len(FEATURES)))
        features[:, label] = rng.random(30) < 0.3
        labels = np.zeros(30)
        if n % 4:
            right = int(rng.integers(30))
            labels[right] = 1.0
            features[right, label] = 1.0
            features[right, meaning] += 0.4
        item = Item(f"2024010{n % 7}_{n}", "Who?", ("x",), None, None, (), "answerable", 1)
        rows.append(Rows(item, features, labels, True))
    return rows


def test_the_phrase_ranking_puts_the_right_phrase_first_and_scores_as_lightgbm_does() -> None:
    from eval.fit import fit
    from rag.answering.short import FEATURES

    label, meaning = FEATURES.index("label_match"), FEATURES.index("meaning")
    rows = _phrase_rows()
    model = fit(rows[:200])  # fit raises if its flattened trees score unlike LightGBM's
    firsts = [r.labels[model.top(r.features)[0]] for r in rows[200:] if r.labels.any()]
    assert np.mean(firsts) > 0.5  # by chance: 1 in 30
    assert len(model.trees.roots) == 300
    assert max(model.importance) in (model.importance[label], model.importance[meaning])


def test_a_saved_ranking_loads_with_the_same_scores(tmp_path) -> None:
    from eval.fit import fit
    from rag.answering.short import SpanModel

    rows = _phrase_rows(120)
    model = fit(rows)
    model.save(tmp_path / "span_model.json")
    loaded = SpanModel.load(tmp_path / "span_model.json")
    features = np.vstack([r.features for r in rows])
    assert np.array_equal(loaded.logits(features), model.logits(features))
    assert loaded.calibration == model.calibration and loaded.importance == model.importance


def test_a_ranking_fitted_on_other_features_is_refused_with_what_to_do(tmp_path) -> None:
    import json

    from rag.answering.short import SpanModel
    from rag.errors import ModelNotFoundError

    path = tmp_path / "span_model.json"
    path.write_text(json.dumps({"features": {"label_match": 1.0}, "bias": 0.0}))
    with pytest.raises(ModelNotFoundError, match="python -m eval fit --save"):
        SpanModel.load(path)


def test_a_fit_starts_from_an_untrained_ranking_when_the_shipped_one_is_stale(
    monkeypatch: pytest.MonkeyPatch, seeds_index, embedder
) -> None:
    # After a change to the span features the shipped ranking no longer loads; a fit, which
    # replaces it, must still be able to open the index (it failed at once before).
    import eval.experiment as experiment
    from eval.dataset import load_dataset
    from rag.answering.short import FEATURES
    from rag.errors import ModelNotFoundError
    from rag.settings import Settings
    from tests.conftest import ROOT

    def stale() -> None:
        raise ModelNotFoundError("fitted on other span features")

    monkeypatch.setattr(experiment, "shipped_model", stale)
    dataset = load_dataset(ROOT / "eval" / "datasets" / "seeds.jsonl")
    run = experiment.Experiment.__new__(experiment.Experiment)
    run.settings, run.dataset, run.questions, run.sentences = (
        Settings(index_dir=seeds_index),
        dataset,
        embedder,
        None,
    )
    assistant = run.assistant()
    rows = np.zeros((3, len(FEATURES)))
    assert assistant.extractive.model.logits(rows).tolist() == [0.0, 0.0, 0.0]
