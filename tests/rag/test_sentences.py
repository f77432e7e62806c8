"""Sentence boundaries: where a quote may start and end."""

from __future__ import annotations

import pytest

from rag.answering.extractive import candidates
from rag.answers import Passage
from rag.sentences import sentence_spans, split_keeping_text

CAPTIONED = (
    "A judge sentenced the three men in Brunswick, Georgia, on Friday. Seth Wenig/AP  "
    "Prosecutors had asked for life sentences without parole for all three."
)


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "credit", "after"),
    [
        (CAPTIONED, "Seth Wenig/AP", "Prosecutors had asked"),
        (
            "Crowds gathered in Uvalde. Tom Pennington/Getty Images North America/Getty Images"
            "  “We are heartbroken,” the mayor said.",
            "Tom Pennington/Getty Images North America/Getty Images",
            "“We are heartbroken,”",
        ),
        (
            "Serena Williams' final act Corey Sipkin/AFP/Getty Images Serena Williams "
            "celebrates after winning her first-round match.",
            "Serena Williams' final act Corey Sipkin/AFP/Getty Images",
            "Serena Williams celebrates",
        ),
        (
            "Photo by FREDERIC J. BROWN/AFP via Getty Images The fire burned for days.",
            "Photo by FREDERIC J. BROWN/AFP via Getty Images",
            "The fire burned",
        ),
    ],
)
def test_a_photo_credit_ends_its_caption(text: str, credit: str, after: str) -> None:
    sentences = _sentences(text)
    assert credit in sentences
    following = sentences[sentences.index(credit) + 1]
    assert following.startswith(after)


def test_slashes_that_are_not_credits_split_nothing() -> None:
    text = "Drivers and/or AP Style editors agreed. The A/C unit at U.S. Steel failed on Monday."
    assert _sentences(text) == [
        "Drivers and/or AP Style editors agreed.",
        "The A/C unit at U.S. Steel failed on Monday.",
    ]


def test_the_pieces_still_join_back_to_the_text() -> None:
    assert "".join(split_keeping_text(CAPTIONED)) == CAPTIONED


def test_a_quote_never_opens_with_a_photo_credit() -> None:
    passage = Passage(
        "c1", "d1", CAPTIONED, 40, 40 + len(CAPTIONED), "Verdict", "v.txt", None, None, None, 1.0
    )
    quoted = candidates([passage])
    assert [c.text for c in quoted] == [
        "A judge sentenced the three men in Brunswick, Georgia, on Friday.",
        "Prosecutors had asked for life sentences without parole for all three.",
    ]
    assert CAPTIONED[quoted[1].start - 40 : quoted[1].end - 40] == quoted[1].text


@pytest.mark.parametrize(
    ("text", "dateline", "sentence"),
    [
        (
            "London (CNN) British Prime Minister Boris Johnson has survived a vote of confidence.",
            "London (CNN)",
            "British Prime Minister Boris Johnson has survived a vote of confidence.",
        ),
        (
            "ARLINGTON, Texas (AP) — The Rangers fired their manager on Monday.",
            "ARLINGTON, Texas (AP) —",
            "The Rangers fired their manager on Monday.",
        ),
        (
            "(CNN) Roger Federer has announced that he will retire.",
            "(CNN)",
            "Roger Federer has announced that he will retire.",
        ),
    ],
)
def test_a_wire_dateline_is_not_part_of_the_sentence(
    text: str, dateline: str, sentence: str
) -> None:
    assert _sentences(text) == [dateline, sentence]


def test_an_outlet_named_inside_a_sentence_is_no_dateline() -> None:
    text = "He told CNN (CNN) that the talks had failed."
    assert _sentences(text) == [text]
