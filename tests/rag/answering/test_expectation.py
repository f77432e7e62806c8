"""What a question asks for, read from its asking clause."""

from __future__ import annotations

import pytest

from rag.answering.expectation import expectation


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When does the withdrawal end?", "date"),
        ("How many U.S. troops remain in Afghanistan?", "number"),
        ("How much did the bidder pay?", "money"),
        ("What percentage of UK adults are behind on a bill?", "percent"),
        ("Who did Lloyd Austin speak with?", "who"),
        ("Where is the inquiry taking place?", "place"),
        ("Which automaker recalled 300,000 cars this week?", "org"),
        ("Liz Truss became the new prime minister of which country this week?", "place"),
        ("Author Raymond Briggs was most celebrated for which children's book?", "title"),
        ("Which professional basketball player became the NBA's highest paid player?", "person"),
        ("Colossal is looking to resurrect which extinct species?", "thing"),
        ("Queen Elizabeth II died Thursday. When did she ascend to the throne?", "date"),
        ("The minimum age for senior figure skating competition has been raised to:", "number"),
        ("This was the highest hike since:", "date"),
        ("Which 23-time grand slam champion is set to retire?", "thing"),
        ("Why did the talks stall?", None),
        # A "when" that only joins the clause does not ask.
        ("Fans cheered this week when the studio named which top-rated host?", "person"),
        ("Several people were injured when a crane collapsed in which major city?", "place"),
        ("How did the council react?", None),
        ("True or false: the company removed the tags.", None),
    ],
)
def test_the_kind_of_fact_asked_for(question: str, kind: str | None) -> None:
    assert expectation(question).kind == kind


def test_a_which_question_names_its_noun() -> None:
    found = expectation("Which airline ordered the supersonic jets?")
    assert (found.kind, found.head) == ("org", "airline")
    assert "ORG" in found.labels


def test_a_question_for_several_things_says_how_many() -> None:
    assert expectation("Which two countries did NATO invite this week?").count == 2
    assert expectation("Which three-digit number is going out of service?").count == 1
    assert expectation("Which country did NATO invite?").count == 1


def test_a_question_for_no_single_fact_accepts_no_label() -> None:
    assert expectation("Why did the talks stall?").labels == frozenset()


@pytest.mark.parametrize(
    ("question", "phrase", "admitted"),
    [
        ("How many MPs voted against him?", "Monday, June 6, 2022", False),
        ("How many hours of flight experience are required?", "February 2009", False),
        ("How many years ago did it happen?", "1944", False),
        ("How many years has the firm been open?", "27 years", True),
        ("How long did the strike last?", "three weeks", True),
        ("How long did the strike last?", "May 3", False),
        ("How much did the bidder pay?", "Tuesday", False),
        ("When does the withdrawal end?", "September 11", True),
        ("When did the bank open?", "1994", True),
        ("When was the conference supposed to start?", "10-day", False),
        ("When was the conference supposed to start?", "three weeks", False),
        ("When did the talks begin?", "three weeks ago", True),
        ("When did the talks begin?", "the past two years", True),
        ("When did she ascend to the throne?", "the age of 96", False),
        ("When did she ascend to the throne?", "aged 25", False),
        ("How old was she?", "the age of 96", True),
        # A count has a number, of the unit asked for.
        ("How many astronauts arrived at the station?", "earlier this month", False),
        ("The clock moved to how many seconds to midnight?", "the past two years", False),
        ("The clock moved to how many seconds to midnight?", "90 seconds", True),
        ("They returned after how many days in space?", "the most consecutive days", False),
        ("They returned after how many days in space?", "371 days", True),
        ("How long could the strike last?", "months", True),
        # "What year…?" wants a year.
        ("What year was she first elected?", "through the end of next year", False),
        ("What year was she first elected?", "November 1992", True),
    ],
)
def test_a_count_or_amount_is_never_a_calendar_date_nor_a_date_a_length(
    question: str, phrase: str, admitted: bool
) -> None:
    # spaCy labels "27 years" and "Monday, June 6" both DATE: a count, then a date.
    assert expectation(question).admits("DATE", phrase) is admitted
    assert expectation(question).admits("DATE", phrase, firm=True) is admitted


@pytest.mark.parametrize(
    ("question", "kind", "head"),
    [
        # After "did" or "will" the subject follows: it is not what is asked for.
        ("What will the roof carry?", "thing", None),
        ("What did the bidder pay?", "thing", None),
        # A possessive's owner neither: "General" names Bajwa, the question asks a position.
        ("What is General Qamar Javed Bajwa's position?", "thing", "position"),
        ("What is the project manager's fee?", "money", "fee"),
        ("What is the name of the dog?", "thing", "name"),
        # After a question word, the possessive's owner is asked for: a country, not a leader.
        ("Which country's leader did not attend the summit?", "place", "country"),
        ("Which MLB team’s owner announced a sale?", "org", "team"),
        ("Which actor’s representative confirmed the news?", "person", "actor"),
        # A plural owner is a modifier, and the noun after it is asked for.
        ("Which children’s book won the prize?", "title", "book"),
        ("Which women's basketball team won the title?", "org", "team"),
        # "What kind of …" asks for the noun after it, and "kind" is no noun of the answer.
        ("What type of aircraft did the airline order?", "product", "aircraft"),
        ("Which kind of animal watched the procession?", "thing", "animal"),
    ],
)
def test_the_noun_that_names_the_answer(question: str, kind: str, head: str | None) -> None:
    found = expectation(question)
    assert (found.kind, found.head) == (kind, head)
