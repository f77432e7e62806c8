"""Fitted weights saved as JSON, each beside its name, so a reader sees what counts and a
model saved before a name was added still loads (the new name weighs 0)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def save_weights(
    path: Path, key: str, names: Sequence[str], weights: Sequence[float], **rest: Any
) -> None:
    """Write `{key: {name: weight}, **rest}` to `path`."""
    record = {key: dict(zip(names, weights, strict=True)), **rest}
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def load_weights(path: Path, key: str, names: Sequence[str]) -> tuple[tuple[float, ...], dict]:
    """The weights of `names` in the order given, and the whole record."""
    record = json.loads(path.read_text(encoding="utf-8"))
    return tuple(float(record[key].get(name, 0.0)) for name in names), record
