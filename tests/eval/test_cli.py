"""`python -m eval run` end to end on the seeds: real model, real Chroma, every baseline."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eval.report import about_run, code_version
from tests.conftest import ROOT, SEEDS, WITHDRAWAL_DOC

REQUIRED = [
    "questions",
    "answer_accuracy",
    "answer_f1",
    "answer_recall@1",
    "answer_recall@5",
    "answer_recall@10",
    "mrr@10",
    "citation_precision",
    "abstention_precision",
    "abstention_recall",
    "latency_p50_s",
    "latency_p95_s",
    "by_type",
]
BASELINES = {"bm25", "dense", "rrf", "llama-index default"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One full run of the harness on the seed questions; (output folder, stdout)."""
    out = tmp_path_factory.mktemp("eval-out")
    index = tmp_path_factory.mktemp("eval-index") / "index"
    dataset = ROOT / "eval" / "datasets" / "seeds.jsonl"
    command = [sys.executable, "-m", "eval", "run", "--dataset", str(dataset), "--corpus"]
    command += [str(SEEDS), "--baselines", "--out", str(out), "--index", str(index), "--quiet"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_output_file_is_written(run: tuple[Path, str]) -> None:
    out, stdout = run
    for name in ("summary.json", "results.jsonl", "report.md"):
        assert (out / name).stat().st_size > 0, name
    for name in ("results-bm25.jsonl", "results-dense.jsonl", "results-llama-index-default.jsonl"):
        assert (out / name).is_file(), name
    for system in ("hybrid", *BASELINES):
        assert system in stdout  # the table printed
    assert "| hybrid (under test) |" in (out / "report.md").read_text(encoding="utf-8")


def test_summary_has_every_metric_for_the_system_and_each_baseline(run: tuple[Path, str]) -> None:
    out, _ = run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["system"] == "hybrid"
    assert set(summary["baselines"]) == BASELINES
    for name, block in [("hybrid", summary), *summary["baselines"].items()]:
        missing = [key for key in REQUIRED if key not in block]
        assert not missing, f"{name} lacks {missing}"
        assert block["questions"] == summary["questions"]
        assert 0.0 <= block["answer_accuracy"] <= 1.0
    for key in ("date", "git_commit", "machine", "dataset", "corpus", "settings"):
        assert summary[key], key
    assert summary["machine"]["cpu_count"] >= 1
    scored = _lines(out / "results.jsonl")
    assert summary["questions"] == len(scored)
    assert len({line["id"] for line in scored}) == len(scored)
    assert {"conv-austin#1", "conv-austin#2", "conv-austin#3"} <= {line["id"] for line in scored}
    assert sum(block["questions"] for block in summary["by_type"].values()) == len(scored)


def test_the_withdrawal_question_is_right_and_cites_its_article(run: tuple[Path, str]) -> None:
    out, _ = run
    line = next(r for r in _lines(out / "results.jsonl") if r["id"] == "withdrawal-end")
    assert line["scores"]["accuracy"] == 1.0
    assert WITHDRAWAL_DOC in {citation["doc_id"] for citation in line["citations"]}
    assert "September 11" in line["citations"][0]["quote"]
    assert len(line["retrieved_doc_ids"]) >= 5  # the seeds index holds 8 chunks
    assert {"dense", "lexical", "fuse", "answer", "total"} <= set(line["timings"])


def test_the_llama_index_baseline_maps_nodes_to_our_articles(run: tuple[Path, str]) -> None:
    out, _ = run
    lines = _lines(out / "results-llama-index-default.jsonl")
    line = next(r for r in lines if r["id"] == "withdrawal-end")
    assert set(line["retrieved_doc_ids"]) <= {WITHDRAWAL_DOC, "003_83e67a9ff26feb65"}
    assert len(set(line["answer_doc_ids"])) <= 2  # answered from its top 2 nodes
    assert line["citations"][0]["doc_id"] == WITHDRAWAL_DOC


@pytest.mark.parametrize("name", ["recall_at_k.png", "latency.png", "accuracy_by_type.png"])
def test_plots_are_valid_png_files(run: tuple[Path, str], name: str) -> None:
    data = (run[0] / name).read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 200 and height > 200
    assert data[-8:-4] == b"IEND"


def test_the_commit_recorded_is_the_one_taken_when_the_run_started() -> None:
    started = {"git_commit": "abc1234", "git_dirty": True}
    about = about_run(**started, dataset="d.jsonl")
    assert about["git_commit"] == "abc1234" and about["git_dirty"] is True
    assert set(code_version()) == {"git_commit", "git_dirty"}
