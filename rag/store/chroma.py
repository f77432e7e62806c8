"""Chunks and their vectors in a Chroma collection (always our own embeddings): embedded in a
folder (`PersistentClient`, the default) or on a `chroma run` server (`HttpClient`).

Chroma keeps one client state per folder per process and never looks at the disk again, so
a long-lived reader would not see what another process wrote (chroma-core/chroma#3792). All
stores of a folder in this process share one `_Connection`; `ChunkStore.catch_up` reopens it
when the generation on disk is one this process did not write. A server answers every call
from its own current state, so a client of one never needs reopening.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from rag.errors import IndexCorruptError, StoreUnavailableError
from rag.offline import go_offline

if TYPE_CHECKING:
    import numpy as np

COLLECTION = "chunks"
_PAGE = 5000


@dataclass(frozen=True)
class StoredChunk:
    """One row of the store: chunk id, text and metadata."""

    id: str
    text: str
    metadata: dict[str, Any]


class Hit(NamedTuple):
    """One search result: a chunk id and its cosine distance to the query."""

    id: str
    distance: float


class _Guard:
    """Many users at once, or one reopening alone (and reopening goes first when it waits)."""

    def __init__(self) -> None:
        self._state = threading.Condition()
        self._users = 0
        self._reopening = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._state:
            self._state.wait_for(lambda: not self._reopening and not self._waiting)
            self._users += 1
        try:
            yield
        finally:
            with self._state:
                self._users -= 1
                self._state.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._state:
            self._waiting += 1
            self._state.wait_for(lambda: not self._reopening and not self._users)
            self._waiting -= 1
            self._reopening = True
        try:
            yield
        finally:
            with self._state:
                self._reopening = False
                self._state.notify_all()


class _Connection:
    """One folder's (or server's) Chroma client and collection in this process, reopened to
    catch up."""

    def __init__(self, where: Path | str) -> None:
        self.where = where  # a folder (embedded Chroma) or a server's URL
        self.guard = _Guard()
        self._open()
        self.known = self.stamp()[0]  # the newest generation this client has seen

    @property
    def served(self) -> bool:
        """True for a `chroma run` server, which always answers from its current state."""
        return isinstance(self.where, str)

    def _open(self) -> None:
        import chromadb

        settings = chromadb.Settings(anonymized_telemetry=False)
        try:
            if isinstance(self.where, str):
                self.client: Any = _http_client(self.where, settings)
            else:
                self.client = chromadb.PersistentClient(path=str(self.where), settings=settings)
            # embedding_function=None: Chroma would otherwise download an ONNX model.
            self.collection = self.client.get_or_create_collection(
                COLLECTION,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
            # Chroma refuses a call with more rows than this (5,461 with its SQLite defaults).
            self.max_batch = min(int(self.client.get_max_batch_size()), _PAGE)
        except StoreUnavailableError:
            raise
        except Exception as error:  # Chroma raises many types for a damaged folder
            if self.served:
                raise _unavailable(str(self.where), error) from error
            raise IndexCorruptError(
                f"Cannot open the Chroma store in {self.where}: {error}. "
                f"Move the folder aside and re-run `rag index`."
            ) from error

    def stamp(self) -> tuple[str, float]:
        """The collection's generation and when it was set, read afresh."""
        current = self.client.get_collection(COLLECTION, embedding_function=None)
        metadata = current.metadata or {}
        return str(metadata.get("generation", "")), float(metadata.get("written_at", 0.0))

    def reopen(self, seen: str) -> None:
        """A new client, once no call is in flight: the last one of the folder closes Chroma's
        cached state, so the new one reads the disk afresh. A server needs no new client."""
        if self.served:
            self.known = seen
            return
        with self.guard.alone():
            if self.known == seen:
                return  # another thread caught up meanwhile
            self.client.close()
            self._open()
            self.known = seen

    def release(self) -> None:
        """A new client, once no call is in flight, so Chroma frees the vector index the old
        one held (~0.5 GiB at 267k passages); the next search or write loads it again."""
        if self.served:
            return
        with self.guard.alone():
            self.client.close()
            self._open()


def _http_client(url: str, settings: Any) -> Any:
    """A client of the `chroma run` server at `url` (http://host:port)."""
    import chromadb

    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 8000)
    except ValueError as error:
        raise _unavailable(url, error) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreUnavailableError(
            f"RAG_CHROMA_URL={url!r} is not a server address; use e.g. http://127.0.0.1:8000"
        )
    try:
        return chromadb.HttpClient(
            host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=settings
        )
    except Exception as error:  # chromadb says ValueError("Could not connect ...") and more
        raise _unavailable(url, error) from error


def _unavailable(url: str, error: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(
        f"Cannot reach the Chroma server at {url} ({error}). Start it with "
        f"`chroma run --path DIR --host HOST --port PORT`, or unset RAG_CHROMA_URL to use "
        f"the index folder."
    )


_connections: dict[Path | str, _Connection] = {}
_connections_lock = threading.Lock()


def _connection(where: Path | str) -> _Connection:
    key = where.resolve() if isinstance(where, Path) else where.rstrip("/")
    with _connections_lock:
        if key not in _connections:
            _connections[key] = _Connection(key)
        return _connections[key]


class ChunkStore:
    """A Chroma collection of chunks; Chroma types stay inside this class.

    `where` is a folder for embedded Chroma, or the URL of a `chroma run` server.
    """

    def __init__(self, where: Path | str) -> None:
        go_offline()
        self._connection = _connection(where)
        self.max_batch = self._connection.max_batch

    @property
    def served(self) -> bool:
        """True when the chunks live on a Chroma server that other machines share."""
        return self._connection.served

    @contextmanager
    def _collection(self) -> Iterator[Any]:
        with self._connection.guard.shared():
            yield self._connection.collection

    @property
    def generation(self) -> str:
        """A marker changed on every write; derived files record the one they were built at.

        Read afresh each time: another process (the CLI beside the web chat) may have written.
        """
        with self._connection.guard.shared():
            return self._connection.stamp()[0]

    def catch_up(self, generation: str) -> bool:
        """Reopen Chroma if `generation` (read from disk) was written by another process; True
        if it reopened. Vectors another process added are invisible to a client until then."""
        if generation == self._connection.known:
            return False
        self._connection.reopen(generation)
        return True

    @property
    def written_at(self) -> float:
        """When the generation was last set (epoch seconds; 0 if never): a writer sets it
        again after every batch, so a fresh one means a writer is alive."""
        with self._connection.guard.shared():
            return self._connection.stamp()[1]

    def set_generation(self, value: str) -> None:
        """Record that the contents changed (or that derived files caught up)."""
        with self._collection() as collection:
            collection.modify(metadata={"generation": value, "written_at": time.time()})
            self._connection.known = value

    def renew(self) -> None:
        """Keep a served store's write lease: the same generation, a new `written_at`."""
        if self.served:
            self.set_generation(self._connection.known)

    def release(self) -> None:
        """Free the vector index this process holds in memory until it is needed again
        (`_Connection.release`); a server's is its own."""
        self._connection.release()

    def preload(self, dimensions: int) -> threading.Thread | None:
        """Start Chroma reading its vector index into memory, in a thread, and return it.

        Chroma loads the index at a process's first search or write (0.7 s at 267k passages)
        without holding the GIL, so in a thread it overlaps whatever the caller does meanwhile
        (reading the catalog and BM25, chunking an article). `dimensions`: the vectors' width.
        None for a server, which holds its index loaded already.
        """
        if self.served:
            return None
        thread = threading.Thread(
            target=self._preload, args=(dimensions,), name="chroma-preload", daemon=True
        )
        thread.start()
        return thread

    def _preload(self, dimensions: int) -> None:
        import numpy as np

        probe = np.zeros(dimensions, dtype=np.float32)
        probe[0] = 1.0
        # Only a head start: the caller's own search or write meets any error and reports it.
        with contextlib.suppress(Exception):
            self.search(probe, 1)

    def add(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> None:
        """Insert or overwrite `chunks` with their vectors, in calls Chroma accepts."""
        for start in range(0, len(chunks), self.max_batch):
            part = chunks[start : start + self.max_batch]
            with self._collection() as collection:
                collection.upsert(
                    ids=[c.id for c in part],
                    documents=[c.text for c in part],
                    metadatas=[c.metadata for c in part],
                    embeddings=vectors[start : start + len(part)],
                )

    def update_metadata(self, chunks: Sequence[StoredChunk]) -> None:
        """Replace the metadata of chunks already stored (their vectors stay)."""
        for start in range(0, len(chunks), self.max_batch):
            part = chunks[start : start + self.max_batch]
            with self._collection() as collection:
                collection.update(ids=[c.id for c in part], metadatas=[c.metadata for c in part])

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id; unknown ids are ignored."""
        for start in range(0, len(ids), self.max_batch):
            with self._collection() as collection:
                collection.delete(ids=list(ids[start : start + self.max_batch]))

    def all(self) -> Iterator[StoredChunk]:
        """Every stored chunk, page by page."""
        offset = 0
        while True:
            with self._collection() as collection:
                page = collection.get(
                    include=["documents", "metadatas"], limit=_PAGE, offset=offset
                )
            yield from _rows(page["ids"], page["documents"], page["metadatas"])
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        """The chunks with these ids, in the order given (missing ids are skipped)."""
        found: dict[str, StoredChunk] = {}
        for start in range(0, len(ids), self.max_batch):
            part = list(ids[start : start + self.max_batch])
            with self._collection() as collection:
                page = collection.get(ids=part, include=["documents", "metadatas"])
            found.update(
                (c.id, c) for c in _rows(page["ids"], page["documents"], page["metadatas"])
            )
        return [found[i] for i in ids if i in found]

    def search(
        self,
        vector: np.ndarray,
        k: int,
        where: dict[str, Any] | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The `k` chunks nearest to `vector` (cosine), best first, as ids and distances;
        only among `ids` when given (Chroma restricts the search itself, so up to `k` still
        come back). No texts: reading them from SQLite cost 8 of a search's 10 ms at 267k
        passages, and a caller reads those it keeps with `get`."""
        if ids is not None and not ids:
            return []
        with self._collection() as collection:
            result = collection.query(
                query_embeddings=[vector],
                n_results=k,  # Chroma returns fewer when it holds fewer
                where=where,
                ids=list(ids) if ids is not None else None,
                include=["distances"],
            )
        distances = (result["distances"] or [[]])[0]
        return [Hit(i, float(d)) for i, d in zip(result["ids"][0], distances, strict=True)]


def _rows(
    ids: Sequence[str],
    documents: Sequence[str | None] | None,
    metadatas: Sequence[Any] | None,
) -> list[StoredChunk]:
    """Chroma's parallel result lists as StoredChunks."""
    return [
        StoredChunk(chunk_id, text or "", dict(meta or {}))
        for chunk_id, text, meta in zip(ids, documents or [], metadatas or [], strict=True)
    ]
