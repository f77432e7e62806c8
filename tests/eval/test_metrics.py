"""The metric functions on hand-made cases, edge cases included."""

from __future__ import annotations

import pytest

from eval import metrics


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. Army's plan!", "u s army s plan"),  # case, punctuation, articles
        ("An  apple,   a pear", "apple pear"),
        ("Zürich’s café", "zurich s cafe"),  # accents and curly apostrophes
        ("２，５００ troops", "2500 troops"),  # full-width digits and comma (NFKD)
        ("2,500 or 1,000,000 or 2.5", "2500 or 1000000 or 2.5"),
        ("Afghan-led, Afghan-owned", "afghan led afghan owned"),
        ("", ""),
        ("The a an", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert metrics.normalize(text) == expected


def test_numbers_match_with_or_without_digit_grouping() -> None:
    assert metrics.contains("the last remaining 2,500 or so troops", "2500")
    assert metrics.contains("the last remaining 2500 or so troops", "2,500")
    assert not metrics.contains("about 25 troops", "2.5")
    assert not metrics.contains("grew 2.5 percent", "25")


def test_contains_needs_whole_tokens_in_a_row() -> None:
    assert metrics.contains("It is to end by September 11 [1]", "september 11")
    assert not metrics.contains("because of it", "US")
    assert not metrics.contains("in 2017", "17")
    assert not metrics.contains("September came, and on the 11th", "September 11")
    assert metrics.contains("Bajwa's remarks", "Bajwa")


def test_empty_answers_are_never_found() -> None:
    assert not metrics.contains("anything at all", "")
    assert not metrics.contains("the end", "The")  # nothing left after normalising
    assert not metrics.answer_correct("anything", [])
    assert metrics.token_f1("anything", []) is None
    assert metrics.first_answer_rank(["a text"], []) is None
    assert metrics.correct_citations(["a quote"], []) == 0


def test_strip_citations() -> None:
    assert metrics.strip_citations("It ends in September. [1] It starts Saturday. [12]") == (
        "It ends in September. It starts Saturday."
    )


def test_token_f1_is_squad_f1_against_the_best_gold() -> None:
    assert metrics.token_f1("September 11", ["September 11"]) == 1.0
    assert metrics.token_f1("by September 11", ["September 11"]) == pytest.approx(0.8)
    assert metrics.token_f1("by September 11", ["May 1", "September 11"]) == pytest.approx(0.8)
    assert metrics.token_f1("", ["September 11"]) == 0.0
    assert metrics.token_f1("Hong Kong", ["Tokyo"]) == 0.0
    assert metrics.token_f1("the", ["an"]) == 1.0  # both empty once normalised, as in SQuAD


def test_answer_correct_with_choices_rejects_hedging() -> None:
    choices = ["Turkey", "Qatar", "Russia", "China"]
    assert metrics.answer_correct("Turkey plans to host it.", ["Turkey"], choices)
    assert not metrics.answer_correct("Turkey plans it with Qatar.", ["Turkey"], choices)
    assert metrics.answer_correct("Turkey plans it with Qatar.", ["Turkey"])  # no choices given
    # a wrong choice inside the gold answer is not held against it
    assert metrics.answer_correct(
        "Joe Biden spoke.", ["Joe Biden"], ["Biden", "Joe Biden", "Obama"]
    )


def test_ranks_hits_and_reciprocal_ranks() -> None:
    passages = ["nothing here", "troops leave by September 11", "September 11 again"]
    assert metrics.first_answer_rank(passages, ["September 11"]) == 2
    assert metrics.first_answer_rank(passages, ["May 1"]) is None
    assert metrics.first_source_rank(["b", "a", "c"], ["c", "a"]) == 2
    assert metrics.first_source_rank(["b"], []) is None
    assert [metrics.hit_at(2, k) for k in (1, 2, 5)] == [0.0, 1.0, 1.0]
    assert metrics.hit_at(None, 10) == 0.0
    assert metrics.reciprocal_rank(4) == 0.25
    assert metrics.reciprocal_rank(11, depth=10) == 0.0
    assert metrics.reciprocal_rank(None) == 0.0


def test_correct_citations_counts_quotes_holding_the_answer() -> None:
    quotes = ["It is to end by September 11.", "It starts Saturday.", "SEPTEMBER 11!"]
    assert metrics.correct_citations(quotes, ["September 11"]) == 2


def test_abstention_precision_and_recall() -> None:
    abstained = [True, True, False, False, True]
    unanswerable = [True, False, True, False, True]
    assert metrics.abstention_precision(abstained, unanswerable) == pytest.approx(2 / 3)
    assert metrics.abstention_recall(abstained, unanswerable) == pytest.approx(2 / 3)
    assert metrics.abstention_precision([False, False], [True, False]) is None  # never abstained
    assert metrics.abstention_recall([True], [False]) is None  # nothing unanswerable
    with pytest.raises(ValueError):
        metrics.abstention_recall([True], [True, False])


def test_mean_and_percentile() -> None:
    assert metrics.mean([]) is None
    assert metrics.mean([1.0, 0.0, 0.5]) == 0.5
    assert metrics.percentile([], 50) is None
    values = [0.4, 0.1, 0.3, 0.2, 10.0]
    assert metrics.percentile(values, 50) == 0.3
    assert metrics.percentile(values, 95) == 10.0
    assert metrics.percentile(values, 50) in values  # a measured value, never interpolated


def test_calibration_error_is_the_size_weighted_gap_per_bin() -> None:
    from eval.metrics import calibration

    table = calibration([0.9, 0.9, 0.1, 0.1], [True, False, False, False])
    assert table["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)
    assert [b["n"] for b in table["bins"]] == [2, 2]
    assert calibration([], [])["ece"] is None
