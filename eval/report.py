"""What a run leaves behind: summary.json, report.md and the table printed on stdout.

summary = build_summary("hybrid", results, {"bm25": bm25_results}, about)
write_outputs(summary, Path("artifacts/eval/seeds"))
print(table(summary))
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.llama_baseline import NAME as LLAMA
from eval.runner import ItemResult
from eval.scoring import OUTCOMES, STAGES, by_type, summarize

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [
    ("acc", "answer_accuracy"),
    ("F1", "answer_f1"),
    ("R@1", "answer_recall@1"),
    ("R@5", "answer_recall@5"),
    ("R@10", "answer_recall@10"),
    ("MRR@10", "mrr@10"),
    ("cite P", "citation_precision"),
    ("ECE", "ece"),
    ("abst P", "abstention_precision"),
    ("abst R", "abstention_recall"),
    ("p50 ms", "latency_p50_s"),
    ("p95 ms", "latency_p95_s"),
]
PLOTS = {
    "recall_at_k.png": "Answer recall@k and source hit@k per system",
    "latency.png": "End-to-end latency per question",
    "accuracy_by_type.png": "Answer accuracy per question type",
    "reliability.png": "Reliability diagram: confidence against the share answered right",
}


def block(results: Sequence[ItemResult]) -> dict[str, Any]:
    """The metrics of one system, overall and `by_type`."""
    scores = [r.scores for r in results]
    summary = summarize(scores)
    return {**summary, "ece": summary["calibration"]["ece"], "by_type": by_type(scores)}


def code_version() -> dict[str, Any]:
    """The git commit and whether tracked files differ from it: take it when a run starts,
    since the code a run measures is the code it loaded."""
    return {
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def about_run(**given: Any) -> dict[str, Any]:
    """Date, git commit and machine, with whatever else describes the run (`given`, which
    may carry the `code_version()` taken at its start)."""
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        **code_version(),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },
        **given,
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def build_summary(
    system: str,
    results: Sequence[ItemResult],
    baselines: Mapping[str, Sequence[ItemResult]],
    about: dict[str, Any],
) -> dict[str, Any]:
    """summary.json: the system's metrics at the top level, each baseline's under `baselines`."""
    return {
        "system": system,
        **block(results),
        "baselines": {name: block(runs) for name, runs in baselines.items()},
        **about,
    }


def table(summary: dict[str, Any]) -> str:
    """The systems side by side, in plain text."""
    rows = [(summary["system"], summary)] + list(summary["baselines"].items())
    width = max(len(name) for name, _ in rows)
    lines = [f"{'system':<{width}}  " + "  ".join(f"{label:>7}" for label, _ in COLUMNS)]
    for name, values in rows:
        cells = "  ".join(f"{_cell(key, values.get(key)):>7}" for _, key in COLUMNS)
        lines.append(f"{name:<{width}}  {cells}")
    return "\n".join(lines)


def _cell(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{1000 * value:.0f}" if key.startswith("latency") else f"{value:.3f}"


def markdown(summary: dict[str, Any]) -> str:
    """report.md: systems, types, latency per stage, the plots and how to read them."""
    rows = [(summary["system"] + " (under test)", summary)] + list(summary["baselines"].items())
    parts = [
        f"# Evaluation: {Path(summary['dataset']).name}",
        _run_line(summary),
        "## Systems",
        _md_table(
            ["system", *(label for label, _ in COLUMNS)],
            [[name, *(_cell(key, values.get(key)) for _, key in COLUMNS)] for name, values in rows],
        ),
        _reading(summary),
        "## Where each question ended up",
        _outcome_table(rows),
        f"## By question type ({summary['system']})",
        _type_table(summary["by_type"]),
        "## Latency per stage (ms, p50 / p95)",
        _latency_table(rows),
        *(f"![{title}]({name})" for name, title in PLOTS.items()),
    ]
    if summary.get("skipped_lines"):
        parts += ["## Skipped dataset lines", *(f"- {line}" for line in summary["skipped_lines"])]
    return "\n\n".join(parts) + "\n"


def _reading(summary: dict[str, Any]) -> str:
    text = (
        "Accuracy, F1, recall and citation precision are over answerable questions; abstention "
        "precision and recall take abstaining as the positive class; latency is end to end."
    )
    if LLAMA in summary["baselines"]:
        text += (
            f" The {LLAMA} answers with our extractive answerer from its top 2 nodes, so its "
            "row compares retrieval and chunking, not answer generation."
        )
    return text


def _run_line(summary: dict[str, Any]) -> str:
    machine = summary["machine"]
    return (
        f"{summary['date']} · commit {summary['git_commit']}"
        f"{' (uncommitted changes)' if summary['git_dirty'] else ''} · "
        f"{machine['cpu_count']} CPUs, {machine['platform']} · {summary['questions']} questions · "
        f"corpus {summary.get('corpus') or '—'} · index {summary['index']}"
    )


def _outcome_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    names = list(OUTCOMES)
    body = [
        [
            name,
            *(str(values.get("outcomes", {}).get(o, 0)) for o in names),
            _cell("ece", (values.get("calibration") or {}).get("ece")),
        ]
        for name, values in rows
    ]
    return _md_table(["system", *names, "ECE"], body)


def _type_table(types: dict[str, dict[str, Any]]) -> str:
    keys = ["answer_accuracy", "answer_recall@5", "citation_precision", "abstention_recall"]
    header = ["type", "questions", "acc (n)", "R@5 (n)", "cite P (n)", "abst R (n)"]
    rows = [
        [kind, str(values["questions"])]
        + [f"{_cell(key, values[key])} ({values['n'][key]})" for key in keys]
        for kind, values in types.items()
    ]
    return _md_table(header, rows)


def _latency_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    used = {stage for _, values in rows for stage in values["latency_s"]}
    stages = [stage for stage in STAGES if stage in used]  # first_token etc. only for an LLM
    body = []
    for name, values in rows:
        latency = values["latency_s"]
        body.append([name] + [_stage(latency.get(stage)) for stage in stages])
    return _md_table(["system", *stages], body)


def _stage(figures: dict[str, float | None] | None) -> str:
    if not figures:
        return "—"
    return f"{_cell('latency', figures['p50'])} / {_cell('latency', figures['p95'])}"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def write_outputs(summary: dict[str, Any], out: Path) -> None:
    """summary.json and report.md into `out`."""
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (out / "report.md").write_text(markdown(summary), encoding="utf-8")
