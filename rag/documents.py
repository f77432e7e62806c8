"""The indexed data: articles and the chunks they are cut into."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def content_hash(*parts: str) -> str:
    """A short stable hash of `parts`: the basis of every id, so re-indexing is a no-op."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Article:
    """One cleaned news article and what we know about it.

    `text` is the article body after boilerplate removal; every quote is a slice of it.
    `published` is an ISO date (YYYY-MM-DD) or None.
    """

    id: str
    text: str
    title: str
    source: str
    outlet: str | None = None
    byline: str | None = None
    published: str | None = None
    url: str | None = None
    date_inferred: bool = False  # `published` was read from the text (no dateline stated)

    @property
    def hash(self) -> str:
        """Hash of everything indexed about the article: a change to any of it re-indexes."""
        return content_hash(
            self.id,
            self.text,
            self.title,
            self.outlet or "",
            self.byline or "",
            self.published or "",
            self.url or "",
            *(["inferred"] if self.date_inferred else []),
        )


@dataclass(frozen=True)
class Chunk:
    """A token-bounded slice of an article: `text == article.text[start:end]`."""

    id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    tokens: int


def searchable_text(title: str, text: str) -> str:
    """What is embedded and BM25-indexed for a chunk: its article's title gives it context."""
    return f"{title}\n\n{text}" if title else text
