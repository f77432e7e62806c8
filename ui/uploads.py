"""Articles added from the browser: checked, kept under the index, indexed incrementally.

Uploads are copied to `<index>/uploads/` so that citations name a file that stays there.
A file that fails to index as a whole leaves no trace: its copy is removed and any earlier upload of
the same name is put back, and the index itself is untouched (the pipeline skips bad input); the
other files of the upload are indexed. If indexing stops with an error, every copy is undone.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag import Indexer, IndexReport

ACCEPTED = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")


@dataclass
class UploadResult:
    """The indexing report, plus the files refused before indexing and why."""

    report: IndexReport
    rejected: list[str] = field(default_factory=list)


def add_uploads(
    files: Sequence[str | Path], indexer: Indexer, folder: Path, max_bytes: int
) -> UploadResult:
    """Check, keep and index uploaded files; refusals and failures are reported, not raised."""
    folder.mkdir(parents=True, exist_ok=True)
    rejected: list[str] = []
    kept: dict[Path, Path | None] = {}  # the copy in `folder` → the earlier upload it replaced
    for file in map(Path, files):
        problem = _problem(file, max_bytes)
        if problem:
            rejected.append(f"{file.name}: {problem}")
            continue
        target = folder / file.name
        kept[target] = _set_aside(target)
        shutil.copyfile(file, target)
    try:
        report = indexer.add(list(kept)) if kept else IndexReport()
    except BaseException:
        for target, previous in kept.items():  # nothing said what was indexed: undo every copy
            _restore(target, previous)
        raise
    # A whole-file failure is rolled back; a bad line in a JSONL file leaves its good lines.
    failed = {Path(f.source).name for f in report.failed if f.line is None}
    for target, previous in kept.items():
        if target.name in failed:
            _restore(target, previous)
        elif previous is not None:
            previous.unlink()
    return UploadResult(report, rejected)


def _problem(file: Path, max_bytes: int) -> str | None:
    if file.suffix.lower() not in ACCEPTED:
        return (
            f"{file.suffix or 'no extension'} is not an article format; use {', '.join(ACCEPTED)}"
        )
    size = file.stat().st_size
    if size > max_bytes:
        return (
            f"{size / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB limit; "
            "split it or raise RAG_UI_MAX_UPLOAD_MB"
        )
    return None


def _set_aside(target: Path) -> Path | None:
    if not target.exists():
        return None
    previous = target.with_name(f".{target.name}.previous")
    target.replace(previous)
    return previous


def _restore(target: Path, previous: Path | None) -> None:
    target.unlink(missing_ok=True)
    if previous is not None:
        previous.replace(target)
