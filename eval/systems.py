"""The systems compared: our Assistant in each retrieval mode (the llama-index one is apart).

model = SentenceEmbedder(cache=0)
system = AssistantSystem.build("hybrid", index, settings, model)
run = system.run("When does the withdrawal end?", history=[], as_of=None)
run.answer.text, [p.doc_id for p in run.ranked]
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rag.answers import Answer, Passage
from rag.assistant import Assistant
from rag.conversation import Message, standalone_question
from rag.embedder import DIMENSIONS, Embedder
from rag.news_index import NewsIndex
from rag.settings import Settings

if TYPE_CHECKING:
    import numpy as np

DEPTH = 10  # passages ranked per question for the retrieval metrics (recall@10, MRR@10)
CACHE = 4096  # as the Assistant's own embedder: a query is embedded to retrieve, then to answer
NAMES = {"hybrid": "hybrid", "dense": "dense", "lexical": "bm25"}  # retrieval mode → name


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


class ScopedEmbedder:
    """A shared model behind a cache of one system's own.

    Systems share the loaded model, but a cache shared between them would let the second
    system find every question already embedded and report a dense stage of zero.
    """

    def __init__(self, model: Embedder, size: int = CACHE) -> None:
        self.model = model
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text; repeated texts come from the cache."""
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            self._cache.update(zip(missing, self.model.embed(missing), strict=True))
        for text in texts:
            self._cache.move_to_end(text)
        rows = [self._cache[text] for text in texts]
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)


class AssistantSystem:
    """Our Assistant; `ranked` is the same retrieval taken DEPTH deep (its top-k prefix is the
    answer's passages, since the retriever cuts one ranked list)."""

    def __init__(self, name: str, assistant: Assistant) -> None:
        self.name = name
        self.assistant = assistant

    @classmethod
    def build(
        cls, mode: str, index: NewsIndex, settings: Settings, model: Embedder
    ) -> AssistantSystem:
        """An Assistant retrieving in `mode`, sharing `index` and the loaded `model`."""
        settings = settings.with_overrides(retrieval=mode)
        return cls(NAMES[mode], Assistant(index, settings, ScopedEmbedder(model)))

    def run(self, question: str, history: Sequence[Message], as_of: str | None) -> Run:
        """Ask, then rank DEPTH passages for the same retrieval query."""
        answer = self.assistant.ask(question, history, as_of)
        _, query = standalone_question(question, history)
        depth = max(DEPTH, self.assistant.settings.top_k)
        return Run(answer, self.assistant.search(query, k=depth, as_of=as_of))
