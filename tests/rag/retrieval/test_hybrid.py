"""Retrieval modes: hybrid fuses both rankings; dense and lexical use one alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import Assistant, ConfigError, Settings
from rag.embedder import SentenceEmbedder
from rag.retrieval.hybrid import HybridRetriever
from rag.settings import load_settings
from rag.store.news_index import NewsIndex
from tests.conftest import WITHDRAWAL_DOC


def test_the_mode_comes_from_the_environment_and_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().retrieval == "hybrid"
    monkeypatch.setenv("RAG_RETRIEVAL", "lexical")
    assert load_settings(None).retrieval == "lexical"
    monkeypatch.setenv("RAG_RETRIEVAL", "bm25")
    with pytest.raises(ConfigError, match="retrieval='bm25'.*hybrid, dense, lexical"):
        load_settings(None)


@pytest.mark.parametrize(
    ("mode", "stages"),
    [
        ("hybrid", {"dense", "lexical", "fuse"}),
        ("dense", {"dense", "fuse"}),
        ("lexical", {"lexical", "fuse"}),
    ],
)
def test_each_mode_runs_only_its_rankings(
    seeds_index: Path, embedder: SentenceEmbedder, mode: str, stages: set[str]
) -> None:
    retriever = HybridRetriever(NewsIndex.open(seeds_index), embedder, mode=mode)
    retrieval = retriever.retrieve("When does the withdrawal end?", k=3)
    assert set(retrieval.timings) == stages
    assert retrieval.passages[0].doc_id == WITHDRAWAL_DOC
    ranks = [(p.dense_rank is not None, p.lexical_rank is not None) for p in retrieval.passages]
    if mode == "hybrid":
        assert (True, True) in ranks
    else:
        assert set(ranks) == {(mode == "dense", mode == "lexical")}


def test_an_assistant_answers_in_every_mode(seeds_index: Path, embedder: SentenceEmbedder) -> None:
    for mode in ("dense", "lexical"):
        settings = Settings(index_dir=seeds_index, retrieval=mode)
        assistant = Assistant(NewsIndex.open(seeds_index), settings, embedder)
        assert assistant.retriever.mode == mode
        assert "September 11" in assistant.ask("When does the withdrawal end?").text


def test_an_unknown_mode_is_a_config_error(seeds_index: Path, embedder: SentenceEmbedder) -> None:
    with pytest.raises(ConfigError, match="'sparse'"):
        HybridRetriever(NewsIndex.open(seeds_index), embedder, mode="sparse")
