"""Many questions at once while another process writes to the same index."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index.pipeline import index_paths
from rag import Assistant, Settings
from rag.embedder import DIMENSIONS
from rag.store.chroma import ChunkStore
from rag.store.news_index import NewsIndex
from tests.conftest import SEEDS, WITHDRAWAL_DOC

ARTICLE = """---
title: Ferry to {place} adds a night crossing
date: 2021-05-0{day}
outlet: Test Gazette
---
The ferry company said the {place} line will add a night crossing from June, carrying up to
{day}00 passengers. Tickets go on sale next week.
"""
PLACES = ["Arlen", "Brisk", "Corran", "Dunmore", "Elsby", "Fenwick"]


def test_ten_concurrent_questions_during_a_write_by_another_process_are_all_right(
    tmp_path: Path, embedder
) -> None:
    folder = tmp_path / "index"
    assert index_paths([SEEDS], folder, embedder=embedder, progress=False).ok
    assistant = Assistant(NewsIndex.open(folder), Settings(index_dir=folder), embedder)
    assistant.ask("When does the withdrawal end?")  # warm: the model and BM25 loaded
    more = tmp_path / "more"
    more.mkdir()
    for day, place in enumerate(PLACES, 1):
        (more / f"ferry-{place}.md").write_text(ARTICLE.format(place=place, day=day), "utf-8")
    writer = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "index", str(more), "--index", str(folder), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers = []
    with ThreadPoolExecutor(10) as pool:
        for _ in range(200):  # rounds of 10 at once for as long as the writer runs (bounded)
            answers += pool.map(assistant.ask, ["When does the withdrawal end?"] * 10)
            if writer.poll() is not None:
                break
    out, err = writer.communicate(timeout=600)
    assert writer.returncode == 0, err
    assert "6 added" in out
    for answer in answers:
        assert not answer.abstained
        assert answer.short and "September 11" in answer.short
        assert answer.citations[0].doc_id == WITHDRAWAL_DOC
    # The readers then see the writer's articles too.
    assert len(assistant.articles()) == 8
    assert assistant.search("night ferry to Corran", k=1)[0].doc_id == "ferry-Corran"


def test_vectors_load_in_a_thread_while_the_first_question_is_read(
    tmp_path: Path, embedder
) -> None:
    folder = tmp_path / "index"
    assert index_paths([SEEDS], folder, embedder=embedder, progress=False).ok
    index = NewsIndex.open(folder)
    loading = index.store.preload(DIMENSIONS)
    assert loading is not None and loading.name == "chroma-preload"
    answer = Assistant(index, Settings(index_dir=folder), embedder).ask(
        "When does the withdrawal end?"
    )
    loading.join(timeout=120)
    assert not loading.is_alive()
    assert answer.short and "September 11" in answer.short
    assert answer.citations[0].doc_id == WITHDRAWAL_DOC
    # A probe Chroma refuses (the wrong width) ends quietly; searches still answer.
    refused = index.store.preload(7)
    assert refused is not None
    refused.join(timeout=120)
    vector = embedder.embed(["withdrawal from Afghanistan"])[0]
    nearest = index.store.search(vector, 1)[0]
    assert index.store.get([nearest.id])[0].metadata["doc_id"] == WITHDRAWAL_DOC


def test_listing_the_articles_loads_no_vectors(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "index"
    assert index_paths([SEEDS], folder, embedder=embedder, progress=False).ok
    preloads: list[int] = []
    monkeypatch.setattr(ChunkStore, "preload", lambda self, width: preloads.append(width))
    assert len(Assistant.open(folder, preload=False).articles()) == 2
    assert preloads == []
    Assistant.open(folder)  # to answer questions: the vectors are read at once
    assert preloads == [DIMENSIONS]
