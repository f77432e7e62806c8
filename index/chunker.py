"""Sentence-aware, token-bounded chunks that remember where they sit in the article."""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import Any

from rag.documents import Article, Chunk, content_hash
from rag.imports import exclusive
from rag.offline import go_offline
from rag.sentences import split_keeping_text

ENCODING = "cl100k_base"
# Text with no space and nothing the splitter breaks phrases at (a pasted blob, a hostile
# upload): the splitter cuts it character by character into slivers of ~25 tokens, so such a
# run is cut here instead, into chunks of the full size.
_UNBROKEN = r"[^\s,.;:!?。，；：！？、]{%d,}"


@cache
def _encoding():
    go_offline()
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Tokens of `text` in cl100k_base, the unit of every chunk bound."""
    return len(_encoding().encode(text, disallowed_special=()))


def _encode(text: str) -> list[int]:
    return _encoding().encode(text, disallowed_special=())


class Chunker:
    """Cuts articles into chunks of at most `max_tokens` tokens, overlapping by about `overlap`.

    llama-index's SentenceSplitter does the packing (paragraphs, then sentences, then words);
    we give it the trained Punkt sentence model and then locate every chunk in the text.
    """

    def __init__(self, max_tokens: int = 200, overlap: int = 30) -> None:
        self.max_tokens = max_tokens
        self.overlap = overlap

    @cached_property
    def _splitter(self) -> Any:
        # Made on the first chunk: importing llama-index costs ~0.7 s, and re-indexing
        # unchanged articles (every `make chat`) chunks nothing.
        go_offline()
        with exclusive():  # it imports nltk, which Punkt's first load strips meanwhile
            from llama_index.core.node_parser import SentenceSplitter

        return SentenceSplitter(
            chunk_size=self.max_tokens,
            chunk_overlap=self.overlap,
            tokenizer=_encode,
            paragraph_separator="\n\n",
            chunking_tokenizer_fn=split_keeping_text,
        )

    def chunk(self, article: Article) -> list[Chunk]:
        """The article's chunks in order; `chunk.text == article.text[chunk.start:chunk.end]`."""
        chunks: list[Chunk] = []
        for start, end, tokens in self._spans(article.text):
            piece = article.text[start:end]
            chunk_id = content_hash(article.id, article.title, str(start), piece)
            chunks.append(Chunk(chunk_id, article.id, len(chunks), piece, start, end, tokens))
        return chunks

    def _spans(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, tokens) of every chunk: the splitter's between unbroken runs, and
        full-size cuts of each run too long for one chunk."""
        spans: list[tuple[int, int, int]] = []
        cursor = 0
        for run in re.finditer(_UNBROKEN % (self.max_tokens + 1), text):
            if count_tokens(run.group()) <= self.max_tokens:
                continue  # a long word or URL the splitter keeps within its sentence
            spans += self._split_spans(text, cursor, run.start())
            spans += [(run.start() + a, run.start() + b, n) for a, b, n in self._cuts(run.group())]
            cursor = run.end()
        return spans + self._split_spans(text, cursor, len(text))

    def _split_spans(self, text: str, begin: int, stop: int) -> list[tuple[int, int, int]]:
        spans = []
        cursor = begin
        for piece, tokens in self._bounded_pieces(text[begin:stop]):
            start = text.find(piece, cursor, stop)
            if start < 0:  # never seen; guards the offsets every quote relies on
                raise AssertionError(f"chunk not found in the article text: {piece[:60]!r}")
            spans.append((start, start + len(piece), tokens))
            cursor = start + 1
        return spans

    def _bounded_pieces(self, text: str) -> list[tuple[str, int]]:
        if not text.strip():
            return []
        pieces = []
        for piece in self._splitter.split_text(text):
            tokens = count_tokens(piece)
            if tokens <= self.max_tokens:
                pieces.append((piece, tokens))
            else:  # joining splits can merge differently than counted; cut by tokens
                pieces.extend((piece[a:b], n) for a, b, n in self._cuts(piece))
        return pieces

    def _cuts(self, piece: str) -> list[tuple[int, int, int]]:
        """(start, end, tokens) of slices of `piece` of at most `max_tokens` tokens, trimmed.

        Cut at token boundaries mapped back to characters, so each part is a slice of the
        text; re-encoding a slice can differ at the edges, hence the check and shrinking step.
        """
        tokens = _encode(piece)
        _, offsets = _encoding().decode_with_offsets(tokens)
        step = self.max_tokens
        while True:
            cuts = [offsets[i] for i in range(0, len(tokens), step)] + [len(piece)]
            parts = []
            for a, b in zip(cuts, cuts[1:], strict=False):
                a += len(piece[a:b]) - len(piece[a:b].lstrip())
                b -= len(piece[a:b]) - len(piece[a:b].rstrip())
                if a < b:
                    parts.append((a, b, count_tokens(piece[a:b])))
            if all(n <= self.max_tokens for _, _, n in parts) or step == 1:
                return parts
            step = max(1, step - 8)
