"""Per-question scores and their summary, on hand-made answers."""

from __future__ import annotations

import pytest

from eval.dataset import Item
from eval.scoring import by_type, score, summarize
from eval.systems import Run
from rag.answers import Answer, Citation, Passage


def _item(
    item_id: str, answers: tuple[str, ...], sources: tuple[str, ...] | None, kind: str
) -> Item:
    return Item(item_id, "When does it end?", answers, sources, None, (), kind, 1)


def _passage(doc_id: str, text: str) -> Passage:
    return Passage(f"{doc_id}-chunk", doc_id, text, 0, len(text), "t", "s", None, None, None, 1.0)


def _answer(text: str, quotes: list[str], abstained: bool = False, total: float = 0.1) -> Answer:
    citations = [
        Citation(n, "a", "a-chunk", quote, 0, len(quote), "t", "s", None, None)
        for n, quote in enumerate(quotes, 1)
    ]
    timings = {"dense": total / 2, "answer": total / 2, "total": total}
    return Answer("q", text, abstained, 0.9, citations, [], timings)


RANKED = [
    _passage("b", "Nothing to see."),
    _passage("a", "The withdrawal is to end by September 11."),
]


def test_a_right_answer_with_one_good_citation_of_two() -> None:
    item = _item("q1", ("September 11",), ("a",), "date")
    text = "It ends by September 11. [1] It starts Saturday. [2]"
    scores = score(
        item, Run(_answer(text, ["It ends by September 11.", "It starts Saturday."]), RANKED)
    )
    assert scores.correct is True
    assert 0 < (scores.f1 or 0) < 1
    assert (scores.answer_rank, scores.source_rank) == (2, 2)
    assert (scores.citations, scores.correct_citations) == (2, 1)
    flat = scores.flat()
    assert flat["answer_recall@1"] == 0.0 and flat["answer_recall@5"] == 1.0
    assert flat["mrr@10"] == 0.5


def test_an_abstention_on_an_answerable_question_scores_zero() -> None:
    item = _item("q2", ("September 11",), ("a",), "date")
    abstention = _answer("The indexed articles don't say September 11", [], abstained=True)
    scores = score(item, Run(abstention, RANKED))
    assert scores.correct is False and scores.f1 == 0.0
    assert scores.correct_citations is None  # not answered: no citation precision


def test_unanswerable_questions_have_no_answer_metrics() -> None:
    item = _item("q3", (), (), "unanswerable")
    scores = score(item, Run(_answer("Something. [1]", ["Something."]), RANKED))
    assert scores.correct is None and scores.f1 is None and not scores.has_sources
    assert scores.flat()["answer_recall@5"] is None and scores.flat()["mrr@10"] is None


def test_summary_values_and_the_numbers_behind_them() -> None:
    runs = [
        (
            _item("q1", ("September 11",), ("a",), "date"),
            _answer("By September 11. [1]", ["By September 11."], total=0.1),
        ),
        (
            _item("q2", ("Saturday",), None, "date"),
            _answer("By May 1. [1]", ["By May 1."], total=0.2),
        ),
        (_item("q3", (), (), "unanswerable"), _answer("They don't say.", [], True, total=0.3)),
        (_item("q4", (), (), "unanswerable"), _answer("Wrong. [1]", ["Wrong."], total=0.4)),
    ]
    scores = [score(item, Run(answer, RANKED)) for item, answer in runs]
    summary = summarize(scores)
    assert summary["questions"] == 4
    assert summary["answer_accuracy"] == 0.5 and summary["n"]["answer_accuracy"] == 2
    assert summary["answer_recall@10"] == 0.5  # "Saturday" is in no passage
    assert summary["mrr@10"] == 0.5 and summary["n"]["mrr@10"] == 1  # q2 names no sources
    assert summary["citation_precision"] == 0.5 and summary["n"]["citation_precision"] == 2
    assert summary["abstention_precision"] == 1.0 and summary["n"]["abstention_precision"] == 1
    assert summary["abstention_recall"] == 0.5 and summary["n"]["abstention_recall"] == 2
    assert summary["latency_p95_s"] == pytest.approx(0.4)
    assert summary["latency_p50_s"] in {0.1, 0.2, 0.3, 0.4}  # a measured value
    assert summary["latency_s"]["dense"]["p95"] == pytest.approx(0.2)
    assert "lexical" not in summary["latency_s"]  # no system stage, no row
    types = by_type(scores)
    assert list(types) == ["date", "unanswerable"]
    assert types["unanswerable"]["answer_accuracy"] is None
    assert types["date"]["abstention_recall"] is None


def _short(short: str, quote: str) -> Answer:
    citation = Citation(1, "a", "a-chunk", quote, 0, len(quote), "t", "s", None, None)
    text = f"{short[0].upper()}{short[1:]} [1]. {quote} [1]"
    return Answer("q", text, False, 0.8, [citation], [], {"total": 0.1}, short=short)


def test_a_short_answer_is_graded_on_its_phrase() -> None:
    item = _item("q9", ("September 11",), ("a",), "date")
    scores = score(item, Run(_short("by September 11", "It is to end by September 11."), RANKED))
    assert scores.correct is True and scores.stage == "right"
    assert scores.f1 == pytest.approx(0.8)  # "by" is the one extra token


@pytest.mark.parametrize(
    ("answer", "ranked", "stage"),
    [
        (
            _short("Saturday", "It starts Saturday and ends by September 11."),
            RANKED,
            "wrong phrase",
        ),
        (_short("Saturday", "It starts Saturday."), RANKED, "wrong sentence"),
        (_short("Saturday", "It starts Saturday."), RANKED[:1], "not retrieved"),
        (
            _answer("The indexed articles don't say.", [], abstained=True),
            RANKED,
            "abstained on answerable",
        ),
    ],
)
def test_each_miss_is_put_where_it_happened(answer: Answer, ranked: list, stage: str) -> None:
    item = _item("q10", ("September 11",), ("a",), "date")
    assert score(item, Run(answer, ranked)).stage == stage


def test_unanswerable_questions_are_right_only_when_abstained_on() -> None:
    item = _item("q11", (), None, "unanswerable")
    abstained = _answer("The indexed articles don't say.", [], abstained=True)
    assert score(item, Run(abstained, RANKED)).stage == "abstained (right)"
    assert score(item, Run(_short("Saturday", "It starts Saturday."), RANKED)).stage == (
        "answered unanswerable"
    )


def test_the_summary_counts_outcomes_and_reports_calibration() -> None:
    item = _item("q12", ("September 11",), ("a",), "date")
    right = score(item, Run(_short("September 11", "It ends by September 11."), RANKED))
    wrong = score(item, Run(_short("Saturday", "It starts Saturday."), RANKED))
    block = summarize([right, wrong])
    assert block["outcomes"]["right"] == 1 and block["outcomes"]["wrong sentence"] == 1
    # Both said 0.8; one of two was right: the gap is 0.3.
    assert block["calibration"]["ece"] == pytest.approx(0.3)
