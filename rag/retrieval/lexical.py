"""BM25 over chunk texts (bm25s with Snowball stemming), saved beside the Chroma store.

bm25s cannot add documents to an index. A large change rebuilds it; a small one leaves the
built matrix (the base) as it is and keeps the change beside it: the base rows removed since,
and the rows added since as a small score matrix of their own (the extra rows), scored with
the current document count and frequencies. Saving a small change writes only that part and
links the base's files from the previous save, so one upload into a 267k-passage index no
longer rewrites ~300 MB. Each chunk's token ids are kept (`tokens.npy`, one flat array, with
`token_offsets.npy`) so that no change tokenizes more than the chunks that are new.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_IDS_FILE = "chunk_ids.json"  # the base's rows
_TOKENS_FILE, _OFFSETS_FILE = "tokens.npy", "token_offsets.npy"  # the base's rows
_OLD_TOKENS_FILE = "tokens.npz"  # before 2026-12-05: flat and lengths, zipped
_BASE_FILE = "base.json"  # names the base, so a later save can link its files
_CHANGE_FILE, _CHANGE_IDS_FILE = "change.npz", "change_ids.json"  # removed and extra rows
_PATCHED_FILE = "patched.json"
# What a save writes for the base and may link from the previous one instead.
_BASE_FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "nonoccurrence_array.index.npy",
    "vocab.index.json",
    "params.index.json",
    _IDS_FILE,
    _TOKENS_FILE,
    _OFFSETS_FILE,
    _BASE_FILE,
)
_VOCAB_FILE = "vocab.tokenizer.json"  # the tokenizer's: it grows with every change
PATCH_SHARE = 0.02  # rows changed since the base was built, as a share of all, kept beside it


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

    def extended(self, rows: Sequence[np.ndarray] | TokenRows) -> TokenRows:
        """These rows, then `rows`."""
        import numpy as np

        if not len(rows):
            return self
        more = rows if isinstance(rows, TokenRows) else TokenRows.from_rows(rows)
        flat = np.concatenate([np.asarray(self.flat), np.asarray(more.flat)])
        offsets = np.concatenate([self.offsets, self.offsets[-1] + more.offsets[1:]])
        return TokenRows(flat, offsets)

    def terms(self, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, term, count) of every distinct term of every row, sorted by term then row."""
        import numpy as np

        flat = np.asarray(self.flat, dtype=np.int64)
        rows = np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)
        keys, counts = np.unique(rows * width + flat, return_counts=True)
        row, term = keys // width, keys % width
        order = np.argsort(term, kind="stable")
        return row[order], term[order], counts[order]


def _tokenizer() -> Any:
    import bm25s
    import Stemmer

    return bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")


class _Extra:
    """The rows added since the base was built: their chunk ids, tokens and BM25 scores, a
    CSC matrix over the vocabulary whose `rows` count from 0 within these rows."""

    def __init__(
        self,
        ids: list[str],
        tokens: TokenRows,
        data: np.ndarray,
        rows: np.ndarray,
        indptr: np.ndarray,
    ) -> None:
        self.ids, self.tokens = ids, tokens
        self.data, self.rows, self.indptr = data, rows, indptr

    @classmethod
    def empty(cls) -> _Extra:
        import numpy as np

        nothing = np.zeros(0, dtype=np.int64)
        return cls([], TokenRows.from_rows([]), nothing.astype(np.float32), nothing, nothing)

    @classmethod
    def scored(cls, ids: list[str], tokens: TokenRows, stats: _Stats, retriever: Any) -> _Extra:
        """`tokens`' rows scored as bm25s scores a build with these statistics."""
        import numpy as np
        from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer

        rows, terms, counts = tokens.terms(stats.width)
        # bm25s's idf takes one number at a time: once per distinct term, not per entry.
        distinct, where = np.unique(terms, return_inverse=True)
        idf = np.vectorize(_select_idf_scorer(retriever.idf_method), otypes=[np.float64])
        tfc = _select_tfc_scorer(retriever.method)
        lengths = tokens.lengths.astype(np.float64)
        scores = idf(stats.frequency[distinct], stats.rows)[where] * tfc(
            counts.astype(np.float64),
            lengths[rows],
            stats.mean_length,
            retriever.k1,
            retriever.b,
            retriever.delta,
        )
        indptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=stats.width))])
        return cls(ids, tokens, scores.astype(np.float32), rows, indptr.astype(np.int64))

    def scores(self, query: Sequence[int]) -> np.ndarray:
        """Each row's BM25 score for the query's token ids (as bm25s sums them)."""
        import numpy as np

        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term in query:
            if term + 1 < len(self.indptr):
                start, end = self.indptr[term], self.indptr[term + 1]
                scores[self.rows[start:end]] += self.data[start:end]
        return scores

    def frequency(self, term: int) -> int:
        """How many of these rows hold the term."""
        if term + 1 >= len(self.indptr):
            return 0
        return int(self.indptr[term + 1] - self.indptr[term])


class _Stats:
    """What BM25 scores a row with: the live rows, their mean length and each term's
    document frequency among them."""

    def __init__(self, rows: int, mean_length: float, frequency: np.ndarray) -> None:
        self.rows, self.mean_length, self.frequency = rows, mean_length, frequency

    @property
    def width(self) -> int:
        return len(self.frequency)


class LexicalIndex:
    """A BM25 ranking of chunk ids: a built matrix (the base), less the base rows removed
    since, plus the rows added since; rebuilt whole once those changes add up."""

    def __init__(
        self,
        base_ids: list[str],
        retriever: Any,
        tokenizer: Any,
        tokens: TokenRows | None = None,
        folder: Path | None = None,
        *,
        name: str = "",
        dead: np.ndarray | None = None,
        extra: _Extra | None = None,
        carried: int = 0,
    ) -> None:
        self._base_ids = base_ids
        self._retriever = retriever
        self._tokenizer = tokenizer
        self._tokens = tokens  # the base rows'; read from `folder` when first needed
        self._folder = folder
        self._name = name  # the base's, saved with it ("" in folders written before names)
        self._dead = dead  # one flag per base row: removed since the base was built
        self._extra = extra or _Extra.empty()
        # Rows an earlier version patched into the base's matrix itself (before 2026-12-05).
        self._carried = carried
        changed = 0 if dead is None else int(dead.sum())
        self.patched = carried + changed + len(self._extra.ids)  # rows changed since the build
        live = base_ids if dead is None else _compress(base_ids, ~dead)
        self.chunk_ids = [*live, *self._extra.ids]  # the ranking's chunks: what masks follow

    @classmethod
    def build(cls, chunk_ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        """Index `texts` (one per chunk id)."""
        tokenizer = _tokenizer()
        rows = TokenRows.from_rows(_tokenize(tokenizer, texts))
        return cls._indexed(list(chunk_ids), rows, tokenizer)

    def updated(self, dropped: Collection[str], added: LexicalAdditions) -> LexicalIndex | None:
        """This index less the `dropped` chunks plus `added`; None if its tokens are lost.

        Only the added chunks were tokenized; the vocabulary grows and is never renumbered,
        so the kept chunks' token ids stay valid. A small change is kept beside the base
        (`_changed`); a large one, or once changes add up, rebuilds it.
        """
        import numpy as np

        base = self._token_ids()
        if base is None:
            return None
        dead = np.fromiter((c in dropped for c in self._base_ids), bool, len(self._base_ids))
        if self._dead is not None:
            dead |= self._dead
        keep = np.array([c not in dropped for c in self._extra.ids], dtype=bool)
        ids = _compress(self._extra.ids, keep) + list(added.tokens)
        extra = self._extra.tokens.kept(keep).extended(list(added.tokens.values()))
        if not self._rebuilt_for(self._carried + int(dead.sum()) + len(ids)):
            return self._changed(base, dead, ids, extra, added.tokenizer)
        ids = _compress(self._base_ids, ~dead) + ids
        return self._indexed(ids, base.kept(~dead).extended(extra), added.tokenizer)

    def rebuilds(self, changes: int) -> bool:
        """Whether `updated` with this many more chunks dropped or added would build the
        matrix anew rather than keep the change beside it."""
        return self._rebuilt_for(self._carried + len(self._extra.ids) + changes)

    def _rebuilt_for(self, changed: int) -> bool:
        """A base with `changed` rows changed since it was built is built anew."""
        return not self._base_ids or changed > PATCH_SHARE * len(self._base_ids)

    def _changed(
        self,
        base: TokenRows,
        dead: np.ndarray,
        ids: list[str],
        extra: TokenRows,
        tokenizer: Any,
    ) -> LexicalIndex:
        """The base as it is, less its `dead` rows, plus the extra rows `ids` scored with the
        current document count, frequencies and mean length. At 267k passages rewriting the
        whole matrix for one article took seconds; now a change costs its own rows.

        The base's live entries keep the scores of their build, which drift by about the
        share of rows changed since (at most `PATCH_SHARE`, then `updated` rebuilds).
        """
        import numpy as np

        vocabulary = tokenizer.get_vocab_dict()
        width = max(len(self._retriever.scores["indptr"]) - 1, max(vocabulary.values()) + 1)
        frequency = np.zeros(width, dtype=np.int64)
        built = np.diff(self._retriever.scores["indptr"])
        frequency[: len(built)] = built
        lengths = base.lengths
        if dead.any():
            gone = TokenRows.from_rows([base[int(row)] for row in np.flatnonzero(dead)])
            _, terms, _ = gone.terms(width)
            frequency -= np.bincount(terms, minlength=width)
        _, terms, _ = extra.terms(width)
        frequency += np.bincount(terms, minlength=width)
        rows = int((~dead).sum()) + len(extra)
        total = int(lengths[~dead].sum()) + int(extra.lengths.sum())
        stats = _Stats(rows, total / rows if rows else 1.0, frequency)
        return LexicalIndex(
            self._base_ids,
            self._retriever,
            tokenizer,
            base,
            self._folder,
            name=self._name,
            dead=dead if dead.any() else None,
            extra=_Extra.scored(ids, extra, stats, self._retriever),
            carried=self._carried,
        )

    def additions(self) -> LexicalAdditions:
        """An empty batch of chunks to add, tokenized against this index's vocabulary."""
        return LexicalAdditions(self._tokenizer)

    @classmethod
    def _indexed(cls, chunk_ids: list[str], tokens: TokenRows, tokenizer: Any) -> LexicalIndex:
        import uuid

        import bm25s

        retriever = bm25s.BM25()
        if chunk_ids:
            corpus = bm25s.tokenization.Tokenized(ids=tokens, vocab=tokenizer.get_vocab_dict())
            retriever.index(corpus, show_progress=False)
        return cls(chunk_ids, retriever, tokenizer, tokens, name=uuid.uuid4().hex)

    def rebuilt(self) -> LexicalIndex | None:
        """The same chunks in a matrix built whole; None if the tokens are lost."""
        tokens = self.tokens()
        if tokens is None:
            return None
        return self._indexed(list(self.chunk_ids), tokens, self._tokenizer)

    def save(self, folder: Path, previous: Path | None = None) -> None:
        """Write the index into `folder` (which must exist). The base's files are linked from
        `previous`, an earlier save, when it holds this same base; else they are written."""
        import numpy as np

        if not self._linked(folder, previous):
            self._save_base(folder)
        self._tokenizer.save_vocab(str(folder))
        if self._dead is not None or self._extra.ids:
            dead = np.flatnonzero(self._dead) if self._dead is not None else np.zeros(0, np.int64)
            extra = self._extra
            np.savez(
                folder / _CHANGE_FILE,
                dead=dead,
                flat=np.asarray(extra.tokens.flat, dtype=np.int32),
                offsets=extra.tokens.offsets,
                data=extra.data,
                rows=extra.rows,
                indptr=extra.indptr,
            )
            (folder / _CHANGE_IDS_FILE).write_text(json.dumps(extra.ids), encoding="utf-8")
        (folder / _PATCHED_FILE).write_text(json.dumps({"rows": self.patched}), encoding="utf-8")

    def _linked(self, folder: Path, previous: Path | None) -> bool:
        """Hard-link the base's files from `previous` if it holds this base; False if not.

        Saved files are never written again, so a reader that has mapped them keeps them."""
        import os

        if previous is None or not self._name or _base_name(previous) != self._name:
            return False
        try:
            for name in _BASE_FILES:
                if (previous / name).is_file():
                    os.link(previous / name, folder / name)
        except OSError:  # no hard links here: write the files
            for name in _BASE_FILES:
                (folder / name).unlink(missing_ok=True)
            return False
        return True

    def _save_base(self, folder: Path) -> None:
        import uuid

        import numpy as np

        # A base read from a folder written before bases had names gets one now, so the
        # next save can link it.
        self._name = self._name or uuid.uuid4().hex

        tokens = self._token_ids()
        if self._base_ids:
            self._retriever.save(str(folder))
            if tokens is not None:
                # Plain .npy: np.savez's zip took 0.95 s at 267k chunks (a CRC of every byte)
                # where this writes in 0.1 s, and it is memory-mapped when read.
                np.save(folder / _TOKENS_FILE, np.asarray(tokens.flat, dtype=np.int32))
                np.save(folder / _OFFSETS_FILE, np.asarray(tokens.offsets, dtype=np.int64))
        (folder / _IDS_FILE).write_text(json.dumps(self._base_ids), encoding="utf-8")
        (folder / _BASE_FILE).write_text(json.dumps({"name": self._name}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by `save` (its token ids are read only when needed)."""
        import bm25s
        import numpy as np

        base_ids = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
        tokenizer = _tokenizer()
        if (folder / _VOCAB_FILE).is_file():
            tokenizer.load_vocab(str(folder))
        # Memory-mapped: at 267k passages reading the score arrays took 1.4 s of every cold
        # open, mapped 0.1 s; a query touches only its terms' columns.
        retriever = bm25s.BM25.load(str(folder), mmap=True) if base_ids else bm25s.BM25()
        dead, extra = None, None
        if (folder / _CHANGE_FILE).is_file():
            with np.load(folder / _CHANGE_FILE) as change:
                dead = np.zeros(len(base_ids), dtype=bool)
                dead[change["dead"]] = True
                tokens = TokenRows(change["flat"], change["offsets"])
                ids = json.loads((folder / _CHANGE_IDS_FILE).read_text(encoding="utf-8"))
                if len(ids) != len(tokens):
                    raise ValueError(f"{folder}: {len(ids)} extra rows, {len(tokens)} token rows")
                extra = _Extra(ids, tokens, change["data"], change["rows"], change["indptr"])
        try:
            patched = int(json.loads((folder / _PATCHED_FILE).read_text())["rows"])
        except (OSError, ValueError, KeyError, TypeError):
            patched = 0  # written before patches: built whole
        changed = (0 if dead is None else int(dead.sum())) + (len(extra.ids) if extra else 0)
        return cls(
            base_ids,
            retriever,
            tokenizer,
            None if base_ids else TokenRows.from_rows([]),
            folder,
            name=_base_name(folder),
            dead=dead if dead is not None and dead.any() else None,
            extra=extra,
            carried=max(0, patched - changed),
        )

    def _token_ids(self) -> TokenRows | None:
        """The base rows' token ids (read from the folder on first use)."""
        if self._tokens is None and self._folder is not None:
            self._tokens = _read_tokens(self._folder, len(self._base_ids))
        return self._tokens

    def tokens(self) -> TokenRows | None:
        """The token ids of every chunk, in `chunk_ids` order; None if they are lost."""

        base = self._token_ids()
        if base is None:
            return None
        live = base if self._dead is None else base.kept(~self._dead)
        return live.extended(self._extra.tokens)

    def term_ids(self, text: str) -> list[int]:
        """`text`'s terms as the ranking's vocabulary ids, in order (stemmed, no stopwords;
        words no chunk holds are left out)."""
        tokens = self._tokenizer.tokenize(
            [text], update_vocab=False, return_as="ids", show_progress=False
        )
        return [int(t) for t in tokens[0]]

    def term_idf(self, terms: Collection[int]) -> dict[int, float]:
        """BM25 inverse document frequency of each vocabulary id among the live chunks."""
        return {term: self._idf(self._frequency(term)) for term in terms}

    def _idf(self, frequency: int) -> float:
        """BM25's inverse document frequency of a term `frequency` live chunks hold."""
        import numpy as np

        total = len(self.chunk_ids)
        return float(np.log(1 + (total - frequency + 0.5) / (frequency + 0.5)))

    @cached_property
    def _rows(self) -> dict[str, int]:
        """Each live chunk's row: its number in the base, or -1 - its number among the extra
        rows (plain ints: 15 MB at 267k chunks)."""
        rows = {chunk_id: -1 - row for row, chunk_id in enumerate(self._extra.ids)}
        for row, chunk_id in enumerate(self._base_ids):
            if self._dead is None or not self._dead[row]:
                rows.setdefault(chunk_id, row)
        return rows

    def terms_of(self, chunk_ids: Sequence[str]) -> list[np.ndarray] | None:
        """The vocabulary ids of each chunk's text, in order (empty for a chunk not held);
        None when the base's tokens are lost (an index saved before they were kept)."""
        import numpy as np

        base = self._token_ids() if self._base_ids else None
        if self._base_ids and base is None:
            return None
        rows, extra, nothing = self._rows, self._extra.tokens, np.zeros(0, dtype=np.int32)
        terms = []
        for chunk_id in chunk_ids:
            row = rows.get(chunk_id)
            if row is None:
                terms.append(nothing)
            elif row >= 0:
                terms.append(base[row])  # type: ignore[index]
            else:
                terms.append(extra[-1 - row])
        return terms

    def idf(self, stems: set[str] | frozenset[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each stem; unseen stems get the highest."""
        if not self.chunk_ids:
            return {stem: 1.0 for stem in stems}
        vocabulary = self._tokenizer.get_vocab_dict()
        weights = {}
        for stem in stems:
            column = vocabulary.get(stem)
            weights[stem] = self._idf(self._frequency(column) if column is not None else 0)
        return weights

    def _frequency(self, column: int) -> int:
        """How many live chunks hold the term."""
        df = self._extra.frequency(column)
        if not self._base_ids:
            return df
        indptr = self._retriever.scores["indptr"]
        if column + 1 >= len(indptr):
            return df
        start, end = int(indptr[column]), int(indptr[column + 1])
        if self._dead is None:
            return df + end - start
        rows = self._retriever.scores["indices"][start:end]
        return df + int((~self._dead[rows]).sum())

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, BM25 score) pairs, best first; only chunks sharing a term.

        `allowed` (one 0/1 weight per chunk, in `chunk_ids` order) restricts the ranking
        itself, so a narrow date range still returns `k` chunks when it holds them.
        """
        import numpy as np

        if not self.chunk_ids or k < 1:
            return []
        tokens = self._tokenizer.tokenize(
            [query], update_vocab=False, return_as="ids", show_progress=False
        )
        if not any(tokens[0]):
            return []
        query_ids = [int(t) for t in tokens[0]]
        base_mask, extra_mask = self._masks(allowed)
        hits: list[tuple[str, float]] = []
        known = self._retriever.unique_token_ids_set if self._base_ids else set()
        in_base = [t for t in query_ids if t in known]
        if any(in_base):
            rows, scores = self._retriever.retrieve(
                [in_base], k=min(k, len(self._base_ids)), show_progress=False, weight_mask=base_mask
            )
            hits += [
                (self._base_ids[int(r)], float(s)) for r, s in zip(rows[0], scores[0], strict=True)
            ]
        if self._extra.ids:
            scores = self._extra.scores(query_ids)
            if extra_mask is not None:
                scores *= extra_mask
            best = np.argsort(-scores, kind="stable")[:k]
            hits += [(self._extra.ids[int(r)], float(scores[r])) for r in best]
        hits.sort(key=lambda hit: -hit[1])  # stable: the base's order among equal scores
        return [(chunk_id, score) for chunk_id, score in hits[:k] if score > 0]

    def _masks(self, allowed: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """`allowed` (per live chunk) as weights of the base's rows (dead ones 0) and of the
        extra rows; None where every row counts."""
        import numpy as np

        base = len(self._base_ids)
        if self._dead is None:
            if allowed is None:
                return None, None
            return allowed[:base].astype(np.float32, copy=False), allowed[base:]
        if allowed is None:
            return self._live_weights, None
        weights = np.zeros(base, dtype=np.float32)
        weights[self._live_rows] = allowed[: len(self._live_rows)]
        return weights, allowed[len(self._live_rows) :]

    @cached_property
    def _live_rows(self) -> np.ndarray:
        """The base rows not removed (only with removed rows): computed once, not per query."""
        import numpy as np

        assert self._dead is not None
        return np.flatnonzero(~self._dead)

    @cached_property
    def _live_weights(self) -> np.ndarray:
        """1 for each base row not removed, 0 for the removed ones."""
        import numpy as np

        assert self._dead is not None
        return (~self._dead).astype(np.float32)


def _compress(items: list[str], keep: np.ndarray) -> list[str]:
    """The items where the boolean `keep` is True, in order."""
    return [item for item, kept in zip(items, keep.tolist(), strict=True) if kept]


def _base_name(folder: Path) -> str:
    try:
        return str(json.loads((folder / _BASE_FILE).read_text(encoding="utf-8"))["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


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
