import pytest

from rag.question import read_question


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
