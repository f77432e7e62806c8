"""What a question gets back: passages, citations and the answer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from rag.time.expressions import DateMention, within


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's metadata and its retrieval scores."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    title: str
    source: str
    outlet: str | None
    byline: str | None
    published: str | None
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dates: tuple[DateMention, ...] = ()  # resolved date expressions (article offsets)
    date_inferred: bool = False  # `published` was read from the article's text
    url: str | None = None
    also_in: tuple[str, ...] = ()  # outlets (or titles) of republished copies of the story


@dataclass(frozen=True)
class Citation:
    """The `[number]` of an answer: an exact sentence quoted from an article.

    `quote == article.text[start:end]`, verbatim.
    """

    number: int
    doc_id: str
    chunk_id: str
    quote: str
    start: int
    end: int
    title: str
    source: str
    outlet: str | None
    published: str | None
    byline: str | None = None
    url: str | None = None
    date_inferred: bool = False
    dates: tuple[DateMention, ...] = ()  # the quote's date expressions (article offsets)
    also_in: tuple[str, ...] = ()  # where else the story was published

    def annotated_quote(self) -> str:
        """The quote with absolute dates beside relative words: "starts Saturday (1 May
        2021)"."""
        from rag.time.expressions import annotate

        return annotate(self.quote, [m.shifted(-self.start) for m in self.dates])


def cite(passage: Passage, number: int, quote: str, start: int, end: int) -> Citation:
    """Citation `number` of `quote` (article offsets `start`..`end`, inside `passage`), with
    the article's metadata and the date expressions the quote holds."""
    return Citation(
        number=number,
        doc_id=passage.doc_id,
        chunk_id=passage.chunk_id,
        quote=quote,
        start=start,
        end=end,
        title=passage.title,
        source=passage.source,
        outlet=passage.outlet,
        published=passage.published,
        byline=passage.byline,
        url=passage.url,
        date_inferred=passage.date_inferred,
        dates=tuple(within(passage.dates, start, end)),
        also_in=passage.also_in,
    )


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of a generated answer and what supports it (see rag.answering.verification)."""

    text: str  # the sentence without its [n] markers, stripped
    citations: tuple[int, ...]  # numbers of the Answer's citations that support it
    supported: bool  # False: no evidence sentence supports it
    score: float  # similarity to its best citation (0..1); 0 when it has none
    note: str  # "" if fine, else why; its [n] are the evidence numbers the model saw


@dataclass(frozen=True)
class Answer:
    """The reply to a question: text with `[n]` markers and the citations behind them."""

    question: str
    text: str
    abstained: bool
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    sentences: list[SentenceCheck] = field(default_factory=list)  # generated answers only
    answerer: str = "extractive"  # what wrote it: "extractive" or the language model's name
    notice: str = ""  # why it is not what was asked for, e.g. the model failed
    # The fact alone ("by September 11"), verbatim from the last citation, completed from its
    # article where the sentence leaves it short: a date's year, a surname's full name.
    short: str | None = None
    # (a "when" answer gives the resolved date: "Saturday, May 1, 2021")
    time_scope: str = ""  # the dates the answer keeps to, when a filter or the question set them

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the same fields (what `rag ask --json` prints)."""
        return asdict(self)

    def annotated_text(self) -> str:
        """`text` with absolute dates beside the relative words of each quoted sentence
        ("starts Saturday (1 May 2021)"); `text` itself stays verbatim."""
        text = self.text
        for citation in self.citations:
            if citation.dates and citation.quote in text:
                text = text.replace(citation.quote, citation.annotated_quote(), 1)
        return text


def answer_from_dict(record: dict[str, Any]) -> Answer:
    """The Answer that `Answer.to_dict()` (or `rag ask --json`) gave `record`."""

    def mentions(found: Iterable[dict[str, Any]]) -> tuple[DateMention, ...]:
        return tuple(DateMention(**m) for m in found)

    def passage(p: dict[str, Any]) -> Passage:
        return Passage(**p | {"dates": mentions(p["dates"]), "also_in": tuple(p["also_in"])})

    def citation(c: dict[str, Any]) -> Citation:
        return Citation(**c | {"dates": mentions(c["dates"]), "also_in": tuple(c["also_in"])})

    def sentence(s: dict[str, Any]) -> SentenceCheck:
        return SentenceCheck(**s | {"citations": tuple(s["citations"])})

    return Answer(
        **record
        | {
            "citations": [citation(c) for c in record["citations"]],
            "passages": [passage(p) for p in record["passages"]],
            "sentences": [sentence(s) for s in record["sentences"]],
        }
    )


def final_answer(parts: Iterable[str | Answer]) -> Answer:
    """The Answer that ends a stream of text deltas (the deltas are dropped)."""
    final = None
    for part in parts:
        if isinstance(part, Answer):
            final = part
    if final is None:
        raise ValueError("the stream ended without an Answer")
    return final


class Answerer(Protocol):
    """Turns a question and retrieved passages into an Answer."""

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Answer `question` from `passages` only."""
        ...


# "By September 11 [1]. The withdrawal…": the short answer and its marker, then the quote.
_SHORT_LEAD = re.compile(r"(.*?\[\d+\])\. ")


def split_short(text: str) -> tuple[str, str] | None:
    """An answer text that leads with its short answer, as (short with its marker, the rest);
    None for one that does not."""
    match = _SHORT_LEAD.match(text)
    return (match.group(1), text[match.end() :]) if match else None
