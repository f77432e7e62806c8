"""The systems compared: our Assistant in each retrieval mode (the llama-index one is apart).

model = SentenceEmbedder()
system = AssistantSystem.build("hybrid", index, settings, model)
run = system.run("When does the withdrawal end?", history=[], as_of=None)
run.answer.text, [p.doc_id for p in run.ranked]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rag.answers import Answer, Passage
from rag.assistant import Assistant
from rag.conversation import Message, standalone_question
from rag.embedder import CachedEmbedder, Embedder
from rag.settings import Settings
from rag.store.news_index import NewsIndex

if TYPE_CHECKING:
    pass

DEPTH = 10  # passages ranked per question for the retrieval metrics (recall@10, MRR@10)
NAMES = {
    "hybrid": "hybrid",
    "rrf": "rrf",
    "dense": "dense",
    "lexical": "bm25",
}  # retrieval mode → name


@dataclass(frozen=True)
class Run:
    """What a system did with one question: its answer and its ranking, DEPTH deep."""

    answer: Answer
    ranked: list[Passage]


class System(Protocol):
    """Something that answers a question in a conversation, as the harness measures it."""

    name: str

    def run(self, question: str, history: Sequence[Message], as_of: str | None) -> Run:
        """Answer `question` after `history`, preferring news dated by `as_of`."""
        ...


class AssistantSystem:
    """Our Assistant; `ranked` is the same retrieval taken DEPTH deep (its top-k prefix is the
    answer's passages, since the retriever cuts one ranked list)."""

    def __init__(self, name: str, assistant: Assistant) -> None:
        self.name = name
        self.assistant = assistant

    @classmethod
    def build(
        cls,
        mode: str,
        index: NewsIndex,
        settings: Settings,
        model: Embedder,
        sentences: Embedder | None = None,
    ) -> AssistantSystem:
        """An Assistant retrieving in `mode`, sharing `index` and the loaded models: `model`
        for questions, `sentences` for the answer stage (default: the questions' own)."""
        settings = settings.with_overrides(retrieval=mode)
        # Its own caches: one shared between systems would let the second find every question
        # already embedded and report a dense stage of zero.
        assistant = Assistant(index, settings, CachedEmbedder(model), sentences)
        return cls(NAMES[mode], assistant)

    def run(self, question: str, history: Sequence[Message], as_of: str | None) -> Run:
        """Ask, then rank DEPTH passages for the same retrieval query."""
        answer = self.assistant.ask(question, history, as_of)
        _, query = standalone_question(question, history)
        depth = max(DEPTH, self.assistant.settings.top_k)
        return Run(answer, self.assistant.search(query, k=depth, as_of=as_of))
