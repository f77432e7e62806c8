"""The short answer: the phrase of a retrieved sentence that states the fact asked for.

Every candidate phrase (rag.answering.spans) of the shortlisted sentences is described by
features — is it of the kind asked for, is it new to the question, how specific it is, how
close it sits to the question's words, how many articles and relevant sentences state it,
how well its sentence matches the question — and a ranking (`SpanModel`: small decision
trees fitted by `python -m eval fit` with LightGBM's lambdarank, scored by
rag.trees) orders each question's phrases. The best phrase's score and lead are
calibrated into the chance that it is the answer; it answers when that chance is high
enough, and its sentence is the quote.

A sentence that merely restates the question holds no new phrase of the right kind, so it
loses to the one after it that does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from rag.answering.expectation import NAMED, Expectation
from rag.answering.spans import Span
from rag.trees import Trees, load_model, save_model

MODEL_FILE = Path(__file__).with_name("span_model.json")
LONE_LEAD = 5.0  # the lead of a phrase with no runner-up
# The labels a candidate phrase may carry (rag.answering.spans): spaCy's, SCORE and NOUN.
LABELS = (*NAMED, "DATE", "TIME", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "SCORE", "ORDINAL")
# Kinds whose answer is an amount or a date: no class to compare with, and a label to match.
AMOUNTS = frozenset({"date", "number", "money", "percent", "quantity"})
FEATURES = (
    "label_match",  # the phrase has a label of the kind asked for
    "person_for_who",  # "who" asked and the phrase is a person
    "noun_phrase",  # a plain noun phrase, not a named entity
    "generic_kind",  # the question names only a class ("what animal")
    "novel",  # share of the phrase's words the question does not contain
    "meaning",  # the sentence's embedding similarity to the question
    "coverage",  # the share of the question's (IDF-weighted) words in the sentence
    "coverage_gap",  # how far the sentence's coverage is below the best sentence's
    "neighbour_coverage",  # the best coverage of the sentence before or after it
    "passage_rank",  # 1 / (1 + rank of its passage)
    "proximity",  # 1 / (1 + words between the phrase and the nearest question word)
    "support",  # log(1 + other articles among the passages that state the phrase)
    "head_near",  # the question's noun ("automaker") is right beside the phrase
    "length",  # log(1 + words in the phrase)
    "in_title",  # the phrase is in its article's title
    "context",  # share of the 4 words either side of the phrase that the question has
    "mentions",  # log(1 + times the same phrase is a candidate among the passages)
    "cloze_lead",  # the words before a quiz's blank ("…highest hike since:") precede it
    "is_a",  # the phrase's embedding similarity to the class asked for ("an insect")
    # BM25 IDF of the phrase's words, as a share of the index's highest (a word it lacks):
    "idf_mean",  # their mean: a specific phrase ("Sheetz") rather than a common one ("CNN")
    "idf_min",  # its commonest word's
    "amount_match",  # a date, number or amount is asked for and the phrase is one
    "amount_mismatch",  # a date, number or amount is asked for and the phrase is not one
    "outlet",  # the phrase names the article's own outlet ("CNN" in a cnn.com story)
    "asked_prefix",  # share of its words that begin as a question word does ("Emmy", "Emmys")
    "age",  # log(1 + days between its article and the newest read, or the day asked if earlier)
    "asked_verb",  # it belongs to the question's own verb ("starts Saturday": "…start?")
    "other_verb",  # it belongs to another verb ("completed by May 1": "…start?")
    *(f"label_{label}" for label in LABELS),  # the phrase's label, one of each
    # Of all the question's candidates with the same words (the phrase, wherever stated):
    "same_meaning_gap",  # their best sentence meaning less the best of any candidate
    "same_relevance",  # sum over them of meaning × coverage of their sentences
    "same_articles",  # log(1 + articles they are in)
    "meaning_gap",  # this phrase's sentence meaning less the best of any candidate
    "same_coverage",  # their best sentence coverage
)
_WORD = re.compile(r"[\w'’]+")
_DATE_LEAD = re.compile(r"\b(by|until|before|after|since|through)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class SpanModel:
    """A ranking of candidate phrases (trees over FEATURES), the chance of its best one,
    and the chance below which no phrase is stated on its own."""

    trees: Trees
    threshold: float = 0.5
    about: str = ""  # where the trees were fitted
    # P(the best phrase is right) from its score and its lead over the runner-up: the
    # scores rank ~60 candidates against each other, so they are no chance for the winner.
    calibration: tuple[float, float, float] = (1.0, 0.0, 0.0)
    importance: tuple[float, ...] = ()  # each feature's share of the trees' gain, to read

    def logits(self, features: np.ndarray) -> np.ndarray:
        """The phrase scores: higher ranks first."""
        return self.trees.score(features)

    def top(self, features: np.ndarray) -> tuple[int, float, float]:
        """The best row, its score, and its lead over the runner-up (LONE_LEAD when alone)."""
        logits = self.logits(features)
        order = np.argsort(-logits, kind="stable")
        top = float(logits[order[0]])
        lead = top - float(logits[order[1]]) if len(order) > 1 else LONE_LEAD
        return int(order[0]), top, lead

    def best(self, features: np.ndarray) -> tuple[int, float, float]:
        """The best row, the calibrated chance that it is the right answer, and its lead."""
        row, top, lead = self.top(features)
        scale, per_lead, offset = self.calibration
        return row, float(1.0 / (1.0 + np.exp(-(scale * top + per_lead * lead + offset)))), lead

    def save(self, path: Path) -> None:
        """Write the model as JSON (rag.trees.save_model), with its threshold and calibration."""
        extra = {"threshold": self.threshold, "calibration": list(self.calibration)}
        save_model(path, FEATURES, self.importance, self.trees, **extra, about=self.about)

    @classmethod
    def untrained(cls) -> SpanModel:
        """A model that ranks every phrase alike: what a fit starts from when the shipped
        one was fitted on other features."""
        empty = np.zeros(0)
        return cls(Trees(empty.astype(int), empty.astype(int), empty, empty, empty, empty, 0))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SpanModel:
        """The model saved at `path` (default: the one shipped with the package)."""
        record, trees, importance = load_model(path, FEATURES, "python -m eval fit --save")
        return cls(
            trees,
            float(record["threshold"]),
            record["about"],
            tuple(float(v) for v in record["calibration"]),  # type: ignore[arg-type]
            importance,
        )


@cache
def shipped_model() -> SpanModel:
    """The fitted model that comes with the package."""
    return SpanModel.load()


@dataclass(frozen=True)
class SentenceView:
    """What the span features need to know of one shortlisted sentence."""

    text: str
    title: str
    meaning: float
    coverage: float
    neighbour_coverage: float
    passage_rank: int
    doc_id: str
    outlet: str | None = None
    age: int = 0  # days from the newest article read or the day asked for (0: undated)


def words(text: str) -> list[str]:
    """Lower-cased words, apostrophes kept ("o'rourke")."""
    return [w.lower() for w in _WORD.findall(text)]


class QuestionWords:
    """The question's words, matched loosely: "Russian" has "Russia", "Syed's" has "Syed"."""

    def __init__(self, question: str) -> None:
        found = words(question)
        self.exact = set(found)
        self.stems = {_stem(w) for w in found if len(w) > 2}
        clause = question.rstrip()
        self.lead = found[-2:] if clause.endswith((":", "_", "…")) else []
        self.verbs = question_verbs(question)
        self.prefixes = {w[:4] for w in found if len(w) > 2}
        self.names = {_bare(w) for w in found}  # "Austin's": austin

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self.exact or _stem(word) in self.stems)


def question_verbs(question: str) -> frozenset[str]:
    """The stems of the question's own verbs ("start" of "When does the withdrawal start?"),
    by spaCy's tagger; the auxiliaries and "say" carry no meaning of their own. A question
    with "do"/"will" before its end closes on a bare verb the small tagger may call a noun
    ("When does the withdrawal end?"), so that last word counts too."""
    from rag.language import tagged

    tokens = [t for t in tagged(question) if not t.is_punct]
    verbs = {t.lower_ for t in tokens if t.pos_ == "VERB"}
    last = tokens[-1] if tokens else None
    if (
        last is not None
        and last.pos_ in ("NOUN", "VERB")
        and any(t.lower_ in _DO_SUPPORT for t in tokens[:-1])
    ):
        verbs.add(last.lower_)
    return frozenset(_stem(v) for v in verbs - _LIGHT_VERBS)


_DO_SUPPORT = frozenset({"do", "does", "did", "will", "would", "can", "could", "should"})
_LIGHT_VERBS = frozenset({"say", "said", "says", "do", "did", "does", "have", "has", "had", "get"})


def _bare(word: str) -> str:
    """The word without its possessive ("austin's" → "austin")."""
    return word.replace("’", "'").split("'")[0]


def _stem(word: str) -> str:
    return _bare(word)[:5]


def span_features(
    expect: Expectation,
    question_words: QuestionWords,
    sentence: SentenceView,
    span: Span,
    best_coverage: float,
    supporting_docs: int,
    mentions: int,
    is_a: float = 0.0,
    idf: Sequence[float] = (),
) -> list[float]:
    """The FEATURES of `span` in `sentence`, in order, but for the last SAME_WORDS ones
    (`with_same_words` adds them, from all of the question's phrases); `idf`: the BM25 IDF
    of each of the phrase's index terms, as a share of the index's highest."""
    span_words = words(span.text)
    novel = sum(w not in question_words for w in span_words) / max(len(span_words), 1)
    before = words(sentence.text[: span.start])
    after = words(sentence.text[span.end :])
    label_match = expect.admits(span.label, span.text)
    amount = expect.kind in AMOUNTS
    idf = idf or (0.0,)
    outlet = (sentence.outlet or "").lower().replace(" ", "")
    asked_verb = _of_asked(span, question_words)
    return [
        float(label_match),
        float(expect.kind == "who" and span.label == "PERSON"),
        float(span.label == "NOUN"),
        float(expect.kind == "thing"),
        novel,
        sentence.meaning,
        sentence.coverage,
        sentence.coverage - best_coverage,
        sentence.neighbour_coverage,
        1.0 / (1 + sentence.passage_rank),
        1.0 / (1 + _distance(before, after, question_words)),
        math.log1p(supporting_docs),
        float(bool(expect.head) and expect.head in before[-2:] + after[:2]),
        math.log1p(len(span_words)),
        float(span.text.lower() in sentence.title.lower()),
        sum(w in question_words for w in before[-4:] + after[:4]) / 4,
        math.log1p(mentions),
        float(bool(question_words.lead) and question_words.lead[-1] in before[-3:]),
        is_a,
        sum(idf) / len(idf),
        min(idf),
        float(amount and label_match),
        float(amount and not label_match),
        float(bool(outlet) and span.text.lower().replace(" ", "") in outlet),
        sum(w[:4] in question_words.prefixes for w in span_words) / max(len(span_words), 1),
        math.log1p(sentence.age),
        float(asked_verb),
        float(bool(question_words.verbs) and bool(span.verb or span.verb_after) and not asked_verb),
        *(float(span.label == label) for label in LABELS),
    ]


SAME_WORDS = 5  # the last FEATURES, which describe every candidate with the same words


def with_same_words(
    features: Sequence[list[float]], texts: Sequence[str], docs: Sequence[str]
) -> list[list[float]]:
    """Each phrase's features with the SAME_WORDS ones added: what the question's candidates
    with the same words say together (a phrase stated in several relevant sentences, of
    several articles, is likelier the answer than one stated once), and its sentence's
    meaning against the best. `texts` and `docs`: each phrase's text and article."""
    meaning, coverage = FEATURES.index("meaning"), FEATURES.index("coverage")
    keys = [" ".join(words(text)) for text in texts]
    same: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        same.setdefault(key, []).append(i)
    best = max((f[meaning] for f in features), default=0.0)
    added = []
    for i, key in enumerate(keys):
        group = same[key]
        added.append(
            [
                *features[i],
                max(features[j][meaning] for j in group) - best,
                sum(features[j][meaning] * features[j][coverage] for j in group),
                math.log1p(len({docs[j] for j in group})),
                features[i][meaning] - best,
                max(features[j][coverage] for j in group),
            ]
        )
    return added


# What a question asks for, in words an embedding can compare a phrase with, when it names
# no class of its own ("Who…?" rather than "Which automaker…?"). Amounts and dates have none:
# "$48.5 million" is not more like "an amount" than "$250,000" is.
_KIND_WORDS = {
    "person": "a person",
    "who": "a person",
    "org": "a company or organisation",
    "place": "a place, city or country",
    "nationality": "a country or nationality",
    "title": "the title of a show, book, film or song",
    "event": "an event",
    "product": "a product",
    "law": "a law",
}


def asked_class(expect: Expectation) -> str | None:
    """The class a phrase should belong to, as words: "an automaker" for "Which automaker…",
    "a person" for "Who…"; None for amounts, dates and questions for no single fact."""
    if expect.kind is None or expect.kind in AMOUNTS:
        return None
    if expect.head and expect.head not in ("name", "names", "title"):
        return f"{'an' if expect.head[0] in 'aeiou' else 'a'} {expect.head}"
    return _KIND_WORDS.get(expect.kind)


def of_the_asked_event(
    spans: Sequence[Span], expect: Expectation, question_words: QuestionWords
) -> list[Span]:
    """The spans of one sentence without those of the kind asked for that belong to another
    event, when one belongs to the event asked about: "When does the withdrawal start?" in
    "…which starts Saturday and is to end by September 11" is "Saturday", not the date of
    "end". A phrase belongs to the verb just before it or, as its subject, just after it
    ("Turkey plans to host"). (Fitted as features, the verb beside a phrase barely moved the
    dev figures: most quiz sentences name one event; this is a rule of grammar for the ones
    that name two.)"""

    def of_kind(span: Span) -> bool:
        return expect.admits(span.label, span.text)

    asked = [s for s in spans if of_kind(s) and _of_asked(s, question_words)]
    if not asked:
        return list(spans)
    return [
        s
        for s in spans
        if not (of_kind(s) and (s.verb or s.verb_after) and not _of_asked(s, question_words))
    ]


def _of_asked(span: Span, question_words: QuestionWords) -> bool:
    """Whether `span` belongs to one of the question's own verbs (see `of_the_asked_event`)."""
    return any(v and _stem(v) in question_words.verbs for v in (span.verb, span.verb_after))


def _distance(before: list[str], after: list[str], question_words: QuestionWords) -> int:
    """Words between the phrase and the nearest question word in its sentence (99: none)."""
    left = next((i for i, w in enumerate(reversed(before)) if w in question_words), 99)
    right = next((i for i, w in enumerate(after) if w in question_words), 99)
    return min(left, right)


def phrase(sentence: str, span: Span) -> str:
    """The short answer as stated: the span, with a date's "by"/"until" that changes it."""
    start = span.start
    if span.label == "DATE":
        lead = _DATE_LEAD.search(sentence[:start])
        start = lead.start() if lead else start
    elif span.label == "MONEY":
        # spaCy leaves the currency sign out of some amounts ("$" of "$250,000").
        sign = _CURRENCY.search(sentence[:start])
        start = sign.start() if sign else start
    return sentence[start : span.end]


_CURRENCY = re.compile(r"(?:US|A|C|NZ|HK)?[$€£¥₹]\s?$")


def supporting(span: Span, texts_by_doc: dict[str, str], own_doc: str) -> int:
    """How many other articles' passages state the same phrase (case aside)."""
    needle = span.text.lower()
    return sum(needle in text for doc, text in texts_by_doc.items() if doc != own_doc)


def is_answer_phrase(span: Span, question_words: QuestionWords) -> bool:
    """A phrase that adds something: not made only of the question's own words, and not the
    person the question names ("Lloyd Austin" when it asks whom Austin spoke with)."""
    span_words = words(span.text)
    if not span_words or all(w in question_words for w in span_words):
        return False
    return not (span.label == "PERSON" and _bare(span_words[-1]) in question_words.names)


def best(chances: Sequence[float]) -> int:
    """The index of the highest chance."""
    return int(np.argmax(np.asarray(chances)))
