"""Chunks and their vectors in a persistent Chroma collection (always our own embeddings)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import IndexCorruptError
from rag.offline import go_offline

if TYPE_CHECKING:
    import numpy as np

COLLECTION = "chunks"
_PAGE = 5000


@dataclass(frozen=True)
class StoredChunk:
    """One row of the store: chunk id, text, metadata and (for searches) cosine distance."""

    id: str
    text: str
    metadata: dict[str, Any]
    distance: float = 0.0


class ChunkStore:
    """A Chroma collection of chunks; Chroma types stay inside this class."""

    def __init__(self, folder: Path) -> None:
        go_offline()
        import chromadb

        try:
            client = chromadb.PersistentClient(
                path=str(folder), settings=chromadb.Settings(anonymized_telemetry=False)
            )
            # embedding_function=None: Chroma would otherwise download an ONNX model.
            self._client = client
            self._collection = client.get_or_create_collection(
                COLLECTION,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as error:  # Chroma raises many types for a damaged folder
            raise IndexCorruptError(
                f"Cannot open the Chroma store in {folder}: {error}. "
                f"Move the folder aside and re-run `rag index`."
            ) from error

    @property
    def generation(self) -> str:
        """A marker changed on every write; derived files record the one they were built at.

        Read afresh each time: another process (the CLI beside the web chat) may have written.
        """
        current = self._client.get_collection(COLLECTION, embedding_function=None)
        return str((current.metadata or {}).get("generation", ""))

    def set_generation(self, value: str) -> None:
        """Record that the contents changed (or that derived files caught up)."""
        self._collection.modify(metadata={"generation": value})

    def add(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> None:
        """Insert or overwrite `chunks` with their vectors."""
        if not chunks:
            return
        self._collection.upsert(
            ids=[c.id for c in chunks],
            documents=[c.text for c in chunks],
            metadatas=[c.metadata for c in chunks],
            embeddings=vectors,
        )

    def update_metadata(self, chunks: Sequence[StoredChunk]) -> None:
        """Replace the metadata of chunks already stored (their vectors stay)."""
        if chunks:
            self._collection.update(
                ids=[c.id for c in chunks], metadatas=[c.metadata for c in chunks]
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id; unknown ids are ignored."""
        for start in range(0, len(ids), _PAGE):
            self._collection.delete(ids=list(ids[start : start + _PAGE]))

    def all(self) -> Iterator[StoredChunk]:
        """Every stored chunk, page by page."""
        offset = 0
        while True:
            page = self._collection.get(
                include=["documents", "metadatas"], limit=_PAGE, offset=offset
            )
            yield from _rows(page["ids"], page["documents"], page["metadatas"])
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        """The chunks with these ids, in the order given (missing ids are skipped)."""
        if not ids:
            return []
        page = self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        found = {c.id: c for c in _rows(page["ids"], page["documents"], page["metadatas"])}
        return [found[i] for i in ids if i in found]

    def search(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[StoredChunk]:
        """The `k` chunks nearest to `vector` (cosine), best first."""
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=k,  # Chroma returns fewer when it holds fewer
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return _rows(
            result["ids"][0],
            (result["documents"] or [[]])[0],
            (result["metadatas"] or [[]])[0],
            (result["distances"] or [[]])[0],
        )


def _rows(
    ids: Sequence[str],
    documents: Sequence[str | None] | None,
    metadatas: Sequence[Any] | None,
    distances: Sequence[float] | None = None,
) -> list[StoredChunk]:
    """Chroma's parallel result lists as StoredChunks."""
    return [
        StoredChunk(chunk_id, text or "", dict(meta or {}), float(distance))
        for chunk_id, text, meta, distance in zip(
            ids,
            documents or [],
            metadatas or [],
            distances if distances is not None else [0.0] * len(ids),
            strict=True,
        )
    ]
