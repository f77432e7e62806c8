"""The default answerer: quote the sentences that answer the question, or abstain.

No LLM and no network. For a question for one fact, every candidate phrase of the best
sentences is scored by the fitted span model (rag.answering.short) and the likeliest is
stated first, with the sentence that holds it. Otherwise each candidate sentence is scored
by meaning (embedding similarity to the question), by coverage of the question's content
words, and by whether it holds the kind of answer asked for (a date for "when", a number for
"how many"); the best one or two become the answer, each cited. Either way the draft is
judged by the fitted confidence model (rag.answering.confidence): its chance of being right
is the answer's confidence, and the answerer abstains when that chance is below the model's
threshold and no sentence scores ABSTAIN_BELOW on the question either.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from rag.answering.confidence import ConfidenceModel, Signals, shipped_confidence
from rag.answering.expectation import NAMED, Expectation, expectation, names_a_kind
from rag.answering.short import (
    QuestionWords,
    SentenceView,
    SpanModel,
    asked_class,
    is_answer_phrase,
    of_the_asked_event,
    phrase,
    shipped_model,
    span_features,
    supporting,
    with_same_words,
)
from rag.answering.spans import Span, spans_of
from rag.answers import Answer, Citation, Passage, cite
from rag.embedder import Embedder
from rag.question import Question, read_question, terms
from rag.sentences import sentence_spans
from rag.time.expressions import DateMention, find_dates

# Weights and threshold set by hand on the seed questions (tests/rag/test_assistant.py);
# the evaluation harness is where they get tuned.
W_MEANING, W_COVERAGE, W_RANK = 0.5, 0.4, 0.1
KIND_BONUS = 0.1  # the sentence holds the kind of answer asked for (a date for "when")
# Without it, a "when" or "how many" answer is no answer; a "who" one may still describe.
WRONG_KIND = {"date": 0.6, "number": 0.6, "person": 0.85, "place": 0.85}
# A sentence answers only if it carries most of the question's (IDF-weighted) words, or
# says the same thing in other words; otherwise it is merely on topic.
MIN_COVERAGE, PARAPHRASE = 0.5, 0.6
OFF_TOPIC = 0.5
SHORTLIST = 8  # sentences embedded per question: the cost of the answer stage (see below)
NEIGHBOURS = 4  # the sentence after each of the best few by coverage joins the shortlist
ABSTAIN_BELOW = 0.5  # a sentence scoring less does not answer (see `answering` below)
MAX_LEAD = 5.0  # a phrase's lead over the runner-up, as a confidence signal, is capped here
SECOND_SENTENCE_RATIO = 0.92
MIN_WORDS = 5
# SHORTLIST measured on the 489 RealTimeQA dev questions: with 16, 10 and 8 sentences, 133
# of 285 answerable answers contain the gold answer each time and 94, 94 and 95 of 204
# unanswerable ones abstain, while the answer stage's median falls from 104 to 72 to 52 ms.
_SENTENCE_END = (".", "!", "?", '"', "”", "'", "’", ")")
# "…in August 2021", "during 2020": a month or year the answer must fall in.
_IN_PERIOD = re.compile(r"\b(?:in|during)\s+(?:[A-Z][a-z]+\s+)?(?:19|20)\d\d\b")
_IN = re.compile(r"\b(?:in|during)\s+$")
# Text in an article that addresses a language model rather than a reader: never an answer,
# and never shown to a model (the generative answerer takes its evidence from `candidates`).
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompts?|rules)\b"
    r"|\b(?:system prompt|you are an? (?:ai|assistant|language model)|as an ai)\b",
    re.IGNORECASE,
)

TermWeights = Callable[[frozenset[str]], dict[str, float]]
_UNSEEN = "\x00"  # no index term: its IDF is the index's highest
Tagged = tuple[QuestionWords, list[tuple[Span, ...]]]
# One thread for the entity tagger: it overlaps the embedding model (whose runtime releases
# the GIL), and questions answered at once in the web chat take turns at the one pipeline.
# One per process: a forked child inherits the executor but not its thread.
_TAGGERS: dict[int, ThreadPoolExecutor] = {}
_TAGGERS_LOCK = threading.Lock()


def _tagger() -> ThreadPoolExecutor:
    with _TAGGERS_LOCK:
        pool = _TAGGERS.get(os.getpid())
        if pool is None:
            pool = _TAGGERS[os.getpid()] = ThreadPoolExecutor(1, thread_name_prefix="tagger")
        return pool


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, located in its article."""

    passage: Passage
    text: str
    start: int  # offset in the article
    end: int
    passage_rank: int


def addresses_a_model(text: str) -> bool:
    """True for a sentence that instructs a language model ("Ignore previous instructions…")."""
    return _INSTRUCTION.search(text) is not None


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    """Every quotable sentence of the passages, once (chunks overlap); none that addresses a
    language model."""
    seen: set[tuple[str, int]] = set()
    found = []
    for rank, passage in enumerate(passages):
        for start, end in sentence_spans(passage.text):
            text = passage.text[start:end]
            key = (passage.doc_id, passage.start + start)
            if key in seen or not _quotable(text):
                continue
            seen.add(key)
            found.append(Candidate(passage, text, passage.start + start, passage.start + end, rank))
    return found


def _quotable(text: str) -> bool:
    # Headings and captions ("Key role in talks") are not claims worth quoting, and a
    # question states nothing: quiz pages repeat the very question asked, word for word.
    words = len(text.split())
    if words < MIN_WORDS or addresses_a_model(text) or _is_question(text):
        return False
    return text.rstrip().endswith(_SENTENCE_END) or words >= 12


def _is_question(text: str) -> bool:
    return text.rstrip().rstrip("\"”'’)").endswith("?")


@dataclass(frozen=True)
class Phrase:
    """A candidate short answer: a span of a shortlisted sentence, and its features."""

    sentence: Candidate
    span: Span
    short: str  # as it will be shown: the span, with a date's "by"/"until"
    features: list[float]


class ExtractiveAnswerer:
    """Answers with verbatim sentences from the passages.

    `term_weights` gives each question word its weight (BM25 IDF over the index), so missing
    a rare word ("minister", "killed") counts more than missing a common one ("Pakistan").
    """

    def __init__(
        self,
        embedder: Embedder,
        term_weights: TermWeights | None = None,
        model: SpanModel | None = None,
        confidence: ConfidenceModel | None = None,
    ) -> None:
        self.embedder = embedder
        self.term_weights = term_weights or (lambda stems: dict.fromkeys(stems, 1.0))
        self.model = model or shipped_model()
        self.confidence = confidence or shipped_confidence()

    def ranked(self, question: str, passages: Sequence[Passage]) -> list[tuple[Candidate, float]]:
        """The shortlisted sentences of `passages` with their scores, best first."""
        return self._rank(read_question(question), candidates(passages))

    def answer(
        self, question: str, passages: Sequence[Passage], as_of: dt.date | None = None
    ) -> Answer:
        """The fact asked for with the sentence that states it, the best one or two
        sentences for a question that asks for no single fact, or an abstention when the
        draft answer is more likely wrong than the confidence model allows; `as_of`: the
        day the question is asked for, when it is given (see `_ages`)."""
        draft, signals = self.draft(question, passages, as_of)
        if draft is None:
            return abstention(question, passages, 0.0)
        if not signals.factoid:
            # Why/how questions are too few in the news quizzes the confidence model is
            # fitted on (1 in 20): their best sentence's score decides, as it always has.
            chance = sentence_confidence(signals.sentence)
            if signals.sentence < ABSTAIN_BELOW:
                return abstention(question, passages, chance)
            return replace(draft, confidence=chance)
        chance = self.confidence.chance(signals)
        # Both must doubt it: the model, fitted on news quizzes over thousands of articles
        # where a right phrase is stated by several, gives a lookup in one uploaded article
        # a low chance ("Who designed the library?": 0.07), though its sentence answers.
        # On the 2023–2024 weeks the model alone abstains with precision 0.80 and recall
        # 0.59; with the sentence rule too, 0.82 and 0.46, losing 22 right answers, not 31.
        if chance < self.confidence.threshold and signals.sentence < ABSTAIN_BELOW:
            return abstention(question, passages, chance)
        return replace(draft, confidence=chance)

    def draft(
        self, question: str, passages: Sequence[Passage], as_of: dt.date | None = None
    ) -> tuple[Answer | None, Signals]:
        """The answer this answerer would give if it never abstained (None: nothing in the
        passages is quotable), and the signals its confidence is judged by."""
        draft, signals = self._draft(question, passages, as_of)
        if draft is None or not draft.citations:
            return draft, signals
        return draft, replace(signals, age=quoted_age(draft.citations[0], as_of))

    def _draft(
        self, question: str, passages: Sequence[Passage], as_of: dt.date | None = None
    ) -> tuple[Answer | None, Signals]:
        expect = expectation(question)
        period = asked_period(question, expect)
        read = _without_head(read_question(question), expect, period)
        every = candidates(passages)
        if not every:
            return None, Signals(factoid=expect.kind is not None)
        coverage = self._coverage(read, every)
        factoid = expect.kind is not None
        found, meaning_of = self._read(expect, read, every, coverage, factoid, period, as_of)
        pick, chance, lead = self._best(found)
        ranked, meaning = self._ranking(read, every, coverage, meaning_of)
        best = ranked[0][1]
        signals = Signals(
            phrase=chance,
            lead=lead,
            sentence=best,
            coverage=float(coverage.max()),
            meaning=meaning,
            missing=self._missing(read, passages),
            factoid=factoid,
        )
        # The first phrase is stated when it is likely right, or when its label is firm for
        # the kind asked (a date for "when", a person for "who"): ranked first among ~60
        # candidates, it is then right more often than the sentence ranking's choice.
        if pick is not None and (
            chance >= self.model.threshold
            or expect.admits(pick.span.label, pick.span.text, firm=True)
        ):
            pick = as_named(pick, found, expect)
            return short_answer(question, pick, chance, passages), replace(signals, short=True)
        # No phrase is likely enough to state: the sentence that holds the first phrase is
        # quoted. Reading ~60 candidates in a dozen sentences, the phrase ranking finds the
        # sentence that answers more often than the sentence ranking alone does.
        chosen = [ranked[0][0] if pick is None else pick.sentence]
        # The lead says "spoke with Pakistan's top military official"; the next sentence
        # names him. News spreads one answer over two sentences often enough.
        follow_on = _next_sentence(chosen[0], every)
        if not (
            follow_on is not None
            and read.kind is not None
            and not read.expects(chosen[0].text)
            and read.expects(follow_on.text)
        ):
            follow_on = None
        # A factoid whose best phrase is unsure on its own: the likeliest phrase with a label
        # firm for the kind asked for, among the sentences that answer (often not the first,
        # which may restate the question), is stated as the fact.
        answering = {_key(c): score for c, score in ranked if score >= ABSTAIN_BELOW}
        if follow_on is not None:
            answering.setdefault(_key(follow_on), best)
        stated = [
            p
            for p in found
            if p.features[0] == 1.0
            and expect.admits(p.span.label, p.span.text, firm=True)
            and _key(p.sentence) in answering
        ]
        if stated:
            pick = stated[int(np.argmax(self.model.logits(np.array([p.features for p in stated]))))]
            follows = follow_on is not None and _key(pick.sentence) == _key(follow_on)
            lead_in = chosen[0] if follows else None
            pick = as_named(pick, found, expect)
            return short_answer(question, pick, chance, passages, lead_in), replace(
                signals, short=True
            )
        if follow_on is not None:
            return cited_answer(question, [chosen[0], follow_on], passages, chance), signals
        if (
            len(ranked) > 1
            and _key(ranked[0][0]) == _key(chosen[0])
            and ranked[1][1] >= best * SECOND_SENTENCE_RATIO
        ):
            chosen.append(ranked[1][0])
            if chosen[0].passage.doc_id == chosen[1].passage.doc_id:
                chosen.sort(key=lambda c: c.start)  # same article: read in its order
        return cited_answer(question, chosen, passages, chance), signals

    def phrases(
        self, question: str, passages: Sequence[Passage], as_of: dt.date | None = None
    ) -> list[Phrase]:
        """Every candidate short answer in the shortlisted sentences, with its features."""
        read, every = read_question(question), candidates(passages)
        if not every:
            return []
        coverage = self._coverage(read, every)
        expect = expectation(question)
        period = asked_period(question, expect)
        return self._read(expect, read, every, coverage, True, period, as_of)[0]

    def _read(
        self,
        expect: Expectation,
        read: Question,
        every: list[Candidate],
        coverage: np.ndarray,
        factoid: bool,
        period: DateMention | None,
        as_of: dt.date | None = None,
    ) -> tuple[list[Phrase], dict[int, float]]:
        """The candidate phrases (none unless `factoid`; no date outside the `asked_period`
        `period`) and the meaning of each sentence read: the shortlist, and for a question
        for one fact the sentences after its best few. They are embedded in one batch, so
        each sentence's meaning is a function of the question and its passages alone (the
        int8 model's vectors depend on their batch), while the tagger (one core) reads them."""
        keep = _shortlist(coverage, every)
        if not factoid:
            return [], self._meaning(read, every, [int(i) for i in keep])
        pool = _with_neighbours(keep, every)
        tagging = _tagger().submit(_tagged, read.text, [every[i].text for i in pool])
        meaning_of = self._meaning(read, every, pool)
        found = self._phrases(expect, every, coverage, meaning_of, tagging, period, as_of)
        return found, meaning_of

    def best_phrase(
        self, question: str, passages: Sequence[Passage]
    ) -> tuple[Phrase | None, float]:
        """The likeliest short answer and its chance of being right (None: no candidate)."""
        pick, chance, _ = self._best(self.phrases(question, passages))
        return pick, chance

    def _best(self, found: list[Phrase]) -> tuple[Phrase | None, float, float]:
        """The likeliest phrase, its chance, and its score's lead over the runner-up."""
        if not found:
            return None, 0.0, 0.0
        top, chance, lead = self.model.best(np.array([p.features for p in found]))
        return found[top], chance, min(lead, MAX_LEAD)

    def _phrases(
        self,
        expect: Expectation,
        every: list[Candidate],
        coverage: np.ndarray,
        meaning_of: dict[int, float],
        tagging: Future[Tagged],
        period: DateMention | None = None,
        as_of: dt.date | None = None,
    ) -> list[Phrase]:
        """The phrases of the sentences `meaning_of` holds (indices into `every`, with their
        meaning); `coverage`: the `_coverage` of each of `every`; `tagging`: `_tagged` of
        the question and those sentences; `period`: the `asked_period`, outside which no
        date answers; `as_of`: the day asked for (see `_ages`)."""
        keep = list(meaning_of)
        pool = [every[i] for i in keep]
        neighbours = _neighbour_coverage(every, coverage)
        best_coverage = float(coverage.max())
        texts = _texts_by_doc(every)
        ages = _ages(every, as_of)
        question_words, every_spans = tagging.result()
        mentions = Counter(span.text.lower() for spans in every_spans for span in spans)
        scored = [
            (i, span)
            for i, spans in enumerate(every_spans)
            for span in of_the_asked_event(spans, expect, question_words)
            if is_answer_phrase(span, question_words)
            and not (period and _outside(pool[i], span, period))
        ]
        is_a = self._is_a(expect, [span for _, span in scored])
        # IDF as a share of the highest an index gives (a word in no passage): in the eight
        # passages of two uploaded articles and in 245k passages alike, 1 is a rare word.
        phrase_terms = [terms(span.text) for _, span in scored]
        idf = self.term_weights(frozenset().union(*phrase_terms) | {_UNSEEN})
        ceiling = idf.pop(_UNSEEN) or 1.0
        found = []
        for (i, span), stems in zip(scored, phrase_terms, strict=True):
            candidate = pool[i]
            view = SentenceView(
                candidate.text,
                candidate.passage.title,
                meaning_of[keep[i]],
                float(coverage[keep[i]]),
                neighbours[keep[i]],
                candidate.passage_rank,
                candidate.passage.doc_id,
                candidate.passage.outlet,
                ages.get(candidate.passage.doc_id, 0),
            )
            support = supporting(span, texts, candidate.passage.doc_id)
            features = span_features(
                expect,
                question_words,
                view,
                span,
                best_coverage,
                support,
                mentions[span.text.lower()],
                is_a.get(span.text, 0.0),
                [idf[stem] / ceiling for stem in stems],
            )
            found.append(Phrase(candidate, span, phrase(candidate.text, span), features))
        together = with_same_words(
            [p.features for p in found],
            [p.span.text for p in found],
            [p.sentence.passage.doc_id for p in found],
        )
        return [replace(p, features=f) for p, f in zip(found, together, strict=True)]

    def _is_a(self, expect: Expectation, spans: Sequence[Span]) -> dict[str, float]:
        """How much each phrase reads like the class asked for ("Ford" and "an automaker"):
        cosine similarity of the embeddings, for a question whose answer has a class."""
        named = asked_class(expect)
        texts = list(dict.fromkeys(s.text for s in spans))
        if named is None or not texts:
            return {}
        return dict(zip(texts, self._cosines(named, texts), strict=True))

    def _rank(self, read: Question, every: list[Candidate]) -> list[tuple[Candidate, float]]:
        if not every:
            return []
        coverage = self._coverage(read, every)
        keep = [int(i) for i in _shortlist(coverage, every)]
        return self._ranking(read, every, coverage, self._meaning(read, every, keep))[0]

    def _meaning(
        self, read: Question, every: list[Candidate], chosen: list[int]
    ) -> dict[int, float]:
        """Cosine similarity of the question and each of `every` at the indices `chosen`,
        embedded as one batch (the answer stage's main cost, ~40 ms for a dozen sentences)."""
        cosines = self._cosines(read.text, [every[i].text for i in chosen])
        return dict(zip(chosen, cosines, strict=True))

    def _cosines(self, anchor: str, texts: list[str]) -> list[float]:
        """Cosine similarity of `anchor` and each of `texts`, embedded in one batch."""
        vectors = self.embedder.embed([anchor, *texts])
        cosines: list[float] = (vectors[1:] @ vectors[0]).tolist()
        return cosines

    def _ranking(
        self,
        read: Question,
        every: list[Candidate],
        coverage: np.ndarray,
        meaning_of: dict[int, float],
    ) -> tuple[list[tuple[Candidate, float]], float]:
        """The shortlisted sentences with their scores, best first, and the best meaning;
        `coverage`: the `_coverage` of each of `every`; `meaning_of`: the `_meaning` of at
        least the shortlist."""
        keep = _shortlist(coverage, every)
        pool = [every[i] for i in keep]
        meaning = np.array([meaning_of[int(i)] for i in keep])
        scores = self._score(read, pool, coverage[keep], meaning)
        ranked = [(pool[i], float(scores[i])) for i in np.argsort(-scores)]
        return ranked, float(meaning.max())

    def _missing(self, read: Question, passages: Sequence[Passage]) -> float:
        """Share of the question's term weight that no passage contains."""
        weights = self.term_weights(read.terms)
        total = sum(weights.values())
        if not total:
            return 0.0
        present = set().union(*(terms(p.text) for p in passages))
        return sum(w for stem, w in weights.items() if stem not in present) / total

    def _score(
        self, question: Question, pool: list[Candidate], coverage: np.ndarray, meaning: np.ndarray
    ) -> np.ndarray:
        rank = np.array([1.0 / (1 + c.passage_rank) for c in pool])
        score = W_MEANING * meaning + W_COVERAGE * coverage + W_RANK * rank
        on_topic = (coverage >= MIN_COVERAGE) | (meaning >= PARAPHRASE)
        score = np.where(on_topic, score, score * OFF_TOPIC)
        if question.kind is not None:
            match = np.array([question.expects(c.text) for c in pool])
            score = np.where(match, score + KIND_BONUS, score * WRONG_KIND[question.kind])
        return score

    def _coverage(self, question: Question, pool: list[Candidate]) -> np.ndarray:
        """Share of the question's term weight that each sentence contains."""
        weights = self.term_weights(question.terms)
        total = sum(weights.values()) or 1.0
        shares = []
        for candidate in pool:
            present = terms(candidate.text)
            shares.append(sum(w for stem, w in weights.items() if stem in present) / total)
        return np.array(shares)


def asked_period(question: str, expect: Expectation) -> DateMention | None:
    """The month or year a question for a date puts its answer in ("On which date in August
    2021…": 2021-08-01 to 2021-08-31); None when it names none."""
    if expect.kind != "date" or not _IN_PERIOD.search(question):
        return None
    for mention in find_dates(question, None):
        if mention.precision in ("month", "year") and _IN.search(question[: mention.start]):
            return mention
    return None


def _outside(candidate: Candidate, span: Span, period: DateMention) -> bool:
    """True when `span` is a date of its article that falls wholly outside `period`."""
    start, end = candidate.start + span.start, candidate.start + span.end
    for mention in candidate.passage.dates:
        if mention.start < end and start < mention.end:
            return mention.last < period.date or mention.date > period.last
    return False


def _tagged(question: str, sentences: list[str]) -> Tagged:
    """The question's words and verbs, and the candidate spans of `sentences`: the tagger's
    part of the answer stage, in one thread while the model embeds."""
    return QuestionWords(question), spans_of(sentences)


def _shortlist(coverage: np.ndarray, pool: list[Candidate]) -> np.ndarray:
    """Indices of the sentences worth embedding: best word coverage, then passage rank."""
    keys = -(coverage + np.array([0.1 / (1 + c.passage_rank) for c in pool]))
    return np.argsort(keys, kind="stable")[:SHORTLIST]


def _with_neighbours(keep: np.ndarray, every: list[Candidate]) -> list[int]:
    """The shortlist and the sentence after each of its best few: a sentence that restates
    the question is often followed by the one that answers it."""
    chosen = [int(i) for i in keep]
    for i in chosen[:NEIGHBOURS]:
        after = _next_index(i, every)
        if after is not None and after not in chosen:
            chosen.append(after)
    return chosen


def _next_index(i: int, every: Sequence[Candidate]) -> int | None:
    here = every[i]
    return next(
        (
            j
            for j, other in enumerate(every)
            if other.passage.doc_id == here.passage.doc_id and 0 <= other.start - here.end <= 3
        ),
        None,
    )


def _neighbour_coverage(every: list[Candidate], coverage: np.ndarray) -> list[float]:
    """For each sentence, the higher coverage of the sentences just before and after it."""
    best = [0.0] * len(every)
    for i in range(len(every)):
        j = _next_index(i, every)
        if j is not None:
            best[i] = max(best[i], float(coverage[j]))
            best[j] = max(best[j], float(coverage[i]))
    return best


def _texts_by_doc(every: Sequence[Candidate]) -> dict[str, str]:
    """The lower-cased text of each article's retrieved passages."""
    texts: dict[str, set[str]] = {}
    for candidate in every:
        texts.setdefault(candidate.passage.doc_id, set()).add(candidate.passage.text.lower())
    return {doc: "\n".join(parts) for doc, parts in texts.items()}


def _ages(every: Sequence[Candidate], as_of: dt.date | None = None) -> dict[str, int]:
    """Days between each dated article among `every` and the newest of them, or `as_of`
    when that is earlier (a story published after the day asked for is as far from it as
    one published as long before). Wrong answers quote older stories than right ones: on
    the 2023–24 weeks, 39% of the sentences quoted wrongly were over 30 days older than the
    question, against 15% of those quoted rightly."""
    dated = {  # an ISO day or None, as `rag.documents.Article` has it
        c.passage.doc_id: dt.date.fromisoformat(c.passage.published)
        for c in every
        if c.passage.published
    }
    newest = max(dated.values(), default=None)
    if newest is None:
        return {}
    day_asked = newest if as_of is None else min(newest, as_of)
    return {doc: abs((day_asked - day).days) for doc, day in dated.items()}


def quoted_age(citation: Citation, as_of: dt.date | None) -> float | None:
    """log(1 + days between the quoted story and `as_of`, the day asked for); 0 for an
    undated story; None without a day asked for (the confidence model then reads a typical
    age). Wrong answers, and answers to what the articles do not say, quote older stories
    than right ones: on the 2025 RealTimeQA weeks over their 2023–2025 corpus, the first
    quote of 69% of right answers was at most a week older than the question, against 47%
    of wrong ones and 32% of unanswerable ones."""
    if as_of is None:
        return None
    if not citation.published:
        return 0.0
    return math.log1p(abs((as_of - dt.date.fromisoformat(citation.published)).days))


def sentence_confidence(score: float) -> float:
    """A sentence score in [0, 1], 0.5 at the score below which a sentence does not answer
    (set by hand on the seed questions; the confidence model judges factoid answers)."""
    return 1 / (1 + math.exp(-15 * (score - ABSTAIN_BELOW)))


def cited_answer(
    question: str, chosen: Sequence[Candidate], passages: Sequence[Passage], conf: float
) -> Answer:
    """An answer quoting `chosen`, one `[n]` per sentence."""
    citations = [citation_for(candidate, n) for n, candidate in enumerate(chosen, 1)]
    text = " ".join(f"{c.quote} [{c.number}]" for c in citations)
    return Answer(question, text, False, conf, citations, list(passages))


def _key(candidate: Candidate) -> tuple[str, int]:
    return candidate.passage.doc_id, candidate.start


def _next_sentence(candidate: Candidate, pool: Sequence[Candidate]) -> Candidate | None:
    """The sentence right after `candidate` in its article, if it is in `pool`."""
    return next(
        (
            other
            for other in pool
            if other.passage.doc_id == candidate.passage.doc_id
            and 0 <= other.start - candidate.end <= 3
        ),
        None,
    )


def _without_head(read: Question, expect: Expectation, period: DateMention | None) -> Question:
    """The question's words less the noun that names the answer's kind ("share" in "What
    share of the cost…") and the month or year it puts a date in ("in August 2021"): the
    answering sentence states the share or the day, it need not say "share" or "August";
    `period`: the question's `asked_period`."""
    named = terms(expect.head) if expect.head is not None and names_a_kind(expect.head) else set()
    if period is not None:
        named |= terms(period.text)
    kept = read.terms - named
    return replace(read, terms=frozenset(kept)) if kept and named else read


def short_answer(
    question: str,
    pick: Phrase,
    chance: float,
    passages: Sequence[Passage],
    lead_in: Candidate | None = None,
) -> Answer:
    """The fact first ("By September 11 [1]."), then the sentence that states it, after the
    sentence that leads in to it when there is one."""
    sentences = [lead_in, pick.sentence] if lead_in is not None else [pick.sentence]
    quoted = cited_answer(question, sentences, passages, chance)
    short = resolved_short(pick.short, quoted.citations[-1], pick.span.label)
    lead = short[0].upper() + short[1:]
    return replace(quoted, text=f"{lead} [{len(sentences)}]. {quoted.text}", short=short)


def as_named(pick: Phrase, found: Sequence[Phrase], expect: Expectation) -> Phrase:
    """`pick` as the short answer names it: with the partners listed beside it, the rest of
    a name the tagger cut short, and the fuller name its article gives."""
    return in_full(whole_name(with_partners(pick, found, expect), found, expect), found, expect)


_JOINED = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s+)")


def with_partners(pick: Phrase, found: Sequence[Phrase], expect: Expectation) -> Phrase:
    """For "Which two countries…?", `pick` with the phrases of its kind that its sentence
    lists with it, up to the number asked: "Sweden" → "Sweden and Finland". The short
    answer stays a verbatim slice of the sentence."""
    if expect.count < 2:
        return pick
    text, key = pick.sentence.text, _key(pick.sentence)
    spans = sorted(
        {
            (p.span.start, p.span.end)
            for p in found
            if _key(p.sentence) == key and p.span.label == pick.span.label
        }
    )
    # Spans from the same sentence, each next to the last with only "," / "and" between.
    at = spans.index((pick.span.start, pick.span.end))
    first = last = at
    while (
        first > 0
        and last - first + 1 < expect.count
        and _joins(text, spans[first - 1], spans[first])
    ):
        first -= 1
    while (
        last + 1 < len(spans)
        and last - first + 1 < expect.count
        and _joins(text, spans[last], spans[last + 1])
    ):
        last += 1
    if first == last:
        return pick
    return replace(pick, short=text[spans[first][0] : spans[last][1]])


def _joins(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    return left[1] <= right[0] and _JOINED.fullmatch(text[left[1] : right[0]]) is not None


# People only: a place's longer name is another place ("Virginia" is not "West Virginia"),
# and an organisation's may be one of its programmes ("Southwest" in a "Stronger Southwest"
# plan); a person named in full and then by surname is one person.
_NAMED = frozenset({"PERSON"})


def in_full(pick: Phrase, found: Sequence[Phrase], expect: Expectation) -> Phrase:
    """`pick` with the fuller name its own article gives it among the sentences read: "Brady"
    → "Tom Brady". News names someone in full once, then by surname, and the answer-bearing
    sentence is often a later one. The fuller name is a person the question admits whose
    name ends with the picked words, in those sentences or else in the article's headline;
    the most frequent such name, then the shortest. Shown like a date's day ("Saturday, May
    1, 2021"): the quote stays as written."""
    words = pick.span.text.split()
    if expect.head in _TEAM and _NICKNAME.fullmatch(pick.span.text):
        return _team_in_full(pick, found, expect)
    if pick.span.label not in _NAMED or not 1 <= len(words) <= 2:
        return pick
    doc = pick.sentence.passage.doc_id

    def longer(name: str) -> bool:
        return (
            len(words) < len(name.split()) <= 4
            and name.endswith(" " + pick.span.text)
            and expect.admits(pick.span.label, name)
        )

    fuller = Counter(
        p.span.text
        for p in found
        if p.sentence.passage.doc_id == doc and p.span.label in _NAMED and longer(p.span.text)
    )
    if not fuller:
        # Headlines name people in full ("Tom Brady is ranked No. 1"), tagged in the
        # tagger's thread like the sentences.
        title = pick.sentence.passage.title
        if pick.span.text not in title:
            return pick
        (spans,) = _tagger().submit(spans_of, [title]).result()
        fuller = Counter(s.text for s in spans if s.label in _NAMED and longer(s.text))
    if not fuller:
        return pick
    name = min(fuller, key=lambda text: (-fuller[text], len(text), text))
    return replace(pick, short=pick.short.replace(pick.span.text, name, 1))


# A team asked for, by its nickname ("Bucks", "Lions"): one capitalised word in the plural.
_TEAM = frozenset({"team", "teams", "franchise", "club"})
_NICKNAME = re.compile(r"[A-Z][a-z]+s")
# Capitalised words that begin sentences or name days, not a team's city.
_NOT_A_CITY = frozenset(
    {"The", "A", "An", "This", "That", "These", "Those", "Both", "In", "On", "At", "For"}
    | {"And", "But", "When", "While", "After", "Before", "Since", "As", "Two", "Three"}
    | set(calendar.day_name)
    | set(calendar.month_name[1:])
)


def _team_in_full(pick: Phrase, found: Sequence[Phrase], expect: Expectation) -> Phrase:
    """A team named by its nickname ("Bucks") with the city its article's passages give it
    ("Milwaukee Bucks"): the one or two capitalised words most often before the nickname.
    News names a team in full once, then by nickname; the passages read hold more of the
    article than the sentences read."""
    doc, nickname = pick.sentence.passage.doc_id, pick.span.text
    texts = {
        p.sentence.passage.chunk_id: p.sentence.passage.text
        for p in (pick, *found)
        if p.sentence.passage.doc_id == doc
    }
    before = re.compile(r"\b((?:[A-Z][a-z]+|[A-Z]\.[A-Z]\.) (?:[A-Z][a-z]+ )?)" + nickname + r"\b")
    cities: Counter[str] = Counter()
    for text in texts.values():
        for match in before.finditer(text):
            city = match.group(1).split()
            while city and city[0] in _NOT_A_CITY:
                city = city[1:]
            if city:
                cities[" ".join(city)] += 1
    if not cities:
        return pick
    city = min(cities, key=lambda c: (-cities[c], c))
    name = f"{city} {nickname}"
    if not expect.admits(pick.span.label, name):
        return pick
    return replace(pick, short=pick.short.replace(nickname, name, 1))


# Capitalised words right after a phrase, joined by a space or a hyphen ("Judge",
# "Worth International Airport"): the rest of a name the tagger may have cut short.
_NAMES = frozenset(NAMED) - {"NOUN"}
_NAME_GOES_ON = re.compile(r"(?:[ -][A-Z][\w&'’.]*(?<!\.))+")


def whole_name(pick: Phrase, found: Sequence[Phrase], expect: Expectation) -> Phrase:
    """`pick` with the rest of the name it begins, when the entity tagger cut it short:
    "Aaron" of "Aaron Judge", "Dallas-Fort" of "Dallas-Fort Worth International Airport",
    "Cleveland" of "Cleveland Browns" asked for a team, "Yellowstone" of "Yellowstone
    National Park" asked for a park. The capitalised words right after it join it when it
    is a person's one word and they are no other entity ("Biden Tuesday" stays "Biden"),
    when it ends inside a hyphenated name, when its label is not of the kind asked for,
    or when they end with the noun asked for. The short answer stays a verbatim slice of
    its sentence."""
    span, text = pick.span, pick.sentence.text
    if span.label not in _NAMES or span.text.endswith(("'s", "’s")) or pick.short != span.text:
        return pick
    more = _NAME_GOES_ON.match(text, span.end)
    if more is None:
        return pick
    run = more.group()
    others = [
        p.span
        for p in found
        if _key(p.sentence) == _key(pick.sentence)
        and p.span.label != "NOUN"
        and span.end <= p.span.start < more.end()
    ]
    one_person = span.label == "PERSON" and " " not in span.text and not others
    cut_compound = "-" in span.text.split()[-1] and run.startswith(" ")
    head = bool(expect.head) and run.split()[-1].lower() == expect.head
    if not (one_person or cut_compound or head or not expect.admits(span.label, span.text)):
        return pick
    whole = text[span.start : more.end()]
    return replace(pick, span=replace(span, text=whole, end=more.end()), short=whole)


def resolved_short(short: str, citation: Citation, label: str = "DATE") -> str:
    """A short answer whose date words are relative or lack a year, with the day they name:
    "Saturday" → "Saturday, May 1, 2021"; "by September 11" → "by September 11, 2021";
    "Sunday, Nov. 5" → "Sunday, Nov. 5, 2023" (the weekday is that day's). Only a date or
    time phrase (`label`) is read so: "Saturday Night Live" is a show."""
    if label not in ("DATE", "TIME"):
        return short
    mentions = [
        m
        for m in citation.dates
        if m.text in short and not m.is_explicit() and m.precision == "day"
    ]
    dated = [m for m in mentions if any(ch.isdigit() for ch in m.text)]
    if not mentions:
        return short
    mention = (dated or mentions)[0]
    # A day and month gets its year; "Saturday", "yesterday", "two days ago" the day itself.
    words = f"{mention.text}, {mention.date[:4]}" if dated else mention.long_label()
    return short.replace(mention.text, words, 1)


def citation_for(candidate: Candidate, number: int) -> Citation:
    """Candidate sentence `number`, quoted exactly, with its article's metadata."""
    return cite(candidate.passage, number, candidate.text, candidate.start, candidate.end)


def abstention(question: str, passages: Sequence[Passage], conf: float) -> Answer:
    """An answer that says the articles do not answer the question, and what was read."""
    read = len({p.doc_id for p in passages})
    if not read:  # a date range no article is in, or words no passage holds
        text = f'The indexed articles don\'t say. No passage matches "{question.strip()}".'
    else:
        text = (
            f'The indexed articles don\'t say. The passages closest to "{question.strip()}", '
            f"from {read} article{'' if read == 1 else 's'}, do not answer it."
        )
    return Answer(question, text, True, min(conf, 0.5), [], list(passages))
