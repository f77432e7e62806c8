"""Republished stories: near-duplicate articles grouped by MinHash/LSH.

A wire story indexed twice — another banner line, a word changed, the last paragraph
trimmed — is one story. Each article's MinHash signature (word 5-shingles) is computed at
ingestion and stored with its first chunk in Chroma, so the groups are derived from the
store like the rest of the catalog: rebuilt after a crash, regrouped when an article is
added or removed (removing a group's representative promotes the next). Nothing is deleted:
retrieval shows one article per group and names the others ("also in").

Signatures are made with datasketch at ingestion; grouping reads the stored ones with numpy
alone, since datasketch's LSH imports scipy (~0.4 s of a cold question) to choose its bands.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

NUM_PERM = 64  # 256 bytes per article; Jaccard estimates within ~0.06 of the truth
THRESHOLD = 0.7  # estimated Jaccard of 5-shingles at which two articles are one story
SHINGLE = 5
SCHEME = "affine32"  # datasketch 2 permutations (uint32), named: stored signatures keep it
# LSH bands × rows per band: what datasketch's MinHashLSH picks for THRESHOLD and NUM_PERM
# (equal weights on false positives and negatives; a test holds the two to each other).
BANDS, ROWS = 8, 8
_WORD = re.compile(r"\w+")


def signature(text: str) -> str:
    """The MinHash signature of `text`, as base64 (Chroma metadata holds no arrays)."""
    from datasketch import MinHash

    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return base64.b64encode(minhash.hashvalues.astype(np.uint32).tobytes()).decode("ascii")


def similarity(first: str, second: str) -> float:
    """The estimated Jaccard similarity of two signatures."""
    a, b = _values(first), _values(second)
    return float(np.mean(a == b))


def _values(encoded: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(encoded), dtype=np.uint32)


class Dated(Protocol):
    """What grouping needs to know of an article (an `ArticleInfo`)."""

    @property
    def id(self) -> str: ...
    @property
    def published(self) -> str | None: ...
    @property
    def outlet(self) -> str | None: ...
    @property
    def byline(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def signature(self) -> str | None: ...
    @property
    def date_inferred(self) -> bool: ...


@dataclass(frozen=True)
class DuplicateGroups:
    """Each grouped article's representative and each representative's other members."""

    representative: Mapping[str, str]  # doc id → its group's representative (grouped only)
    members: Mapping[str, tuple[str, ...]]  # representative → the others, best first

    @classmethod
    def build(cls, articles: Iterable[Dated]) -> DuplicateGroups:
        """Group each article with the first representative it is near enough to.

        Articles are taken best first (`_preference`); each joins the group of an LSH
        candidate among the representatives so far whose estimated Jaccard passes THRESHOLD,
        else starts a group. Joining a representative, not any member, keeps chains of
        similar pages (a site's boilerplate around short texts) from merging into one group.
        """
        signed = sorted((a for a in articles if a.signature), key=_preference)
        values, whole = _all_values([a.signature or "" for a in signed])
        alone = _alone(values) | ~whole
        buckets: list[dict[bytes, list[str]]] = [{} for _ in range(BANDS)]  # band → heads
        heads: dict[str, np.ndarray] = {}  # representative id → its signature's values
        groups: dict[str, list[str]] = {}
        for row, article in enumerate(signed):
            if alone[row]:
                # No band in common with any article (or no whole signature): a group of
                # one, which no later article can join (most of them; the loop below was
                # 0.8 s at 24k articles).
                groups[article.id] = []
                continue
            keys = _band_keys(values[row])
            candidates = {
                h for band, key in zip(buckets, keys, strict=True) for h in band.get(key, ())
            }
            near = [(float(np.mean(values[row] == heads[h])), h) for h in candidates]
            best = max(near, default=(0.0, ""))
            if best[0] >= THRESHOLD:
                groups[best[1]].append(article.id)
                continue
            heads[article.id] = values[row]
            groups[article.id] = []
            for band, key in zip(buckets, keys, strict=True):
                band.setdefault(key, []).append(article.id)
        members = {head: tuple(others) for head, others in groups.items() if others}
        representative = {m: head for head, others in members.items() for m in (head, *others)}
        return cls(representative, members)

    def head(self, doc_id: str) -> str:
        """The article shown for `doc_id`'s story (itself when it is in no group)."""
        return self.representative.get(doc_id, doc_id)

    def others(self, doc_id: str) -> tuple[str, ...]:
        """The other articles of the story `doc_id` represents."""
        return self.members.get(doc_id, ())


def _all_values(encoded: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The signatures as one (articles × NUM_PERM) array, and which rows hold a whole one
    (a truncated signature's row is zeros, and would otherwise match every other such row)."""
    rows = np.zeros((len(encoded), NUM_PERM), dtype=np.uint32)
    whole = np.zeros(len(encoded), dtype=bool)
    for row, text in enumerate(encoded):
        values = _values(text)
        if len(values) == NUM_PERM:
            rows[row], whole[row] = values, True
    return rows, whole


def _alone(values: np.ndarray) -> np.ndarray:
    """True for each row that shares no LSH band with any other row: no candidate for any
    article, and none is one for it."""
    shared = np.zeros(len(values), dtype=bool)
    for band in range(BANDS):
        keys = np.ascontiguousarray(values[:, band * ROWS : (band + 1) * ROWS]).view(
            np.dtype((np.void, 4 * ROWS))
        )[:, 0]
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        shared |= counts[inverse] > 1
    return ~shared


def _band_keys(values: np.ndarray) -> list[bytes]:
    """One key per LSH band: two signatures are candidates when any band is equal."""
    return [values[i * ROWS : (i + 1) * ROWS].tobytes() for i in range(BANDS)]


def _preference(article: Dated) -> tuple[bool, str, int, str]:
    """The earliest stated date first, then the one with most metadata, then by id."""
    known = sum(bool(v) for v in (article.outlet, article.byline, article.url))
    dated = bool(article.published) and not article.date_inferred
    return (not dated, article.published or "9999", -known, article.id)
