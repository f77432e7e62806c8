"""The `rag` command as a user runs it: real processes, a real index on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEEDS, WITHDRAWAL_DOC


def rag(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys\n"
        "from cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'chromadb', 'sentence_transformers', 'llama_index', 'numpy')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert "index" in result.stdout and "ask" in result.stdout and "remove" in result.stdout
    assert "HEAVY []" in result.stdout


def test_index_ask_json_list_and_remove(tmp_path: Path) -> None:
    index_dir = str(tmp_path / "ix")
    indexed = rag("index", str(SEEDS), "--index", index_dir, "--quiet")
    assert indexed.returncode == 0, indexed.stderr
    assert "2 added" in indexed.stdout

    asked = rag("ask", "When does the withdrawal end?", "--index", index_dir, "--json")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert {"text", "abstained", "confidence", "citations", "passages", "timings"} <= answer.keys()
    assert "September 11" in answer["text"]
    assert answer["citations"][0]["doc_id"] == WITHDRAWAL_DOC
    raw = (SEEDS / f"{WITHDRAWAL_DOC}.txt").read_text(encoding="utf-8")
    assert answer["citations"][0]["quote"] in raw

    listed = rag("list", "--index", index_dir)
    assert WITHDRAWAL_DOC in listed.stdout and "2021-04-28" in listed.stdout
    # `index` and `remove` exit without Python's teardown: what they wrote is on disk, and
    # a new process's vector search (no BM25) finds it, and then no longer finds it.
    dense = {"RAG_RETRIEVAL": "dense"}
    found = rag("search", "troops leave Afghanistan", "--index", index_dir, env=dense)
    assert found.returncode == 0 and WITHDRAWAL_DOC in found.stdout, found.stderr

    removed = rag("remove", WITHDRAWAL_DOC, "nonexistent", "--index", index_dir)
    assert removed.returncode == 1 and "nonexistent" in removed.stderr
    assert WITHDRAWAL_DOC not in rag("list", "--index", index_dir).stdout
    gone = rag("search", "troops leave Afghanistan", "--index", index_dir, env=dense)
    assert gone.returncode == 0 and WITHDRAWAL_DOC not in gone.stdout, gone.stderr


def test_failed_input_sets_the_exit_code_and_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"id": "x", "text": "Fine text about a port reopening on Monday."}\n{oops\n')
    result = rag("index", str(bad), "--index", str(tmp_path / "ix"), "--quiet")
    assert result.returncode == 1
    assert "broken.jsonl:2" in result.stderr
    assert "1 added" in result.stdout


def test_asking_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    result = rag("ask", "anything?", "--index", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "rag index" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_loop_answers_follow_ups_from_standard_input(seeds_index: Path) -> None:
    questions = (
        "When does the withdrawal end?\nWho did Lloyd Austin speak with?\nWhat is his position?\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "cli", "ask", "--index", str(seeds_index)],
        input=questions,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    answers = result.stdout.split("you>")[1:]
    assert len(answers) == 4  # three answers, then the prompt that met end of input
    assert "September 11" in answers[0]
    # The follow-up stays with the conversation (Austin's call with Bajwa), while asked
    # alone it quotes Kabulov's "common position". (Neither states Bajwa's rank: no seed
    # sentence links him to "position" for the answerer; the conversation is what this checks.)
    assert "Austin" in answers[2] and "[1]" in answers[2]
    alone = rag("ask", "What is his position?", "--index", str(seeds_index))
    assert "Austin" not in alone.stdout and "[1]" in alone.stdout


def test_ask_since_until_and_timeline_keep_to_the_dates(seeds_index: Path) -> None:
    index_dir = str(seeds_index)
    early = rag("ask", "What did Austin and Bajwa discuss?", "--index", index_dir,
                "--until", "2021-05-31", "--json")  # fmt: skip
    assert early.returncode == 0, early.stderr
    answer = json.loads(early.stdout)
    assert answer["time_scope"] == "Answering from articles up to 2021-05-31."
    assert all(c["published"] <= "2021-05-31" for c in answer["citations"])
    assert all(p["published"] <= "2021-05-31" for p in answer["passages"])
    late = rag("ask", "When does the withdrawal end?", "--index", index_dir,
               "--since", "2021-06-01", "--json")  # fmt: skip
    later = json.loads(late.stdout)
    assert later["abstained"] or all(c["published"] >= "2021-06-01" for c in later["citations"])
    wrong = rag("search", "withdrawal", "--index", index_dir, "--since", "soon")
    assert wrong.returncode == 1 and "soon" in wrong.stderr and "YYYY-MM-DD" in wrong.stderr
    line = rag("timeline", "Afghanistan withdrawal", "--index", index_dir, "--json")
    assert line.returncode == 0, line.stderr
    events = json.loads(line.stdout)
    assert events and [e["date"] for e in events] == sorted(e["date"] for e in events)
    shown = rag("timeline", "Afghanistan withdrawal", "--index", index_dir)
    assert "2021-05-01" in shown.stdout and "starts Saturday (1 May 2021)" in shown.stdout
