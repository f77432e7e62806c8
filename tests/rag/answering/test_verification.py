"""Verification of generated answers against evidence sentences, with the real model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from rag.answering.verification import SUPPORT_THRESHOLD, says_not_in_articles, verify
from rag.answers import Citation
from rag.embedder import SentenceEmbedder
from tests.conftest import SEEDS, WITHDRAWAL_DOC

TITLE = "Pakistan, US Discuss Afghan Drawdown, Regional Security"
WITHDRAWAL = (
    "The withdrawal, which starts Saturday and is to end by September 11, is intended to "
    "conclude America's longest war."
)
TROOPS = (
    "Austin's conversation with General Qamar Javed Bajwa came as the last remaining 2,500 or "
    "so U.S. troops were preparing to begin pulling out of Afghanistan."
)
# Made up: shares "April 12" and "U.S." with the wrong answers below, and nothing else.
MEETING = (
    "Senior officials from Russia, the U.S., China and Pakistan will meet on April 12 to "
    "discuss ways to advance intra-Afghan peace talks."
)


def seed_citation(number: int, quote: str) -> Citation:
    text = (SEEDS / f"{WITHDRAWAL_DOC}.txt").read_text(encoding="utf-8")
    start = text.index(quote)
    return Citation(
        number, WITHDRAWAL_DOC, f"{WITHDRAWAL_DOC}-0", quote, start, start + len(quote), TITLE,
        f"seeds/{WITHDRAWAL_DOC}.txt", "GlobalSecurity.org", "2021-04-28",
    )  # fmt: skip


EVIDENCE = [
    seed_citation(1, WITHDRAWAL),
    seed_citation(2, TROOPS),
    Citation(3, "meeting", "meeting-0", MEETING, 0, len(MEETING), "Talks", "x", None, None),
]


class CountingEmbedder:
    """The real embedder, counting its calls."""

    def __init__(self, embedder: SentenceEmbedder) -> None:
        self.embedder = embedder
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return self.embedder.embed(texts)


def test_a_faithful_sentence_keeps_its_citation(embedder: SentenceEmbedder) -> None:
    verified = verify("The withdrawal is to end by September 11 [1].", EVIDENCE, embedder)
    (check,) = verified.sentences
    assert check.supported and check.citations == (1,) and check.note == ""
    assert SUPPORT_THRESHOLD <= check.score <= 1
    assert verified.text == "The withdrawal is to end by September 11 [1]."
    assert verified.citations == [EVIDENCE[0]]


def test_a_wrong_date_is_caught_not_re_pointed_to_the_evidence_with_that_date(
    embedder: SentenceEmbedder,
) -> None:
    verified = verify("The withdrawal ends by April 12 [1].", EVIDENCE, embedder)
    (check,) = verified.sentences
    assert not check.supported and check.citations == () and check.score == 0
    assert "cited [1] states" in check.note and "not April 12" in check.note
    assert "September 11" in check.note
    assert verified.text == "The withdrawal ends by April 12."
    assert verified.citations == []


def test_a_sentence_citing_the_wrong_evidence_is_re_pointed(embedder: SentenceEmbedder) -> None:
    verified = verify("The withdrawal is to end by September 11 [3].", EVIDENCE, embedder)
    (check,) = verified.sentences
    assert check.supported and check.citations == (1,)
    assert "cited [3] is not close in meaning" in check.note
    assert "re-pointed to [1]" in check.note
    assert verified.citations == [EVIDENCE[0]]
    assert verified.text == "The withdrawal is to end by September 11 [1]."


def test_a_different_number_is_caught(embedder: SentenceEmbedder) -> None:
    verified = verify("About 3,000 U.S. troops remained in Afghanistan [2].", EVIDENCE, embedder)
    (check,) = verified.sentences
    assert not check.supported and check.citations == ()
    assert "cited [2] states 2,500, not 3,000" in check.note
    assert "no evidence states 3,000" in check.note


def test_a_number_written_without_its_comma_is_the_same_number(
    embedder: SentenceEmbedder,
) -> None:
    verified = verify("About 2500 U.S. troops remained in Afghanistan [2].", EVIDENCE, embedder)
    (check,) = verified.sentences
    assert check.supported and check.citations == (1,) and check.note == ""
    assert verified.citations == [replace(EVIDENCE[1], number=1)]


def test_a_made_up_name_is_caught_and_a_shortened_one_is_not(embedder: SentenceEmbedder) -> None:
    made_up = "Austin spoke with General Smith as U.S. troops prepared to leave [2]."
    shortened = "Austin spoke with General Bajwa as U.S. troops prepared to leave [2]."
    wrong, right = verify(f"{made_up} {shortened}", EVIDENCE, embedder).sentences
    assert not wrong.supported and "no evidence states General Smith" in wrong.note
    assert right.supported and right.citations == (1,)


def test_a_capitalised_first_word_is_not_taken_for_part_of_a_name(
    embedder: SentenceEmbedder,
) -> None:
    opening = "Officer Qamar Javed Bajwa spoke with Austin as U.S. troops prepared to leave [2]."
    (check,) = verify(opening, EVIDENCE, embedder).sentences
    assert check.supported and check.citations == (1,)
    inside = "Austin spoke with Officer Qamar Javed Bajwa as U.S. troops prepared to leave [2]."
    (check,) = verify(inside, EVIDENCE, embedder).sentences
    assert not check.supported and "Officer Qamar Javed Bajwa" in check.note
    (check,) = verify("Officer Qamar Smith spoke with Austin [2].", EVIDENCE, embedder).sentences
    assert not check.supported, "the rest of the name must still be in the evidence"


def test_a_sentence_combining_two_evidence_sentences_keeps_both(
    embedder: SentenceEmbedder,
) -> None:
    answer = "About 2,500 troops are leaving, and the withdrawal is to end by September 11 [2, 1]."
    verified = verify(answer, EVIDENCE, embedder)
    (check,) = verified.sentences
    assert check.supported and check.citations == (1, 2)
    assert [c.quote for c in verified.citations] == [TROOPS, WITHDRAWAL]
    assert verified.text.endswith("September 11 [1][2].")


@pytest.mark.parametrize(
    "answer",
    [
        "The withdrawal is to end by September 11. [1]",
        "The withdrawal is to end by September 11 [1].",
        "The withdrawal is to end by September 11.[1]",
        "The withdrawal is to end by September 11 [1][1].",
    ],
)
def test_markers_stay_with_the_sentence_they_follow(
    embedder: SentenceEmbedder, answer: str
) -> None:
    meeting = "Officials will meet on April 12 to advance peace talks"
    verified = verify(f"{answer} {meeting} [3].", EVIDENCE, embedder)
    first, second = verified.sentences
    assert first.text == "The withdrawal is to end by September 11." and first.citations == (1,)
    assert second.text == f"{meeting}." and second.citations == (2,)
    assert verified.text == f"The withdrawal is to end by September 11 [1]. {meeting} [2]."


def test_markers_naming_no_evidence_are_dropped(embedder: SentenceEmbedder) -> None:
    answer = "The withdrawal is to end by September 11 [0][9][x][-1]. [] Pakistan is sunny [12]."
    verified = verify(answer, EVIDENCE, embedder)
    first, second = verified.sentences
    assert first.supported and first.citations == (1,)
    assert "[0, 9, x, -1] names no evidence" in first.note
    assert not second.supported and "no evidence is close in meaning" in second.note
    assert verified.text == "The withdrawal is to end by September 11 [1]. Pakistan is sunny."
    assert verified.citations == [EVIDENCE[0]]


def test_an_empty_answer_has_no_sentences(embedder: SentenceEmbedder) -> None:
    counting = CountingEmbedder(embedder)
    for answer in ["", "  \n", "[1][2]"]:
        assert verify(answer, EVIDENCE, counting) == verify("", [], counting)
        assert verify(answer, EVIDENCE, counting).text == ""
    assert counting.calls == 0


def test_sentences_without_markers_are_pointed_to_their_evidence(
    embedder: SentenceEmbedder,
) -> None:
    answer = (
        "Roughly 2,500 U.S. troops were preparing to leave Afghanistan.\nIt ends by September 11."
    )
    verified = verify(answer, EVIDENCE, embedder)
    assert [s.citations for s in verified.sentences] == [(1,), (2,)]
    assert verified.sentences[0].note == "no marker; pointed to [2]"
    assert verified.text == (
        "Roughly 2,500 U.S. troops were preparing to leave Afghanistan [1].\n"
        "It ends by September 11 [2]."
    )


def test_citations_are_renumbered_in_order_of_first_use(embedder: SentenceEmbedder) -> None:
    answer = (
        "Officials from Russia, the U.S., China and Pakistan will meet on April 12 [3]. "
        "The withdrawal is to end by September 11 [1]. The meeting is about peace talks [3]."
    )
    counting = CountingEmbedder(embedder)
    verified = verify(answer, EVIDENCE, counting)
    assert counting.calls == 1
    assert verified.citations == [replace(EVIDENCE[2], number=1), replace(EVIDENCE[0], number=2)]
    assert [c.quote for c in verified.citations] == [MEETING, WITHDRAWAL]
    assert verified.text == (
        "Officials from Russia, the U.S., China and Pakistan will meet on April 12 [1]. "
        "The withdrawal is to end by September 11 [2]. The meeting is about peace talks [1]."
    )


def test_an_abstention_needs_no_citation_unless_it_states_a_fact(
    embedder: SentenceEmbedder,
) -> None:
    answer = (
        "The articles don't say when the talks resume [2]. "
        "The articles do not say why, but the pullout ends on April 30."
    )
    honest, smuggled = verify(answer, EVIDENCE, embedder).sentences
    assert honest.supported and honest.citations == ()
    assert honest.text == "The articles don't say when the talks resume."
    assert not smuggled.supported and "no evidence states April 30" in smuggled.note


@pytest.mark.parametrize(
    ("text", "abstains"),
    [
        ("The articles don't say.", True),
        ("The indexed ARTICLES DON’T SAY when the talks resume.", True),
        ("This is not in the articles.", True),
        ("That is not mentioned in the provided articles.", True),
        ("The provided evidence does not specify a date.", True),
        ("None of the passages mention a date.", True),
        ("There is no information about the visit in the articles.", True),
        ("I don't know.", True),
        ("The withdrawal is to end by September 11.", False),
        ("Officials did not say when the talks would resume.", False),
        ("Pakistan's support is not in doubt.", False),
    ],
)
def test_says_not_in_articles(text: str, abstains: bool) -> None:
    assert says_not_in_articles(text) is abstains


def test_a_short_reply_is_judged_with_its_question(embedder: SentenceEmbedder) -> None:
    question = "How many U.S. troops remained in Afghanistan?"
    alone = verify("2,500 or so [2].", EVIDENCE, embedder)
    assert not alone.sentences[0].supported, "a bare number is close in meaning to nothing"
    (right,) = verify("2,500 or so [2].", EVIDENCE, embedder, question).sentences
    assert right.supported and right.citations == (1,)
    (wrong,) = verify("3,000 [2].", EVIDENCE, embedder, question).sentences
    assert not wrong.supported and "no evidence states 3,000" in wrong.note
    (elsewhere,) = verify("Moscow [2].", EVIDENCE, embedder, question).sentences
    assert not elsewhere.supported, "the question lends no support to words not in the evidence"
    (named,) = verify(
        "General Qamar Javed Bajwa.", EVIDENCE, embedder, "Who did Austin speak with?"
    ).sentences
    assert named.supported and named.citations == (1,)
