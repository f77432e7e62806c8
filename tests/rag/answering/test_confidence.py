"""The confidence model: the chance a drafted answer is right, and when to abstain."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from rag.answering.confidence import SIGNALS, ConfidenceModel, Signals, shipped_confidence


def test_the_shipped_model_trusts_a_likely_phrase_in_a_matching_sentence_over_a_guess() -> None:
    model = shipped_confidence()
    sure = Signals(
        phrase=0.9, lead=3.0, sentence=0.8, coverage=1.0, meaning=0.7, factoid=True, short=True
    )
    guess = Signals(phrase=0.1, lead=0.1, sentence=0.3, coverage=0.3, meaning=0.2, missing=0.6)
    assert model.chance(sure) >= model.threshold > model.chance(guess)
    assert 0.0 < model.chance(guess) < model.chance(sure) < 1.0


def test_the_shipped_model_trusts_a_quote_from_the_week_asked_about_over_an_older_one() -> None:
    model = shipped_confidence()
    draft = Signals(phrase=0.4, lead=1.0, sentence=0.6, coverage=0.7, meaning=0.5, factoid=True)
    fresh, old = replace(draft, age=math.log1p(2)), replace(draft, age=math.log1p(400))
    assert model.chance(fresh) > model.chance(old)
    # Asked on no day (the chat's default), the age is the typical one fitted on.
    typical = replace(draft, age=model.typical_age)
    assert model.chance(draft) == model.chance(typical)
    assert model.chance(fresh) > model.chance(draft) > model.chance(old)


def test_a_saved_model_loads_with_the_same_weights(tmp_path: Path) -> None:
    model = ConfidenceModel(tuple(float(i) for i in range(len(SIGNALS))), -1.5, 0.4, "test", 2.5)
    model.save(tmp_path / "model.json")
    assert ConfidenceModel.load(tmp_path / "model.json") == model


def test_the_signals_are_read_in_a_fixed_order() -> None:
    assert SIGNALS[0] == "phrase"
    vector = Signals(phrase=0.5, short=True).vector()
    assert vector[0] == 0.5 and vector[-1] == 1.0
    unknown = SIGNALS.index("age")
    assert math.isnan(vector[unknown])
    assert vector[1:unknown] + vector[unknown + 1 : -1] == [0.0] * (len(SIGNALS) - 3)
