"""The terminal's text for generated answers: notices and unsupported sentences are shown."""

from __future__ import annotations

from cli import render
from rag import Answer
from rag.answers import SentenceCheck
from rag.generative import WITHDRAWN


def test_a_withdrawn_reply_shows_the_notice_the_abstention_and_what_was_withdrawn() -> None:
    why = "no evidence states Friday"
    draft = SentenceCheck("The withdrawal ends on Friday.", (), False, 0.0, why)
    answer = Answer(
        "When does it end?", "The indexed articles don't say.", True, 0.0,
        sentences=[draft], answerer="qwen", notice=WITHDRAWN,
    )  # fmt: skip
    text = render.answer(answer)
    assert text.startswith(f"note: {WITHDRAWN}")
    assert "The indexed articles don't say." in text
    assert "! not supported by the articles: The withdrawal ends on Friday." in text
    assert text.rstrip().endswith("qwen")


def test_a_kept_reply_marks_only_its_unsupported_sentence() -> None:
    sentences = [
        SentenceCheck("It ends by September 11.", (1,), True, 0.8, ""),
        SentenceCheck("It began in 1999.", (), False, 0.0, "no evidence states 1999"),
    ]
    answer = Answer("When?", "It ends by September 11 [1]. It began in 1999.", False, 0.5,
                    sentences=sentences, answerer="qwen")  # fmt: skip
    text = render.answer(answer)
    assert "! not supported by the articles: It began in 1999." in text
    assert "September 11." not in text.split("! not supported")[1]
    assert not text.startswith("note:")
