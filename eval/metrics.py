"""Evaluation metrics as plain functions of plain values: text, ranks, flags and seconds.

Text is compared the SQuAD way, a little extended (see `tokens`): case, accents, punctuation
and the articles a/an/the do not matter, and "2,500" equals "2500". A text *contains* an answer
when the answer's tokens appear as a contiguous run of the text's tokens, so "US" is not found
in "because" and "17" is not found in "2017".

    contains("The withdrawal is to end by September 11 [1]", "september 11")   # True
    token_f1("by September 11", ["September 11"])                              # 0.8
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

ARTICLES = frozenset({"a", "an", "the"})
_CITATION_MARKER = re.compile(r"\s*\[\d+\]")
_DIGIT_GROUP = re.compile(r"(?<=\d)[,\u00a0\u202f](?=\d{3}(?!\d))")  # 2,500 and 2 500
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W_]+")  # decimals whole, then runs of letters/digits


def strip_citations(text: str) -> str:
    """`text` without its `[n]` citation markers."""
    return _CITATION_MARKER.sub("", text)


def tokens(text: str) -> list[str]:
    """Normalised tokens: case-folded, accents dropped, digit groups joined, no punctuation.

    Punctuation separates tokens ("Afghan-led" → afghan led, "Bajwa's" → bajwa s) rather than
    vanishing as in SQuAD, so a possessive or hyphenated form still contains the plain word.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return [t for t in _TOKEN.findall(_DIGIT_GROUP.sub("", plain)) if t not in ARTICLES]


def normalize(text: str) -> str:
    """`text` as its normalised tokens joined by single spaces."""
    return " ".join(tokens(text))


def contains(text: str, answer: str) -> bool:
    """True when `answer`'s tokens occur as a contiguous run in `text`'s; never for an empty one."""
    needle = tokens(answer)
    haystack = tokens(text)
    if not needle:
        return False
    width = len(needle)
    return any(haystack[i : i + width] == needle for i in range(len(haystack) - width + 1))


def answer_correct(text: str, answers: Sequence[str], choices: Sequence[str] = ()) -> bool:
    """True when `text` contains a gold answer and, given `choices`, no wrong choice.

    A wrong choice that is part of a gold answer ("Biden" beside "Joe Biden") is not held
    against the text, since naming the gold answer names it too.
    """
    if not any(contains(text, answer) for answer in answers):
        return False
    wrong = [c for c in choices if not any(contains(answer, c) for answer in answers)]
    return not any(contains(text, choice) for choice in wrong)


def token_f1(prediction: str, answers: Sequence[str]) -> float | None:
    """SQuAD token F1 of `prediction` against its best gold answer; None without answers."""
    if not answers:
        return None
    predicted = tokens(prediction)
    return max(_f1(predicted, tokens(answer)) for answer in answers)


def _f1(predicted: list[str], gold: list[str]) -> float:
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def first_answer_rank(passages: Sequence[str], answers: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing a gold answer, or None."""
    for rank, text in enumerate(passages, 1):
        if any(contains(text, answer) for answer in answers):
            return rank
    return None


def first_source_rank(doc_ids: Sequence[str], sources: Sequence[str]) -> int | None:
    """1-based rank of the first passage from a source document, or None."""
    wanted = set(sources)
    return next((rank for rank, doc_id in enumerate(doc_ids, 1) if doc_id in wanted), None)


def hit_at(rank: int | None, k: int) -> float:
    """1.0 when `rank` is within the top `k`, else 0.0 (the per-question recall@k / hit@k)."""
    return float(rank is not None and rank <= k)


def reciprocal_rank(rank: int | None, depth: int = 10) -> float:
    """1/rank within the top `depth`, else 0.0 (the per-question MRR@depth)."""
    return 1.0 / rank if rank is not None and rank <= depth else 0.0


def correct_citations(quotes: Sequence[str], answers: Sequence[str]) -> int:
    """How many cited quotes contain a gold answer."""
    return sum(any(contains(quote, answer) for answer in answers) for quote in quotes)


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean; None for no values (the metric does not apply)."""
    return sum(values) / len(values) if values else None


def abstention_precision(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> float | None:
    """Share of abstentions that were on unanswerable questions; None without abstentions."""
    pairs = [gold for said, gold in zip(abstained, unanswerable, strict=True) if said]
    return mean([float(gold) for gold in pairs])


def abstention_recall(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions abstained on; None without unanswerable questions."""
    pairs = [said for said, gold in zip(abstained, unanswerable, strict=True) if gold]
    return mean([float(said) for said in pairs])


def percentile(values: Sequence[float], q: float) -> float | None:
    """The `q`-th percentile as a measured value (numpy "nearest", as in index.benchmark)."""
    if not values:
        return None
    import numpy as np

    return float(np.percentile(values, q, method="nearest"))


def calibration(chances: Sequence[float], right: Sequence[bool], bins: int = 10) -> dict:
    """How well `chances` predict `right`: per-bin mean chance and share right, and the
    expected calibration error (ECE: the gap, weighted by bin size)."""
    table = []
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [
            (chance, hit)
            for chance, hit in zip(chances, right, strict=True)
            if low <= chance < high or (b == bins - 1 and chance >= 1.0)
        ]
        if not members:
            continue
        mean_chance = sum(c for c, _ in members) / len(members)
        share = sum(h for _, h in members) / len(members)
        error += len(members) / len(chances) * abs(mean_chance - share)
        table.append(
            {"low": low, "high": high, "n": len(members), "chance": mean_chance, "right": share}
        )
    return {"ece": error if chances else None, "bins": table}
