"""Short answers on a handmade article, real index and model: the fact first, then its quote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.pipeline import index_paths
from rag import Assistant, Settings
from rag.answering.confidence import Signals
from rag.answering.expectation import expectation
from rag.answering.extractive import asked_period
from rag.answers import Answer
from rag.embedder import SentenceEmbedder
from rag.store.news_index import NewsIndex
from tests.conftest import SEEDS, WITHDRAWAL_DOC

LIBRARY = (
    "Springfield approves its new central library\n\n"
    "The Springfield city council voted on Tuesday to approve the budget for the new "
    "central library. The council approved the plan 7 to 2 after a two-hour debate. "
    "The library will cost $48.5 million, and the state will pay 40 percent of the cost. "
    "Architect Maria Gonzalez-O'Neill designed the building, which will hold 120,000 books "
    "on four floors. Construction begins in June, and the library is to open by September "
    "2026. The project's manager, Tom McAllister, will be paid a fee of $250,000 a year. "
    "McAllister said the roof will carry solar panels. Its reading rooms will be shared by "
    "two colleges, Shelbyville College and Capital City College.\n\n"
    "Skaters and the age limit\n\n"
    "Four months after the Kamila Valieva saga, the age limit in figure skating is being "
    "raised. Skaters will have to be 17 years old to compete at the senior level from 2024."
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceEmbedder) -> Assistant:
    folder = tmp_path_factory.mktemp("library")
    record = {
        "id": "springfield-library",
        "title": "Springfield approves its new central library",
        "published": "2024-03-06",
        "text": LIBRARY,
    }
    corpus = folder / "library.jsonl"
    corpus.write_text(json.dumps(record) + "\n", encoding="utf-8")
    index_paths([corpus], folder / "index", embedder=embedder, progress=False)
    return Assistant(
        NewsIndex.open(folder / "index"), Settings(index_dir=folder / "index"), embedder
    )


@pytest.mark.parametrize(
    ("question", "short"),
    [
        ("What share of the cost will the state pay?", "40 percent"),
        ("How much will the library cost?", "$48.5 million"),
        ("What is the project manager's fee?", "$250,000"),
        ("Who designed the library?", "Maria Gonzalez-O'Neill"),
        ("How many books will the library hold?", "120,000"),
        ("By what margin did the council approve the plan?", "7 to 2"),
        (
            "Which two colleges will share the reading rooms?",
            "Shelbyville College and Capital City College",
        ),
        ("When is the library to open?", "September 2026"),
    ],
)
def test_a_lookup_is_answered_with_the_phrase_that_states_it(
    library: Assistant, question: str, short: str
) -> None:
    answer = library.ask(question)
    assert not answer.abstained, answer.text
    assert answer.short is not None and short in answer.short
    citation = answer.citations[0]
    assert answer.short in citation.quote  # a verbatim span of the cited sentence
    assert answer.text.startswith(answer.short[0].upper() + answer.short[1:])
    assert citation.quote in answer.text
    assert LIBRARY[citation.start : citation.end] == citation.quote


def test_a_surname_is_answered_with_the_full_name_the_article_gives(library: Assistant) -> None:
    answer = library.ask("Who said the roof will carry solar panels?")
    assert answer.short == "Tom McAllister", answer.text
    # The quote stays as written; the full name is the article's own, a sentence earlier.
    quote = answer.citations[0].quote
    assert quote.startswith("McAllister said") and "Tom McAllister" not in quote
    assert "Tom McAllister" in LIBRARY


def test_a_surname_is_named_in_full_from_the_headline(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    record = {
        "id": "top-player",
        "title": "NFL Top 100 Players of 2022: Tom Brady is ranked No. 1",
        "published": "2022-08-28",
        "text": "The league's players cast their ballots over the summer. This is the fourth "
        "time that Brady has been named the NFL's top player in a vote by his peers.",
    }
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(json.dumps(record) + "\n", encoding="utf-8")
    index_paths([corpus], tmp_path / "index", embedder=embedder, progress=False)
    assistant = Assistant(
        NewsIndex.open(tmp_path / "index"), Settings(index_dir=tmp_path / "index"), embedder
    )
    answer = assistant.ask("Who was named the NFL's top player by his peers?")
    assert answer.short == "Tom Brady", answer.text
    assert "Tom Brady" not in answer.citations[0].quote
    assert answer.citations[0].title == record["title"]


def test_the_sentence_that_answers_wins_over_the_one_that_restates_the_question(
    library: Assistant,
) -> None:
    answer = library.ask(
        "The minimum age for senior figure skating competition has been raised to:"
    )
    assert answer.short is not None and "17" in answer.short
    assert "17 years old" in answer.citations[0].quote
    assert "Kamila Valieva" not in answer.citations[0].quote


@pytest.mark.parametrize(
    "question",
    ["Who is the mayor of Springfield?", "How many parking spaces will the library have?"],
)
def test_what_the_article_does_not_say_is_not_answered(library: Assistant, question: str) -> None:
    answer = library.ask(question)
    assert answer.abstained, answer.text
    assert answer.short is None
    assert answer.confidence < 0.5


def test_the_withdrawal_question_leads_with_its_date(assistant: Assistant) -> None:
    answer = assistant.ask("When does the withdrawal end?")
    assert answer.short is not None and "September 11" in answer.short
    assert answer.citations[0].doc_id == WITHDRAWAL_DOC
    raw = (SEEDS / f"{WITHDRAWAL_DOC}.txt").read_text(encoding="utf-8")
    assert answer.citations[0].quote in raw


def test_a_question_for_no_single_fact_gets_sentences_without_a_short_answer(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("Why did the peace process stall?")
    assert answer.short is None


def test_the_short_answer_is_in_the_json(assistant: Assistant, tmp_path: Path) -> None:
    answer = assistant.ask("When does the withdrawal end?")
    assert answer.to_dict()["short"] == answer.short


def test_the_draft_of_a_question_the_article_does_not_answer_says_what_is_missing(
    library: Assistant,
) -> None:
    def draft(question: str) -> tuple[Answer | None, Signals]:
        passages = library.retriever.retrieve(question, 5).passages
        return library.extractive.draft(question, passages)

    answered, signals = draft("How much will the library cost?")
    assert answered is not None and answered.short is not None and signals.short
    assert signals.missing == 0.0 and signals.factoid
    _, unanswerable = draft("Who is the mayor of Springfield?")
    assert unanswerable.missing > 0.0  # no passage says "mayor"
    assert library.extractive.confidence.chance(
        unanswerable
    ) < library.extractive.confidence.chance(signals)


def test_the_draft_knows_how_much_older_than_the_day_asked_its_quote_is(
    library: Assistant,
) -> None:
    import datetime as dt
    import math

    question = "How much will the library cost?"
    passages = library.retriever.retrieve(question, 5).passages
    _, undated = library.extractive.draft(question, passages)
    assert undated.age is None  # asked on no day: the model reads a typical age
    _, that_week = library.extractive.draft(question, passages, dt.date(2024, 3, 8))
    _, next_year = library.extractive.draft(question, passages, dt.date(2025, 3, 6))
    assert that_week.age == math.log1p(2) and next_year.age == math.log1p(365)
    chance = library.extractive.confidence.chance
    assert chance(that_week) > chance(next_year)


def test_an_unsure_first_phrase_is_stated_only_when_its_label_is_firm_for_the_kind(
    library: Assistant,
) -> None:
    from dataclasses import replace

    from rag.answering.extractive import ExtractiveAnswerer

    answerer = library.extractive
    # A ranking whose every chance is tiny: only the label decides whether the phrase leads.
    unsure = ExtractiveAnswerer(
        answerer.embedder,
        answerer.term_weights,
        replace(answerer.model, calibration=(0.0, 0.0, -20.0)),
        answerer.confidence,
    )
    passages = library.retriever.retrieve("library", 5).passages
    # Worded unlike the article, so no sentence answers them by the sentence ranking (which
    # would state a firm phrase of its own): only the first phrase's label leads here.
    for question, short in [
        ("When will the doors of the new building open to readers?", "September 2026"),
        ("How much will the whole project cost taxpayers?", "$48.5 million"),
    ]:
        draft, signals = unsure.draft(question, passages)
        assert draft is not None and short in (draft.short or "") and signals.short, question
    draft, signals = unsure.draft("What will the roof carry?", passages)
    assert draft is not None and draft.short is None and not signals.short


def test_a_length_of_time_does_not_answer_when(library: Assistant) -> None:
    # "after a two-hour debate" is TIME to spaCy, as "Tuesday" is DATE: only one says when.
    answer = library.ask("When did the council vote?")
    assert answer.short is None or "two-hour" not in answer.short.lower(), answer.text


def test_a_date_outside_the_month_the_question_names_does_not_answer(
    library: Assistant,
) -> None:
    # "on Tuesday" of a 6 March 2024 story is 5 March: the answer to a question in March…
    march = library.ask("On which day in March 2024 did the council vote?")
    assert march.short is not None and "March 5, 2024" in march.short, march.text
    # …and no answer to the same question in May, which no date of the article is in.
    may = library.ask("On which day in May 2024 did the council vote?")
    assert may.short is None or "2024" not in may.short, may.text
    august = asked_period("Which date in August 2021 was it?", expectation("Which date?"))
    assert august is not None and (august.date, august.last) == ("2021-08-01", "2021-08-31")
    assert asked_period("Who won the vote in 2021?", expectation("Who won?")) is None
