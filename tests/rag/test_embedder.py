from collections.abc import Sequence

import numpy as np

from rag.embedder import DIMENSIONS, CachedEmbedder, SentenceEmbedder


def test_vectors_are_unit_length_and_meaningful(embedder: SentenceEmbedder) -> None:
    vectors = embedder.embed(
        ["The withdrawal ends by September 11.", "Troops leave by 11 September.", "Cats purr."]
    )
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_the_query_cache_embeds_each_text_once(embedder: SentenceEmbedder) -> None:
    seen: list[str] = []

    class Counting:
        def embed(self, texts: Sequence[str]) -> np.ndarray:
            seen.extend(texts)
            return embedder.embed(texts)

    cached = CachedEmbedder(Counting(), size=2)
    first = cached.embed(["alpha", "beta"])
    second = cached.embed(["beta", "gamma", "beta"])
    assert seen == ["alpha", "beta", "gamma"]
    assert np.allclose(second[0], first[1]) and np.allclose(second[2], first[1])
    assert np.allclose(second[1], embedder.embed(["gamma"])[0], atol=1e-3)
    assert list(cached._cache) == ["gamma", "beta"]  # bounded, least recently used dropped


def test_auto_dtype_uses_bfloat16_only_where_the_cpu_has_it(monkeypatch) -> None:
    from rag import embedder as module

    monkeypatch.setattr(module, "native_bf16", lambda: False)
    assert module.resolved_dtype("auto") == "float32"
    monkeypatch.setattr(module, "native_bf16", lambda: True)
    assert module.resolved_dtype("auto") == "bfloat16"
    assert module.resolved_dtype("float32") == "float32"
