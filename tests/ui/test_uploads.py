"""Uploads against a real index: refused, indexed, rolled back, never losing what was there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.pipeline import PipelineIndexer
from rag.news_index import NewsIndex
from tests.conftest import WITHDRAWAL_DOC
from ui.uploads import add_uploads


@pytest.fixture()
def indexer(seeds_index: Path, tmp_path: Path, embedder) -> PipelineIndexer:
    folder = tmp_path / "index"
    shutil.copytree(seeds_index, folder)
    return PipelineIndexer(folder, embedder=embedder)


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_wrong_type_and_oversize_files_are_refused_before_indexing(
    indexer: PipelineIndexer, tmp_path: Path
) -> None:
    picked = tmp_path / "picked"
    files = [
        _write(picked, "slides.pdf", b"%PDF-1.7"),
        _write(picked, "huge.txt", "word " * 400),
        _write(picked, "ok.md", "# Dam opens\n\nThe Orla dam opened on Tuesday to 40 visitors."),
    ]
    result = add_uploads(files, indexer, indexer.index_dir / "uploads", max_bytes=1000)
    assert result.report.added == ["ok"]
    assert any(r.startswith("slides.pdf: .pdf is not an article format") for r in result.rejected)
    assert any(r.startswith("huge.txt:") and "RAG_UI_MAX_UPLOAD_MB" in r for r in result.rejected)
    assert sorted(p.name for p in (indexer.index_dir / "uploads").iterdir()) == ["ok.md"]


def test_a_bad_replacement_keeps_the_earlier_upload_and_its_article(
    indexer: PipelineIndexer, tmp_path: Path
) -> None:
    uploads = indexer.index_dir / "uploads"
    good = _write(tmp_path / "v1", "notes.txt", "The Orla dam opened on Tuesday to 40 visitors.")
    assert add_uploads([good], indexer, uploads, 10**6).report.added == ["notes"]
    bad = _write(tmp_path / "v2", "notes.txt", b"\x00\x01binary\x00" * 50)
    result = add_uploads([bad], indexer, uploads, 10**6)
    assert [f.reason for f in result.report.failed][0].startswith("looks binary")
    assert (uploads / "notes.txt").read_text(encoding="utf-8").startswith("The Orla dam")
    assert not list(uploads.glob(".*previous"))
    articles = NewsIndex.open(indexer.index_dir).articles()
    assert set(articles) >= {"notes", WITHDRAWAL_DOC}
