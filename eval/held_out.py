"""A held-out run: both answer models fitted on the questions asked before a date, then the
questions from that date on answered, scored and reported like `python -m eval run`.

    summary = held_out_run(experiment, Path("artifacts/eval/2025"), dt.date(2025, 1, 1), save=True)

Quiz weeks are the unit RealTimeQA's held-out splits are made of, so later weeks answered by
models that saw only earlier ones measure what a user's new questions will get. `save`
writes the two fitted models as the ones that ship: the models reported are the models used.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from eval.experiment import Experiment
from eval.fit import collect, collect_drafts, describe, fit, fit_confidence
from eval.report import code_version
from eval.runner import evaluate
from eval.systems import NAMES, AssistantSystem
from rag.answering.confidence import CONFIDENCE_FILE, SIGNALS
from rag.answering.short import MODEL_FILE
from rag.errors import ConfigError


def held_out_run(experiment: Experiment, out: Path, before: dt.date, save: bool) -> dict[str, Any]:
    """Fit on the dialogues asked before `before`, answer the others; write them in `out`."""
    code = code_version()
    settings = experiment.settings
    assistant = experiment.assistant()
    dialogues = experiment.dataset.dialogues
    earlier = [d for d in dialogues if _asked(d.items[0].asked_on) < before]
    later = [d for d in dialogues if _asked(d.items[0].asked_on) >= before]
    if not earlier or not later:
        raise ConfigError(
            f"--before {before}: {len(earlier)} dialogues asked before it and {len(later)} on "
            "or after it; both sides need questions (each line needs its asked_on)"
        )
    training = [item for d in earlier for item in d.items]
    where = f"{experiment.dataset.path.name} asked before {before} ({len(training)} questions)"
    about = f"fitted by `python -m eval fit --before` on {where} over {settings.index_dir}"
    about += f", commit {code.get('git_commit')}, {dt.date.today().isoformat()}"
    span_model = fit(collect(assistant, training, experiment.progress), about)
    assistant.extractive.model = span_model
    signals, right, answerable = collect_drafts(assistant, training, experiment.progress)
    confidence = fit_confidence(signals, right, answerable, about)
    assistant.extractive.confidence = confidence
    system = AssistantSystem(f"{NAMES[settings.retrieval]}, held out", assistant)
    results = evaluate([system], later, experiment.progress)[system.name]
    weights = {name: round(w, 4) for name, w in zip(SIGNALS, confidence.weights, strict=True)}
    summary = experiment.write_single(
        out,
        system.name,
        results,
        code,
        fitted_on=where,
        span_model=describe(span_model),
        confidence_model=weights
        | {"bias": round(confidence.bias, 4), "threshold": confidence.threshold},
    )
    if save:
        span_model.save(MODEL_FILE)
        confidence.save(CONFIDENCE_FILE)
        print(f"saved {MODEL_FILE} and {CONFIDENCE_FILE}:\n{describe(span_model)}")
    return summary


def _asked(day: str | None) -> dt.date:
    return dt.date.fromisoformat(day) if day else dt.date.min
