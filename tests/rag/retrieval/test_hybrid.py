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
    with pytest.raises(ConfigError, match="retrieval='bm25'.*hybrid, rrf, dense, lexical"):
        load_settings(None)


@pytest.mark.parametrize(
    ("mode", "stages"),
    [
        ("hybrid", {"dense", "lexical", "fuse"}),
        ("rrf", {"dense", "lexical", "fuse"}),
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
    if mode in ("hybrid", "rrf"):
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


def test_a_write_published_in_the_middle_of_a_dated_query_does_not_break_it(
    seeds_copy: Path, tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    """Seen under load: another process published a write between the query's date mask and
    its use, and the query failed on two generations' chunk lists (a 500 from rag serve)."""
    from index.pipeline import index_paths
    from rag.retrieval.hybrid import DateRange

    folder = tmp_path / "index"
    assert index_paths([seeds_copy], folder, embedder=embedder, progress=False).ok
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "late.md").write_text(
        "---\ntitle: Late news\ndate: 2021-04-29\n---\nTroops left the base on Thursday.\n",
        encoding="utf-8",
    )

    class WritingMidway:
        """Embeds like the real model, but first a write lands, as from another process."""

        written = False

        def embed(self, texts):
            if not self.written:
                self.written = True
                assert index_paths([extra], folder, embedder=embedder, progress=False).ok
            return embedder.embed(texts)

    import datetime as dt

    retriever = HybridRetriever(NewsIndex.open(folder), WritingMidway())
    april = DateRange(dt.date(2021, 4, 1), dt.date(2021, 4, 30))
    first = retriever.retrieve("When does the withdrawal end?", 5, dates=april)
    assert first.passages and first.passages[0].doc_id == WITHDRAWAL_DOC
    later = retriever.retrieve("troops left the base", 5, dates=april)
    assert later.passages[0].doc_id == "late"  # the next query reads the new generation


def test_only_the_passages_kept_are_read_from_the_store(
    seeds_index: Path, embedder: SentenceEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both rankings are scored from the catalog; reading 40 candidates' texts from Chroma's
    SQLite was most of a query's retrieval time at 267k passages."""
    index = NewsIndex.open(seeds_index)
    read: list[str] = []
    get = index.store.get
    monkeypatch.setattr(index.store, "get", lambda ids: read.extend(ids) or get(ids))
    retrieval = HybridRetriever(index, embedder, candidates=40).retrieve("withdrawal", k=2)
    assert [p.chunk_id for p in retrieval.passages] == read
    stored = {c.id: c.text for c in get(read)}
    assert [p.text for p in retrieval.passages] == [stored[i] for i in read]
    assert retrieval.passages[0].doc_id == WITHDRAWAL_DOC
