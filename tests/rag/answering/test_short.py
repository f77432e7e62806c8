"""Short answers: which phrase of a sentence answers the question."""

from __future__ import annotations

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
