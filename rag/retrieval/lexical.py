"""BM25 over chunk texts (bm25s with Snowball stemming), saved beside the Chroma store.

bm25s cannot add documents to an index, so every change rebuilds it; each chunk's token ids
are kept (`tokens.npz`) so that a rebuild tokenizes only the chunks that are new.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_IDS_FILE = "chunk_ids.json"
_TOKENS_FILE = "tokens.npz"
TokenIds = list[Any]  # one row of vocabulary ids per chunk: a list, or a numpy view


def _tokenizer() -> Any:
    import bm25s
    import Stemmer

    return bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")


class LexicalIndex:
    """A BM25 ranking of chunk ids; rebuilt whenever the chunk set changes."""

    def __init__(
        self,
        chunk_ids: list[str],
        retriever: Any,
        tokenizer: Any,
        tokens: TokenIds | None = None,
        folder: Path | None = None,
    ) -> None:
        self.chunk_ids = chunk_ids
        self._retriever = retriever
        self._tokenizer = tokenizer
        self._tokens = tokens  # per chunk; read from `folder` when first needed
        self._folder = folder

    @classmethod
    def build(cls, chunk_ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        """Index `texts` (one per chunk id)."""
        tokenizer = _tokenizer()
        return cls._indexed(list(chunk_ids), _tokenize(tokenizer, texts), tokenizer)

    def updated(self, dropped: Collection[str], added: LexicalAdditions) -> LexicalIndex | None:
        """This index less the `dropped` chunks plus `added`; None if its tokens are lost.

        Only the added chunks were tokenized; the vocabulary grows and is never renumbered,
        so the kept chunks' token ids stay valid.
        """
        tokens = self._token_ids()
        if tokens is None:
            return None
        kept = [(c, t) for c, t in zip(self.chunk_ids, tokens, strict=True) if c not in dropped]
        ids = [c for c, _ in kept] + list(added.tokens)
        rows = [t for _, t in kept] + list(added.tokens.values())
        return self._indexed(ids, rows, added.tokenizer)

    def additions(self) -> LexicalAdditions:
        """An empty batch of chunks to add, tokenized against this index's vocabulary."""
        return LexicalAdditions(self._tokenizer)

    @classmethod
    def _indexed(cls, chunk_ids: list[str], tokens: TokenIds, tokenizer: Any) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        if chunk_ids:
            corpus = bm25s.tokenization.Tokenized(ids=tokens, vocab=tokenizer.get_vocab_dict())
            retriever.index(corpus, show_progress=False)
        return cls(chunk_ids, retriever, tokenizer, tokens)

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (which must exist)."""
        import numpy as np

        tokens = self._token_ids() or []
        if self.chunk_ids:
            self._retriever.save(str(folder))
            self._tokenizer.save_vocab(str(folder))
            flat = np.concatenate([np.asarray(r, dtype=np.int32) for r in tokens] or [[]])
            lengths = np.array([len(row) for row in tokens], dtype=np.int32)
            np.savez(folder / _TOKENS_FILE, flat=flat, lengths=lengths)
        (folder / _IDS_FILE).write_text(json.dumps(self.chunk_ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by `save` (its token ids are read only when needed)."""
        import bm25s

        chunk_ids = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
        tokenizer = _tokenizer()
        if not chunk_ids:
            return cls([], bm25s.BM25(), tokenizer, [])
        tokenizer.load_vocab(str(folder))
        return cls(chunk_ids, bm25s.BM25.load(str(folder)), tokenizer, folder=folder)

    def _token_ids(self) -> TokenIds | None:
        if self._tokens is None and self._folder is not None:
            self._tokens = _read_tokens(self._folder / _TOKENS_FILE, len(self.chunk_ids))
        return self._tokens

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

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, BM25 score) pairs, best first; only chunks sharing a term.

        `allowed` (one 0/1 weight per chunk, in `chunk_ids` order) restricts the ranking
        itself, so a narrow date range still returns `k` chunks when it holds them.
        """
        if not self.chunk_ids or k < 1:
            return []
        tokens = self._tokenizer.tokenize(
            [query], update_vocab=False, return_as="ids", show_progress=False
        )
        if not any(tokens[0]):
            return []
        k = min(k, len(self.chunk_ids))
        rows, scores = self._retriever.retrieve(
            tokens, k=k, show_progress=False, weight_mask=allowed
        )
        return [
            (self.chunk_ids[int(row)], float(score))
            for row, score in zip(rows[0], scores[0], strict=True)
            if score > 0
        ]


class LexicalAdditions:
    """Chunks to add to an index, tokenized as they arrive and kept as compact int32 rows
    (~0.6 kB a chunk), so a long ingest holds neither the texts nor lists of Python ints."""

    def __init__(self, base: Any) -> None:
        self.tokenizer = _tokenizer()
        self.tokenizer.word_to_stem = dict(base.word_to_stem)
        self.tokenizer.stem_to_sid = dict(base.stem_to_sid)
        self.tokenizer.word_to_id = dict(base.word_to_id)
        self.tokens: dict[str, np.ndarray] = {}  # by chunk id, in the order added

    def add(self, chunk_ids: Sequence[str], texts: Sequence[str]) -> None:
        """Tokenize `texts` (one per chunk id); a chunk added again replaces its tokens."""
        import numpy as np

        for chunk_id, row in zip(chunk_ids, _tokenize(self.tokenizer, texts), strict=True):
            self.tokens.pop(chunk_id, None)  # re-added: it moves to the end, like a new one
            self.tokens[chunk_id] = np.asarray(row, dtype=np.int32)

    def keep_only(self, chunk_ids: Collection[str]) -> None:
        """Forget added chunks not in `chunk_ids` (their article was removed or replaced)."""
        for chunk_id in [c for c in self.tokens if c not in chunk_ids]:
            del self.tokens[chunk_id]


def _tokenize(tokenizer: Any, texts: Sequence[str]) -> TokenIds:
    if not texts:
        return []
    ids = tokenizer.tokenize(list(texts), update_vocab=True, return_as="ids", show_progress=False)
    return list(ids)


def _read_tokens(path: Path, rows: int) -> TokenIds | None:
    import numpy as np

    try:
        with np.load(path) as saved:
            flat: np.ndarray = saved["flat"]
            lengths: np.ndarray = saved["lengths"]
    except (OSError, KeyError, ValueError):
        return None  # written before tokens were kept, or damaged: the caller rebuilds
    if len(lengths) != rows or int(lengths.sum()) != len(flat):
        return None
    return list(np.split(flat, np.cumsum(lengths)[:-1]))  # views: no copy of the ids
