"""Date expressions in article text, resolved against the article's publication date.

"The withdrawal, which starts Saturday" in an article of Wednesday 28 April 2021 means
Saturday 1 May 2021. Expressions are found by a pattern of English date vocabulary (weekdays,
months, "last week", "two months ago", "earlier this year", "9th August 2021"), and each is
resolved by dateparser against the publication date (its RELATIVE_BASE). What dateparser
cannot know is whether a bare "Saturday" or "September 11" lies before or after that date;
the tense of the nearest verb decides (spaCy's tagger: "said Saturday" is the Saturday before,
"starts Saturday" or "will meet Saturday" the one after). A year-less month and day is the
occurrence nearest to the article's date unless the tense points the other way.

dateparser's own `search_dates` is not used to find expressions: it reads "may", "march",
"second" and "now" as dates, and is ~20× slower over whole articles.

    find_dates("The withdrawal starts Saturday.", "2021-04-28")
    # [DateMention(start=22, end=30, text="Saturday", date="2021-05-01", last="2021-05-01",
    #              precision="day")]
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from typing import Any

_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:t(?:ember)?)?\.?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_NUMBER = r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few)"
_MODIFIER = r"(?:[Ll]ast|[Nn]ext|[Tt]his|[Pp]ast|[Cc]oming)"
_PREPOSITION = r"(?i:in|since|by|until|till|through|during|before|after|from|of|early|late)"

# Ordered longest first: at one position the first alternative that matches wins. A month or
# year alone counts only after a preposition ("in March"), which the match holds but the
# mention (its named group) does not.
_PATTERN = re.compile(
    "|".join(
        [
            rf"(?P<iso>\b{_YEAR}-[01]\d-[0-3]\d\b)",
            rf"(?P<mdy>\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b)",
            rf"(?P<dmy>\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b)",
            rf"(?P<range>\b{_MONTH}\s+{_DAY}\s*[-–]\s*{_DAY}\b)",
            rf"(?P<md>\b{_MONTH}\s+{_DAY}\b(?![\d,]*\s*{_YEAR}))",
            rf"(?P<dm>\b{_DAY}\s+(?:of\s+)?{_MONTH}\b)",
            rf"(?P<my>\b{_MONTH}\s+{_YEAR}\b)",
            rf"(?P<weekday>\b(?:{_MODIFIER}\s+)?{_WEEKDAY}\b)",
            r"(?P<near>\b(?:[Yy]esterday|[Tt]oday|[Tt]omorrow|[Tt]onight)\b)",
            rf"(?P<period>\b(?:{_MODIFIER}|[Ee]arlier\s+this|[Ll]ater\s+this)"
            r"\s+(?:week(?:end)?|month|year)\b)",
            rf"(?P<ago>\b{_NUMBER}\s+(?:day|week|month|year)s?\s+ago\b)",
            rf"(?P<month_mod>\b{_MODIFIER}\s+{_MONTH}\b)",
            rf"(?:\b{_PREPOSITION}\s|\bmid-)(?P<month>{_MONTH})\b(?!\.?\s+(?:\d|I\b))",
            rf"\b{_PREPOSITION}\s(?P<year>{_YEAR})\b(?!\s*[-–]\d)",
        ]
    )
)
_ABBREVIATED = re.compile(r"\b(Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)\.?(?=\s|$|,)")
_FUTURE = frozenset({"will", "'ll", "shall", "would", "wo", "going", "due", "set", "expected"})
_CLAUSE = 60  # characters either side of an expression that its tense is read from


@dataclass(frozen=True)
class DateMention:
    """A date expression of a text and the period it names.

    `text == source[start:end]`; `date`..`last` is the period as ISO days (one day for a
    day); `precision` is "day", "week", "month" or "year".
    """

    start: int
    end: int
    text: str
    date: str
    last: str
    precision: str

    def label(self) -> str:
        """The period in words: "1 May 2021", "week of 3 May 2021", "March 2021", "2021"."""
        first = dt.date.fromisoformat(self.date)
        if self.precision == "day":
            return f"{first.day} {first:%B %Y}"
        if self.precision == "week":
            return f"week of {first.day} {first:%B %Y}"
        if self.precision == "month":
            return f"{first:%B %Y}"
        return f"{first.year}"

    def long_label(self) -> str:
        """A day with its weekday ("Saturday, May 1, 2021"); other periods as `label`."""
        if self.precision != "day":
            return self.label()
        day = dt.date.fromisoformat(self.date)
        return f"{day:%A, %B} {day.day}, {day.year}"

    def note(self) -> str:
        """What to show beside the words: the year alone when they give the day and month
        ("September 11" → "2021"), else the whole period ("Saturday" → "1 May 2021")."""
        if self.precision == "day" and any(c.isdigit() for c in self.text):
            return self.date[:4]
        return self.label()

    def is_explicit(self) -> bool:
        """True when the words already give the whole date ("April 28, 2021")."""
        return self.precision == "day" and self.text.rstrip().endswith(self.date[:4])

    def shifted(self, offset: int) -> DateMention:
        """The same mention with offsets moved by `offset` (into an enclosing text)."""
        return DateMention(
            self.start + offset, self.end + offset, self.text, self.date, self.last, self.precision
        )


def find_dates(text: str, published: str | dt.date | None) -> list[DateMention]:
    """Every date expression in `text`, resolved against `published` (ISO or date).

    Without a publication date only expressions that carry their year are resolved.
    """
    base = _as_date(published)
    matches = [
        (m.lastgroup or "", *m.span(m.lastgroup or 0), m.group(m.lastgroup or 0))
        for m in _PATTERN.finditer(text)
        if base is not None or m.lastgroup in _CARRY_YEAR
    ]
    ambiguous = [(start, end) for kind, start, end, _ in matches if kind in _NEED_TENSE]
    tenses = dict(zip(ambiguous, _tenses(text, ambiguous), strict=True)) if base else {}
    mentions = []
    for kind, start, end, words in matches:
        period = _resolve(kind, words, base, tenses.get((start, end)))
        if period is not None:
            first, last, precision = period
            mentions.append(
                DateMention(start, end, words, first.isoformat(), last.isoformat(), precision)
            )
    return _weekdays_of_their_dates(text, mentions)


def _weekdays_of_their_dates(text: str, mentions: list[DateMention]) -> list[DateMention]:
    """`mentions` with a weekday that names the date right after it ("Sunday, Nov. 5") on
    that date, not on the weekday nearest the publication: when the two agree."""
    out = list(mentions)
    for i, (mention, following) in enumerate(pairwise(mentions)):
        if (
            following.precision == "day"
            and text[mention.end : following.start] in (", ", " ")
            and dt.date.fromisoformat(following.date).strftime("%A").lower() == mention.text.lower()
        ):
            out[i] = replace(mention, date=following.date, last=following.last)
    return out


_UNUSED = ["ner", "attribute_ruler"]  # the tagger's tags are all a tense needs
_CARRY_YEAR = frozenset({"iso", "mdy", "dmy", "my", "year"})
_NEED_TENSE = frozenset({"md", "dm", "range", "weekday", "month"})


def infer_published(text: str, within: int = 1500) -> str | None:
    """The publication date an undated article's text suggests: its first full date.

    A dateline ("April 28, 2021") or the day of the event reported ("on 9th August 2021"),
    read from the first `within` characters; None when they hold no day with its year.
    """
    for match in _PATTERN.finditer(text[:within]):
        if match.lastgroup in {"iso", "mdy", "dmy"}:
            period = _resolve(match.lastgroup, match.group(match.lastgroup), None, None)
            if period is not None:
                return period[0].isoformat()
    return None


def annotate(text: str, mentions: Sequence[DateMention]) -> str:
    """`text` with each mention's absolute date beside its words: "starts Saturday (1 May
    2021)". Explicit dates ("April 28, 2021") are left as they are; offsets are `text`'s."""
    return "".join(
        words + (f" ({note})" if note else "") for words, note in segments(text, mentions)
    )


def segments(text: str, mentions: Sequence[DateMention]) -> list[tuple[str, str]]:
    """`text` cut after each relative mention: (the words up to it, its note) pairs, the last
    with note "". Joined they give `text`; a renderer puts each note beside its words."""
    out = []
    position = 0
    for mention in sorted(mentions, key=lambda m: m.start):
        if mention.start < position or mention.is_explicit():
            continue
        out.append((text[position : mention.end], mention.note()))
        position = mention.end
    out.append((text[position:], ""))
    return out


def to_json(mentions: Sequence[DateMention]) -> str:
    """Mentions as compact JSON for Chroma's metadata (which takes no lists)."""
    return json.dumps(
        [[m.start, m.end, m.date, m.last, m.precision] for m in mentions], separators=(",", ":")
    )


def from_json(value: str, text: str, offset: int = 0) -> list[DateMention]:
    """Mentions stored by `to_json`, whose offsets index `text` shifted by `offset`."""
    try:
        rows = json.loads(value)
        return [
            DateMention(s, e, text[s - offset : e - offset], d, last, p)
            for s, e, d, last, p in rows
        ]
    except (ValueError, TypeError):
        return []


def within(mentions: Sequence[DateMention], start: int, end: int) -> list[DateMention]:
    """The mentions that lie inside [start, end)."""
    return [m for m in mentions if m.start >= start and m.end <= end]


# --- resolution --------------------------------------------------------------------------


def _as_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


Period = tuple[dt.date, dt.date, str]


def _resolve(kind: str, words: str, base: dt.date | None, tense: str | None) -> Period | None:
    """The period `words` name, given their kind of pattern, the base date and the tense;
    None when it falls outside the calendar ("2,100 years ago" in a 2023 article)."""
    try:
        return _resolved(kind, words, base, tense)
    except (ValueError, OverflowError):
        # A date before year 1 or after 9999 crashed a 14,691-article ingest at 77%.
        return None


def _resolved(kind: str, words: str, base: dt.date | None, tense: str | None) -> Period | None:
    if kind in {"iso", "mdy", "dmy"}:
        day = _parse(words, None, "current_period")
        return (day, day, "day") if day else None
    if kind == "my":
        day = _parse(words, None, "current_period")
        return _month(day) if day else None
    if kind == "year":
        year = int(words)
        return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    assert base is not None
    if kind == "range":  # "May 3-7": the first day's year holds for the last
        month_day, last_day = re.split(r"\s*[-–]\s*", words)
        first = _resolved("md", month_day, base, tense)
        if first is None:
            return None
        try:
            last = first[0].replace(day=int(re.sub(r"\D", "", last_day)))
        except ValueError:
            return None
        return (first[0], last, "day") if last >= first[0] else None
    if kind in {"md", "dm"}:
        day = _parse(words, base, "current_period")
        if day is None:
            return None
        chosen = _nearest_year(day.month, day.day, base, tense)
        return (chosen, chosen, "day") if chosen else None
    if kind == "weekday":
        day = _weekday(words, base, tense)
        return day, day, "day"
    if kind == "near":
        offset = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[words.lower()]
        day = base + dt.timedelta(days=offset)
        return day, day, "day"
    if kind == "period":
        return _period(words.lower(), base)
    if kind == "ago":
        return _ago(words.lower(), base)
    if kind in {"month", "month_mod"}:
        return _named_month(words, base, tense)
    return None


@lru_cache(maxsize=4096)
def _parse(words: str, base: dt.date | None, prefer: str) -> dt.date | None:
    """dateparser's reading of `words` (English only, relative to `base`)."""
    parser = _parser(base, prefer)
    # dateparser reads "Sept." but not "Sept" alone; give it the month's full name.
    words = _ABBREVIATED.sub(lambda m: _FULL_MONTH[m.group(1)[:3]], words)
    result = parser.get_date_data(re.sub(r"\s+", " ", words))
    return result.date_obj.date() if result.date_obj else None


@lru_cache(maxsize=64)  # one per publication date: a long ingest sees thousands
def _parser(base: dt.date | None, prefer: str) -> Any:
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"PREFER_DATES_FROM": prefer, "STRICT_PARSING": False}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day)
    return DateDataParser(languages=["en"], settings=settings)


_FULL_MONTH = {
    "Jan": "January",
    "Feb": "February",
    "Mar": "March",
    "Apr": "April",
    "Aug": "August",
    "Sep": "September",
    "Oct": "October",
    "Nov": "November",
    "Dec": "December",
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(words: str, base: dt.date, tense: str | None) -> dt.date:
    """A weekday named in an article of `base`: the same day, the one before or after."""
    parts = words.lower().split()
    target = _WEEKDAYS.index(parts[-1])
    modifier = parts[0] if len(parts) > 1 else ""
    ahead = (target - base.weekday()) % 7  # days until the next such weekday (0: today)
    behind = (base.weekday() - target) % 7
    if modifier in {"last", "past"}:
        return base - dt.timedelta(days=behind or 7)
    if modifier in {"next", "coming"}:
        return base + dt.timedelta(days=ahead or 7)
    if ahead == 0:
        return base
    if modifier == "this":
        return base + dt.timedelta(days=ahead) if tense != "past" else base - dt.timedelta(behind)
    if tense == "future":
        return base + dt.timedelta(days=ahead)
    return base - dt.timedelta(days=behind)


def _nearest_year(month: int, day: int, base: dt.date, tense: str | None) -> dt.date | None:
    """The year-less date nearest `base`, on the side the tense points to when it is clear."""
    options = []
    for year in range(base.year - 4, base.year + 5):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue  # Feb. 29 of a year that has none
    if not options:
        return None
    before = [d for d in options if d <= base]
    after = [d for d in options if d >= base]
    nearest = min(options, key=lambda d: abs((d - base).days))
    # "was due by May 1" in late April is this May 1: past words move a date back a year
    # only when the nearest one is more than a month ahead.
    if tense == "past" and before and nearest > base + dt.timedelta(days=30):
        return max(before)
    if tense == "future" and after and nearest < base - dt.timedelta(days=7):
        return min(after)
    return nearest


def _month(day: dt.date) -> Period:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1), "month"


def _week(day: dt.date) -> Period:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6), "week"


def _year(year: int) -> Period:
    return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"


def _period(words: str, base: dt.date) -> Period:
    """ "last week", "next month", "earlier this year", "this weekend"."""
    *lead, unit = words.split()
    step = {"last": -1, "past": -1, "next": 1, "coming": 1}.get(lead[0], 0)
    if unit == "weekend":
        saturday = base + dt.timedelta(days=(5 - base.weekday()) % 7 + 7 * step)
        if step < 0:
            saturday = base - dt.timedelta(days=(base.weekday() - 5) % 7 or 7)
        return saturday, saturday + dt.timedelta(days=1), "week"
    if unit == "week":
        return _week(base + dt.timedelta(days=7 * step))
    if unit == "month":
        month_index = base.year * 12 + base.month - 1 + step
        return _month(dt.date(month_index // 12, month_index % 12 + 1, 1))
    return _year(base.year + step)


def _ago(words: str, base: dt.date) -> Period:
    """ "two weeks ago", "a year ago": a day for days and weeks, else the month or year."""
    number, unit, _ = words.rsplit(" ", 2)
    count = {"a": 1, "an": 1, "a few": 3}.get(number)
    if count is None:
        count = int(number) if number.isdigit() else _NUMBERS.index(number) + 1
    unit = unit.rstrip("s")
    if unit in {"day", "week"}:
        day = base - dt.timedelta(days=count * (7 if unit == "week" else 1))
        return day, day, "day"
    if unit == "month":
        month_index = base.year * 12 + base.month - 1 - count
        return _month(dt.date(month_index // 12, month_index % 12 + 1, 1))
    return _year(base.year - count)


_NUMBERS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


def _named_month(words: str, base: dt.date, tense: str | None) -> Period | None:
    """ "in March", "last March", "next January": the month before or after `base`."""
    parts = words.split()
    day = _parse(parts[-1], base, "current_period")
    if day is None:
        return None
    month = day.month
    modifier = parts[0].lower() if len(parts) > 1 else ""
    this_year = dt.date(base.year, month, 1)
    if modifier in {"last", "past"}:
        year = base.year if month < base.month else base.year - 1
    elif modifier in {"next", "coming"}:
        year = base.year if month > base.month else base.year + 1
    elif modifier == "this" or month == base.month:
        year = base.year
    elif tense == "past":
        year = base.year if this_year < base else base.year - 1
    elif tense == "future":
        year = base.year if this_year > base else base.year + 1
    else:
        year = base.year  # "in March" said in April: most often this year's
    return _month(dt.date(year, month, 1))


def _tenses(text: str, spans: Sequence[tuple[int, int]]) -> list[str | None]:
    """ "past" or "future" for each (start, end) expression of `text`, by the verb that
    governs it, or None.

    The nearest tensed verb before it in its sentence ("said Monday", "is to end by
    September 11"), else the first after it ("On Monday, the company said"). spaCy's tagger
    reads the clause, all clauses of a text in one batch: a past-tense verb (VBD, or "has" +
    participle) makes it past; a modal of the future ("will"), a present-tense verb
    ("starts", "is to") or "due"/"set to" makes it future.
    """
    if not spans:
        return []
    from rag.language import pipeline

    windows = []
    for start, end in spans:
        left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), start - _CLAUSE)
        stops = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
        right = min([*stops, end + _CLAUSE])
        windows.append((max(left, 0), right))
    nlp = pipeline()
    docs = nlp.pipe((text[a:b] for a, b in windows), disable=_UNUSED, batch_size=256)
    return [
        _tense(doc, start - a, end - a)
        for doc, (a, _), (start, end) in zip(docs, windows, spans, strict=True)
    ]


def _tense(doc: Any, start: int, end: int) -> str | None:
    before: str | None = None
    for token in doc:
        kind = _verb_tense(token)
        if token.idx < start:
            before = kind or before  # the last verb before the expression wins
        elif token.idx >= end and kind is not None:
            return before or kind  # else the first verb after it
    return before


def _verb_tense(token: Any) -> str | None:
    lower = token.lower_
    if lower in _FUTURE or token.tag_ == "MD" and lower in {"will", "'ll", "shall"}:
        return "future"
    if token.tag_ == "VBD":
        return "past"
    if token.tag_ == "VBN" and token.i > 0 and token.doc[token.i - 1].lower_ in _HAVE:
        return "past"
    if token.tag_ in {"VBZ", "VBP"} and lower not in _HAVE:
        return "future"
    return None


_HAVE = frozenset({"has", "have", "had", "'s", "'ve"})
