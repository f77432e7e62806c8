"""A learned ranking of the passages the two searches find, in place of rank fusion alone.

Reciprocal-rank fusion sees only where each search placed a passage. The passages that hold
an answer differ in more than that: how much of the question's weighted words they hold,
and how close together; whether another part of the same article also matched; where in
its article a passage stands; how old the story is. The ranking scores each candidate by
trees over those features (the fused rank among them), fitted with LightGBM's lambdarank on
the 2023–2024 RealTimeQA weeks by `python -m eval.passages` and shipped as flat arrays
scored with numpy, like the short-answer ranker.

    model = shipped_passage_model()
    rows = passage_features(snapshot, searched, chunk_ids, lexical_weight=5.0)
    order = np.argsort(-model.score(rows))
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.trees import Trees, load_model, save_model

if TYPE_CHECKING:
    from rag.store.news_index import Snapshot

PASSAGE_MODEL_FILE = Path(__file__).with_name("passage_model.json")
RRF_K = 60  # the constant of Cormack et al. (2009); flattens the head of each ranking
# The rank of a passage a search did not return: one below its last of the 40 candidates
# fitted on (below the last of more, when more are asked for).
UNRANKED = 41
APART = 50.0  # the window of a passage that holds none of the question's words
UNDATED = 3650  # the age of an undated story, in days (with no day asked for, all are 0)


@dataclass(frozen=True)
class Searched:
    """What both searches found for one query, best first, and what the query asked for."""

    query: str
    dense: Sequence[tuple[str, float]] = ()  # (chunk id, cosine similarity)
    lexical: Sequence[tuple[str, float]] = ()  # (chunk id, BM25 score)
    as_of: dt.date | None = None  # the day asked for
    recent: bool = False  # "the latest": the date prior is steeper
    dated: bool = False  # the searches kept to a date range

    @cached_property
    def dense_rank(self) -> dict[str, int]:
        """Each chunk the dense search returned, by its rank (from 1)."""
        return {chunk_id: rank for rank, (chunk_id, _) in enumerate(self.dense, 1)}

    @cached_property
    def lexical_rank(self) -> dict[str, int]:
        """Each chunk BM25 returned, by its rank (from 1)."""
        return {chunk_id: rank for rank, (chunk_id, _) in enumerate(self.lexical, 1)}

    def fused(self, chunk_id: str, lexical_weight: float) -> float:
        """Reciprocal-rank fusion of the chunk's two ranks, BM25's weighing `lexical_weight`
        against dense's 1 (0 for a chunk neither search returned)."""
        return sum(
            share / (RRF_K + ranks[chunk_id])
            for share, ranks in ((1.0, self.dense_rank), (lexical_weight, self.lexical_rank))
            if chunk_id in ranks
        )


def story_age(published: str | None, as_of: dt.date | None) -> int | None:
    """Days from a story's publication (an ISO day) to the day asked for; negative when it
    was published after that day; None without either."""
    if as_of is None or not published:
        return None
    return (as_of - dt.date.fromisoformat(published)).days


def date_weight(published: str | None, as_of: dt.date | None, recent: bool = False) -> float:
    """How much a passage's date suits a question asked on `as_of` (1.0 = same day).

    News questions say "this week": the freshest article on or before the date is usually
    the right one; later articles cannot have been the source; undated ones are neutral-low.
    """
    if as_of is None:
        return 1.0
    age = story_age(published, as_of)
    if age is None:
        return 0.8
    if age < 0:
        return 0.5
    if recent:  # "the latest": a week's age costs as much as a month's otherwise
        return 0.4 + 0.6 * math.exp(-age / 7)
    return 0.7 + 0.3 * math.exp(-age / 30)


PASSAGE_FEATURES = (
    "dense_rank",  # rank in the dense search (UNRANKED or below: not returned)
    "dense_similarity",  # cosine similarity to the question (0: not returned)
    "dense_gap",  # below the best dense similarity (1: not returned)
    "lexical_rank",  # rank in BM25 (UNRANKED or below: not returned)
    "lexical_score",  # BM25 score (0: not returned)
    "lexical_share",  # BM25 score over the best one's
    "fused",  # reciprocal-rank fusion of both ranks, BM25 weighted
    "date_weight",  # how well the story's date suits the day asked for (date_weight)
    "fused_dated",  # fused × date_weight: the ranking before this one
    "age",  # days from the story to the day asked for (UNDATED, or 0 with no day asked)
    "dated",  # the search kept to a date range
    "position",  # the passage's place in its article (0: the lead)
    "article_passages",  # passages in its article
    "siblings",  # other candidates from its article
    "coverage",  # share of the question's idf-weighted terms in the passage
    "terms",  # share of the question's distinct terms in the passage
    "title_coverage",  # share of the question's idf-weighted terms in the headline
    "bigrams",  # the question's adjacent term pairs found adjacent, over their number
    "window",  # tokens spanning all the question's terms present, per term (APART: none)
    "article_lexical",  # the best BM25 share among its article's candidates
    "article_dense",  # the best dense similarity among its article's candidates
)


def passage_features(
    snapshot: Snapshot, searched: Searched, chunk_ids: Sequence[str], lexical_weight: float
) -> np.ndarray | None:
    """One row of PASSAGE_FEATURES per chunk of `chunk_ids` (among those `searched` found);
    None when the index no longer has its chunks' terms (built before they were kept)."""
    index, dense, lexical, as_of = (
        snapshot.lexical,
        searched.dense,
        searched.lexical,
        searched.as_of,
    )
    texts = index.terms_of(chunk_ids)
    if texts is None:
        return None
    similarity, score = dict(dense), dict(lexical)
    unranked = max(UNRANKED, len(dense) + 1, len(lexical) + 1)
    best_similarity = dense[0][1] if dense else 1.0
    best_score = lexical[0][1] if lexical else 1.0
    asked = index.term_ids(searched.query)
    question = set(asked)
    idf = index.term_idf(question)
    mass = sum(idf.values()) or 1.0
    pairs = set(zip(asked, asked[1:], strict=False))
    article_of = snapshot.article_of
    by_article: dict[str, list[str]] = {}
    for chunk_id in chunk_ids:
        by_article.setdefault(article_of[chunk_id].id, []).append(chunk_id)
    # Each article's best match among its candidates, once per article.
    article_lexical = {
        a: max(score.get(c, 0.0) for c in family) / best_score if best_score else 0.0
        for a, family in by_article.items()
    }
    article_dense = {
        a: max(similarity.get(c, 0.0) for c in family) for a, family in by_article.items()
    }
    rows = []
    for chunk_id, terms in zip(chunk_ids, texts, strict=True):
        article = article_of[chunk_id]
        fused = searched.fused(chunk_id, lexical_weight)
        weight = date_weight(article.published, as_of, searched.recent)
        age = story_age(article.published, as_of)
        if age is None:
            age = 0 if as_of is None else UNDATED
        listed = terms.tolist()
        present = question.intersection(listed)
        headline = question.intersection(snapshot.title_terms(article.id))
        rows.append(
            [
                searched.dense_rank.get(chunk_id, unranked),
                similarity.get(chunk_id, 0.0),
                best_similarity - similarity[chunk_id] if chunk_id in similarity else 1.0,
                searched.lexical_rank.get(chunk_id, unranked),
                score.get(chunk_id, 0.0),
                score.get(chunk_id, 0.0) / best_score if best_score else 0.0,
                fused,
                weight,
                fused * weight,
                age,
                float(searched.dated),
                article.chunk_ids.index(chunk_id),
                len(article.chunk_ids),
                len(by_article[article.id]) - 1,
                sum(idf[t] for t in present) / mass,
                len(present) / max(len(question), 1),
                sum(idf[t] for t in headline) / mass,
                _adjacent(listed, pairs),
                _window(listed, present),
                article_lexical[article.id],
                article_dense[article.id],
            ]
        )
    return np.array(rows, dtype=float).reshape(-1, len(PASSAGE_FEATURES))


def _adjacent(terms: list[int], pairs: set[tuple[int, int]]) -> float:
    """How many adjacent term pairs of `terms` are among `pairs`, over their number."""
    if not pairs:
        return 0.0
    return sum(1 for pair in zip(terms, terms[1:], strict=False) if pair in pairs) / len(pairs)


def _window(terms: list[int], present: set[int]) -> float:
    """The fewest consecutive tokens of `terms` holding every term of `present`, per term."""
    if not present:
        return APART
    hits = [(at, term) for at, term in enumerate(terms) if term in present]
    counts: dict[int, int] = {}
    shortest, held, first = len(terms) + 1, 0, 0
    for at, term in hits:
        counts[term] = counts.get(term, 0) + 1
        held += counts[term] == 1
        while held == len(present):
            start, dropped = hits[first]
            shortest = min(shortest, at - start + 1)
            counts[dropped] -= 1
            held -= counts[dropped] == 0
            first += 1
    return shortest / len(present)


@dataclass(frozen=True)
class PassageModel:
    """Trees scoring rows of PASSAGE_FEATURES: higher first."""

    trees: Trees
    about: str = ""
    importance: tuple[float, ...] = ()  # each feature's share of the trees' gain

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Each row's score."""
        return self.trees.score(rows)

    def save(self, path: Path = PASSAGE_MODEL_FILE) -> None:
        """Write the model as JSON (rag.trees.save_model)."""
        importance = self.importance or (0.0,) * len(PASSAGE_FEATURES)
        save_model(path, PASSAGE_FEATURES, importance, self.trees, about=self.about)

    @classmethod
    def load(cls, path: Path = PASSAGE_MODEL_FILE) -> PassageModel:
        """The model saved at `path`."""
        record, trees, importance = load_model(
            path, PASSAGE_FEATURES, "python -m eval.passages --save"
        )
        return cls(trees, record.get("about", ""), importance)


@cache
def shipped_passage_model() -> PassageModel | None:
    """The fitted ranking that comes with the package; None without one."""
    if not PASSAGE_MODEL_FILE.is_file():
        return None
    return PassageModel.load()
