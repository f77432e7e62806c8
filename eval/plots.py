"""The run's figures as PNG files (matplotlib, Agg backend: no display needed).

draw_plots({"hybrid": results, "bm25": bm25_results}, Path("artifacts/eval/seeds"))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval import metrics
from eval.runner import ItemResult
from eval.systems import DEPTH

Systems = Mapping[str, Sequence[ItemResult]]


def draw_plots(systems: Systems, out: Path) -> list[Path]:
    """recall_at_k.png, latency.png and accuracy_by_type.png in `out`; their paths."""
    import matplotlib

    matplotlib.use("Agg")
    drawn = []
    for name, draw in (
        ("recall_at_k.png", _recall),
        ("latency.png", _latency),
        ("accuracy_by_type.png", _by_type),
        ("reliability.png", _reliability),
    ):
        figure = draw(systems)
        figure.savefig(out / name, dpi=120, bbox_inches="tight")
        drawn.append(out / name)
    import matplotlib.pyplot as plt

    plt.close("all")
    return drawn


def _recall(systems: Systems) -> Any:
    import matplotlib.pyplot as plt

    figure, (answers, sources) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    ks = list(range(1, DEPTH + 1))
    for name, results in systems.items():
        graded = [r.scores for r in results if r.scores.answerable]
        sourced = [r.scores for r in results if r.scores.has_sources]
        answer_curve = [
            metrics.mean([metrics.hit_at(s.answer_rank, k) for s in graded]) for k in ks
        ]
        source_curve = [
            metrics.mean([metrics.hit_at(s.source_rank, k) for s in sourced]) for k in ks
        ]
        answers.plot(ks, [v or 0.0 for v in answer_curve], marker="o", label=name)
        sources.plot(ks, [v or 0.0 for v in source_curve], marker="o", label=name)
    answers.set(title="Answer recall@k", xlabel="k (passages)", ylabel="share of questions")
    sources.set(title="Source hit@k", xlabel="k (passages)")
    for axes in (answers, sources):
        axes.set_xticks(ks)
        axes.set_ylim(0, 1.02)
        axes.grid(alpha=0.3)
    answers.legend(loc="lower right")
    return figure


def _latency(systems: Systems) -> Any:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib import ticker

    figure, axes = plt.subplots(figsize=(7, 4))
    totals = {
        name: [1000 * r.run.answer.timings.get("total", 0.0) for r in results]
        for name, results in systems.items()
    }
    every = [value for values in totals.values() for value in values] or [1.0]
    bins = list(np.geomspace(max(min(every), 0.1), max(every) * 1.05 + 0.1, 30))
    for name, values in totals.items():
        axes.hist(values, bins=bins, histtype="step", linewidth=1.5, label=name)
    axes.set_xscale("log")
    # Plain millisecond labels: matplotlib's default labels minor log ticks as 3×10^1 and
    # they run into each other.
    axes.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axes.xaxis.set_minor_formatter(ticker.NullFormatter())
    axes.set(title="End-to-end latency", xlabel="ms per question (log scale)", ylabel="questions")
    axes.legend()
    return figure


def _by_type(systems: Systems) -> Any:
    """Accuracy per type; a type with no answerable question shows its abstention recall."""
    import matplotlib.pyplot as plt

    types = sorted({r.item.type for results in systems.values() for r in results})
    figure, axes = plt.subplots(figsize=(max(6.0, 1.5 + 0.9 * len(types)), 4))
    width = 0.8 / max(1, len(systems))
    for offset, (name, results) in enumerate(systems.items()):
        heights = [_type_score([r for r in results if r.item.type == kind]) for kind in types]
        positions = [i + offset * width for i in range(len(types))]
        axes.bar(positions, heights, width, label=name)
    labels = [kind + _abstain_mark(systems, kind) for kind in types]
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(types))], labels, rotation=30)
    axes.set(title="Answer accuracy per question type", ylabel="share of questions", ylim=(0, 1))
    axes.legend(fontsize="small")
    return figure


def _type_score(results: Sequence[ItemResult]) -> float:
    graded = [r.scores for r in results if r.scores.answerable]
    if graded:
        return metrics.mean([float(bool(s.correct)) for s in graded]) or 0.0
    return metrics.mean([float(r.scores.abstained) for r in results]) or 0.0


def _abstain_mark(systems: Systems, kind: str) -> str:
    results = [r for runs in systems.values() for r in runs if r.item.type == kind]
    return "" if any(r.scores.answerable for r in results) else "\n(abstained)"


def _reliability(systems: Systems) -> Any:
    """Reliability diagram: stated confidence against the share answered right, per bin."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
    for name, results in systems.items():
        scores = [r.scores for r in results]
        right = [bool(s.correct) and not s.abstained for s in scores]
        table = metrics.calibration([s.confidence for s in scores], right)
        ece = table["ece"] or 0.0
        axes.plot(
            [b["chance"] for b in table["bins"]],
            [b["right"] for b in table["bins"]],
            marker="o",
            label=f"{name} (ECE {ece:.3f})",
        )
    axes.set(
        title="Reliability of confidence",
        xlabel="stated confidence (bin mean)",
        ylabel="share answered right",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper left")
    return figure
