"""Chunks stay under the token bound and point at their exact place in the article."""

from __future__ import annotations

import json

import pytest

from index.chunker import Chunker, count_tokens
from rag.documents import Article
from tests.conftest import CORPUS, SEEDS


def _article(text: str, doc_id: str = "a") -> Article:
    return Article(id=doc_id, text=text, title="t", source="test")


@pytest.mark.parametrize(
    "text",
    [
        "x" * 5000,
        "日本語のテキストです。" * 300,
        "word " * 2000,
        "https://example.com/" + "a/b-c_d?e=f&" * 400,
        "Short sentence. " * 500,
        "🙂🙃 emoji " * 400,
    ],
)
def test_no_chunk_exceeds_the_bound_on_hostile_text(text: str) -> None:
    chunks = Chunker(max_tokens=50, overlap=10).chunk(_article(text))
    assert chunks
    for chunk in chunks:
        assert count_tokens(chunk.text) <= 50
        assert chunk.tokens == count_tokens(chunk.text)
        assert text[chunk.start : chunk.end] == chunk.text


def test_seed_chunks_are_sentence_aligned_and_cover_the_article() -> None:
    text = (SEEDS / "000_30c6da09fd228377.txt").read_text(encoding="utf-8")
    chunks = Chunker(max_tokens=120, overlap=20).chunk(_article(text))
    assert len(chunks) > 3
    assert chunks[0].start == 0 and chunks[-1].end == len(text.rstrip())
    for before, after in zip(chunks, chunks[1:], strict=False):
        gap = text[before.end : after.start] if after.start > before.end else ""
        assert gap.strip() == "", "neighbours overlap or touch: no text falls out"
        assert after.ordinal == before.ordinal + 1
    # "U.S." is no sentence end: no chunk may start in the middle of "the U.S. envoy said."
    assert not any(c.text.startswith("envoy said") for c in chunks)


def test_chunk_ids_are_content_hashes() -> None:
    article = _article("One sentence here. Another one there. " * 40)
    first = Chunker(60, 10).chunk(article)
    assert [c.id for c in first] == [c.id for c in Chunker(60, 10).chunk(article)]
    assert len({c.id for c in first}) == len(first)


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="RealTimeQA corpus not beside the repo")
def test_no_chunk_exceeds_the_default_bound_on_the_realtimeqa_corpus() -> None:
    chunker = Chunker()  # the defaults: 200 tokens, 30 overlap
    total = over = misplaced = 0
    with CORPUS.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if not record.get("text"):
                continue
            article = _article(record["text"], record["id"])
            for chunk in chunker.chunk(article):
                total += 1
                over += chunk.tokens > 200
                misplaced += article.text[chunk.start : chunk.end] != chunk.text
    assert total > 50_000
    assert over == 0 and misplaced == 0


@pytest.mark.parametrize("blob", ["A" * 200_000, "".join(f"q{n:06d}z" for n in range(20_000))])
def test_unbroken_text_is_packed_into_full_size_chunks(blob: str) -> None:
    article = _article(f"A short lead sentence.\n\n{blob}\n\nA closing line.", "blob")
    chunks = Chunker(200, 30).chunk(article)
    assert all(c.tokens <= 200 for c in chunks)
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    blob_tokens = count_tokens(blob)
    # Packed full: about tokens / 200 chunks (slivers of ~25 tokens made 8x as many).
    assert len(chunks) <= blob_tokens / 190 + 3, (len(chunks), blob_tokens)
    covered = "".join(c.text for c in chunks)
    assert blob in covered, "every character of the run is in some chunk, in order"
