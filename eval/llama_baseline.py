"""The "llama-index default" baseline: the pipeline a user builds in ten minutes.

A `VectorStoreIndex` over the same cleaned articles, cut by llama-index's default
`SentenceSplitter` (1,024 tokens, 200 overlap), embedded by our all-MiniLM-L6-v2 (which reads
only the first 256 word pieces of each chunk), kept in its default in-memory vector store and
retrieved top-2. Its nodes become Passages and our extractive answerer answers from them, so the
comparison with our hybrid is about retrieval and chunking. No LLM is involved: llama-index's
default one (OpenAI) is never resolved. llama-index types stay inside this module.

    system = LlamaIndexSystem.open_or_build(index, settings, model, load_articles=None)
    system.run("When does the withdrawal end?", history=[], as_of=None)   # None: no cache yet
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from eval.systems import DEPTH, Run
from rag.answering.extractive import ExtractiveAnswerer
from rag.answers import Passage
from rag.conversation import Message, standalone_question
from rag.documents import Article, content_hash
from rag.embedder import CachedEmbedder, Embedder
from rag.settings import Settings
from rag.store.news_index import ArticleInfo, NewsIndex

NAME = "llama-index default"
TOP_K = 2  # llama-index's default similarity_top_k
FORMAT = 1
ArticleSource = Callable[[], Iterable[Article]]


def cache_dir(index_dir: Path) -> Path:
    """Where the llama-index baseline of the index in `index_dir` is kept."""
    return index_dir.with_name(f"{index_dir.name}-llamaindex")


def fingerprint(articles: dict[str, ArticleInfo], settings: Settings) -> str:
    """Changes whenever the indexed articles or the embedding model do."""
    from importlib.metadata import version

    parts = [f"{a.id}:{a.hash}" for a in sorted(articles.values(), key=lambda a: a.id)]
    model = f"{settings.embed_model}|{settings.embed_dtype}|{version('llama-index-core')}"
    return content_hash(str(FORMAT), model, *parts)


@cache
def _adapter_class() -> type:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.bridge.pydantic import PrivateAttr

    class OurEmbedding(BaseEmbedding):
        """Our Embedder as a llama-index embedding model."""

        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Embedder, batch_size: int) -> None:
            super().__init__(model_name="all-MiniLM-L6-v2", embed_batch_size=batch_size)
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return list(map(float, self._embedder.embed([query])[0]))

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_query_embedding(text)

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [list(map(float, row)) for row in self._embedder.embed(texts)]

    return OurEmbedding


def _no_llm() -> None:
    """Make any stray use of an LLM hit llama-index's MockLLM, never the OpenAI default."""
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core.llms.mock import MockLLM

    LlamaSettings.llm = MockLLM()  # what `llm=None` resolves to, without its print


def build(articles: Iterable[Article], folder: Path, model: Embedder, settings: Settings) -> None:
    """Index `articles` the default way and persist the result in `folder`."""
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    _no_llm()
    documents = [
        Document(
            text=a.text,
            id_=a.id,
            metadata={"doc_id": a.id, "title": a.title},
            excluded_embed_metadata_keys=["doc_id"],
            excluded_llm_metadata_keys=["doc_id"],
        )
        for a in articles
    ]
    embedding = _adapter_class()(model, settings.embed_batch_size)
    index = VectorStoreIndex.from_documents(
        documents, embed_model=embedding, transformations=[SentenceSplitter()], show_progress=True
    )
    staging = folder.with_name(f"{folder.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    index.storage_context.persist(persist_dir=str(staging))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


class LlamaIndexSystem:
    """Retrieves DEPTH nodes from the cached VectorStoreIndex and answers from the top 2."""

    name = NAME

    def __init__(self, folder: Path, index: NewsIndex, settings: Settings, model: Embedder) -> None:
        from llama_index.core import StorageContext, load_index_from_storage

        _no_llm()
        self.embedder = CachedEmbedder(model)
        embedding = _adapter_class()(self.embedder, settings.embed_batch_size)
        storage = StorageContext.from_defaults(persist_dir=str(folder))
        loaded = load_index_from_storage(storage, embed_model=embedding)
        self._retriever = loaded.as_retriever(similarity_top_k=DEPTH)
        self.articles = index.articles()
        idf = index.lexical().idf
        self.answerer = ExtractiveAnswerer(self.embedder, lambda stems: idf(stems))

    @classmethod
    def open_or_build(
        cls,
        index: NewsIndex,
        settings: Settings,
        model: Embedder,
        load_articles: ArticleSource | None,
    ) -> LlamaIndexSystem | None:
        """The cached baseline of `index`, built first when stale; None if it cannot be."""
        folder = cache_dir(index.folder)
        stamp = folder / "fingerprint.json"
        wanted = fingerprint(index.articles(), settings)
        current = json.loads(stamp.read_text()).get("fingerprint") if stamp.is_file() else None
        if current != wanted:
            if load_articles is None:
                return None
            catalog = index.articles()
            same = (a for a in load_articles() if a.id in catalog and catalog[a.id].hash == a.hash)
            build(same, folder, model, settings)
            stamp.write_text(json.dumps({"fingerprint": wanted, "articles": len(catalog)}))
        return cls(folder, index, settings, model)

    def run(self, question: str, history: Sequence[Message], as_of: str | None) -> Run:
        """Retrieve with the question (made standalone as ours is), answer from the top 2.

        `as_of` is ignored: the default pipeline has no notion of dates.
        """
        started = time.perf_counter()
        resolved, query = standalone_question(question, history)
        ranked = [self._passage(hit) for hit in self._retriever.retrieve(query)]
        retrieved = time.perf_counter()
        answer = self.answerer.answer(resolved, ranked[:TOP_K])
        done = time.perf_counter()
        timings = {
            "dense": retrieved - started,
            "answer": done - retrieved,
            "total": done - started,
        }
        return Run(replace(answer, question=question, timings=timings), ranked)

    def _passage(self, hit: Any) -> Passage:
        node = hit.node
        doc_id = str(node.metadata.get("doc_id") or node.ref_doc_id or "")
        text = node.get_content()
        start = node.start_char_idx if node.start_char_idx is not None else 0
        info = self.articles.get(doc_id)
        return Passage(
            chunk_id=node.node_id,
            doc_id=doc_id,
            text=text,
            start=start,
            end=start + len(text),
            title=info.title if info else str(node.metadata.get("title", "")),
            source=info.source if info else "",
            outlet=info.outlet if info else None,
            byline=info.byline if info else None,
            published=info.published if info else None,
            score=float(hit.score or 0.0),
        )
