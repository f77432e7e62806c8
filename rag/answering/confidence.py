"""The chance that an answer is right, and so whether to give it or to abstain.

The extractive answerer drafts an answer for every question; a logistic model over a few
signals of that draft — how likely its short phrase is, how well its best sentence matches
the question, how much of the question the passages leave unmentioned, how much older than
the day asked for the story it quotes is — gives the chance it is right. That chance is
`Answer.confidence`, and the answerer abstains when it is below the model's threshold and
no sentence scores well on the question either (see ExtractiveAnswerer.answer): a
calibrated chance lets the confidence mean what it says.
Fitted by `python -m eval fit` on questions other than the ones it is reported on.

    model = shipped_confidence()
    model.chance(Signals(phrase=0.8, lead=2.0, sentence=0.7, coverage=0.9, meaning=0.6,
                         missing=0.0, age=1.9, factoid=True, short=True))
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass, fields, replace
from functools import cache
from pathlib import Path

from rag.answering.weights import load_weights, save_weights

CONFIDENCE_FILE = Path(__file__).with_name("confidence_model.json")


@dataclass(frozen=True)
class Signals:
    """What the answerer knows about its draft answer to one question."""

    phrase: float = 0.0  # the best short phrase's chance by the span model (0: none)
    lead: float = 0.0  # its score's lead over the runner-up phrase (capped at 5)
    sentence: float = 0.0  # the best sentence's score (meaning, coverage, rank, kind)
    coverage: float = 0.0  # the best share of the question's weighted words in a sentence
    meaning: float = 0.0  # the best sentence's embedding similarity to the question
    missing: float = 0.0  # share of the question's weighted words in no retrieved passage
    # log(1 + days between the story quoted first and the day asked for); None: no day was
    # asked for, and the model reads the typical age of the questions it was fitted on.
    age: float | None = None
    factoid: bool = False  # the question asks for a single fact
    short: bool = False  # the draft states a short answer

    def vector(self) -> list[float]:
        """The signals as numbers, in field order (NaN: not known)."""
        return [math.nan if v is None else float(v) for v in astuple(self)]


SIGNALS = tuple(f.name for f in fields(Signals))


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic weights over SIGNALS, and the chance below which the answerer abstains."""

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    about: str = ""
    typical_age: float = 0.0  # the mean `age` of the questions fitted on: read for None

    def chance(self, signals: Signals) -> float:
        """P(the drafted answer is right)."""
        if signals.age is None or math.isnan(signals.age):
            signals = replace(signals, age=self.typical_age)
        z = sum(w * x for w, x in zip(self.weights, signals.vector(), strict=True)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def save(self, path: Path = CONFIDENCE_FILE) -> None:
        """Write the model as JSON, signal names beside their weights."""
        extra = {
            "bias": self.bias,
            "threshold": self.threshold,
            "typical_age": self.typical_age,
            "about": self.about,
        }
        save_weights(path, "signals", SIGNALS, self.weights, **extra)

    @classmethod
    def load(cls, path: Path = CONFIDENCE_FILE) -> ConfidenceModel:
        """The model saved at `path` (default: the one shipped with the package)."""
        weights, record = load_weights(path, "signals", SIGNALS)
        return cls(
            weights,
            float(record["bias"]),
            float(record["threshold"]),
            record["about"],
            float(record.get("typical_age", 0.0)),
        )


@cache
def shipped_confidence() -> ConfidenceModel:
    """The fitted model that comes with the package."""
    return ConfidenceModel.load()
