"""Republished stories: near-duplicate articles grouped by MinHash/LSH (datasketch).

A wire story indexed twice — another banner line, a word changed, the last paragraph
trimmed — is one story. Each article's MinHash signature (word 5-shingles) is computed at
ingestion and stored with its first chunk in Chroma, so the groups are derived from the
store like the rest of the catalog: rebuilt after a crash, regrouped when an article is
added or removed (removing a group's representative promotes the next). Nothing is deleted:
retrieval shows one article per group and names the others ("also in").
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
        """Group the articles whose signatures are near enough (LSH candidates, confirmed by
        the estimated Jaccard), transitively."""
        from datasketch import MinHash, MinHashLSH

        signed = [a for a in articles if a.signature]
        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        parent = {a.id: a.id for a in signed}
        by_id = {a.id: a for a in signed}

        def root(doc_id: str) -> str:
            while parent[doc_id] != doc_id:
                parent[doc_id] = parent[parent[doc_id]]
                doc_id = parent[doc_id]
            return doc_id

        for article in sorted(signed, key=lambda a: a.id):
            assert article.signature is not None
            minhash = MinHash(
                num_perm=NUM_PERM, hashvalues=_values(article.signature), scheme=SCHEME
            )
            for other in lsh.query(minhash):
                other_signature = by_id[other].signature
                assert other_signature is not None
                if similarity(article.signature, other_signature) >= THRESHOLD:
                    parent[root(article.id)] = root(other)
            lsh.insert(article.id, minhash)
        groups: dict[str, list[Dated]] = {}
        for article in signed:
            groups.setdefault(root(article.id), []).append(article)
        representative: dict[str, str] = {}
        members: dict[str, tuple[str, ...]] = {}
        for group in groups.values():
            if len(group) < 2:
                continue
            ordered = sorted(group, key=_preference)
            head = ordered[0].id
            members[head] = tuple(a.id for a in ordered[1:])
            representative.update((a.id, head) for a in ordered)
        return cls(representative, members)

    def head(self, doc_id: str) -> str:
        """The article shown for `doc_id`'s story (itself when it is in no group)."""
        return self.representative.get(doc_id, doc_id)

    def others(self, doc_id: str) -> tuple[str, ...]:
        """The other articles of the story `doc_id` represents."""
        return self.members.get(doc_id, ())


def _preference(article: Dated) -> tuple[bool, str, int, str]:
    """The earliest stated date first, then the one with most metadata, then by id."""
    known = sum(bool(v) for v in (article.outlet, article.byline, article.url))
    dated = bool(article.published) and not article.date_inferred
    return (not dated, article.published or "9999", -known, article.id)
