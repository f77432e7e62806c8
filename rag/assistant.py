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
from rag.answering.short import SpanModel
from rag.answers import Answer, Answerer, Passage, final_answer
from rag.conversation import Message, standalone_question
from rag.embedder import DIMENSIONS, CachedEmbedder, Embedder
from rag.errors import ConfigError, LLMError
from rag.llm import open_model
from rag.onnx_embedder import int8_embedder, query_embedder
from rag.retrieval.hybrid import DateRange, HybridRetriever, Retrieval
from rag.settings import Settings, load_settings
from rag.store.news_index import ArticleInfo, NewsIndex
from rag.time.dates import parse_as_of
from rag.time.question import has_time_words, question_time
from rag.time.timeline import TimelineEvent, timeline

DateArg = str | dt.date | None

NOTHING_INDEXED = (
    "No articles are indexed yet, so there is nothing to answer from. Add some with "
    "`rag index PATH` or in the web chat's Articles tab."
)


class Assistant:
    """Answers questions about the articles in one index, citing every sentence."""

    def __init__(
        self,
        index: NewsIndex,
        settings: Settings,
        embedder: Embedder | None = None,
        sentences: Embedder | None = None,
        span_model: SpanModel | None = None,
    ) -> None:
        """`embedder` embeds questions for retrieval; `sentences` embeds the answer stage's
        sentences and phrases (default: the int8 export when `embedder` is not given, else
        `embedder`); `span_model` ranks short answers (default: the one shipped)."""
        self.index = index
        self.settings = settings
        # Questions go through the ONNX export when there is one: no torch import (~7 s).
        if embedder is None:
            embedder = CachedEmbedder(query_embedder(settings))
            # The int8 model is not cached: its vectors depend on the batch, and each answer
            # embeds its sentences in one batch so that it depends on its question and
            # passages alone, not on what was asked before.
            sentences = sentences or int8_embedder(settings)
        self.embedder = embedder
        self.sentences = sentences or embedder
        self.retriever = HybridRetriever(
            index, self.embedder, settings.candidates, settings.retrieval
        )
        idf = lambda stems: index.lexical().idf(stems)  # noqa: E731
        self.extractive = ExtractiveAnswerer(self.sentences, idf, span_model)
        self.answerer: Answerer = self.extractive
        if settings.answerer != "extractive":
            self.answerer = GenerativeAnswerer(
                open_model(settings), self.sentences, idf, settings.llm_evidence
            )

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        settings: Settings | None = None,
        preload: bool = True,
    ) -> Assistant:
        """Open the index at `index_dir` (default: RAG_INDEX_DIR, then `.rag`).

        With `preload`, Chroma reads its vectors in a thread while the first question loads
        the rest (a cold `rag ask` at 267k passages: 3.5 → 2.9-3.0 s); pass False when nothing
        will be searched (listing the articles)."""
        settings = settings or load_settings()
        if index_dir is not None:
            settings = settings.with_overrides(index_dir=index_dir)
        index = NewsIndex.open(settings.index_dir, chroma_url=settings.chroma_url)
        if preload:
            index.store.preload(DIMENSIONS)
        return cls(index, settings)

    def ask(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        as_of: DateArg = None,
        since: DateArg = None,
        until: DateArg = None,
    ) -> Answer:
        """Answer `question` in the light of `history`, preferring news dated by `as_of`.

        `since`/`until` (ISO dates, inclusive) keep to articles published in that range;
        without them the question's own time words ("this week", "in 2021", "latest") narrow
        or weight the search, read relative to `as_of` (default: today, or the newest
        article's date when the archive ends earlier). `Answer.time_scope` says which.
        """
        return final_answer(self.stream(question, history, as_of, since, until))

    def stream(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        as_of: DateArg = None,
        since: DateArg = None,
        until: DateArg = None,
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
        retrieval, scope, words = self._retrieve(resolved, query, as_of, since, until)
        if not retrieval.passages and not self.index.articles():  # checked only when needed
            timings = {**retrieval.timings, "total": time.perf_counter() - started}
            yield Answer(question, NOTHING_INDEXED, True, 0.0, timings=timings)
            return
        answer_started = time.perf_counter()
        # Asked as of a given day, "this week" is the asker's week (RealTimeQA's quizzes:
        # the fallback turned 14 of their right abstentions into wrong answers); asked as of
        # a guessed day (today, or the archive's end), it may be an article's.
        if words and as_of is None and not isinstance(self.answerer, GenerativeAnswerer):
            retrieval, scope, answer = self._beyond_the_window(
                resolved, query, retrieval, scope, words
            )
            yield from _deltas(answer.text)
        else:
            answer = yield from self._answer(resolved, retrieval.passages, parse_as_of(as_of))
        timings = {**retrieval.timings, **answer.timings}
        timings["answer"] = time.perf_counter() - answer_started
        timings["total"] = time.perf_counter() - started
        notice = " ".join(part for part in (answer.notice, retrieval.notice) if part)
        yield replace(answer, question=question, timings=timings, time_scope=scope, notice=notice)

    def _beyond_the_window(
        self,
        question: str,
        query: str,
        within: Retrieval,
        scope: str,
        words: str,
    ) -> tuple[Retrieval, str, Answer]:
        """The extractive answer from the dates the question's time `words` read as, or,
        when none of those articles answers, from all dates.

        A question written from an article's point of view ("the meeting Moscow hosted last
        month", asked of an April article) names its own time, not the asker's: an archive
        that holds the answer should not say it does not."""
        answer = self.extractive.answer(question, within.passages)
        if not answer.abstained:
            return within, scope, answer
        every = self.retriever.retrieve(query, self.settings.top_k)
        wider = self.extractive.answer(question, every.passages)
        if wider.abstained:
            return within, scope, answer
        timings = {
            stage: within.timings.get(stage, 0.0) + every.timings.get(stage, 0.0)
            for stage in {**within.timings, **every.timings}
        }
        scope = f"The {words} do not answer this; answered from all the articles."
        return replace(every, timings=timings), scope, wider

    def _retrieve(
        self, question: str, query: str, as_of: DateArg, since: DateArg, until: DateArg
    ) -> tuple[Retrieval, str, str]:
        """Passages for `query` within the dates asked for, those dates in words, and the
        question's time words when they set the dates ("" otherwise)."""
        asked_on = parse_as_of(as_of)
        dates = date_range(since, until)
        scope = f"Answering from {dates.describe()}." if dates else ""
        recent = False
        words = None
        if not dates and self.settings.question_time == "on" and has_time_words(question):
            # The newest article's date is looked up only for a question that needs it.
            day = asked_on or self.default_as_of()
            words = question_time(question, day) if day else None
            if day is not None and words is not None and words.words:
                dates = DateRange(words.since, words.until)
                recent = words.recent
                asked_on = asked_on or day
                what = "the newest articles" if recent else dates.describe()
                scope = f'Answering for "{words.words}" as of {day.isoformat()}: {what}.'
        retrieval = self.retriever.retrieve(query, self.settings.top_k, asked_on, dates, recent)
        read_as = f'{dates.describe()} ("{words.words}")' if words and words.words else ""
        return retrieval, scope, read_as

    def default_as_of(self) -> dt.date | None:
        """The day a question is asked for when none is given: today, or the newest
        article's date when the archive ends before today; None for an empty index."""
        newest = max(
            (a.published for a in self.index.articles().values() if a.published), default=None
        )
        if newest is None:
            return None
        return min(dt.date.today(), dt.date.fromisoformat(newest))

    def _answer(
        self, question: str, passages: list[Passage], as_of: dt.date | None = None
    ) -> Generator[str, None, Answer]:
        if isinstance(self.answerer, GenerativeAnswerer):
            try:
                for part in self.answerer.stream(question, passages):
                    if isinstance(part, Answer):
                        return part
                    yield part
            except LLMError as error:
                answer = self.extractive.answer(question, passages, as_of)
                return replace(answer, notice=f"{error}. Quoted the articles instead.")
        answer = self.extractive.answer(question, passages, as_of)
        yield from _deltas(answer.text)  # one streaming interface for all
        return answer

    def warm_up(self, tagger: bool = True) -> None:
        """Load the model, BM25, sentence splitter and (with `tagger`) the entity tagger now,
        so the first question is quick."""
        self.ask("What happened?")
        if tagger and self.settings.answerer == "extractive":
            from rag.language import pipeline

            pipeline()  # what a question for one fact ("When …?") reads its phrases with

    def search(
        self,
        query: str,
        k: int = 5,
        as_of: DateArg = None,
        since: DateArg = None,
        until: DateArg = None,
    ) -> list[Passage]:
        """The `k` best passages for `query`, best first, published within `since`..`until`."""
        dates = date_range(since, until)
        return self.retriever.retrieve(query, k, parse_as_of(as_of), dates).passages

    def timeline(
        self, topic: str, since: DateArg = None, until: DateArg = None, k: int = 12
    ) -> list[TimelineEvent]:
        """Up to `k` dated events about `topic`, earliest first, one cited sentence each.

        for event in assistant.timeline("Afghanistan withdrawal"):
            print(event.date, event.text, event.citation.title)
        """
        if not topic or not topic.strip():
            raise ConfigError("The topic is empty; name what the timeline is about")
        dates = date_range(since, until)
        depth = max(self.settings.candidates, 3 * k)
        passages = self.retriever.retrieve(topic, depth, None, dates).passages
        return timeline(topic, passages, lambda stems: self.index.lexical().idf(stems), k)

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article, newest first."""
        return sorted(self.index.articles().values(), key=lambda a: a.published or "", reverse=True)

    def article_text(self, doc_id: str) -> str | None:
        """The cleaned text of an indexed article, put back together from its chunks at their
        offsets, so `text[c.start:c.end] == c.quote` for its citations (or None when it is not
        indexed). Chunks overlap; the whitespace between two, which neither keeps, is a space."""
        info = self.index.articles().get(doc_id)
        if info is None:
            return None
        chunks = self.index.store.get(list(info.chunk_ids))
        text: list[str] = []
        for chunk in sorted(chunks, key=lambda c: int(c.metadata["start"])):
            start = int(chunk.metadata["start"])
            text.extend(" " * (start + len(chunk.text) - len(text)))
            text[start : start + len(chunk.text)] = chunk.text
        return "".join(text)


def _deltas(text: str) -> list[str]:
    """`text` as the deltas a streamed answer arrives in: each word with its spacing."""
    return re.findall(r"\S+\s*", text)


def date_range(since: DateArg, until: DateArg) -> DateRange:
    """`since`..`until` as a DateRange; one that ends before it starts is a ConfigError."""
    first, last = parse_as_of(since, "since"), parse_as_of(until, "until")
    if first and last and first > last:
        raise ConfigError(f"since={first.isoformat()} is after until={last.isoformat()}; swap them")
    return DateRange(first, last)
