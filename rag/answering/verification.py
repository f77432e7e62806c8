"""Checks a generated answer, sentence by sentence, against the evidence sentences it cites.

Model output is untrusted. Each sentence keeps only the `[n]` markers whose evidence says
the same thing (close in meaning) and states every number, date and name the sentence states;
otherwise it is re-pointed to the evidence sentence that does, or marked unsupported.

    verified = verify("The withdrawal ends by September 11 [2].", evidence, SentenceEmbedder())
    verified.text  # "The withdrawal ends by September 11 [1]." if evidence [2] does not say so
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.answers import Citation, SentenceCheck
from rag.embedder import Embedder
from rag.question import ANSWER_PATTERNS, terms
from rag.sentences import sentence_spans

# Cosine (all-MiniLM-L6-v2) between an answer sentence and an evidence sentence, at or above which
# the evidence may support it. Set by hand on the evidence of
# tests/rag/answering/test_verification.py: faithful paraphrases scored 0.46-0.88 ("The troops leave
# on Saturday." 0.46, "This ends the war." 0.48), sentences on the topic that the evidence does not
# state 0.42-0.44 ("The meeting will discuss the withdrawal." 0.42), unrelated ones below 0.35.
# Similarity is only a topic filter (a made-up "2,500 troops were killed" still scores 0.55); the
# number, date and name checks catch the errors that matter most.
SUPPORT_THRESHOLD = 0.45

# A marker is a short bracketed group: "[1]", "[1, 2]", "[x]", "[-1]". Longer groups such as
# an editorial "[the Taliban]" inside a quote are text.
_MARKER = re.compile(r"\[\s*[\w-]{0,3}(?:\s*,\s*[\w-]{1,3})*\s*\]")
_LEADING_MARKERS = re.compile(rf"^\s*(?:{_MARKER.pattern}\s*)+")
_INTEGER = re.compile(r"-?\d+")
_SPACE_BEFORE_STOP = re.compile(r"\s+(?=[.,;:!?])")
_SPACES = re.compile(r"[ \t]{2,}")
_FINAL_STOP = re.compile(r"[.!?]+$")
_DATE_PART = re.compile(r"[A-Za-z]+|\d+")
# "one" is left out: "one of the", "no one" are no numbers.
_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], 2
    )
}
_SOURCES = r"(?:articles?|passages?|evidence|context)"
_ABSTENTION = re.compile(
    rf"\b{_SOURCES}\b[^.]{{0,40}}?\b(?:do|does|did)(?:n['’]t|\s+not)\s+(?:say|state|mention|"
    r"specify|contain|include|cover|address|answer|provide|give|report|tell|explain)\b"
    rf"|\bnot\s+(?:\w+\s+)?in\s+(?:the|these|those|any)\s+(?:\w+\s+)?{_SOURCES}\b"
    rf"|\bnone\s+of\s+the\s+(?:\w+\s+)?{_SOURCES}\b"
    rf"|\bno\s+(?:information|mention|details?)\b[^.]{{0,60}}\b{_SOURCES}\b"
    r"|^\s*I\s+(?:do\s+not|don['’]t)\s+know\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verified:
    """A generated answer re-written with verified markers, and the check of each sentence."""

    text: str  # "sentence [1]. sentence [2][3]."; unsupported sentences keep no marker
    citations: list[Citation]  # only the evidence cited after verification, numbered 1..k
    sentences: list[SentenceCheck]


@dataclass(frozen=True)
class Claim:
    """A fact a sentence states: as written, its kind, and the keys its evidence must hold."""

    text: str
    kind: str  # "number", "date" or "name"
    keys: frozenset[str]


@dataclass(frozen=True)
class _Draft:
    """A sentence as the model wrote it."""

    text: str
    markers: tuple[str, ...]  # contents of its markers: "1", "1, 2", "x"
    separator: str  # what goes before it: " " or line breaks


@dataclass(frozen=True)
class _Support:
    """Which evidence (by index) backs a sentence."""

    chosen: tuple[int, ...]
    supported: bool
    score: float
    note: str


def says_not_in_articles(text: str) -> bool:
    """True when `text` says the articles do not answer ("The articles don't say.")."""
    return bool(_ABSTENTION.search(text))


def verify(
    answer: str, evidence: Sequence[Citation], embedder: Embedder, question: str = ""
) -> Verified:
    """Check every sentence of `answer` against `evidence`, re-pointing or dropping markers.

    A reply may be a fragment ("7,000", "The Senate Foreign Relations Committee") that means
    something only with `question`. So a sentence whose content words all appear in an evidence
    sentence is also compared with it as question and sentence together; the question alone
    never lends support, since the sentence's own words must be the evidence's.
    """
    drafts = _drafts(answer)
    asked = [f"{question.strip()} {d.text}" for d in drafts] if question else []
    both = _similarities([d.text for d in drafts] + asked, evidence, embedder)
    sims = both[: len(drafts)]
    if asked:
        quoted = [[terms(d.text) <= terms(c.quote) for c in evidence] for d in drafts]
        sims = np.maximum(sims, both[len(drafts) :] * np.array(quoted, dtype=np.float32))
    facts = [_facts(c) for c in evidence]
    supports = [
        _support(draft, row, evidence, facts) for draft, row in zip(drafts, sims, strict=True)
    ]
    order = list(dict.fromkeys(i for s in supports for i in s.chosen))
    renumber = {index: k for k, index in enumerate(order, 1)}
    checks = [
        SentenceCheck(d.text, tuple(renumber[i] for i in s.chosen), s.supported, s.score, s.note)
        for d, s in zip(drafts, supports, strict=True)
    ]
    parts = [
        (d.separator if n else "") + _with_markers(c.text, c.citations)
        for n, (d, c) in enumerate(zip(drafts, checks, strict=True))
    ]
    cited = [replace(evidence[i], number=renumber[i]) for i in order]
    return Verified("".join(parts), cited, checks)


def claims(sentence: str) -> list[Claim]:
    """The numbers, dates and multi-word names `sentence` states."""
    dates = list(ANSWER_PATTERNS["date"].finditer(sentence))
    found = [Claim(m.group(), "date", _date_keys(m.group())) for m in dates]
    for match in ANSWER_PATTERNS["number"].finditer(sentence):
        inside_date = any(d.start() <= match.start() < d.end() for d in dates)
        value = _number(match.group())
        if value and not inside_date:
            found.append(Claim(match.group(), "number", frozenset({f"n:{value}"})))
    # A date is no part of a name: "On Saturday Austin left" names only Austin.
    undated = ANSWER_PATTERNS["date"].sub("|", sentence)
    opening = len(undated) - len(undated.lstrip())
    for match in ANSWER_PATTERNS["person"].finditer(undated):
        name = _strip_common(match.group())
        if match.start() == opening and len(name.split()) > 2:
            # "Actor Matthew McConaughey spoke": the first word of a sentence is capitalised
            # wherever it belongs, so it is no part of the name that must be in the evidence.
            name = name.split(maxsplit=1)[1]
        keys = frozenset(f"w:{t}" for t in terms(name))
        if len(name.split()) > 1 and keys:
            found.append(Claim(name, "name", keys))
    return found


def _strip_common(name: str) -> str:
    # "The Pentagon", "In New Delhi": a leading stop word is capitalised, not part of a name.
    words = name.split()
    while words and not terms(words[0]):
        words.pop(0)
    return " ".join(words)


def _number(text: str) -> str | None:
    """A number as digits without commas ("2,500" -> "2500", "two" -> "2"), or None ("%")."""
    if text[0].isdigit():
        return text.replace(",", "")
    return _NUMBER_WORDS.get(text.lower())


def _date_keys(text: str, evidence: bool = False) -> frozenset[str]:
    """A date as keys: "September 11" and "11th Sept." -> {"d:sep 11"}, plus "d:sep" in evidence."""
    if "/" in text:
        return frozenset({f"d:{text}"})
    parts = [
        p.lower() for p in _DATE_PART.findall(text) if p.lower() not in ("st", "nd", "rd", "th")
    ]
    words = [p for p in parts if p.isalpha()]
    years = [p for p in parts if p.isdigit() and len(p) == 4]
    days = [str(int(p)) for p in parts if p.isdigit() and len(p) < 4]
    if words and words[0].endswith("day"):
        return frozenset({f"d:{words[0]}"})
    month = words[0][:3] if words else None
    keys = {f"d:{y}" for y in years}
    if month and days:
        keys.add(f"d:{month} {days[0]}")
    if month and (years or evidence):
        keys.add(f"d:{month}")
    return frozenset(keys)


def _facts(citation: Citation) -> frozenset[str]:
    """The keys an evidence sentence holds: its numbers and dates, its and its title's words."""
    quote = citation.quote
    keys = {f"w:{t}" for t in terms(f"{quote} {citation.title}")}
    for match in ANSWER_PATTERNS["date"].finditer(quote):
        keys |= _date_keys(match.group(), evidence=True)
    for match in ANSWER_PATTERNS["number"].finditer(quote):
        value = _number(match.group())
        if value:
            keys.add(f"n:{value}")
    return frozenset(keys)


def _drafts(answer: str) -> list[_Draft]:
    """The sentences of `answer`, each with the markers that follow it ("... 11. [1]")."""
    drafts: list[_Draft] = []
    previous_end = 0
    for start, end in sentence_spans(answer):
        raw = answer[start:end]
        between = answer[previous_end:start]
        previous_end = end
        lead = _LEADING_MARKERS.match(raw)
        if lead and drafts:
            last = drafts[-1]
            moved = tuple(m.group()[1:-1] for m in _MARKER.finditer(lead.group()))
            drafts[-1] = replace(last, markers=last.markers + moved)
            between += lead.group()
            raw = raw[lead.end() :]
        text = _SPACES.sub(" ", _SPACE_BEFORE_STOP.sub("", _MARKER.sub("", raw))).strip()
        if text:
            markers = tuple(m.group()[1:-1] for m in _MARKER.finditer(raw))
            drafts.append(_Draft(text, markers, _separator(between)))
    return drafts


def _separator(between: str) -> str:
    if "\n\n" in between:
        return "\n\n"
    return "\n" if "\n" in between else " "


def _similarities(
    sentences: list[str], evidence: Sequence[Citation], embedder: Embedder
) -> np.ndarray:
    """Cosine of every sentence with every evidence quote, from one call to the embedder."""
    if not sentences or not evidence:
        return np.zeros((len(sentences), len(evidence)), dtype=np.float32)
    vectors = embedder.embed(sentences + [c.quote for c in evidence])
    return vectors[: len(sentences)] @ vectors[len(sentences) :].T


def _cited(markers: tuple[str, ...], evidence: Sequence[Citation]) -> tuple[list[int], list[str]]:
    """Indices into `evidence` of the markers' numbers, and the numbers that name no evidence."""
    index: dict[int, int] = {}
    for i, citation in enumerate(evidence):
        index.setdefault(citation.number, i)
    found: list[int] = []
    unknown: list[str] = []
    for token in (t.strip() for m in markers for t in m.split(",") if t.strip()):
        number = int(token) if _INTEGER.fullmatch(token) else None
        if number in index and index[number] not in found:
            found.append(index[number])
        elif number not in index:
            unknown.append(token)
    return found, unknown


def _support(
    draft: _Draft, sims: np.ndarray, evidence: Sequence[Citation], facts: list[frozenset[str]]
) -> _Support:
    """Keep the cited evidence that supports `draft`, else re-point it, else say why not."""
    stated = claims(draft.text)
    cited, unknown = _cited(draft.markers, evidence)
    notes = [f"[{', '.join(unknown)}] names no evidence"] if unknown else []
    if says_not_in_articles(draft.text):
        missing = _missing(stated, facts)
        return _Support((), not missing, 0.0, _stated_nowhere(missing))
    close = [i for i in cited if sims[i] >= SUPPORT_THRESHOLD]
    if close and not _missing(stated, [facts[i] for i in close]):
        dropped = [i for i in cited if i not in close]
        if dropped:
            notes.append(f"cited {_marks(dropped, evidence)} is not close in meaning; dropped")
        return _Support(tuple(close), True, _score(sims, close), "; ".join(notes))
    if cited:
        notes.append(_why_not(stated, cited, close, evidence, facts))
    best = _best(stated, sims, facts)
    if best is not None:
        pointed = "re-pointed" if draft.markers else "no marker; pointed"
        notes.append(f"{pointed} to {_marks([best], evidence)}")
        return _Support((best,), True, _score(sims, [best]), "; ".join(notes))
    notes.append(_unsupported(stated, sims, facts))
    return _Support((), False, 0.0, "; ".join(notes))


def _score(sims: np.ndarray, chosen: list[int]) -> float:
    return float(np.clip(max(sims[i] for i in chosen), 0.0, 1.0))


def _missing(stated: list[Claim], facts: Sequence[frozenset[str]]) -> list[Claim]:
    """The claims that `facts`, taken together, do not state."""
    held = frozenset().union(*facts)
    return [claim for claim in stated if not claim.keys <= held]


def _best(stated: list[Claim], sims: np.ndarray, facts: list[frozenset[str]]) -> int | None:
    """The closest evidence that alone supports the sentence, if any."""
    fits = [
        i
        for i in range(len(facts))
        if sims[i] >= SUPPORT_THRESHOLD and not _missing(stated, [facts[i]])
    ]
    return max(fits, key=lambda i: sims[i]) if fits else None


def _why_not(
    stated: list[Claim],
    cited: list[int],
    close: list[int],
    evidence: Sequence[Citation],
    facts: list[frozenset[str]],
) -> str:
    """Why the cited evidence fails: "cited [1] states September 11, not April 12"."""
    if not close:
        return f"cited {_marks(cited, evidence)} is not close in meaning"
    missing = _missing(stated, [facts[i] for i in close])
    kinds = {claim.kind for claim in missing}
    own = {key for claim in stated for key in claim.keys}
    instead = [
        claim.text
        for i in close
        for claim in claims(evidence[i].quote)
        if claim.kind in kinds and not claim.keys <= own
    ]
    said = ", ".join(claim.text for claim in missing)
    if instead:
        return f"cited {_marks(close, evidence)} states {', '.join(instead)}, not {said}"
    return f"cited {_marks(close, evidence)} does not state {said}"


def _unsupported(stated: list[Claim], sims: np.ndarray, facts: list[frozenset[str]]) -> str:
    """Why no evidence supports the sentence: a fact none states, or none close in meaning."""
    nowhere = _missing(stated, facts)
    if nowhere:
        return _stated_nowhere(nowhere)
    close = [facts[i] for i in range(len(facts)) if sims[i] >= SUPPORT_THRESHOLD]
    if not close:
        return "no evidence is close in meaning"
    missing = _missing(stated, close)
    if missing:
        return f"no evidence close in meaning states {', '.join(c.text for c in missing)}"
    return f"no one evidence sentence states all of {', '.join(c.text for c in stated)}"


def _stated_nowhere(missing: list[Claim]) -> str:
    return f"no evidence states {', '.join(c.text for c in missing)}" if missing else ""


def _marks(indices: Sequence[int], evidence: Sequence[Citation]) -> str:
    return "".join(f"[{evidence[i].number}]" for i in indices)


def _with_markers(text: str, numbers: tuple[int, ...]) -> str:
    """`text` with "[1][2]" before its final full stop, or after it when it has none."""
    if not numbers:
        return text
    markers = "".join(f"[{n}]" for n in numbers)
    stop = _FINAL_STOP.search(text)
    if stop is None:
        return f"{text} {markers}"
    return f"{text[: stop.start()]} {markers}{text[stop.start() :]}"
