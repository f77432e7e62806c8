"""Ingestion on Ray Data: the same load → clean → chunk → embed → store, spread over a cluster.

    rag index corpus.jsonl --engine ray                      # a local Ray on this machine's CPUs
    rag index corpus.jsonl --engine ray --ray-address auto   # a running cluster

The driver reads and screens the inputs, so bad input is reported exactly as the local
pipeline reports it and unchanged articles are skipped before any work is shipped. Chunking
and date notes run as Ray tasks; embedding runs in an actor pool (`ActorPoolStrategy`) whose
actors load the model once each. The driver writes what comes back to the store (the Chroma
server when RAG_CHROMA_URL is set) in batches, inside the index's write lock or lease, so
readers switch to the new articles all at once. Ids are content hashes: the chunks are the
local pipeline's, and a run cut short resumes where it stopped (stored articles count as
unchanged; nothing is embedded twice).
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from index.chunker import Chunker
from index.pipeline import EMBED_BATCH, Pending, changed_articles, plan
from rag.documents import searchable_text
from rag.embedder import SentenceEmbedder
from rag.errors import ConfigError
from rag.ingestion import IndexReport
from rag.offline import go_offline, offline_environment
from rag.settings import Settings
from rag.store.news_index import ArticleUpdate, IndexWriter, NewsIndex

ARTICLES_PER_TASK = 16  # articles one planning task or one embedding call handles


def index_paths_ray(
    paths: Iterable[str | Path],
    index_dir: Path,
    settings: Settings | None = None,
    address: str | None = None,
    progress: bool = True,
    actors: int | None = None,
) -> IndexReport:
    """Index files and folders into `index_dir` with Ray Data; bad inputs are reported.

    `address` joins a running Ray cluster ("auto", "ray://host:10001"); None starts a local
    one on this machine's CPUs. `actors` is the most embedding actors (default: one per CPU
    of the cluster; Ray Data fuses the planning into them).
    """
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--engine ray needs Ray, which is not installed; run `pip install '.[scale]'`"
        ) from None

    settings = settings or Settings()
    report = IndexReport()
    started = time.perf_counter()
    index = NewsIndex.open(index_dir, create=True, chroma_url=settings.chroma_url)
    with index.writing() as writer:
        changed = changed_articles(
            paths, writer.articles, report, progress=False, max_chars=settings.max_article_chars
        )
        # Pickled: Arrow, which holds Ray Data's blocks, cannot keep dataclasses as they are.
        rows = [
            {"work": pickle.dumps((article, previous.chunk_ids if previous else ()))}
            for article, previous in changed
        ]
        if rows:
            owned = _connect(address)
            try:
                _write(_dataset(ray, rows, settings, actors), len(rows), writer, report, progress)
            finally:
                if owned:
                    ray.shutdown()
    report.seconds = time.perf_counter() - started
    return report


def _connect(address: str | None) -> bool:
    """Join or start Ray, offline; True when this call started it (and should stop it)."""
    import ray

    if ray.is_initialized():
        return False
    go_offline()
    ray.init(
        address=address,
        num_cpus=os.cpu_count() if address is None else None,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
        # Workers elsewhere must stay off the network too, and find the same settings.
        runtime_env={"env_vars": offline_environment()},
    )
    return True


def _dataset(ray: Any, rows: list[dict[str, bytes]], settings: Settings, actors: int | None) -> Any:
    """The lazy Ray Data plan: rows of work → planned articles → embedded articles."""
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # written in input order, like the local one
    context.enable_progress_bars = False  # one bar, ours
    # Ray Data logs every plan and start at INFO (set up when ray.data is first imported).
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    size = actors or int(ray.cluster_resources().get("CPU", 1))
    return (
        ray.data.from_items(rows)
        .map_batches(
            _plan_batch,
            fn_kwargs={"tokens": settings.chunk_tokens, "overlap": settings.chunk_overlap},
            batch_size=ARTICLES_PER_TASK,
            batch_format="numpy",
        )
        .map_batches(
            _EmbeddingActor,
            fn_constructor_kwargs={
                "model": settings.embed_model,
                "dtype": settings.embed_dtype,
                "batch_size": settings.embed_batch_size,
            },
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=size),
            batch_size=ARTICLES_PER_TASK,
            batch_format="numpy",
            num_cpus=1,
        )
    )


def _plan_batch(batch: dict[str, np.ndarray], tokens: int, overlap: int) -> dict[str, np.ndarray]:
    """Ray task: chunk a batch of articles and resolve their dates (rag.time) and signatures."""
    chunker = Chunker(tokens, overlap)
    planned = []
    for work in batch["work"]:
        article, old_ids = pickle.loads(work)
        planned.append(pickle.dumps(plan(article, set(old_ids), chunker)))
    return {"pending": np.array(planned, dtype=object)}


class _EmbeddingActor:
    """Ray actor: the embedding model, loaded once, embedding the new chunks of a batch."""

    def __init__(self, model: str, dtype: str, batch_size: int) -> None:
        self.embedder = SentenceEmbedder(model, dtype, batch_size)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        pending: list[Pending] = [pickle.loads(p) for p in batch["pending"]]
        texts = [searchable_text(p.article.title, c.text) for p in pending for c in p.new]
        vectors = self.embedder.embed(texts).astype(np.float32)
        rows, start = [], 0
        for item in pending:
            rows.append(_to_bytes(vectors[start : start + len(item.new)]))
            start += len(item.new)
        return {"pending": batch["pending"], "vectors": np.array(rows, dtype=object)}


def _to_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _write(
    dataset: Any, total: int, writer: IndexWriter, report: IndexReport, progress: bool
) -> None:
    """Store the embedded articles as they stream back, about EMBED_BATCH chunks per call."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc="Indexing (ray)", unit=" articles", disable=not progress)
    updates: list[ArticleUpdate] = []
    pending_chunks = 0
    for row in dataset.iter_rows():
        item: Pending = pickle.loads(row["pending"])
        vectors = np.load(io.BytesIO(row["vectors"]), allow_pickle=False)
        updates.append(ArticleUpdate(item.article, item.new, vectors, item.kept, notes=item.notes))
        report.chunks_embedded += len(item.new)
        report.chunks_kept += len(item.kept)
        pending_chunks += len(item.new)
        if pending_chunks >= EMBED_BATCH:
            _put(writer, updates, bar)
            pending_chunks = 0
    _put(writer, updates, bar)
    bar.close()


def _put(writer: IndexWriter, updates: list[ArticleUpdate], bar: Any) -> None:
    writer.put(updates)
    bar.update(len(updates))
    updates.clear()
