"""BM25 over chunk texts (bm25s with Snowball stemming), saved beside the Chroma store.

bm25s cannot add documents to an index, so a large change rebuilds it and a small one is
patched into its score matrix; each chunk's token ids are kept (`tokens.npy`, one flat array,
with `token_offsets.npy`) so that neither tokenizes more than the chunks that are new.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_IDS_FILE = "chunk_ids.json"
_TOKENS_FILE, _OFFSETS_FILE = "tokens.npy", "token_offsets.npy"
_OLD_TOKENS_FILE = "tokens.npz"  # before 2026-12-05: flat and lengths, zipped
_PATCHED_FILE = "patched.json"
PATCH_SHARE = 0.02  # rows changed since the last build, as a share of all, patched in place


class TokenRows:
    """Each chunk's vocabulary ids, as one flat int32 array and each row's offset into it.

    At 267k chunks a list of per-row arrays cost 0.5 s to cut from the saved file and a
    Python loop per row for every length; rows are views made on demand, lengths one diff.
    """

    def __init__(self, flat: np.ndarray, offsets: np.ndarray) -> None:
        self.flat, self.offsets = flat, offsets

    @classmethod
    def from_rows(cls, rows: Sequence[Any]) -> TokenRows:
        """Rows of ids (lists or arrays), in order."""
        import numpy as np

        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        parts = [np.asarray(r, dtype=np.int32) for r in rows]
        flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        return cls(flat.astype(np.int32, copy=False), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> np.ndarray:
        import numpy as np

        return np.asarray(self.flat)[self.offsets[row] : self.offsets[row + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        import numpy as np

        # Plain views of the mapped file: a view of a np.memmap is a memmap too, whose
        # bookkeeping per slice doubled a 267k-row rebuild (18 → 35 s).
        flat, offsets = np.asarray(self.flat), self.offsets.tolist()
        for start, end in zip(offsets[:-1], offsets[1:], strict=True):
            yield flat[start:end]

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per row."""
        import numpy as np

        return np.diff(self.offsets)

    def kept(self, keep: np.ndarray) -> TokenRows:
        """The rows where the boolean `keep` is True, in order."""
        import numpy as np

        if bool(keep.all()):
            return self  # an upload that replaces nothing: no copy of every row
        lengths = self.lengths[keep]
        flat = np.asarray(self.flat[np.repeat(keep, self.lengths)], dtype=np.int32)
        return TokenRows(flat, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))

    def extended(self, rows: Sequence[np.ndarray]) -> TokenRows:
        """These rows, then `rows`."""
        import numpy as np

        if not rows:
            return self
        more = TokenRows.from_rows(rows)
        flat = np.concatenate([np.asarray(self.flat), more.flat])
        offsets = np.concatenate([self.offsets, self.offsets[-1] + more.offsets[1:]])
        return TokenRows(flat, offsets)


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
        tokens: TokenRows | None = None,
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
        rows = TokenRows.from_rows(_tokenize(tokenizer, texts))
        return cls._indexed(list(chunk_ids), rows, tokenizer)

    def updated(self, dropped: Collection[str], added: LexicalAdditions) -> LexicalIndex | None:
        """This index less the `dropped` chunks plus `added`; None if its tokens are lost.

        Only the added chunks were tokenized; the vocabulary grows and is never renumbered,
        so the kept chunks' token ids stay valid. A small change is patched into the score
        matrix (`_patched`); a large one, or once patches add up, rebuilds it.
        """
        import numpy as np

        tokens = self._token_ids()
        if tokens is None:
            return None
        gone = np.fromiter((c in dropped for c in self.chunk_ids), bool, len(self.chunk_ids))
        removed = np.flatnonzero(gone)
        changed = self.patched + len(removed) + len(added.tokens)
        if self.chunk_ids and changed <= PATCH_SHARE * len(self.chunk_ids):
            return self._patched(removed, added, tokens, changed)
        ids = [c for c, out in zip(self.chunk_ids, gone.tolist(), strict=True) if not out]
        rows = tokens.kept(~gone).extended(list(added.tokens.values()))
        return self._indexed(ids + list(added.tokens), rows, added.tokenizer)

    def _patched(
        self, removed: np.ndarray, added: LexicalAdditions, tokens: TokenRows, changed: int
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
        kept_tokens = tokens.kept(keep_rows)
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
        all_tokens = kept_tokens.extended(new_tokens)
        lengths = all_tokens.lengths.astype(np.float64)
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
        kept_ids = [c for c, keep in zip(self.chunk_ids, keep_rows.tolist(), strict=True) if keep]
        patched = LexicalIndex(
            kept_ids + list(added.tokens), retriever, added.tokenizer, all_tokens
        )
        patched.patched = changed
        return patched

    def additions(self) -> LexicalAdditions:
        """An empty batch of chunks to add, tokenized against this index's vocabulary."""
        return LexicalAdditions(self._tokenizer)

    @classmethod
    def _indexed(cls, chunk_ids: list[str], tokens: TokenRows, tokenizer: Any) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        if chunk_ids:
            corpus = bm25s.tokenization.Tokenized(ids=tokens, vocab=tokenizer.get_vocab_dict())
            retriever.index(corpus, show_progress=False)
        return cls(chunk_ids, retriever, tokenizer, tokens)

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (which must exist)."""
        import numpy as np

        tokens = self._token_ids()
        if self.chunk_ids:
            self._retriever.save(str(folder))
            self._tokenizer.save_vocab(str(folder))
            if tokens is not None:
                # Plain .npy: np.savez's zip took 0.95 s at 267k chunks (a CRC of every byte)
                # where this writes in 0.1 s, and it is memory-mapped when read.
                np.save(folder / _TOKENS_FILE, np.asarray(tokens.flat, dtype=np.int32))
                np.save(folder / _OFFSETS_FILE, np.asarray(tokens.offsets, dtype=np.int64))
        (folder / _PATCHED_FILE).write_text(json.dumps({"rows": self.patched}), encoding="utf-8")
        (folder / _IDS_FILE).write_text(json.dumps(self.chunk_ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by `save` (its token ids are read only when needed)."""
        import bm25s

        chunk_ids = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
        tokenizer = _tokenizer()
        if not chunk_ids:
            return cls([], bm25s.BM25(), tokenizer, TokenRows.from_rows([]))
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

    def _token_ids(self) -> TokenRows | None:
        if self._tokens is None and self._folder is not None:
            self._tokens = _read_tokens(self._folder, len(self.chunk_ids))
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


def _tokenize(tokenizer: Any, texts: Sequence[str]) -> list[Any]:
    if not texts:
        return []
    ids = tokenizer.tokenize(list(texts), update_vocab=True, return_as="ids", show_progress=False)
    return list(ids)


def _read_tokens(folder: Path, rows: int) -> TokenRows | None:
    """The saved token ids of `rows` chunks, memory-mapped; None when missing or damaged
    (the caller then rebuilds from the store)."""
    import numpy as np

    try:
        if (folder / _TOKENS_FILE).is_file():
            flat = np.load(folder / _TOKENS_FILE, mmap_mode="r")
            offsets = np.asarray(np.load(folder / _OFFSETS_FILE), dtype=np.int64)
        else:  # the zipped format of earlier versions: read once, saved anew on next write
            with np.load(folder / _OLD_TOKENS_FILE) as saved:
                flat, lengths = saved["flat"], saved["lengths"]
            offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    except (OSError, KeyError, ValueError):
        return None  # written before tokens were kept, or damaged: the caller rebuilds
    if len(offsets) != rows + 1 or offsets[0] != 0 or int(offsets[-1]) != len(flat):
        return None
    if len(offsets) > 1 and bool((np.diff(offsets) < 0).any()):
        return None
    return TokenRows(flat, offsets)
