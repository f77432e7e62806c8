"""A cross-validated run: each fold of questions answered by a short-answer model fitted on
the other folds, scored and reported like `python -m eval run`.

summary = cross_validated_run(experiment, Path("artifacts/eval/dev-cv"), folds=5, save=False)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from eval.experiment import Experiment
from eval.fit import collect, cross_validate, describe, fit, folds
from eval.report import code_version
from eval.runner import evaluate
from eval.systems import NAMES, AssistantSystem
from rag.answering.short import MODEL_FILE


def cross_validated_run(experiment: Experiment, out: Path, k: int, save: bool) -> dict[str, Any]:
    """Fit on K-1 folds, answer the K-th, for every fold; write the merged results in `out`."""
    code = code_version()
    settings = experiment.settings
    assistant = experiment.assistant()
    dialogues = experiment.dataset.dialogues
    items = [item for dialogue in dialogues for item in dialogue.items]
    rows = collect(assistant, items, experiment.progress)
    models = cross_validate(rows, k)
    fold_of = dict(zip((item.id for item in items), folds(items, k), strict=True))
    system = AssistantSystem(f"{NAMES[settings.retrieval]}, {k}-fold", assistant)
    results = []
    for fold, model in enumerate(models):
        assistant.extractive.model = model
        mine = [d for d in dialogues if fold_of[d.items[0].id] == fold]
        results += evaluate([system], mine, experiment.progress)[system.name]
    order = {item.id: n for n, item in enumerate(items)}
    results.sort(key=lambda result: order[result.item.id])
    folds_fitted = [{"fold": n, "weights": describe(m)} for n, m in enumerate(models)]
    summary = experiment.write_single(out, system.name, results, code, folds=folds_fitted)
    if save:
        about = (
            f"fitted by `python -m eval fit --save` on {experiment.dataset.path.name} "
            f"({len(items)} questions) over {settings.index_dir}, commit "
            f"{code.get('git_commit')}, {dt.date.today().isoformat()}"
        )
        final = fit(rows, about)
        final.save(MODEL_FILE)
        print(f"saved {MODEL_FILE}:\n{describe(final)}")
    return summary
