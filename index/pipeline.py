"""Index articles: load → clean → chunk → embed (only what changed) → store.

Usage:
    report = index_paths(["seeds/"], Path(".rag"))
    print(report.summary())
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue
from typing import TYPE_CHECKING, Any

from index.chunker import Chunker
from index.loaders import count_inputs, load_articles
from rag.documents import Article, Chunk, searchable_text
from rag.embedder import DIMENSIONS, Embedder, SentenceEmbedder
from rag.errors import InputError
from rag.ingestion import IndexReport
from rag.settings import Settings
from rag.store.duplicates import signature
from rag.store.news_index import (
    ArticleInfo,
    ArticleNotes,
    ArticleUpdate,
    IndexWriter,
    NewsIndex,
)
from rag.time.expressions import find_dates

if TYPE_CHECKING:
    import numpy as np

AHEAD = 64  # articles prepared ahead of the model (~800 chunks)
EMBED_BATCH = 256  # chunks gathered across articles before one call to the model; also the
# most embedded at once, so a long article is embedded and stored in batches of this many


@dataclass
class Pending:
    """A new or changed article cut into chunks: those to embed (`new`) and those whose
    vectors are already stored (`kept`), with its notes."""

    article: Article
    new: list[Chunk]
    kept: list[Chunk]
    notes: ArticleNotes | None = None


def notes_for(article: Article) -> ArticleNotes:
    """The dates and MinHash signature ingestion stores with an article (~25 ms: spaCy's
    tagger on the clauses whose dates need a tense, against ~800 ms to embed the article)."""
    return ArticleNotes(find_dates(article.text, article.published), signature(article.text))


def plan(article: Article, old_ids: Collection[str], chunker: Chunker) -> Pending:
    """Chunk `article` and tell the chunks to embed from those its stored version has."""
    chunks = chunker.chunk(article)
    kept = [c for c in chunks if c.id in old_ids]
    new = [c for c in chunks if c.id not in old_ids]
    return Pending(article, new, kept, notes_for(article))


def changed_articles(
    paths: Iterable[str | Path],
    known: dict[str, ArticleInfo],
    report: IndexReport,
    progress: bool,
    max_chars: int,
) -> Iterator[tuple[Article, ArticleInfo | None]]:
    """The articles of `paths` that are new or changed against `known`, each with its stored
    version; failed and unchanged inputs are recorded in `report` (shared by both engines)."""
    for item in _progress(paths, progress, max_chars, report):
        if isinstance(item, InputError):
            report.failed.append(item)
            continue
        previous = known.get(item.id)
        if previous is not None and previous.hash == item.hash:
            report.unchanged.append(item.id)
            continue
        (report.updated if previous else report.added).append(item.id)
        yield item, previous


class _Batcher:
    """Collects changed articles and embeds their new chunks in large batches.

    A run whose new chunks fit in one batch (an upload, a few new articles) embeds them with
    `small` when given: the ONNX export loads in ~0.3 s without importing torch, where torch
    costs ~4 s to import and load before it is 2–3× faster a passage (bf16). Measured at
    5k passages: adding one article took 9.4 s, most of it that import.
    """

    def __init__(
        self,
        writer: IndexWriter,
        embedder: Embedder,
        report: IndexReport,
        small: Embedder | None = None,
    ) -> None:
        self.writer, self.embedder, self.report, self.small = writer, embedder, report, small
        self.pending: list[Pending] = []
        self.size = 0
        self.flushed = False
        self.stages = report.stages
        self.stages.update(embed=0.0, store=0.0)

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] += time.perf_counter() - started

    def _embed(self, texts: list[str], embedder: Embedder | None = None) -> np.ndarray:
        with self._timed("embed"):
            return (embedder or self.embedder).embed(texts)

    def _put(self, updates: list[ArticleUpdate]) -> None:
        with self._timed("store"):
            self.writer.put(updates)

    def add(self, item: Pending) -> None:
        if len(item.new) > EMBED_BATCH:
            self.small = None  # a long article: not a small run
            self.flush()
            self._add_long(item)
            return
        self.pending.append(item)
        self.size += len(item.new)
        if self.size >= EMBED_BATCH:
            self.flush()

    def _add_long(self, item: Pending) -> None:
        """Embed and store a long article batch by batch; it is complete only at the end."""
        size = len(item.new) + len(item.kept)
        for start in range(0, len(item.new), EMBED_BATCH):
            part = item.new[start : start + EMBED_BATCH]
            vectors = self._embed([searchable_text(item.article.title, c.text) for c in part])
            with self._timed("store"):
                self.writer.stage(item.article, part, vectors, size, item.notes)
            self.report.chunks_embedded += len(part)
        empty = self.embedder.embed([])
        self._put([ArticleUpdate(item.article, [], empty, item.kept, item.new, item.notes)])

    def flush(self, last: bool = False) -> None:
        if not self.pending:
            return
        texts = [searchable_text(p.article.title, c.text) for p in self.pending for c in p.new]
        small = last and not self.flushed and self.small is not None
        vectors = self._embed(texts, self.small if small else None)
        self.flushed, self.small = True, None  # a later batch is never a small run's
        updates = []
        row = 0
        for item in self.pending:
            rows = vectors[row : row + len(item.new)]
            updates.append(ArticleUpdate(item.article, item.new, rows, item.kept, notes=item.notes))
            row += len(item.new)
        self._put(updates)
        self.report.chunks_embedded += row
        self.pending, self.size = [], 0


def _planned(
    changed: Iterable[tuple[Article, ArticleInfo | None]], chunker: Chunker, report: IndexReport
) -> Iterator[Pending]:
    """Each changed article planned; one whose preparation fails is reported and skipped."""
    for article, previous in changed:
        try:
            yield plan(article, set(previous.chunk_ids) if previous else set(), chunker)
        except Exception as error:  # noqa: BLE001 - one article's defect must not end a
            # 20k-article run (a date before year 1 once stopped one at 77%); it is named
            _not_indexed(report, article, previous, error)


def _ahead(items: Iterator[Pending], depth: int = AHEAD) -> Iterator[Pending]:
    """`items`, produced in a thread up to `depth` ahead of the caller.

    Reading, cleaning, chunking and dating articles is Python that holds the GIL; the model
    releases it while it runs. In a thread the preparation of the next batch fills the gaps
    the model leaves on the two cores (300 articles: embedding 11.7 s and preparing 2.3 s
    took 12.8 s together). The queue is bounded, so memory stays flat; an error in the
    thread is raised here, and a caller that stops (Ctrl-C, an error) stops the thread.
    """
    queue: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            with contextlib.suppress(Full):
                queue.put(item, timeout=0.1)
                return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(("item", item)):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the caller, who raises it
            offer(("error", error))
            return
        offer(("end", None))

    thread = threading.Thread(target=produce, name="prepare", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def index_paths(
    paths: Iterable[str | Path],
    index_dir: Path,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: bool = True,
    small: Embedder | None = None,
) -> IndexReport:
    """Index files and folders into `index_dir`; bad inputs are reported, not raised.

    `embedder` embeds large runs and `small` a run that fits in one batch (see `_Batcher`);
    without either, torch bf16 and the ONNX export of the same model.
    """
    settings = settings or Settings()
    if embedder is None:
        embedder = SentenceEmbedder(
            settings.embed_model, settings.embed_dtype, settings.embed_batch_size
        )
        small = small or _small_run_embedder(settings)
    chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)
    report = IndexReport()
    started = time.perf_counter()
    index = NewsIndex.open(index_dir, create=True, chroma_url=settings.chroma_url)
    # Chroma reads its vectors (the first write needs them) while the catalog and BM25 load
    # and the first articles are chunked (one article into 267k passages: 5.6 → 5.4 s).
    index.store.preload(DIMENSIONS)
    with index.writing() as writer:
        batcher = _Batcher(writer, embedder, report, small)
        changed = changed_articles(
            paths, writer.articles, report, progress, settings.max_article_chars
        )
        for pending in _ahead(_planned(changed, chunker, report)):
            batcher.add(pending)
            report.chunks_kept += len(pending.kept)
        batcher.flush(last=True)
        written = time.perf_counter()
    if isinstance(embedder, SentenceEmbedder) and "_model" in vars(embedder):
        _export_for_queries(embedder)  # torch is loaded: make the export if it is missing
    report.seconds = time.perf_counter() - started
    report.stages["publish"] = report.seconds - (written - started)
    report.stages["prepare"] = written - started - report.stages["embed"] - report.stages["store"]
    return report


def _not_indexed(
    report: IndexReport, article: Article, previous: ArticleInfo | None, error: Exception
) -> None:
    """Record an article that failed in preparation as failed, not added or updated."""
    (report.updated if previous else report.added).remove(article.id)
    reason = (
        f"article {article.id!r} could not be prepared ({type(error).__name__}: {error}); "
        "the rest were indexed. Please report this with the article"
    )
    report.failed.append(InputError(article.source, reason))


def _small_run_embedder(settings: Settings) -> Embedder | None:
    """The ONNX export of the configured model, loading from now on, or None when it has
    none yet. The load overlaps opening the index and preparing the articles (one article
    into 267k passages: 0.2 s); a run too large for it drops it at its first batch."""
    from rag.errors import ModelNotFoundError
    from rag.onnx_embedder import OnnxEmbedder

    model = Path(settings.embed_model) if settings.embed_model else None
    try:
        embedder = OnnxEmbedder(model, settings.embed_batch_size)
    except (ModelNotFoundError, ImportError):
        return None
    embedder.warm()
    return embedder


def _export_for_queries(embedder: SentenceEmbedder) -> None:
    """The ONNX export that lets questions skip torch, made once beside the model (2 s)."""
    from rag.onnx_embedder import export

    try:
        export(embedder.model_path)
    except (ImportError, OSError, RuntimeError) as error:
        # Queries then embed through torch: slower to start, the same vectors.
        print(f"index: no ONNX export of the embedding model ({error})", file=sys.stderr)


def remove_articles(
    doc_ids: Iterable[str], index_dir: Path, chroma_url: str = ""
) -> tuple[list[str], list[str]]:
    """Delete articles by id; returns (removed, not found)."""
    index = NewsIndex.open(index_dir, chroma_url=chroma_url)
    removed: list[str] = []
    missing: list[str] = []
    with index.writing() as writer:
        for doc_id in doc_ids:
            (removed if writer.remove(doc_id) else missing).append(doc_id)
    return removed, missing


class PipelineIndexer:
    """The `rag.ingestion.Indexer` for one index directory, sharing a loaded model."""

    def __init__(
        self,
        index_dir: Path,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        small: Embedder | None = None,
    ) -> None:
        self.index_dir, self.settings, self.embedder = index_dir, settings, embedder
        self.small = small  # for an upload that fits in one batch (see `_Batcher`)

    def add(self, paths: Sequence[Path]) -> IndexReport:
        """Index `paths` incrementally, with a tqdm bar (which the web chat mirrors)."""
        return index_paths(
            paths, self.index_dir, self.settings, self.embedder, progress=True, small=self.small
        )

    def remove(self, doc_ids: Sequence[str]) -> tuple[list[str], list[str]]:
        """Delete articles by id; returns (removed, not found)."""
        chroma_url = self.settings.chroma_url if self.settings else ""
        return remove_articles(doc_ids, self.index_dir, chroma_url)


def _progress(
    paths: Iterable[str | Path], enabled: bool, max_chars: int, report: IndexReport
) -> Iterator[Article | InputError]:
    """The inputs, behind one bar: articles with an ETA, passages embedded per second, and
    this process's memory now (a long run's should stay flat)."""
    if not enabled:
        yield from load_articles(paths, max_chars)
        return
    from tqdm import tqdm

    paths = list(paths)
    bar = tqdm(
        load_articles(paths, max_chars),
        total=count_inputs(paths),
        desc="Indexing",
        unit=" articles",
    )
    started = time.perf_counter()
    for number, item in enumerate(bar):
        if number % 25 == 0:
            rate = report.chunks_embedded / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix_str(f"{rate:.0f} passages/s, RSS {_rss_mib()} MiB", refresh=False)
        yield item


def _rss_mib() -> int:
    """This process's resident memory now (Linux), or its peak where /proc is missing."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
