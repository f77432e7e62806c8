"""The learned passage ranking: its features, the shipped model, and rank fusion without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.embedder import SentenceEmbedder
from rag.errors import ModelNotFoundError
from rag.retrieval.hybrid import LEXICAL_WEIGHT, HybridRetriever
from rag.retrieval.lexical import LexicalIndex
from rag.retrieval.ranking import (
    APART,
    PASSAGE_FEATURES,
    RRF_K,
    UNRANKED,
    PassageModel,
    Searched,
    _adjacent,
    _window,
    date_weight,
    passage_features,
    shipped_passage_model,
)
from rag.store.news_index import NewsIndex
from rag.trees import Trees
from tests.conftest import WITHDRAWAL_DOC

QUESTION = "When does the Afghan drawdown end?"
AS_OF = dt.date(2021, 4, 30)


def _column(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, PASSAGE_FEATURES.index(name)]


@pytest.fixture()
def found(seeds_index: Path, embedder: SentenceEmbedder) -> tuple[Any, np.ndarray]:
    """The seeds' candidates for the withdrawal question, and their feature rows."""
    index = NewsIndex.open(seeds_index)
    retrieval = HybridRetriever(index, embedder).retrieve(QUESTION, k=3, as_of=AS_OF)
    snapshot, searched = index.snapshot(), retrieval.searched
    assert searched is not None and searched.as_of == AS_OF
    ids = HybridRetriever.candidates_of(snapshot, searched)
    rows = passage_features(snapshot, searched, ids, LEXICAL_WEIGHT)
    assert rows is not None
    return (retrieval, ids, searched.dense, searched.lexical, snapshot), rows


def test_the_window_is_the_fewest_tokens_holding_every_question_term() -> None:
    assert _window([1, 9, 2, 9, 9, 1, 2], {1, 2}) == 1.0  # "1 2" at the end: 2 tokens / 2
    assert _window([1, 9, 9, 2], {1, 2}) == 2.0
    assert _window([5, 6], set()) == APART
    assert _adjacent([1, 2, 3, 1, 2], {(1, 2), (2, 3), (7, 8)}) == 1.0  # 3 pairs found / 3
    assert _adjacent([1, 3], {(1, 2)}) == 0.0


def test_each_candidate_gets_its_ranks_words_and_date(found: Any) -> None:
    (_, ids, dense, lexical, snapshot), rows = found
    assert rows.shape == (len(ids), len(PASSAGE_FEATURES))
    dense_rank, lexical_rank = _column(rows, "dense_rank"), _column(rows, "lexical_rank")
    assert dense_rank[ids.index(dense[0][0])] == 1
    assert lexical_rank[ids.index(lexical[0][0])] == 1
    for at, chunk_id in enumerate(ids):
        article = snapshot.article_of[chunk_id]
        assert _column(rows, "position")[at] == article.chunk_ids.index(chunk_id)
        published = dt.date.fromisoformat(article.published)
        assert _column(rows, "age")[at] == (AS_OF - published).days
        fused = (1 / (RRF_K + dense_rank[at]) if dense_rank[at] != UNRANKED else 0) + (
            LEXICAL_WEIGHT / (RRF_K + lexical_rank[at]) if lexical_rank[at] != UNRANKED else 0
        )
        assert _column(rows, "fused")[at] == pytest.approx(fused)
        weight = date_weight(article.published, AS_OF)
        assert _column(rows, "fused_dated")[at] == pytest.approx(fused * weight)
    coverage = _column(rows, "coverage")
    assert coverage.min() >= 0 and coverage.max() <= 1
    # The withdrawal article's passages hold more of the question than the other's.
    of_withdrawal = [snapshot.article_of[c].id == WITHDRAWAL_DOC for c in ids]
    assert coverage[of_withdrawal].max() > coverage[~np.array(of_withdrawal)].max()
    assert _column(rows, "title_coverage")[of_withdrawal].max() > 0


def test_the_hybrid_ranks_by_the_shipped_model(found: Any) -> None:
    (retrieval, ids, *_), rows = found
    model = shipped_passage_model()
    assert model is not None, "the package ships rag/retrieval/passage_model.json"
    scores = model.score(rows)
    best = np.argsort(-scores, kind="stable")[:3]
    assert [p.chunk_id for p in retrieval.passages] == [ids[i] for i in best]
    assert [p.score for p in retrieval.passages] == pytest.approx(scores[best].tolist())
    assert retrieval.passages[0].doc_id == WITHDRAWAL_DOC


def test_rrf_and_an_index_without_its_terms_rank_by_fusion(
    found: Any, seeds_index: Path, embedder: SentenceEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    (_, ids, *_), rows = found
    fused = _column(rows, "fused_dated")
    expected = [ids[i] for i in np.argsort(-fused, kind="stable")[:3]]
    index = NewsIndex.open(seeds_index)
    rrf = HybridRetriever(index, embedder, mode="rrf").retrieve(QUESTION, k=3, as_of=AS_OF)
    assert [p.chunk_id for p in rrf.passages] == expected
    monkeypatch.setattr(LexicalIndex, "terms_of", lambda self, chunk_ids: None)
    lost = HybridRetriever(index, embedder).retrieve(QUESTION, k=3, as_of=AS_OF)
    assert [p.chunk_id for p in lost.passages] == expected


def test_a_model_reads_back_as_saved_and_refuses_other_features(tmp_path: Path) -> None:
    trees = Trees(
        roots=np.array([0]),
        feature=np.array([PASSAGE_FEATURES.index("coverage"), -1, -1]),
        threshold=np.array([0.5, 0.0, 0.0]),
        left=np.array([1, 1, 2]),
        right=np.array([2, 1, 2]),
        value=np.array([0.0, -1.0, 1.0]),
        depth=1,
    )
    importance = tuple(float(name == "coverage") for name in PASSAGE_FEATURES)
    model = PassageModel(trees, "a test", importance)
    path = tmp_path / "passage_model.json"
    model.save(path)
    again = PassageModel.load(path)
    rows = np.zeros((2, len(PASSAGE_FEATURES)))
    rows[1, PASSAGE_FEATURES.index("coverage")] = 0.9
    assert again.score(rows).tolist() == [-1.0, 1.0]
    assert again.importance == importance and again.about == "a test"
    path.write_text(path.read_text().replace('"coverage"', '"overlap"'))
    with pytest.raises(ModelNotFoundError, match=r"eval\.passages --save"):
        PassageModel.load(path)


def test_a_passage_one_search_missed_ranks_below_every_candidate_asked_for() -> None:
    from types import SimpleNamespace

    from rag.store.news_index import ArticleInfo

    ids = [f"c{i}" for i in range(60)]
    lexical_index = LexicalIndex.build(ids, [f"harbour strike day {i}" for i in range(60)])
    article = ArticleInfo("a", "h", "Harbour strike", "s", None, None, None, None, tuple(ids))
    snapshot = SimpleNamespace(
        lexical=lexical_index,
        article_of=dict.fromkeys(ids, article),
        title_terms=lambda _: frozenset(lexical_index.term_ids("Harbour strike")),
    )
    dense = [(c, 0.5) for c in ids[:60]]  # 60 candidates asked for, not 40
    lexical = [("c59", 2.0)]
    searched = Searched("harbour strike", dense, lexical)
    rows = passage_features(snapshot, searched, ids, 5.0)  # type: ignore[arg-type]
    assert rows is not None
    assert _column(rows, "dense_rank").tolist() == list(range(1, 61))
    assert _column(rows, "lexical_rank")[0] == 61, "below the 60th, not at 41"
    assert _column(rows, "lexical_rank")[59] == 1
    assert set(_column(rows, "age")) == {0}, "no day asked for: every story alike"
    assert set(_column(rows, "title_coverage")) == {1.0}
