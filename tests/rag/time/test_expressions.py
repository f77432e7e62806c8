"""Relative dates resolved against the article's date: the table of cases in eval/README.md.

Each case of eval/datasets/relative_dates.jsonl is a sentence, its article's date, the words
expected to be found and the period they name. Cases marked `known_wrong` are ones the
resolver gets wrong today: kept in the table and reported by `python -m eval dates`, and
this test fails when one starts to pass, so the table stays true.
"""

from __future__ import annotations

import pytest

from eval.news_time import DateCase, date_cases, judge
from rag.time.expressions import annotate, find_dates, from_json, infer_published, to_json

WED = "2021-04-28"  # a Wednesday, the first seed's date
CASES = date_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.words for c in CASES])
def test_a_date_expression_resolves_to_its_period(case: DateCase) -> None:
    verdict = judge(case)
    if case.known_wrong:
        assert verdict != "correct", "a known_wrong case now resolves: unmark it"
    else:
        assert verdict == "correct"


def test_words_that_only_look_like_dates_are_not_dates() -> None:
    text = "You may march on. The second vote came now. May I ask? A 2-1 win. Sunday Times"
    found = [m.text for m in find_dates(text, WED)]
    assert found == ["Sunday"]  # a weekday name stays one; "may", "march", "second" do not


def test_a_period_outside_the_calendar_is_no_date_and_no_crash() -> None:
    # "2100 years ago" in a 2023 article is year -77, which Python's dates cannot hold: it
    # crashed a 14,691-article ingest. The expression is skipped; the others still resolve.
    text = "The site was settled 2100 years ago. The dig resumes on Saturday."
    found = find_dates(text, WED)
    assert [m.text for m in found] == ["Saturday"]


def test_an_undated_article_resolves_only_what_carries_its_year() -> None:
    found = find_dates("It starts Saturday and ends on September 11, 2021.", None)
    assert [(m.text, m.date) for m in found] == [("September 11, 2021", "2021-09-11")]


def test_annotate_puts_the_absolute_date_beside_the_words() -> None:
    text = "The withdrawal, which starts Saturday and is to end by September 11, was agreed."
    assert annotate(text, find_dates(text, WED)) == (
        "The withdrawal, which starts Saturday (1 May 2021) and is to end by September 11 "
        "(2021), was agreed."  # a day and month need only their year
    )


def test_mentions_survive_the_round_trip_through_chroma_metadata() -> None:
    text = "Prefix. It starts Saturday."
    mentions = find_dates(text, WED)
    assert from_json(to_json(mentions), text) == mentions
    assert from_json("not json", text) == []


def test_an_undated_article_takes_its_first_full_date_as_inferred() -> None:
    assert infer_published("During the phone call on 9th August 2021, Austin said") == (
        "2021-08-09"
    )
    assert infer_published("It starts Saturday, officials said in March.") is None


def test_a_weekday_before_its_date_names_that_date() -> None:
    published = "2023-09-17"  # a Sunday

    def dates(text: str) -> list[tuple[str, str]]:
        return [(m.text, m.date) for m in find_dates(text, published)]

    assert dates("Clocks go back Sunday, Nov. 5, at 2 a.m.") == [
        ("Sunday", "2023-11-05"),
        ("Nov. 5", "2023-11-05"),
    ]
    # A weekday the date does not fall on, or one a clause away, keeps its own reading.
    assert dates("Clocks go back Sunday, Nov. 6.")[0] == ("Sunday", "2023-09-17")
    assert dates("The vote is Sunday, and results come Nov. 5.")[0] == ("Sunday", "2023-09-17")
