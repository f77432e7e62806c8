"""`rag index --engine ray`: a real local Ray, the real embedding model, a real Chroma folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import ray_pipeline
from index.pipeline import index_paths
from index.ray_pipeline import index_paths_ray
from rag import Settings
from rag.store.news_index import IndexWriter, NewsIndex

ray = pytest.importorskip("ray", reason="make test installs the [scale] extra")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray for the module (starting one costs seconds), stopped at the end."""
    ray_pipeline._connect(None)
    yield
    ray.shutdown()


def _stored(folder: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every chunk's text and metadata by id, less the time it was written."""
    rows = NewsIndex.open(folder).store.all()
    return {
        c.id: (c.text, {k: v for k, v in c.metadata.items() if k != "indexed_at"}) for c in rows
    }


def _inputs(seeds_copy: Path) -> list[Path]:
    (seeds_copy / "empty.jsonl").write_text("", encoding="utf-8")
    (seeds_copy / "notes.pdf").write_bytes(b"%PDF-1.4")
    return [seeds_copy, seeds_copy / "notes.pdf"]


def test_ray_stores_the_local_pipelines_chunks_and_reports_bad_input_alike(
    local_ray: None, seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    inputs = _inputs(seeds_copy)
    local = index_paths(inputs, tmp_path / "local", embedder=embedder, progress=False)
    spread = index_paths_ray(inputs, tmp_path / "ray", Settings(), progress=False)
    assert _stored(tmp_path / "ray") == _stored(tmp_path / "local")
    assert len(_stored(tmp_path / "ray")) == spread.chunks_embedded > 0
    assert [str(e) for e in spread.failed] == [str(e) for e in local.failed]
    assert len(spread.failed) == 2 and sorted(spread.added) == sorted(local.added)
    again = index_paths_ray(inputs, tmp_path / "ray", Settings(), progress=False)
    assert again.chunks_embedded == 0 and sorted(again.unchanged) == sorted(local.added)


def test_an_interrupted_ray_run_resumes_without_embedding_anything_twice(
    local_ray: None, seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ray_pipeline, "EMBED_BATCH", 1)  # one article per write
    put = IndexWriter.put
    calls = []

    def interrupted(self: IndexWriter, updates: Any) -> None:
        calls.append(len(updates))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C after the first article is stored
        put(self, updates)

    monkeypatch.setattr(IndexWriter, "put", interrupted)
    with pytest.raises(KeyboardInterrupt):
        index_paths_ray([seeds_copy], tmp_path / "ray", Settings(), progress=False)
    monkeypatch.setattr(IndexWriter, "put", put)
    first = _stored(tmp_path / "ray")
    assert len(NewsIndex.open(tmp_path / "ray").articles()) == 1
    resumed = index_paths_ray([seeds_copy], tmp_path / "ray", Settings(), progress=False)
    assert len(resumed.unchanged) == 1 and len(resumed.added) == 1
    everything = _stored(tmp_path / "ray")
    assert resumed.chunks_embedded == len(everything) - len(first)
    assert set(first) < set(everything)
