"""Hybrid retrieval: the candidates of a dense (Chroma) and a BM25 search, ranked by a
learned model over both searches' ranks and scores, the passages' terms and their stories'
dates (rag.retrieval.ranking); by reciprocal-rank fusion and date alone without one.

`Settings.retrieval` "rrf" ranks by the fusion alone, and "dense" or "lexical" uses one
search alone: the baselines that measure what each part adds.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, replace

from rag.answers import Passage
from rag.embedder import Embedder
from rag.errors import ConfigError
from rag.retrieval.ranking import Searched, date_weight, passage_features, shipped_passage_model
from rag.settings import RETRIEVAL_MODES
from rag.store.chroma import StoredChunk
from rag.store.news_index import NewsIndex, Snapshot, day_number
from rag.time.expressions import from_json

LEXICAL_WEIGHT = 5.0  # BM25's rank weight in the fusion, against dense's 1


@dataclass(frozen=True)
class Retrieval:
    """Passages best first, with seconds spent per stage."""

    passages: list[Passage]
    timings: dict[str, float]
    notice: str = ""  # what a date range left out ("2 undated articles are not searched")
    searched: Searched | None = None  # what both searches found: what the ranking read


@dataclass(frozen=True)
class DateRange:
    """Publication dates to keep to, inclusive; None on a side leaves it open."""

    since: dt.date | None = None
    until: dt.date | None = None

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def days(self) -> tuple[int | None, int | None]:
        """The bounds as day numbers (YYYYMMDD), None where open."""
        return (
            day_number(self.since.isoformat()) if self.since else None,
            day_number(self.until.isoformat()) if self.until else None,
        )

    def describe(self) -> str:
        """ "articles from 2021-04-01 to 2021-04-30", "articles up to 2021-04-30"."""
        if self.since and self.until:
            if self.since == self.until:
                return f"articles of {self.since.isoformat()}"
            return f"articles from {self.since.isoformat()} to {self.until.isoformat()}"
        if self.since:
            return f"articles from {self.since.isoformat()} on"
        if self.until:
            return f"articles up to {self.until.isoformat()}"
        return "all articles"


class HybridRetriever:
    """Finds the passages for a query in a NewsIndex."""

    def __init__(
        self,
        index: NewsIndex,
        embedder: Embedder,
        candidates: int = 40,
        mode: str = "hybrid",
        lexical_weight: float = LEXICAL_WEIGHT,
    ) -> None:
        if mode not in RETRIEVAL_MODES:
            raise ConfigError(f"retrieval mode {mode!r} is not known; use one of {RETRIEVAL_MODES}")
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.mode = mode
        self.lexical_weight = lexical_weight  # BM25's share of the fused score, dense's is 1

    def retrieve(
        self,
        query: str,
        k: int,
        as_of: dt.date | None = None,
        dates: DateRange | None = None,
        recent: bool = False,
    ) -> Retrieval:
        """The `k` best passages for `query`, preferring those dated near `as_of`.

        `dates` restricts both rankings in the store (a Chroma `where`, a BM25 weight mask),
        so a narrow range still gives `k` passages; undated articles are then left out. A
        republished story comes back once, as its group's representative.
        `mode` "dense" or "lexical" skips the other ranking (and its timing key).
        """
        dates = dates or DateRange()
        # One snapshot for the whole query (taking it reopens the store after others wrote).
        snapshot = self.index.snapshot()
        # One 0/1 weight per chunk for the range: BM25's mask, and the dense search's ids.
        mask = snapshot.lexical_mask(*dates.days()) if dates else None
        timings: dict[str, float] = {}
        dense: list[tuple[str, float]] = []  # (chunk id, cosine similarity)
        lexical: list[tuple[str, float]] = []  # (chunk id, BM25 score)
        if self.mode != "lexical":
            started = time.perf_counter()
            vector = self.embedder.embed([query])[0]
            # A range restricts Chroma's search to its chunk ids: on 59k chunks 55 ms, where a
            # `where` on the day number took 485 ms (Chroma reads the metadata from SQLite).
            allowed = snapshot.chunks_in(mask) if mask is not None else None
            hits = self.index.store.search(vector, self.candidates, ids=allowed)
            dense = [(hit.id, 1.0 - hit.distance) for hit in hits if hit.id in snapshot.article_of]
            timings["dense"] = time.perf_counter() - started
        if self.mode != "dense":
            started = time.perf_counter()
            lexical = snapshot.lexical.search(query, self.candidates, mask)
            timings["lexical"] = time.perf_counter() - started
        started = time.perf_counter()
        searched = Searched(query, dense, lexical, as_of, recent, bool(dates))
        passages = self._fuse(snapshot, searched, k)
        timings["fuse"] = time.perf_counter() - started
        return Retrieval(passages, timings, self._left_out(snapshot, dates), searched)

    @staticmethod
    def candidates_of(snapshot: Snapshot, searched: Searched) -> list[str]:
        """The chunks both searches found, dense first, once each; a republished copy only
        through its group's representative."""
        groups, article_of = snapshot.groups, snapshot.article_of
        found = [c for c, _ in searched.dense] + [c for c, _ in searched.lexical]
        return [
            chunk_id
            for chunk_id in dict.fromkeys(found)
            if (article := article_of.get(chunk_id)) is not None
            and groups.head(article.id) == article.id
        ]

    def _learned(
        self, snapshot: Snapshot, searched: Searched, candidates: list[str]
    ) -> list[float] | None:
        """The learned ranking's score of each candidate; None in "rrf" mode, without a
        shipped model, or when the index lost its terms (the fusion ranks alone then)."""
        model = shipped_passage_model() if self.mode == "hybrid" else None
        if model is None or not candidates:
            return None
        rows = passage_features(snapshot, searched, candidates, self.lexical_weight)
        return None if rows is None else model.score(rows).tolist()

    def _left_out(self, snapshot: Snapshot, dates: DateRange) -> str:
        if not dates:
            return ""
        undated = sum(1 for a in snapshot.catalog.values() if not a.published)
        if not undated:
            return ""
        plural = "s have" if undated > 1 else " has"
        return (
            f"{undated} undated article{plural} no date to match {dates.describe()}, "
            "so the search leaves them out."
        )

    def _fuse(self, snapshot: Snapshot, searched: Searched, k: int) -> list[Passage]:
        """The `k` best of both searches' candidates. Scored from the snapshot's catalog (a
        chunk's article gives its story and date) and BM25's terms, so only the `k` kept are
        read from the store."""
        groups, article_of = snapshot.groups, snapshot.article_of
        candidates = self.candidates_of(snapshot, searched)
        scores = self._learned(snapshot, searched, candidates)
        if scores is None:
            scores = [
                searched.fused(chunk_id, self.lexical_weight)
                * date_weight(article_of[chunk_id].published, searched.as_of, searched.recent)
                for chunk_id in candidates
            ]
        scored = sorted(zip(scores, candidates, strict=True), key=lambda p: p[0], reverse=True)
        best = [(float(score), chunk_id) for score, chunk_id in scored[:k]]
        chunks = {chunk.id: chunk for chunk in self.index.store.get([c for _, c in best])}
        articles = snapshot.catalog
        passages = []
        for score, chunk_id in best:
            if chunk_id not in chunks:
                continue  # removed from the store since the snapshot was taken
            doc_id = article_of[chunk_id].id
            others = [articles[d] for d in groups.others(doc_id)]
            also_in = tuple(dict.fromkeys(a.outlet or a.title for a in others if a))
            passage = _passage(
                chunks[chunk_id],
                score,
                searched.dense_rank.get(chunk_id),
                searched.lexical_rank.get(chunk_id),
            )
            passages.append(replace(passage, also_in=also_in) if also_in else passage)
        return passages


def _passage(chunk: StoredChunk, score: float, dense: int | None, lexical: int | None) -> Passage:
    meta = chunk.metadata
    start = int(meta.get("start", 0))
    return Passage(
        chunk_id=chunk.id,
        doc_id=str(meta.get("doc_id", "")),
        text=chunk.text,
        start=start,
        end=int(meta.get("end", len(chunk.text))),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        outlet=meta.get("outlet"),
        byline=meta.get("byline"),
        published=meta.get("published"),
        score=score,
        dense_rank=dense,
        lexical_rank=lexical,
        dates=tuple(from_json(meta["dates"], chunk.text, start)) if "dates" in meta else (),
        date_inferred=bool(meta.get("date_inferred", False)),
        url=meta.get("url"),
    )
