import pytest

from rag.language import irregular_forms
from rag.question import read_question, terms


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When does the withdrawal end?", "date"),
        ("How many troops remain?", "number"),
        ("Who did Lloyd Austin speak with?", "person"),
        ("Where will the conference be held?", "place"),
        ("Why did the talks stall?", None),
    ],
)
def test_answer_kind(question: str, kind: str | None) -> None:
    assert read_question(question).kind == kind


def test_a_when_question_wants_a_date_it_does_not_already_state() -> None:
    question = read_question("When does the withdrawal end?")
    assert question.expects("It is to end by September 11.")
    assert not question.expects("The withdrawal of American forces is in line with the deal.")
    assert question.terms == {"withdraw", "end"}


def test_a_who_question_wants_a_name_it_does_not_already_mention() -> None:
    question = read_question("Who did Lloyd Austin speak with?")
    assert not question.expects("U.S. Defense Secretary Lloyd Austin spoke by phone.")
    assert question.expects("Austin's conversation with General Qamar Javed Bajwa came first.")


def test_an_irregular_form_is_read_as_its_lemma() -> None:
    # A stemmer leaves "spoke" and "speak" apart; the lemmatizer's exceptions join them.
    assert "speak" in terms("Who did Lloyd Austin speak with?") & terms("Austin spoke Monday")
    assert terms("Who won the vote?") == terms("Who wins the vote?")
    assert terms("How many children were rescued?") & terms("a child was rescued")


def test_the_lemma_tables_are_the_ones_spacy_names() -> None:
    from spacy.strings import get_string_id

    from rag.language import _EXCEPTION_TABLES

    for name, key in _EXCEPTION_TABLES.items():
        assert get_string_id(name) == key
    assert irregular_forms()["bought"] == "buy"


def test_words_that_frame_a_question_are_no_words_to_find() -> None:
    # "still" is no word the answer must repeat ("the last remaining 2,500 troops"), and
    # "What kind of…" is answered by the kind, not by the word "kind".
    assert terms("How many U.S. troops are still in Afghanistan?") == {"troop", "afghanistan"}
    assert terms("What kind of peace process does Pakistan support?") == {
        "peac",
        "process",
        "pakistan",
        "support",
    }
