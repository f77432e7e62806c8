"""Sentence-aware, token-bounded chunks that remember where they sit in the article."""

from __future__ import annotations

from functools import cache

from rag.documents import Article, Chunk, content_hash
from rag.offline import go_offline
from rag.sentences import split_keeping_text

ENCODING = "cl100k_base"


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
        go_offline()
        from llama_index.core.node_parser import SentenceSplitter

        self.max_tokens = max_tokens
        self._splitter = SentenceSplitter(
            chunk_size=max_tokens,
            chunk_overlap=overlap,
            tokenizer=_encode,
            paragraph_separator="\n\n",
            chunking_tokenizer_fn=split_keeping_text,
        )

    def chunk(self, article: Article) -> list[Chunk]:
        """The article's chunks in order; `chunk.text == article.text[chunk.start:chunk.end]`."""
        chunks: list[Chunk] = []
        cursor = 0
        for piece, tokens in self._bounded_pieces(article.text):
            start = article.text.find(piece, cursor)
            if start < 0:  # never seen; guards the offsets every quote relies on
                raise AssertionError(f"chunk of {article.id} not found in its text: {piece[:60]!r}")
            end = start + len(piece)
            chunk_id = content_hash(article.id, article.title, str(start), piece)
            chunks.append(Chunk(chunk_id, article.id, len(chunks), piece, start, end, tokens))
            cursor = start + 1
        return chunks

    def _bounded_pieces(self, text: str) -> list[tuple[str, int]]:
        pieces = []
        for piece in self._splitter.split_text(text):
            tokens = count_tokens(piece)
            if tokens <= self.max_tokens:
                pieces.append((piece, tokens))
            else:  # joining splits can merge differently than counted; cut by tokens
                pieces.extend((part, count_tokens(part)) for part in self._cut_by_tokens(piece))
        return pieces

    def _cut_by_tokens(self, piece: str) -> list[str]:
        # Cut at token boundaries mapped back to characters, so each part is a slice of the
        # text; re-encoding a slice can differ at the edges, hence the check and shrinking step.
        tokens = _encode(piece)
        _, offsets = _encoding().decode_with_offsets(tokens)
        step = self.max_tokens
        while True:
            cuts = [offsets[i] for i in range(0, len(tokens), step)] + [len(piece)]
            parts = [piece[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]
            parts = [part for part in parts if part]
            if all(count_tokens(part) <= self.max_tokens for part in parts) or step == 1:
                return parts
            step = max(1, step - 8)
