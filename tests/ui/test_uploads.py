"""Uploads against a real index: refused, indexed, rolled back, never losing what was there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.pipeline import PipelineIndexer
from rag.settings import Settings
from rag.store.news_index import NewsIndex
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


def test_a_good_file_uploaded_with_a_failing_one_is_indexed_and_the_earlier_version_kept(
    seeds_index: Path, tmp_path: Path, embedder
) -> None:
    folder = tmp_path / "index"
    shutil.copytree(seeds_index, folder)
    indexer = PipelineIndexer(folder, Settings(max_article_chars=2000), embedder)
    uploads = folder / "uploads"
    first = _write(tmp_path / "v1", "report.txt", "The Orla dam opened on Tuesday to 40 visitors.")
    assert add_uploads([first], indexer, uploads, 10**6).report.added == ["report"]
    too_long = _write(tmp_path / "v2", "report.txt", "Floodgates. " * 400)
    good = _write(tmp_path / "v2", "harbour.txt", "The Kestrel harbour reopened on Friday.")
    result = add_uploads([too_long, good], indexer, uploads, 10**6)
    assert result.report.added == ["harbour"]
    [failure] = result.report.failed
    assert Path(failure.source).name == "report.txt" and "2,000" in failure.reason
    assert (uploads / "report.txt").read_text(encoding="utf-8").startswith("The Orla dam")
    assert sorted(p.name for p in uploads.iterdir()) == ["harbour.txt", "report.txt"]
    articles = NewsIndex.open(folder).articles()
    assert {"report", "harbour", WITHDRAWAL_DOC} <= set(articles)
    assert "Floodgates" not in " ".join(c.text for c in NewsIndex.open(folder).store.all())


def test_an_error_while_indexing_puts_every_earlier_upload_back(
    indexer: PipelineIndexer, tmp_path: Path
) -> None:
    uploads = indexer.index_dir / "uploads"
    first = _write(tmp_path / "v1", "notes.txt", "The Orla dam opened on Tuesday to 40 visitors.")
    add_uploads([first], indexer, uploads, 10**6)

    class Broken:
        def add(self, paths: object) -> None:
            raise RuntimeError("the store went away")

    second = _write(tmp_path / "v2", "notes.txt", "The Orla dam closed again on Friday.")
    with pytest.raises(RuntimeError):
        add_uploads([second], Broken(), uploads, 10**6)  # type: ignore[arg-type]
    assert (uploads / "notes.txt").read_text(encoding="utf-8").startswith("The Orla dam opened")
    assert sorted(p.name for p in uploads.iterdir()) == ["notes.txt"]
