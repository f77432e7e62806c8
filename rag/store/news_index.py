"""The index on disk: Chroma holds the chunks; the catalog and BM25 are derived from it.

Chroma is the one source of truth. Every write first marks the store dirty, and the derived
files (article catalog, BM25) record the store generation they were built from; whenever the
two disagree (a crash mid-write, another process wrote) the derived files are rebuilt.

Every chunk records how many chunks its article version has, so a version whose write was cut
short (a long article goes in over several calls) is recognised and dropped by the rebuild,
which keeps the last complete one. Readers only see the chunks of their catalog.

With a Chroma server (`chroma_url`) the folder is this machine's cache of the derived files:
the generation lives in the server's collection metadata, so a reader elsewhere, even with an
empty folder, derives the catalog and BM25 from the server and re-derives when another
process wrote. Writers on one machine take the folder's lock; across machines a writer holds
a lease, its dirty generation, renewed after every batch (`written_at`), and the next waits
until it is released or has gone stale (`LEASE` seconds without renewal: a crashed writer).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.documents import Article, Chunk, searchable_text
from rag.errors import IndexNotFoundError
from rag.retrieval.lexical import LexicalIndex
from rag.store.chroma import ChunkStore, StoredChunk
from rag.store.duplicates import DuplicateGroups
from rag.time import expressions
from rag.time.expressions import DateMention

if TYPE_CHECKING:
    import numpy as np

FORMAT = 2  # 2: BM25 may keep a change beside its built matrix (rag.retrieval.lexical)
READABLE = (1, 2)
DIRTY = "dirty-"  # generation prefix while a write is under way (or crashed)
LEASE = 120.0  # seconds a served store's writer may go without renewing before it counts as dead


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as the catalog knows it."""

    id: str
    hash: str
    title: str
    source: str
    outlet: str | None
    byline: str | None
    published: str | None
    url: str | None
    chunk_ids: tuple[str, ...]
    date_inferred: bool = False  # `published` was read from the text, not stated
    signature: str | None = None  # MinHash of the text (rag.store.duplicates)


@dataclass(frozen=True)
class ArticleNotes:
    """What ingestion derives from an article's text: its resolved date expressions (offsets
    into the article) and its MinHash signature."""

    dates: Sequence[DateMention] = ()
    signature: str | None = None


def chunk_metadata(
    article: Article,
    chunk: Chunk,
    indexed_at: float,
    chunks: int,
    notes: ArticleNotes | None = None,
) -> dict[str, Any]:
    """The Chroma metadata of one chunk (Chroma takes no None values, so they are left out).

    `chunks` is the article's number of chunks: a version with fewer stored is incomplete.
    Each chunk holds the date expressions inside it; the first one holds the signature.
    """
    meta: dict[str, Any] = {
        "doc_id": article.id,
        "doc_hash": article.hash,
        "chunks": chunks,
        "ordinal": chunk.ordinal,
        "start": chunk.start,
        "end": chunk.end,
        "tokens": chunk.tokens,
        "title": article.title,
        "source": article.source,
        "indexed_at": indexed_at,
    }
    optional = {"outlet": article.outlet, "byline": article.byline, "url": article.url}
    meta.update({key: value for key, value in optional.items() if value})
    if article.published:
        meta["published"] = article.published
        meta["published_day"] = day_number(article.published)
    if article.date_inferred:
        meta["date_inferred"] = True
    if notes is not None:
        inside = expressions.within(notes.dates, chunk.start, chunk.end)
        meta["dates"] = expressions.to_json(inside)
        if chunk.ordinal == 0 and notes.signature:
            meta["signature"] = notes.signature
    return meta


def day_number(iso: str) -> int:
    """`YYYY-MM-DD` as the integer YYYYMMDD that Chroma compares in a `where` filter."""
    return int(iso[:10].replace("-", ""))


class Snapshot:
    """The derived state of one generation: the catalog and BM25, and what is computed from
    them on first use. A query reads one snapshot throughout, so a write that another process
    publishes meanwhile never mixes two generations within it (a date mask of one BM25 over
    another's chunk list)."""

    def __init__(
        self, generation: str, catalog: dict[str, ArticleInfo], lexical: LexicalIndex
    ) -> None:
        self.generation, self.catalog, self.lexical = generation, catalog, lexical
        self._titles: dict[str, frozenset[int]] = {}

    def title_terms(self, article_id: str) -> frozenset[int]:
        """The article's headline as BM25 vocabulary ids: what the passage ranking matches
        a question against, tokenized once per snapshot."""
        terms = self._titles.get(article_id)
        if terms is None:
            title = self.catalog[article_id].title or ""
            terms = self._titles[article_id] = frozenset(self.lexical.term_ids(title))
        return terms

    @cached_property
    def article_of(self) -> dict[str, ArticleInfo]:
        """Each chunk of the catalog's articles, by id, with its article: what a dense hit
        must be in, and what a ranking reads a chunk's date and story from before its text.

        While a write is under way Chroma already holds some of its chunks; a reader keeps to
        the last complete state, so an article is replaced all at once for it.
        """
        return {c: info for info in self.catalog.values() for c in info.chunk_ids}

    @cached_property
    def groups(self) -> DuplicateGroups:
        """The groups of republished stories among the catalog's articles."""
        return DuplicateGroups.build(self.catalog.values())

    @cached_property
    def _chunk_days(self) -> np.ndarray:
        import numpy as np

        days = {
            info.id: day_number(info.published) if info.published else 0
            for info in self.catalog.values()
        }
        article_of = self.article_of
        return np.array(
            [days[article_of[c].id] if c in article_of else 0 for c in self.lexical.chunk_ids],
            np.int64,
        )

    def lexical_mask(self, since: int | None, until: int | None) -> np.ndarray:
        """One 0/1 weight per BM25 chunk: 1 where its article's day number (YYYYMMDD) lies in
        since..until; undated chunks get 0. Vectorised: 59k chunks in well under 1 ms."""
        import numpy as np

        keep = self._chunk_days > 0
        if since is not None:
            keep &= self._chunk_days >= since
        if until is not None:
            keep &= self._chunk_days <= until
        return keep.astype(np.float32)

    def chunks_in(self, mask: np.ndarray) -> list[str]:
        """The chunk ids a `lexical_mask` of this snapshot keeps."""
        kept: list[str] = self._lexical_ids[mask > 0].tolist()
        return kept

    @cached_property
    def _lexical_ids(self) -> np.ndarray:
        # An array, so a mask picks from it at once: a list comprehension over 267k ids
        # took 21 ms of a question with a date range.
        import numpy as np

        return np.array(self.lexical.chunk_ids, dtype=object)


class NewsIndex:
    """An index folder: `chroma/` (truth) and `derived/` (catalog + BM25)."""

    def __init__(self, folder: Path, store: ChunkStore) -> None:
        self.folder = folder
        self.store = store
        self._snapshot: Snapshot | None = None

    @property
    def _catalog(self) -> dict[str, ArticleInfo] | None:
        return self._snapshot.catalog if self._snapshot else None

    @property
    def _generation(self) -> str:
        return self._snapshot.generation if self._snapshot else ""

    @classmethod
    def open(cls, folder: str | Path, create: bool = False, chroma_url: str = "") -> NewsIndex:
        """Open the index in `folder`; with `create`, make it if missing.

        With `chroma_url` the chunks are on that `chroma run` server and `folder` only caches
        what is derived from them (it is made when missing).
        """
        folder = Path(folder)
        if chroma_url:
            folder.mkdir(parents=True, exist_ok=True)
            store = ChunkStore(chroma_url)
            if not create and not store.generation:
                raise IndexNotFoundError(
                    f"The Chroma server at {chroma_url} holds no index yet — run "
                    f"`rag index PATH --chroma-url {chroma_url}` first"
                )
        elif not (folder / "chroma").is_dir():
            if not create:
                raise IndexNotFoundError(
                    f"No index at {folder}/ — run `rag index PATH --index {folder}` first"
                )
            (folder / "chroma").mkdir(parents=True)
        _clear_staging(folder)
        return cls(folder, store if chroma_url else ChunkStore(folder / "chroma"))

    def snapshot(self) -> Snapshot:
        """The derived state, current with the store: read it once per query."""
        self._refresh()
        assert self._snapshot is not None
        return self._snapshot

    def articles(self) -> dict[str, ArticleInfo]:
        """Every indexed article by id."""
        return self.snapshot().catalog

    def lexical(self) -> LexicalIndex:
        """The BM25 index, current with the store."""
        return self.snapshot().lexical

    def duplicates(self) -> DuplicateGroups:
        """The groups of republished stories among the catalog's articles."""
        return self.snapshot().groups

    @contextmanager
    def writing(self) -> Iterator[IndexWriter]:
        """Change the index; derived files are rebuilt on exit, even after an error."""
        with _write_lock(self.folder, wait=True):
            self._await_lease()
            self._refresh(locked=True)
            assert self._snapshot is not None
            writer = IndexWriter(self.store, self._snapshot.catalog, self._snapshot.lexical)
            self.store.set_generation(f"{DIRTY}{uuid.uuid4().hex}")
            finished = False
            try:
                yield writer
                finished = True
            finally:
                if not writer.changed:
                    self.store.set_generation(self._generation)
                elif finished:
                    self._apply(writer)
                else:
                    self._rebuild()  # the write stopped part way: derive from what is stored

    def _writer_busy(self) -> bool:
        """True while another writer holds the folder's lock or, for a served store, a lease
        renewed within `LEASE` seconds (a writer on another machine)."""
        return _writer_busy(self.folder) or self._leased()

    def _leased(self) -> bool:
        """True while a served store's lease, renewed within `LEASE` seconds, is held."""
        return self.store.served and time.time() - self.store.written_at < LEASE

    def _await_lease(self) -> None:
        """Wait until no writer on another machine holds the served store (see LEASE). Not
        `_writer_busy`: the caller holds this folder's lock itself."""
        told = False
        while self.store.served and self.store.generation.startswith(DIRTY) and self._leased():
            if not told:
                print("Waiting for another writer of the Chroma server to finish…", file=sys.stderr)
                told = True
            time.sleep(1.0)

    def _refresh(self, locked: bool = False) -> None:
        current = self.store.generation
        dirty = current.startswith(DIRTY)
        busy = dirty and not locked and self._writer_busy()
        if not busy:
            self.store.catch_up(current)  # another process wrote: see its vectors too
        if self._catalog is not None and current and current == self._generation:
            return
        if busy and self._catalog is not None:
            return  # answer from the last complete state until the writer finishes
        loaded = _load_derived(self.folder / "derived")
        if loaded is not None and current and loaded[0] == current:
            self._use(*loaded)
        elif locked:
            self._rebuild(adopt=current if current and not dirty else None)
        elif loaded is not None and busy:
            self._use(*loaded)
        elif busy and self.store.served:
            # Another machine is writing and this one has nothing yet: read its last complete
            # state without repairing (the "incomplete" chunks are that writer's, in flight).
            self._use(current, *_derive(self.store, repair=False))
        else:
            with _write_lock(self.folder, wait=True):  # stale after a crash: repair, alone
                self._refresh(locked=True)

    def _apply(self, writer: IndexWriter) -> None:
        """Derive the new catalog and BM25 from the old ones and the writer's changes.

        Reading 59k chunks back from Chroma and tokenizing them all took ~14 s of the
        ~20 s a one-article upload spent rebuilding; now only the changed articles are
        tokenized. Falls back to a full rebuild when the old token ids are unavailable.
        """
        assert self._snapshot is not None
        catalog = dict(self._snapshot.catalog)
        dropped = {c for d in writer.touched if d in catalog for c in catalog[d].chunk_ids}
        for doc_id in writer.touched:
            catalog.pop(doc_id, None)
        catalog.update(writer.stored)
        writer.additions.keep_only({c for info in writer.stored.values() for c in info.chunk_ids})
        if self._snapshot.lexical.rebuilds(len(dropped) + len(writer.additions.tokens)):
            # Building BM25 anew peaks at ~0.7 GiB over its tokens at 267k passages, while
            # Chroma holds its vector index (~0.5 GiB) that neither the build nor publishing
            # needs: it is freed first, and the next search loads it again (a large write).
            self.store.release()
        lexical = self._snapshot.lexical.updated(dropped, writer.additions)
        if lexical is None:
            self._rebuild()
        else:
            self._publish(catalog, lexical)

    def _rebuild(self, adopt: str | None = None) -> None:
        """Derive the files from the store. `adopt`: the store's clean generation, which they
        are then saved under (a reader catching up, or a second machine's first read); else
        the store is repaired and a new generation published."""
        if adopt is None:
            self._publish(*_derive(self.store, repair=True))
            return
        catalog, lexical = _derive(self.store, repair=False)
        _save_derived(self.folder / "derived", adopt, catalog, lexical)
        self._use(adopt, catalog, lexical)

    def _publish(self, catalog: dict[str, ArticleInfo], lexical: LexicalIndex) -> None:
        generation = uuid.uuid4().hex
        _save_derived(self.folder / "derived", generation, catalog, lexical)
        self.store.set_generation(generation)
        self._use(generation, catalog, lexical)

    def _use(self, generation: str, catalog: dict[str, ArticleInfo], lexical: LexicalIndex) -> None:
        self._snapshot = Snapshot(generation, catalog, lexical)  # readers holding one keep it


@dataclass(frozen=True)
class ArticleUpdate:
    """A new or changed article: chunks to add (with their vectors) and chunks to keep.

    `staged` are new chunks already stored by `IndexWriter.stage` (a long article's).
    """

    article: Article
    new: Sequence[Chunk]
    vectors: np.ndarray
    kept: Sequence[Chunk]
    staged: Sequence[Chunk] = ()
    notes: ArticleNotes | None = None

    @property
    def size(self) -> int:
        """How many chunks the article has in this version."""
        return len(self.new) + len(self.kept) + len(self.staged)


class IndexWriter:
    """Adds and removes articles inside `NewsIndex.writing()`."""

    def __init__(
        self, store: ChunkStore, catalog: dict[str, ArticleInfo], lexical: LexicalIndex
    ) -> None:
        self._store = store
        self._catalog = catalog
        self.changed = False
        self.touched: set[str] = set()  # ids of articles added, changed or removed
        self.stored: dict[str, ArticleInfo] = {}  # their catalog entries now (not removed ones)
        self.additions = lexical.additions()  # BM25 tokens of each chunk of `stored`

    @property
    def articles(self) -> dict[str, ArticleInfo]:
        """The articles indexed when writing began (the store is marked dirty meanwhile)."""
        return self._catalog

    def put(self, updates: Sequence[ArticleUpdate]) -> None:
        """Store a batch of new or changed articles.

        One Chroma call per kind of change for the whole batch, since each call costs about
        45 ms whatever its size. Old chunks are deleted after the new ones are in, so a crash
        never leaves an article with fewer chunks than before.
        """
        import numpy as np

        if not updates:
            return
        now = time.time()
        added = [_stored(u.article, c, now, u.size, u.notes) for u in updates for c in u.new]
        vectors = [u.vectors for u in updates if u.new]
        self._store.add(added, np.concatenate(vectors) if vectors else np.zeros((0, 384)))
        # Kept chunks join the new version last: until then the old version is the complete one.
        kept = [_stored(u.article, c, now, u.size, u.notes) for u in updates for c in u.kept]
        self._store.update_metadata(kept)
        stale: list[str] = []
        for update in updates:
            current = {c.id for c in (*update.new, *update.kept, *update.staged)}
            previous = self._catalog.get(update.article.id)
            stale.extend(i for i in (previous.chunk_ids if previous else ()) if i not in current)
        self._store.delete(stale)
        self.changed = True
        for update in updates:
            self._record(update)
        self._store.renew()

    def stage(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        size: int,
        notes: ArticleNotes | None = None,
    ) -> None:
        """Store some new chunks of an article that `put` completes later (`staged`).

        A long article is embedded and stored in bounded batches so that memory stays
        bounded; its `size` chunks only count as a version once all of them are in.
        """
        now = time.time()
        self._store.add([_stored(article, c, now, size, notes) for c in chunks], vectors)
        self.changed = True  # a crash from here on leaves chunks for the rebuild to judge
        self._store.renew()

    def _record(self, update: ArticleUpdate) -> None:
        article = update.article
        chunks = sorted([*update.new, *update.kept, *update.staged], key=lambda c: c.ordinal)
        self.touched.add(article.id)
        self.stored[article.id] = ArticleInfo(
            id=article.id,
            hash=article.hash,
            title=article.title,
            source=article.source,
            outlet=article.outlet,
            byline=article.byline,
            published=article.published,
            url=article.url,
            chunk_ids=tuple(c.id for c in chunks),
            date_inferred=article.date_inferred,
            signature=update.notes.signature if update.notes else None,
        )
        self.additions.add(
            [c.id for c in chunks], [searchable_text(article.title, c.text) for c in chunks]
        )

    def remove(self, doc_id: str) -> bool:
        """Delete an article's chunks; False when no such article is indexed."""
        info = self._catalog.get(doc_id)
        if info is None:
            return False
        self._store.delete(list(info.chunk_ids))
        self.changed = True
        self.touched.add(doc_id)
        self.stored.pop(doc_id, None)
        return True


@contextmanager
def _write_lock(folder: Path, wait: bool) -> Iterator[bool]:
    """Hold the index's write lock; yields False at once if another writer has it (no wait)."""
    with (folder / ".write.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _writer_busy(folder: Path) -> bool:
    """True while another writer (thread or process) holds the write lock."""
    with _write_lock(folder, wait=False) as acquired:
        return not acquired


def _stored(
    article: Article, chunk: Chunk, now: float, size: int, notes: ArticleNotes | None
) -> StoredChunk:
    return StoredChunk(chunk.id, chunk.text, chunk_metadata(article, chunk, now, size, notes))


def _derive(store: ChunkStore, repair: bool) -> tuple[dict[str, ArticleInfo], LexicalIndex]:
    """The catalog and BM25 of the store's last complete article versions; with `repair`,
    chunks of no complete version (a write cut short) are deleted from the store."""
    by_doc: dict[str, list[StoredChunk]] = {}
    for chunk in store.all():
        by_doc.setdefault(str(chunk.metadata.get("doc_id", "")), []).append(chunk)
    catalog: dict[str, ArticleInfo] = {}
    ids: list[str] = []
    texts: list[str] = []
    stale: list[str] = []
    for doc_id, chunks in sorted(by_doc.items()):
        current = _last_complete(chunks)
        chosen = {c.id for c in current}
        stale.extend(c.id for c in chunks if c.id not in chosen)
        if not current:
            continue  # no version was written whole (a crash mid-write): re-indexing adds it
        catalog[doc_id] = _article_info(doc_id, current)
        ids.extend(c.id for c in current)
        texts.extend(searchable_text(str(c.metadata.get("title", "")), c.text) for c in current)
    if repair:
        store.delete(stale)
    return catalog, LexicalIndex.build(ids, texts)


def _last_complete(chunks: list[StoredChunk]) -> list[StoredChunk]:
    """The chunks of an article's newest complete version, in order; [] if none is complete.

    Two versions only survive a crash during a write: the new one is complete once its
    chunks and the kept ones (which move to it last) are all in; the old one until then.
    Chunks stored before versions recorded their size count as complete.
    """
    versions: dict[str, list[StoredChunk]] = {}
    for chunk in chunks:
        versions.setdefault(str(chunk.metadata.get("doc_hash")), []).append(chunk)
    complete = [
        version
        for version in versions.values()
        if len(version) == version[0].metadata.get("chunks", len(version))
    ]
    if not complete:
        return []
    newest = max(complete, key=lambda v: max(c.metadata.get("indexed_at", 0.0) for c in v))
    return sorted(newest, key=lambda c: c.metadata.get("ordinal", 0))


def _article_info(doc_id: str, chunks: list[StoredChunk]) -> ArticleInfo:
    meta = chunks[0].metadata
    return ArticleInfo(
        id=doc_id,
        hash=str(meta["doc_hash"]),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        outlet=meta.get("outlet"),
        byline=meta.get("byline"),
        published=meta.get("published"),
        url=meta.get("url"),
        chunk_ids=tuple(c.id for c in chunks),
        date_inferred=bool(meta.get("date_inferred", False)),
        signature=meta.get("signature"),
    )


_FIELDS = [f.name for f in fields(ArticleInfo)]


def _save_derived(
    folder: Path, generation: str, catalog: dict[str, ArticleInfo], lexical: LexicalIndex
) -> None:
    staging = folder.with_name(f"derived.{uuid.uuid4().hex}.tmp")
    (staging / "bm25").mkdir(parents=True)
    lexical.save(staging / "bm25", previous=folder / "bm25")  # links an unchanged base
    document = {
        "format": FORMAT,
        "generation": generation,
        # Not dataclasses.asdict, which deep-copies every field: 0.5 s of a one-article add
        # at 4,900 articles, growing with the archive.
        "articles": [{name: getattr(info, name) for name in _FIELDS} for info in catalog.values()],
    }
    (staging / "catalog.json").write_text(json.dumps(document), encoding="utf-8")
    old = folder.with_name(f"derived.{uuid.uuid4().hex}.old")
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _clear_staging(folder: Path) -> None:
    """Remove what a writer that crashed while publishing left: `derived.<hex>.tmp` (staging)
    and `derived.<hex>.old` (the previous files). Only with the write lock held: a live
    writer's staging folder is not stale."""
    leftovers = [*folder.glob("derived.*.tmp"), *folder.glob("derived.*.old")]
    if not leftovers:
        return
    with _write_lock(folder, wait=False) as acquired:
        if acquired:
            for path in leftovers:
                shutil.rmtree(path, ignore_errors=True)


def _load_derived(folder: Path) -> tuple[str, dict[str, ArticleInfo], LexicalIndex] | None:
    try:
        document = json.loads((folder / "catalog.json").read_text(encoding="utf-8"))
        if document.get("format") not in READABLE:
            return None
        catalog = {}
        for entry in document["articles"]:
            entry["chunk_ids"] = tuple(entry["chunk_ids"])
            catalog[entry["id"]] = ArticleInfo(**entry)
        return document["generation"], catalog, LexicalIndex.load(folder / "bm25")
    except (OSError, ValueError, KeyError, TypeError):
        return None
