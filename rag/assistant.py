"""The Python query API.

from rag import Assistant
assistant = Assistant.open(".rag")
answer = assistant.ask("When does the withdrawal end?")
print(answer.text)              # "... is to end by September 11, ... [1]"
print(answer.citations[0].quote)
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from rag.answering.extractive import ExtractiveAnswerer
from rag.answering.generative import GenerativeAnswerer
from rag.answers import Answer, Answerer, Passage, final_answer
from rag.conversation import Message, standalone_question
from rag.embedder import CachedEmbedder, Embedder
from rag.errors import ConfigError, LLMError
from rag.llm import open_model
from rag.onnx_embedder import query_embedder
from rag.retrieval.hybrid import HybridRetriever
from rag.settings import Settings, load_settings
from rag.store.news_index import ArticleInfo, NewsIndex
from rag.time.dates import parse_as_of

NOTHING_INDEXED = (
    "No articles are indexed yet, so there is nothing to answer from. Add some with "
    "`rag index PATH` or in the web chat's Articles tab."
)


class Assistant:
    """Answers questions about the articles in one index, citing every sentence."""

    def __init__(
        self, index: NewsIndex, settings: Settings, embedder: Embedder | None = None
    ) -> None:
        self.index = index
        self.settings = settings
        # Questions go through the ONNX export when there is one: no torch import (~7 s).
        self.embedder = embedder or CachedEmbedder(query_embedder(settings))
        self.retriever = HybridRetriever(
            index, self.embedder, settings.candidates, settings.retrieval
        )
        idf = lambda stems: index.lexical().idf(stems)  # noqa: E731
        self.extractive = ExtractiveAnswerer(self.embedder, idf)
        self.answerer: Answerer = self.extractive
        if settings.answerer != "extractive":
            self.answerer = GenerativeAnswerer(
                open_model(settings), self.embedder, idf, settings.llm_evidence
            )

    @classmethod
    def open(
        cls, index_dir: str | Path | None = None, settings: Settings | None = None
    ) -> Assistant:
        """Open the index at `index_dir` (default: RAG_INDEX_DIR, then `.rag`)."""
        settings = settings or load_settings()
        if index_dir is not None:
            settings = settings.with_overrides(index_dir=index_dir)
        return cls(NewsIndex.open(settings.index_dir), settings)

    def ask(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        as_of: str | dt.date | None = None,
    ) -> Answer:
        """Answer `question` in the light of `history`, preferring news dated by `as_of`."""
        return final_answer(self.stream(question, history, as_of))

    def stream(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        as_of: str | dt.date | None = None,
    ) -> Iterator[str | Answer]:
        """`ask`, delivered as text deltas and then the final Answer.

        for part in assistant.stream("When does the withdrawal end?"):
            if isinstance(part, Answer): answer = part
            else: print(part, end="")
        """
        if not question or not question.strip():
            raise ConfigError("The question is empty; ask something about the articles")
        started = time.perf_counter()
        resolved, query = standalone_question(question, history or [])
        retrieval = self.retriever.retrieve(query, self.settings.top_k, parse_as_of(as_of))
        if not retrieval.passages and not self.index.articles():  # checked only when needed
            timings = {**retrieval.timings, "total": time.perf_counter() - started}
            yield Answer(question, NOTHING_INDEXED, True, 0.0, timings=timings)
            return
        answer_started = time.perf_counter()
        answer = yield from self._answer(resolved, retrieval.passages)
        timings = {**retrieval.timings, **answer.timings}
        timings["answer"] = time.perf_counter() - answer_started
        timings["total"] = time.perf_counter() - started
        yield replace(answer, question=question, timings=timings)

    def _answer(self, question: str, passages: list[Passage]) -> Generator[str, None, Answer]:
        if isinstance(self.answerer, GenerativeAnswerer):
            try:
                for part in self.answerer.stream(question, passages):
                    if isinstance(part, Answer):
                        return part
                    yield part
            except LLMError as error:
                answer = self.extractive.answer(question, passages)
                return replace(answer, notice=f"{error}. Quoted the articles instead.")
        answer = self.extractive.answer(question, passages)
        yield from re.findall(r"\S+\s*", answer.text)  # one streaming interface for all
        return answer

    def warm_up(self) -> None:
        """Load the model, BM25 and sentence splitter now, so the first question is quick."""
        self.ask("What happened?")

    def search(self, query: str, k: int = 5, as_of: str | dt.date | None = None) -> list[Passage]:
        """The `k` best passages for `query`, best first."""
        return self.retriever.retrieve(query, k, parse_as_of(as_of)).passages

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article, newest first."""
        return sorted(self.index.articles().values(), key=lambda a: a.published or "", reverse=True)
