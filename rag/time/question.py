"""The time a question carries: "this week", "yesterday", "in 2021", "latest".

Read relative to `as_of` (the day the question is asked for), they become a range of
publication dates to search, or — for "latest", "most recent", "now" — a preference for the
newest articles. The words stay in the question; they only narrow or weight retrieval.

    question_time("Who won the vote this week?", dt.date(2021, 4, 28))
    # QuestionTime(since=2021-04-22, until=2021-04-28, recent=False, words="this week")
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_RECENT = re.compile(
    r"\b(latest|most recent(?:ly)?|newest|recently|right now|currently|so far|to date)\b",
    re.IGNORECASE,
)
_WORDS = re.compile(
    r"\b(?P<words>yesterday|today|tonight|this week(?:end)?|last week(?:end)?|this month|"
    r"last month|this year|last year|(?:in|during|of) (?P<year>(?:19|20)\d\d))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuestionTime:
    """What a question's time words ask for: a range of publication dates, or recency."""

    since: dt.date | None = None
    until: dt.date | None = None
    recent: bool = False
    words: str = ""  # the words it was read from, "" when the question has none


def has_time_words(question: str) -> bool:
    """True when `question` holds words `question_time` reads (a cheap test first)."""
    return bool(_WORDS.search(question) or _RECENT.search(question))


def question_time(question: str, as_of: dt.date) -> QuestionTime:
    """The dates `question` asks about, read relative to `as_of`.

    A week's news is reported over the days after it, so "last week" searches up to
    `as_of`; "in 2021" keeps to 2021's articles.
    """
    match = _WORDS.search(question)
    if match is not None:
        words = match.group("words").lower()
        year = match.group("year")
        if year:
            return QuestionTime(dt.date(int(year), 1, 1), dt.date(int(year), 12, 31), words=words)
        days = {
            "yesterday": 1,
            "today": 0,
            "tonight": 0,
            "this week": 6,
            "this weekend": 3,
            "last week": 13,
            "last weekend": 9,
        }
        if words in days:
            return QuestionTime(as_of - dt.timedelta(days=days[words]), as_of, words=words)
        if words == "this month":
            return QuestionTime(as_of.replace(day=1), as_of, words=words)
        if words == "last month":
            first = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
            return QuestionTime(first, as_of, words=words)
        if words == "this year":
            return QuestionTime(as_of.replace(month=1, day=1), as_of, words=words)
        if words == "last year":
            return QuestionTime(dt.date(as_of.year - 1, 1, 1), as_of, words=words)
    recent = _RECENT.search(question)
    if recent is not None:
        return QuestionTime(until=as_of, recent=True, words=recent.group(1).lower())
    return QuestionTime()
