"""Conversations that outlive a reload: kept on the server, one folder per browser.

The browser keeps only two ids in its local storage (gr.BrowserState): which browser it is
and which conversation is open. The answers themselves — with the passages their source
cards show — live in `INDEX_DIR/conversations/<browser>/<conversation>.json`, so a request
never carries a whole history, a long conversation does not run into the browser's storage
quota, and nothing but the ids is kept in the browser. A browser sees only its own folder.

    store = ConversationStore(settings.index_dir / "conversations")
    store.save(browser, conversation, answers)
    store.load(browser, conversation)        # the answers, in order
    store.listed(browser)                    # newest first: (id, title, updated)
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from rag import Answer
from rag.answers import answer_from_dict

KEPT = 30  # conversations per browser; the oldest beyond this are deleted
_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    """A fresh browser or conversation id."""
    return uuid.uuid4().hex


def valid(value: object) -> TypeGuard[str]:
    """True for an id this module made (nothing else may name a file)."""
    return isinstance(value, str) and bool(_ID.match(value))


@dataclass(frozen=True)
class Listed:
    """A saved conversation as the list shows it."""

    id: str
    title: str  # its first question
    updated: float  # seconds since the epoch


class ConversationStore:
    """The saved conversations of every browser, one JSON file per conversation."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, browser: str, conversation: str, answers: Sequence[Answer]) -> None:
        """Write the conversation (atomically: a crash leaves the old file or the new one)."""
        if not (valid(browser) and valid(conversation)) or not answers:
            return
        folder = self.folder / browser
        folder.mkdir(parents=True, exist_ok=True)
        record = {"updated": time.time(), "answers": [a.to_dict() for a in answers]}
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.replace(temporary, folder / f"{conversation}.json")
        for old in self.listed(browser)[KEPT:]:
            self.delete(browser, old.id)

    def load(self, browser: str, conversation: str) -> list[Answer]:
        """The answers of a saved conversation; [] when there is none (or it is unreadable)."""
        record = self._read(browser, conversation)
        try:
            return [answer_from_dict(a) for a in record.get("answers", [])]
        except (KeyError, TypeError, ValueError):
            return []

    def listed(self, browser: str) -> list[Listed]:
        """The browser's conversations, most recently updated first."""
        if not valid(browser) or not (self.folder / browser).is_dir():
            return []
        found = []
        for path in (self.folder / browser).glob("*.json"):
            record = self._read(browser, path.stem)
            answers = record.get("answers") or []
            if answers and isinstance(answers[0], dict):
                title = str(answers[0].get("question", ""))
                found.append(Listed(path.stem, title, float(record.get("updated", 0))))
        return sorted(found, key=lambda c: -c.updated)

    def delete(self, browser: str, conversation: str) -> None:
        """Forget one conversation."""
        if valid(browser) and valid(conversation):
            (self.folder / browser / f"{conversation}.json").unlink(missing_ok=True)

    def _read(self, browser: str, conversation: str) -> dict[str, Any]:
        if not (valid(browser) and valid(conversation)):
            return {}
        path = self.folder / browser / f"{conversation}.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}
