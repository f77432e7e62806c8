"""The terminal's text for generated answers: notices and unsupported sentences are shown."""

from __future__ import annotations

from cli import render
from rag import Answer
from rag.answering.generative import WITHDRAWN
from rag.answers import SentenceCheck


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


# A terminal hyperlink (OSC 8), a screen clear and a bell, as an article could carry them.
HOSTILE = "\x1b]8;;http://127.0.0.2:9/\x1b\\click\x1b]8;;\x1b\\ \x1b[2J\x07 \x9b31m"


def test_hostile_article_data_reaches_the_terminal_without_control_sequences() -> None:
    from rag import ArticleInfo, Citation, Passage

    passage = Passage(
        chunk_id="c", doc_id=HOSTILE, text=f"{HOSTILE} text", start=0, end=9, title=HOSTILE,
        source=HOSTILE, outlet=HOSTILE, byline=HOSTILE, published=HOSTILE, score=1.0,
    )  # fmt: skip
    citation = Citation(
        number=1, doc_id=HOSTILE, chunk_id="c", quote=HOSTILE, start=0, end=4, title=HOSTILE,
        source=HOSTILE, outlet=HOSTILE, published=HOSTILE,
    )  # fmt: skip
    cited = Answer("q", f"{HOSTILE} [1]", False, 0.9, [citation], [passage], notice=HOSTILE)
    abstained = Answer("q", "The indexed articles don't say.", True, 0.1, [], [passage])
    info = ArticleInfo(HOSTILE, "h", HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE, ("c",))
    shown = [
        render.answer(cited),
        render.answer(abstained),
        render.passages([passage]),
        render.articles([info]),
    ]
    for text in shown:
        assert not [ch for ch in text if (ord(ch) < 32 and ch != "\n") or 127 <= ord(ch) < 160]
        assert "\\x1b]8;;http" in text, "the sequence is shown as codes, not dropped silently"
    assert "\n" not in render.articles([info]), "one line per article"
