"""Short answers: which phrase of a sentence answers the question."""

from __future__ import annotations


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
