"""What adding articles reports, and the interface the web chat uses to add and remove them.

The implementation lives in `index.pipeline`; front ends receive it as an `Indexer`, so they
depend on `rag` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rag.errors import InputError


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[InputError] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_kept: int = 0
    seconds: float = 0.0
    # Where the time went: "embed" (the model), "store" (Chroma writes), "publish" (BM25 and
    # catalog after the last write) and "prepare" (reading, cleaning, chunking, dates, MinHash:
    # the rest). Filled by the local pipeline.
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every input was indexed."""
        return not self.failed

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.failed)} failed; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f}s"
        )


class Indexer(Protocol):
    """Adds files to one index and removes articles from it."""

    def add(self, paths: Sequence[Path]) -> IndexReport:
        """Index files incrementally; bad inputs are reported in `failed`, not raised."""
        ...

    def remove(self, doc_ids: Sequence[str]) -> tuple[list[str], list[str]]:
        """Delete articles by id; returns (removed, not found)."""
        ...
