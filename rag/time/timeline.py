"""A topic's timeline: dated events, one cited sentence each, in date order.

The passages retrieved for the topic are cut into sentences; a sentence is about the topic
as far as it holds the topic's words (weighted by BM25's IDF). Its event's date is the day
the sentence itself reports when it names one ("the withdrawal starts Saturday" → 1 May
2021), else its article's date. Sentences that tell the same event — the same day and most
of the same words, as wire copies and follow-ups repeat them — count once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rag.answers import Citation, Passage, cite
from rag.question import terms
from rag.sentences import sentence_spans
from rag.time.expressions import DateMention, within

SAME_EVENT = 0.5  # word overlap (Jaccard) above which two sentences of a day are one event
_MIN_WORDS = 6  # shorter lines are headings, captions and bylines, not events
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class TimelineEvent:
    """One event: its date, the sentence that reports it, and that sentence's citation.

    `dated_by` says where the date came from: "text" (the sentence names the day) or
    "published" (the article's date).
    """

    date: str  # YYYY-MM-DD
    text: str
    citation: Citation
    dated_by: str


def timeline(
    topic: str,
    passages: Sequence[Passage],
    idf: Callable[[set[str]], dict[str, float]],
    k: int = 12,
) -> list[TimelineEvent]:
    """Up to `k` distinct dated events about `topic` from `passages`, earliest first."""
    wanted = terms(topic)
    weights = idf(wanted) if wanted else {}
    total = sum(weights.values()) or 1.0
    scored: list[tuple[float, TimelineEvent, set[str]]] = []
    for rank, passage in enumerate(passages):
        for start, end in sentence_spans(passage.text):
            text = passage.text[start:end].strip()
            words = set(_WORD.findall(text.lower()))
            if len(words) < _MIN_WORDS:
                continue
            coverage = sum(weights.get(t, 0.0) for t in terms(text) & wanted) / total
            if coverage <= 0:
                continue
            lead = len(passage.text[start:end]) - len(passage.text[start:end].lstrip())
            first = passage.start + start + lead
            last = first + len(text)
            mentions = within(passage.dates, first, last)
            date, dated_by = _event_date(mentions, passage.published)
            if date is None:
                continue  # an undated article's sentence that names no day has no place
            citation = cite(passage, 0, text, first, last)
            event = TimelineEvent(date, text, citation, dated_by)
            scored.append((coverage + 0.5 / (1 + rank), event, words))
    scored.sort(key=lambda item: item[0], reverse=True)
    chosen: list[tuple[TimelineEvent, set[str]]] = []
    for _, event, words in scored:
        if any(_same(event, words, other, seen) for other, seen in chosen):
            continue
        chosen.append((event, words))
        if len(chosen) == k:
            break
    ordered = sorted((event for event, _ in chosen), key=lambda e: e.date)
    return [
        TimelineEvent(e.date, e.text, replace(e.citation, number=n), e.dated_by)
        for n, e in enumerate(ordered, 1)
    ]


def _event_date(mentions: Sequence[DateMention], published: str | None) -> tuple[str | None, str]:
    days = [m for m in mentions if m.precision == "day"]
    if days:
        return days[0].date, "text"
    return (published[:10] if published else None), "published"


def _same(event: TimelineEvent, words: set[str], other: TimelineEvent, seen: set[str]) -> bool:
    overlap = len(words & seen) / max(1, len(words | seen))
    return overlap >= SAME_EVENT or (event.date == other.date and overlap >= SAME_EVENT / 2)
