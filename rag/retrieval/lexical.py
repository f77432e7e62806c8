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
_PATCHED_FILE = "patched.json"
TokenIds = list[Any]  # one row of vocabulary ids per chunk: a list, or a numpy view
PATCH_SHARE = 0.02  # rows changed since the last build, as a share of all, patched in place


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
        self.patched = 0  # rows added or removed by patches since the matrix was built

    @classmethod
    def build(cls, chunk_ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        """Index `texts` (one per chunk id)."""
        tokenizer = _tokenizer()
        return cls._indexed(list(chunk_ids), _tokenize(tokenizer, texts), tokenizer)

    def updated(self, dropped: Collection[str], added: LexicalAdditions) -> LexicalIndex | None:
        """This index less the `dropped` chunks plus `added`; None if its tokens are lost.

        Only the added chunks were tokenized; the vocabulary grows and is never renumbered,
        so the kept chunks' token ids stay valid. A small change is patched into the score
        matrix (`_patched`); a large one, or once patches add up, rebuilds it.
        """
        tokens = self._token_ids()
        if tokens is None:
            return None
        removed = [row for row, c in enumerate(self.chunk_ids) if c in dropped]
        changed = self.patched + len(removed) + len(added.tokens)
        if self.chunk_ids and changed <= PATCH_SHARE * len(self.chunk_ids):
            return self._patched(removed, added, tokens, changed)
        kept = [(c, t) for c, t in zip(self.chunk_ids, tokens, strict=True) if c not in dropped]
        ids = [c for c, _ in kept] + list(added.tokens)
        rows = [t for _, t in kept] + list(added.tokens.values())
        return self._indexed(ids, rows, added.tokenizer)

    def _patched(
        self, removed: list[int], added: LexicalAdditions, tokens: TokenIds, changed: int
    ) -> LexicalIndex:
        """This index with rows `removed` taken out of bm25s's score matrix and the added
        chunks' entries put in, instead of rebuilding it: at 59k passages a rebuild took
        ~3 s and grows with the archive, while one article changes a few dozen rows.

        The added chunks are scored with the new document count, frequencies and mean
        length; the kept entries keep the scores of their last build, which drift by about
        the share of rows changed since (at most `PATCH_SHARE`, then `updated` rebuilds).
        """
        import copy

        import numpy as np
        from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer

        retriever = copy.copy(self._retriever)  # readers of this index keep the old matrix
        scores = retriever.scores
        data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
        old_rows = int(scores["num_docs"])
        columns = np.repeat(np.arange(len(indptr) - 1, dtype=np.int32), np.diff(indptr))
        keep_rows = np.ones(old_rows, dtype=bool)
        keep_rows[removed] = False
        keep = keep_rows[indices]
        data, columns = data[keep], columns[keep]
        indices = (np.cumsum(keep_rows) - 1).astype(indices.dtype)[indices[keep]]
        kept_tokens = [t for row, t in enumerate(tokens) if keep_rows[row]]
        new_tokens = list(added.tokens.values())
        rows = len(kept_tokens) + len(new_tokens)
        vocabulary = added.tokenizer.get_vocab_dict()
        width = max(len(indptr) - 1, max(vocabulary.values(), default=-1) + 1)
        new_columns, new_rows, tf = [], [], []
        for offset, row in enumerate(new_tokens):
            terms, counts = np.unique(np.asarray(row, dtype=np.int64), return_counts=True)
            new_columns.append(terms)
            new_rows.append(np.full(len(terms), len(kept_tokens) + offset))
            tf.append(counts)
        lengths = np.array([len(t) for t in kept_tokens + new_tokens], dtype=np.float64)
        mean_length = float(lengths.mean()) if rows else 1.0
        frequency = np.bincount(columns, minlength=width)  # kept entries per column
        ends = np.concatenate([[0], np.cumsum(frequency)])  # where each kept column ends
        if new_tokens:
            cols = np.concatenate(new_columns)
            order = np.argsort(cols, kind="stable")
            cols, at_rows = cols[order], np.concatenate(new_rows)[order]
            counts = np.concatenate(tf)[order].astype(np.float64)
            frequency += np.bincount(cols, minlength=width)
            idf = np.vectorize(_select_idf_scorer(retriever.idf_method))(frequency[cols], rows)
            tfc = _select_tfc_scorer(retriever.method)(
                counts, lengths[at_rows], mean_length, retriever.k1, retriever.b, retriever.delta
            )
            data = np.insert(data, ends[cols + 1], (idf * tfc).astype(data.dtype))
            indices = np.insert(indices, ends[cols + 1], at_rows.astype(indices.dtype))
        indptr = np.concatenate([[0], np.cumsum(frequency)]).astype(scores["indptr"].dtype)
        retriever.scores = {**scores, "data": data, "indices": indices, "indptr": indptr}
        retriever.scores["num_docs"] = rows
        retriever.vocab_dict = vocabulary
        retriever.unique_token_ids_set = set(vocabulary.values())
        ids = [c for row, c in enumerate(self.chunk_ids) if keep_rows[row]] + list(added.tokens)
        patched = LexicalIndex(ids, retriever, added.tokenizer, kept_tokens + new_tokens)
        patched.patched = changed
        return patched

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
            rows = [np.asarray(r, dtype=np.int32) for r in tokens]
            flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
            lengths = np.array([len(row) for row in tokens], dtype=np.int32)
            np.savez(folder / _TOKENS_FILE, flat=flat, lengths=lengths)
        (folder / _PATCHED_FILE).write_text(json.dumps({"rows": self.patched}), encoding="utf-8")
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
        # Memory-mapped: at 267k passages reading the score arrays took 1.4 s of every cold
        # open, mapped 0.1 s; a query touches only its terms' columns.
        retriever = bm25s.BM25.load(str(folder), mmap=True)
        loaded = cls(chunk_ids, retriever, tokenizer, folder=folder)
        try:
            loaded.patched = int(json.loads((folder / _PATCHED_FILE).read_text())["rows"])
        except (OSError, ValueError, KeyError, TypeError):
            loaded.patched = 0  # written before patches: built whole
        return loaded

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
