"""The dataset loader: validation line by line, conversations expanded, the unanswerable rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import load_dataset
from rag.errors import InputError
from tests.conftest import ROOT, WITHDRAWAL_DOC

GOOD = {"id": "q1", "question": "When does the withdrawal end?", "answers": ["September 11"]}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_lines_are_reported_with_their_line_number_and_the_rest_load(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            json.dumps(GOOD),
            json.dumps({"id": "q2", "answers": ["x"]}),  # line 2: no question
            "{not json",  # line 3
            "",  # blank lines are ignored, not errors
            json.dumps({**GOOD, "id": "q5", "asked_on": "June 10"}),  # line 5
            json.dumps({**GOOD, "id": "q6", "answers": "September 11"}),  # line 6: not a list
            json.dumps(GOOD),  # line 7: duplicate id
            json.dumps(["a", "list"]),  # line 8
            json.dumps({**GOOD, "id": "q9", "asked_on": "2021-04-28"}),
        ],
    )
    dataset = load_dataset(path)
    assert [item.id for item in dataset.items] == ["q1", "q9"]
    assert dataset.items[1].asked_on == "2021-04-28"
    problems = {error.line: str(error) for error in dataset.skipped}
    assert sorted(problems) == [2, 3, 5, 6, 7, 8]
    assert problems[2] == f"{path}:2: missing `question` (the text to ask)"
    assert "not valid JSON" in problems[3]
    assert "YYYY-MM-DD" in problems[5] and "'June 10'" in problems[5]
    assert "`answers` must be a list of strings" in problems[6]
    assert "duplicate id 'q1'" in problems[7] and "line 1" in problems[7]
    assert "JSON object" in problems[8]
    assert all(isinstance(error, InputError) for error in dataset.skipped)


def test_turns_become_items_in_order_with_inherited_fields(tmp_path: Path) -> None:
    conversation = {
        "id": "conv3",
        "type": "follow-up",
        "sources": [WITHDRAWAL_DOC],
        "asked_on": "2021-04-29",
        "turns": [
            {"question": "When does the withdrawal start?", "answers": ["Saturday"]},
            {"question": "And when does it end?", "answers": ["September 11"], "type": "date"},
            {"question": "How many attended?", "answers": [], "sources": []},
        ],
    }
    dataset = load_dataset(_write(tmp_path, [json.dumps(conversation)]))
    assert len(dataset.dialogues) == 1
    first, second, third = dataset.dialogues[0].items
    assert [first.id, second.id, third.id] == ["conv3#1", "conv3#2", "conv3#3"]
    assert first.question == "When does the withdrawal start?"
    assert first.sources == (WITHDRAWAL_DOC,) and first.asked_on == "2021-04-29"
    assert (first.type, second.type, third.type) == ("follow-up", "date", "follow-up")
    assert first.answerable and not third.answerable
    assert third.sources == ()


def test_a_bad_turn_names_the_turn(tmp_path: Path) -> None:
    record = {"id": "c", "turns": [{"question": "Who?", "answers": []}, {"answers": ["x"]}]}
    dataset = load_dataset(_write(tmp_path, [json.dumps(record)]))
    assert dataset.items == []
    assert "turn 2: missing `question`" in str(dataset.skipped[0])


@pytest.mark.parametrize(
    ("extra", "answerable", "kind"),
    [
        ({}, True, "answerable"),
        ({"answers": []}, False, "unanswerable"),
        ({"docs_containing_answer": []}, False, "unanswerable"),  # RealTimeQA's way
        ({"sources": []}, False, "unanswerable"),
        ({"docs_containing_answer": ["abc"]}, True, "answerable"),
        ({"sources": ["a"], "docs_containing_answer": ["b", "a"]}, True, "answerable"),
        ({"answers": [], "type": "trick"}, False, "trick"),
    ],
)
def test_the_unanswerable_rule(tmp_path: Path, extra: dict, answerable: bool, kind: str) -> None:
    item = load_dataset(_write(tmp_path, [json.dumps({**GOOD, **extra})])).items[0]
    assert item.answerable is answerable
    assert item.type == kind
    if "docs_containing_answer" in extra and extra["docs_containing_answer"]:
        assert set(item.sources or ()) == set(extra["docs_containing_answer"]) | set(
            extra.get("sources", [])
        )


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the dataset"):
        load_dataset(tmp_path / "nope.jsonl")


def test_the_shipped_seed_questions_load_cleanly() -> None:
    dataset = load_dataset(ROOT / "eval" / "datasets" / "seeds.jsonl")
    items = dataset.items
    assert dataset.skipped == ()
    assert len(items) >= 30
    assert sum(not item.answerable for item in items) >= 5
    assert sum(len(d.items) > 1 for d in dataset.dialogues) >= 3
    assert all(item.type and item.sources is not None for item in items)
