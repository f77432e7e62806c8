"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank, then dated.

Either ranking can also be used alone (`Settings.retrieval`), to measure what fusion adds.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from rag.answers import Passage
from rag.embedder import Embedder
from rag.errors import ConfigError
from rag.settings import RETRIEVAL_MODES
from rag.store.chroma import StoredChunk
from rag.store.news_index import NewsIndex

RRF_K = 60  # the constant of Cormack et al. (2009); flattens the head of each ranking


@dataclass(frozen=True)
class Retrieval:
    """Passages best first, with seconds spent per stage."""

    passages: list[Passage]
    timings: dict[str, float]


def date_weight(published: str | None, as_of: dt.date | None) -> float:
    """How much a passage's date suits a question asked on `as_of` (1.0 = same day).

    News questions say "this week": the freshest article on or before the date is usually
    the right one; later articles cannot have been the source; undated ones are neutral-low.
    """
    if as_of is None:
        return 1.0
    if not published:
        return 0.8
    age = (as_of - dt.date.fromisoformat(published)).days
    if age < 0:
        return 0.5
    return 0.7 + 0.3 * math.exp(-age / 30)


class HybridRetriever:
    """Finds the passages for a query in a NewsIndex."""

    def __init__(
        self, index: NewsIndex, embedder: Embedder, candidates: int = 40, mode: str = "hybrid"
    ) -> None:
        if mode not in RETRIEVAL_MODES:
            raise ConfigError(f"retrieval mode {mode!r} is not known; use one of {RETRIEVAL_MODES}")
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.mode = mode

    def retrieve(self, query: str, k: int, as_of: dt.date | None = None) -> Retrieval:
        """The `k` best passages for `query`, preferring those dated near `as_of`.

        `mode` "dense" or "lexical" skips the other ranking (and its timing key).
        """
        timings: dict[str, float] = {}
        dense: list[StoredChunk] = []
        lexical: list[tuple[str, float]] = []
        if self.mode != "lexical":
            started = time.perf_counter()
            vector = self.embedder.embed([query])[0]
            current = self.index.chunk_ids()  # first: it reopens the store after others wrote
            hits = self.index.store.search(vector, self.candidates)
            dense = [chunk for chunk in hits if chunk.id in current]
            timings["dense"] = time.perf_counter() - started
        if self.mode != "dense":
            started = time.perf_counter()
            lexical = self.index.lexical().search(query, self.candidates)
            timings["lexical"] = time.perf_counter() - started
        started = time.perf_counter()
        passages = self._fuse(dense, [chunk_id for chunk_id, _ in lexical], k, as_of)
        timings["fuse"] = time.perf_counter() - started
        return Retrieval(passages, timings)

    def _fuse(
        self, dense: list[StoredChunk], lexical_ids: list[str], k: int, as_of: dt.date | None
    ) -> list[Passage]:
        dense_rank = {chunk.id: rank for rank, chunk in enumerate(dense, 1)}
        lexical_rank = {chunk_id: rank for rank, chunk_id in enumerate(lexical_ids, 1)}
        chunks = {chunk.id: chunk for chunk in dense}
        missing = [chunk_id for chunk_id in lexical_ids if chunk_id not in chunks]
        chunks.update({chunk.id: chunk for chunk in self.index.store.get(missing)})
        scored = []
        for chunk_id, chunk in chunks.items():
            fused = sum(
                1 / (RRF_K + ranks[chunk_id])
                for ranks in (dense_rank, lexical_rank)
                if chunk_id in ranks
            )
            scored.append((fused * date_weight(chunk.metadata.get("published"), as_of), chunk))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return [
            _passage(chunk, score, dense_rank.get(chunk.id), lexical_rank.get(chunk.id))
            for score, chunk in scored[:k]
        ]


def _passage(chunk: StoredChunk, score: float, dense: int | None, lexical: int | None) -> Passage:
    meta = chunk.metadata
    return Passage(
        chunk_id=chunk.id,
        doc_id=str(meta.get("doc_id", "")),
        text=chunk.text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", len(chunk.text))),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        outlet=meta.get("outlet"),
        byline=meta.get("byline"),
        published=meta.get("published"),
        score=score,
        dense_rank=dense,
        lexical_rank=lexical,
    )
