"""Short answers: which phrase of a sentence answers the question."""

from __future__ import annotations

import pytest

from rag.embedder import SentenceEmbedder


def test_a_date_of_another_event_in_the_sentence_gives_way_to_the_one_asked_about() -> None:
    from rag.answering.expectation import expectation
    from rag.answering.short import QuestionWords, of_the_asked_event
    from rag.answering.spans import spans_of

    sentence = "The withdrawal, which starts Saturday and is to end by September 11, is long."
    spans = spans_of([sentence])[0]

    def dates(question: str) -> list[str]:
        kept = of_the_asked_event(spans, expectation(question), QuestionWords(question))
        return [s.text for s in kept if s.label == "DATE"]

    assert dates("When does the withdrawal start?") == ["Saturday"]
    assert dates("When does the withdrawal end?") == ["September 11"]
    assert dates("When is the withdrawal?") == ["Saturday", "September 11"], "no verb: both stay"


def test_a_place_that_is_the_subject_of_the_asked_verb_wins_over_another_place() -> None:
    from rag.answering.expectation import expectation
    from rag.answering.short import QuestionWords, of_the_asked_event
    from rag.answering.spans import spans_of

    sentence = "The envoy will travel to Doha this week, and Turkey plans to host the conference."
    spans = spans_of([sentence])[0]
    assert next(s for s in spans if s.text == "Turkey").verb_after == "plans"

    def places(question: str) -> list[str]:
        kept = of_the_asked_event(spans, expectation(question), QuestionWords(question))
        return [s.text for s in kept if s.label == "GPE"]

    assert places("Which country plans to host the conference?") == ["Turkey"]
    assert places("Where is the envoy traveling this week?") == ["Doha"]


def test_the_class_asked_for_is_put_in_words_only_when_there_is_one() -> None:
    from rag.answering.expectation import expectation
    from rag.answering.short import asked_class

    assert asked_class(expectation("Which automaker recalled 2.9 million vehicles?")) == (
        "an automaker"
    )
    assert asked_class(expectation("Which insect can legally be considered a fish?")) == (
        "an insect"
    )
    assert asked_class(expectation("Who designed the library?")) == "a person"
    assert asked_class(expectation("When does the withdrawal end?")) is None
    assert asked_class(expectation("How much will the library cost?")) is None
    assert asked_class(expectation("Why did the talks stall?")) is None


def test_a_phrase_of_the_class_asked_for_reads_more_like_it(embedder: SentenceEmbedder) -> None:
    from rag.answering.expectation import expectation
    from rag.answering.extractive import ExtractiveAnswerer
    from rag.answering.spans import Span

    sentence = "Ford told NHTSA on Tuesday that it is recalling the vehicles."
    spans = tuple(
        Span(text, sentence.index(text), sentence.index(text) + len(text), label)
        for text, label in [("Ford", "ORG"), ("NHTSA", "ORG"), ("Tuesday", "DATE")]
    )
    answerer = ExtractiveAnswerer(embedder)
    is_a = answerer._is_a(expectation("Which automaker recalled the vehicles?"), spans)
    assert is_a["Ford"] > is_a["NHTSA"] and is_a["Ford"] > is_a["Tuesday"]
    assert answerer._is_a(expectation("When were the vehicles recalled?"), spans) == {}


def test_a_phrase_is_described_by_how_specific_it_is_and_whose_outlet_it_names() -> None:
    from rag.answering.expectation import expectation
    from rag.answering.short import FEATURES, QuestionWords, SentenceView, span_features
    from rag.answering.spans import Span

    question = "Which retailer lowered its gas prices to $3.99 a gallon?"
    sentence = "Sheetz cut its price, CNN reported."
    view = SentenceView(sentence, "Gas", 0.6, 0.5, 0.2, 0, "a", outlet="cnn.com")
    expect, words = expectation(question), QuestionWords(question)

    def feature(span: Span, idf: list[float], name: str) -> float:
        return span_features(expect, words, view, span, 0.5, 0, 1, 0.0, idf)[FEATURES.index(name)]

    sheetz, cnn = Span("Sheetz", 0, 6, "ORG"), Span("CNN", 22, 25, "ORG")
    assert feature(sheetz, [0.9], "idf_mean") > feature(cnn, [0.2], "idf_mean")
    assert (feature(sheetz, [9.0], "outlet"), feature(cnn, [2.0], "outlet")) == (0.0, 1.0)
    assert feature(sheetz, [9.0], "label_ORG") == 1.0 and feature(sheetz, [9.0], "label_GPE") == 0.0
    price = Span("price", 10, 15, "NOUN")
    assert feature(price, [3.0], "asked_prefix") == 1.0  # "price" begins as "prices" does


def test_a_phrase_stated_in_several_articles_is_described_by_all_of_its_statements() -> None:
    from rag.answering.short import FEATURES, SAME_WORDS, with_same_words

    meaning, coverage = FEATURES.index("meaning"), FEATURES.index("coverage")
    base = [0.0] * (len(FEATURES) - SAME_WORDS)

    def phrase(m: float, c: float) -> list[float]:
        row = list(base)
        row[meaning], row[coverage] = m, c
        return row

    rows = with_same_words(
        [phrase(0.5, 0.4), phrase(0.7, 0.2), phrase(0.8, 0.9)],
        ["Kyushu", "kyushu", "Tokyo"],
        ["a", "b", "a"],
    )
    assert all(len(r) == len(FEATURES) for r in rows)
    same = {name: FEATURES.index(name) for name in FEATURES[-SAME_WORDS:]}
    assert (
        rows[0][same["same_articles"]]
        == rows[1][same["same_articles"]]
        > rows[2][same["same_articles"]]
    )
    assert rows[0][same["same_relevance"]] == 0.5 * 0.4 + 0.7 * 0.2
    assert rows[0][same["same_meaning_gap"]] == 0.7 - 0.8
    assert rows[0][same["meaning_gap"]] == 0.5 - 0.8 and rows[2][same["meaning_gap"]] == 0.0
    assert rows[0][same["same_coverage"]] == 0.4


def test_the_person_a_question_names_is_not_its_answer() -> None:
    from rag.answering.short import QuestionWords, is_answer_phrase
    from rag.answering.spans import Span

    words = QuestionWords("Which Pakistani general did Defense Secretary Austin speak with?")
    assert not is_answer_phrase(Span("Lloyd Austin", 0, 12, "PERSON"), words)
    assert is_answer_phrase(Span("Qamar Javed Bajwa", 0, 17, "PERSON"), words)
    assert is_answer_phrase(Span("Austin Peay", 0, 11, "ORG"), words)  # not a person: kept


def test_a_phrase_knows_how_far_its_article_is_from_the_day_asked_for() -> None:
    import datetime as dt

    from rag.answering.extractive import _ages, candidates
    from rag.answers import Passage

    def passage(doc: str, published: str | None) -> Passage:
        text = "Verstappen won his 14th race of the season."
        return Passage(f"{doc}-0", doc, text, 0, len(text), doc, doc, None, None, published, 0.5)

    found = candidates(
        [passage("new", "2023-10-23"), passage("old", "2022-10-30"), passage("undated", None)]
    )
    # From the newest article read; an undated one is not compared.
    assert _ages(found) == {"new": 0, "old": 358}
    # Asked for a day before the newest story: that story is as far from it as an older one.
    assert _ages(found, dt.date(2022, 11, 4)) == {"new": 353, "old": 5}
    assert _ages(found, dt.date(2024, 1, 1)) == _ages(found)


def test_a_phrase_is_described_by_whether_it_belongs_to_the_verb_asked_about() -> None:
    from rag.answering.expectation import expectation
    from rag.answering.short import FEATURES, QuestionWords, SentenceView, span_features
    from rag.answering.spans import spans_of

    sentence = "The withdrawal, which starts Saturday and is to end by September 11, is long."
    view = SentenceView(sentence, "Drawdown", 0.6, 0.5, 0.2, 0, "a")
    spans = {s.text: s for s in spans_of([sentence])[0]}

    def verbs(question: str, text: str) -> tuple[float, float]:
        expect, words = expectation(question), QuestionWords(question)
        row = span_features(expect, words, view, spans[text], 0.5, 0, 1)
        return row[FEATURES.index("asked_verb")], row[FEATURES.index("other_verb")]

    assert verbs("When does the withdrawal start?", "Saturday") == (1.0, 0.0)
    assert verbs("When does the withdrawal start?", "September 11") == (0.0, 1.0)
    assert verbs("When is the withdrawal?", "September 11") == (0.0, 0.0), "no verb asked"


@pytest.mark.parametrize(
    ("question", "sentence", "picked", "label", "shown"),
    [
        (
            "Which airport set a record for hourly rainfall?",
            "Dallas-Fort Worth International Airport set a record for hourly rainfall.",
            "Dallas-Fort",
            "GPE",
            "Dallas-Fort Worth International Airport",  # cut inside a hyphenated name
        ),
        (
            "Which Yankees star hit his 61st home run?",
            "Yankees slugger Aaron Judge hit his 61st home run on Wednesday.",
            "Aaron",
            "PERSON",
            "Aaron Judge",  # a person's one word
        ),
        (
            "Which is the biggest national park in the US?",
            "Wrangell-St. Elias is bigger than Yellowstone National Park, the first.",
            "Yellowstone",
            "GPE",
            "Yellowstone National Park",  # ends with the noun asked for
        ),
        (
            "Which team signed the quarterback?",
            "The Cleveland Browns signed him; Cleveland Browns fans were stunned.",
            "Cleveland",
            "GPE",
            "Cleveland Browns",  # a place, asked for a team
        ),
        (
            "Which city's airport closed?",
            "Toronto Pearson Airport closed on Monday.",
            "Toronto",
            "GPE",
            "Toronto",  # a city asked for, and a city named
        ),
        (
            "Who signed the bill?",
            "Biden Tuesday signed the bill.",
            "Biden",
            "PERSON",
            "Biden",  # the next word is another entity, a date
        ),
    ],
)
def test_a_name_the_tagger_cut_short_is_answered_whole(
    question: str, sentence: str, picked: str, label: str, shown: str
) -> None:
    import re

    from rag.answering.expectation import expectation
    from rag.answering.extractive import Phrase, candidates, whole_name
    from rag.answering.spans import Span
    from rag.answers import Passage

    (candidate,) = candidates(
        [Passage("c", "d", sentence, 0, len(sentence), "t", "s", None, None, None, 0.5)]
    )
    start = sentence.index(picked)
    pick = Phrase(candidate, Span(picked, start, start + len(picked), label), picked, [])
    found = [pick]
    if date := re.search(r"Tuesday|Wednesday|Monday", sentence):
        found.append(Phrase(candidate, Span(date[0], date.start(), date.end(), "DATE"), "", []))
    whole = whole_name(pick, found, expectation(question))
    assert whole.short == shown and whole.span.text == shown
    assert sentence[whole.span.start : whole.span.end] == shown  # a verbatim slice


def test_only_a_date_phrase_is_resolved_and_a_weekday_gives_way_to_its_date() -> None:
    from rag.answering.extractive import resolved_short
    from rag.answers import Passage, cite
    from rag.time.expressions import find_dates

    text = "Daylight saving time ends Sunday, Nov. 5. He hosted Saturday Night Live."
    passage = Passage(
        "c",
        "d",
        text,
        0,
        len(text),
        "t",
        "s",
        None,
        None,
        "2023-09-17",
        0.5,
        dates=tuple(find_dates(text, "2023-09-17")),
    )
    citation = cite(passage, 1, text, 0, len(text))
    assert resolved_short("Sunday, Nov. 5", citation) == "Sunday, Nov. 5, 2023"
    assert resolved_short("Saturday Night Live", citation, "WORK_OF_ART") == "Saturday Night Live"
    assert resolved_short("Saturday", citation) == "Saturday, September 16, 2023"


def test_a_team_asked_for_by_its_nickname_gets_the_city_its_article_gives() -> None:
    from rag.answering.expectation import expectation
    from rag.answering.extractive import Phrase, candidates, in_full
    from rag.answering.spans import Span
    from rag.answers import Passage

    text = (
        "The Milwaukee Bucks beat Boston on Tuesday. On Friday the Bucks became the first "
        "team to clinch a playoff spot. Milwaukee Bucks fans celebrated."
    )
    passage = Passage("c", "d", text, 0, len(text), "t", "s", None, None, None, 0.5)
    sentence = next(c for c in candidates([passage]) if "first team" in c.text)
    start = sentence.text.index("Bucks")
    pick = Phrase(sentence, Span("Bucks", start, start + 5, "ORG"), "Bucks", [])
    team = in_full(pick, [pick], expectation("Which NBA team first clinched a playoff spot?"))
    assert team.short == "Milwaukee Bucks"
    # Not asked for a team: the nickname stays as written.
    assert in_full(pick, [pick], expectation("Who clinched a playoff spot?")).short == "Bucks"
