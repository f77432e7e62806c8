"""Evaluation datasets: JSON Lines of questions, checked line by line, conversations expanded.

    dataset = load_dataset(Path("eval/datasets/seeds.jsonl"))
    for problem in dataset.skipped:
        print(problem)                      # "seeds.jsonl:7: missing `question` ..."
    for dialogue in dataset.dialogues:      # one per line; ask its items in order
        ...

A line is `{"id", "question", "answers", ...}` or `{"id", "turns": [{"question", "answers"}, ...]}`;
see eval/README.md. A bad line is skipped and reported with its line number; the rest load.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import InputError


@dataclass(frozen=True)
class Item:
    """One scored question: a line, or one turn of a conversation (id `conv3#2`).

    Unanswerable (the system should abstain) when `answers` is empty, or when `sources` was
    given and is empty: no corpus document holds the answer (RealTimeQA dev gives every
    question its quiz answer, and `docs_containing_answer: []` where the corpus lacks it).
    """

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...] | None  # None: not given
    asked_on: str | None
    choices: tuple[str, ...]
    type: str
    line: int

    @property
    def answerable(self) -> bool:
        """True when the corpus is expected to answer this question."""
        return bool(self.answers) and (self.sources is None or bool(self.sources))


@dataclass(frozen=True)
class Dialogue:
    """The items of one line, asked in order; each turn sees the earlier ones as history."""

    id: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Dataset:
    """The dialogues of a file and the lines skipped as unusable."""

    path: Path
    dialogues: tuple[Dialogue, ...]
    skipped: tuple[InputError, ...]

    @property
    def items(self) -> list[Item]:
        """Every scored question, in the order asked."""
        return [item for dialogue in self.dialogues for item in dialogue.items]


def load_dataset(path: Path) -> Dataset:
    """Read `path`; a bad line becomes an InputError in `skipped` (file, line, reason)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(str(path), f"cannot read the dataset: {error}") from None
    dialogues: list[Dialogue] = []
    skipped: list[InputError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            dialogue = _dialogue(raw, number)
            if dialogue.id in seen:
                first = seen[dialogue.id]
                raise ValueError(f"duplicate id {dialogue.id!r}: already used on line {first}")
        except ValueError as error:
            skipped.append(InputError(str(path), str(error), line=number))
            continue
        seen[dialogue.id] = number
        dialogues.append(dialogue)
    return Dataset(path, tuple(dialogues), tuple(skipped))


def _dialogue(raw: str, line: int) -> Dialogue:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    identifier = record.get("id")
    if not isinstance(identifier, str | int) or isinstance(identifier, bool) or identifier == "":
        raise ValueError("missing `id` (a unique string naming the question)")
    identifier = str(identifier)
    if "turns" not in record:
        return Dialogue(identifier, (_item(record, record, identifier, line),))
    turns = record["turns"]
    if not isinstance(turns, list) or not turns or not all(isinstance(t, dict) for t in turns):
        raise ValueError("`turns` must be a non-empty list of {question, answers} objects")
    if "question" in record:
        raise ValueError("give either `question` or `turns`, not both")
    items = [
        _item(turn, record, f"{identifier}#{number}", line, where=f"turn {number}: ")
        for number, turn in enumerate(turns, 1)
    ]
    return Dialogue(identifier, tuple(items))


def _item(
    fields: dict[str, Any], parent: dict[str, Any], item_id: str, line: int, where: str = ""
) -> Item:
    """An Item from a line (`fields is parent`) or a turn, which inherits what it lacks."""
    try:
        question = fields.get("question")
        if not isinstance(question, str) or not question.strip():
            raise ValueError("missing `question` (the text to ask)")
        answers = _strings(fields, "answers", required=True) or ()
        sources = _sources(fields) if _has_sources(fields) else _sources(parent)
        asked_on = _date(parent.get("asked_on"))
        kind = fields.get("type", parent.get("type"))
        if kind is not None and (not isinstance(kind, str) or not kind.strip()):
            raise ValueError(f"`type` must be a non-empty string, got {kind!r}")
    except ValueError as error:
        raise ValueError(f"{where}{error}") from None
    choices = _strings(fields, "choices") or ()
    answerable = bool(answers) and (sources is None or bool(sources))
    kind = kind or ("answerable" if answerable else "unanswerable")
    return Item(item_id, question, answers, sources, asked_on, choices, kind, line)


def _has_sources(fields: dict[str, Any]) -> bool:
    return "sources" in fields or "docs_containing_answer" in fields


def _sources(fields: dict[str, Any]) -> tuple[str, ...] | None:
    """`sources` and `docs_containing_answer` together; None when neither is given."""
    if not _has_sources(fields):
        return None
    found = (_strings(fields, "sources") or ()) + (_strings(fields, "docs_containing_answer") or ())
    return tuple(dict.fromkeys(found))


def _strings(fields: dict[str, Any], name: str, required: bool = False) -> tuple[str, ...] | None:
    if name not in fields:
        if required:
            raise ValueError(
                f"missing `{name}` (a list of acceptable answers; [] when the corpus has none)"
            )
        return None
    value = fields[name]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"`{name}` must be a list of strings, got {json.dumps(value)[:60]}")
    return tuple(value)


def _date(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) == len("YYYY-MM-DD"):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ValueError(f"`asked_on` is {value!r}; write the date as YYYY-MM-DD")
