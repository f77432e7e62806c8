"""The store on a real `chroma run` server on loopback: readers elsewhere, writers elsewhere."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from index.pipeline import index_paths
from rag import Assistant, Settings
from rag.errors import StoreUnavailableError
from rag.store import news_index
from rag.store.chroma import ChunkStore, StoredChunk
from rag.store.news_index import DIRTY, NewsIndex
from tests.conftest import SEEDS, WITHDRAWAL_DOC, HashEmbedder

BIN = Path(sys.executable).parent
EXTRA = """---
title: Harbour bridge reopens after repairs
date: 2021-05-03
outlet: Test Gazette
---
The Kestrel harbour bridge reopened on Monday after eleven weeks of repairs costing 4.2 million
euros, the city council said.
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _chroma_server(folder: Path) -> Iterator[str]:
    """A real Chroma server (the `chroma` CLI that comes with chromadb) on loopback."""
    port = _free_port()
    server = subprocess.Popen(
        [BIN / "chroma", "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, "chroma run exited"
                assert time.monotonic() < deadline, "chroma run did not answer in 60 s"
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module's tests that share the seeds."""
    with _chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture(scope="module")
def served_seeds(chroma_url: str, tmp_path_factory: pytest.TempPathFactory, embedder) -> str:
    """The seeds indexed into the server by this process, with a local folder of its own."""
    folder = tmp_path_factory.mktemp("writer-cache")
    settings = Settings(index_dir=folder, chroma_url=chroma_url)
    report = index_paths([SEEDS], folder, settings, embedder=embedder, progress=False)
    assert report.ok and len(report.added) == 2
    return chroma_url


def _rag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "rag"), *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_a_second_process_with_an_empty_folder_answers_from_the_server(
    served_seeds: str, tmp_path: Path
) -> None:
    empty = tmp_path / "elsewhere"
    result = _rag(
        "ask", "When does the withdrawal end?", "--json", "--index", str(empty),
        "--chroma-url", served_seeds,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "September 11" in answer["short"]
    assert answer["citations"][0]["doc_id"] == WITHDRAWAL_DOC
    assert not (empty / "chroma").exists()  # the chunks stayed on the server


def test_a_write_by_another_process_is_seen_by_a_running_reader(
    served_seeds: str, tmp_path: Path, embedder
) -> None:
    reader = Assistant(
        NewsIndex.open(tmp_path / "reader", chroma_url=served_seeds),
        Settings(index_dir=tmp_path / "reader", chroma_url=served_seeds),
        embedder,
    )
    before = {a.id for a in reader.articles()}
    assert WITHDRAWAL_DOC in before
    article = tmp_path / "harbour-bridge.md"
    article.write_text(EXTRA, encoding="utf-8")
    written = _rag("index", str(article), "--quiet", "--index", str(tmp_path / "writer"),
                   "--chroma-url", served_seeds)  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert {a.id for a in reader.articles()} == before | {"harbour-bridge"}
    passages = reader.search("Kestrel harbour bridge repairs", k=3)
    assert passages[0].doc_id == "harbour-bridge"
    removed = _rag("remove", "harbour-bridge", "--index", str(tmp_path / "writer"),
                   "--chroma-url", served_seeds)  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    assert {a.id for a in reader.articles()} == before


def test_a_reader_elsewhere_keeps_to_complete_articles_while_a_writer_holds_the_lease(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _chroma_server(tmp_path / "server") as url:
        _check_the_lease(url, tmp_path, monkeypatch)


def _check_the_lease(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "one.md"
    first.write_text(EXTRA, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "w", chroma_url=url)
    assert index_paths([first], tmp_path / "w", settings, HashEmbedder(), progress=False).ok
    store = ChunkStore(url)
    complete = {c.id for c in store.all()}
    # A writer on another machine: its lease is fresh and one chunk of a long article is in.
    half = StoredChunk(
        "half-written", "part of a long article", {"doc_id": "long", "doc_hash": "h", "chunks": 9}
    )
    store.add([half], HashEmbedder().embed(["part of a long article"]))
    store.set_generation(f"{DIRTY}elsewhere")
    elsewhere = NewsIndex.open(tmp_path / "empty", chroma_url=url)
    assert set(elsewhere.articles()) == {"one"}  # derived read-only: no repair under a live lease
    assert {c.id for c in store.all()} == complete | {"half-written"}
    # The writer died: once its lease is stale, the next reader repairs.
    monkeypatch.setattr(news_index, "LEASE", 0.0)
    repaired = NewsIndex.open(tmp_path / "later", chroma_url=url)
    assert set(repaired.articles()) == {"one"}
    assert {c.id for c in store.all()} == complete
    assert not store.generation.startswith(DIRTY)
    # A writer finding a dead writer's stale lease takes over (it holds its own folder's
    # lock meanwhile, which must not count as someone else's).
    store.set_generation(f"{DIRTY}crashed-elsewhere")
    second = tmp_path / "two.md"
    second.write_text(EXTRA.replace("Kestrel", "Osprey"), encoding="utf-8")
    done: list[bool] = []
    writer = threading.Thread(
        target=lambda: done.append(
            index_paths([second], tmp_path / "w", settings, HashEmbedder(), progress=False).ok
        ),
        daemon=True,
    )
    writer.start()
    writer.join(120)
    assert done == [True]
    assert set(NewsIndex.open(tmp_path / "w", chroma_url=url).articles()) == {"one", "two"}


def test_an_unreachable_server_is_named_with_what_to_do(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(StoreUnavailableError, match="chroma run"):
        NewsIndex.open(tmp_path, chroma_url=url)
    result = _rag("list", "--index", str(tmp_path), "--chroma-url", url)
    assert result.returncode == 1
    assert f"Cannot reach the Chroma server at {url}" in result.stderr
