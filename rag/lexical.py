"""BM25 over chunk texts (bm25s with Snowball stemming), saved beside the Chroma store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_IDS_FILE = "chunk_ids.json"


def _tokenizer() -> Any:
    import bm25s
    import Stemmer

    return bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")


class LexicalIndex:
    """A BM25 ranking of chunk ids; rebuilt whole whenever the chunk set changes."""

    def __init__(self, chunk_ids: list[str], retriever: Any, tokenizer: Any) -> None:
        self.chunk_ids = chunk_ids
        self._retriever = retriever
        self._tokenizer = tokenizer

    @classmethod
    def build(cls, chunk_ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        """Index `texts` (one per chunk id)."""
        import bm25s

        tokenizer = _tokenizer()
        retriever = bm25s.BM25()
        if texts:
            tokens = tokenizer.tokenize(list(texts), return_as="tuple", show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(list(chunk_ids), retriever, tokenizer)

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (which must exist)."""
        if self.chunk_ids:
            self._retriever.save(str(folder))
            self._tokenizer.save_vocab(str(folder))
        (folder / _IDS_FILE).write_text(json.dumps(self.chunk_ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by `save`."""
        import bm25s

        chunk_ids = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
        tokenizer = _tokenizer()
        if not chunk_ids:
            return cls([], bm25s.BM25(), tokenizer)
        tokenizer.load_vocab(str(folder))
        return cls(chunk_ids, bm25s.BM25.load(str(folder)), tokenizer)

    def idf(self, stems: set[str] | frozenset[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each stem; unseen stems get the highest."""
        import numpy as np

        total = len(self.chunk_ids)
        if not total:
            return {stem: 1.0 for stem in stems}
        vocabulary = self._tokenizer.get_vocab_dict()
        frequencies = np.diff(self._retriever.scores["indptr"])
        weights = {}
        for stem in stems:
            column = vocabulary.get(stem)
            df = int(frequencies[column]) if column is not None else 0
            weights[stem] = float(np.log(1 + (total - df + 0.5) / (df + 0.5)))
        return weights

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, BM25 score) pairs, best first; only chunks sharing a term."""
        if not self.chunk_ids or k < 1:
            return []
        tokens = self._tokenizer.tokenize(
            [query], update_vocab=False, return_as="ids", show_progress=False
        )
        if not any(tokens[0]):
            return []
        k = min(k, len(self.chunk_ids))
        rows, scores = self._retriever.retrieve(tokens, k=k, show_progress=False)
        return [
            (self.chunk_ids[int(row)], float(score))
            for row, score in zip(rows[0], scores[0], strict=True)
            if score > 0
        ]
