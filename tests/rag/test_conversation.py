from rag.conversation import last_turn, people_named, places_named, standalone_question

HISTORY = [
    {"role": "user", "content": "Who did Lloyd Austin speak with?"},
    {
        "role": "assistant",
        "content": "U.S. Defense Secretary Lloyd Austin spoke Wednesday by phone with Pakistan's "
        "top military official. [1] Austin's conversation with General Qamar Javed Bajwa came "
        "as troops prepared to leave. [2]",
    },
]


def test_without_history_the_question_stands_alone() -> None:
    assert standalone_question("When does the withdrawal end?", []) == (
        "When does the withdrawal end?",
        "When does the withdrawal end?",
    )


def test_a_pronoun_is_resolved_to_the_person_the_answer_introduced() -> None:
    resolved, query = standalone_question("What is his position?", HISTORY)
    assert resolved == "What is Qamar Javed Bajwa's position?"
    assert "Who did Lloyd Austin speak with?" in query and "[1]" not in query


def test_a_new_full_question_does_not_drag_the_conversation_along() -> None:
    question = "When does the withdrawal of American troops end?"
    assert standalone_question(question, HISTORY) == (question, question)


def test_last_turn_and_names() -> None:
    assert last_turn(HISTORY)[0] == "Who did Lloyd Austin speak with?"
    assert people_named(HISTORY[1]["content"], exclude="Lloyd Austin") == ["Qamar Javed Bajwa"]


def test_names_are_entities_not_runs_of_capitals() -> None:
    text = "Beto O'Rourke met Ron DeSantis and Matthew McConaughey in Austin, Texas, on Monday."
    assert people_named(text) == ["Beto O'Rourke", "Ron DeSantis", "Matthew McConaughey"]
    assert people_named(text, exclude="Did DeSantis speak?") == [
        "Beto O'Rourke",
        "Matthew McConaughey",
    ]
    assert places_named(text) == ["Austin", "Texas"]


def test_there_is_the_place_of_the_last_exchange_when_it_is_a_place() -> None:
    history = [
        {"role": "user", "content": "And when is it to end?"},
        {
            "role": "assistant",
            "content": "By September 11 [1]. The withdrawal of the remaining 2,500 U.S. troops "
            "from Afghanistan is to end by September 11. [1]",
        },
    ]
    resolved, query = standalone_question("How many U.S. troops are still there?", history)
    assert resolved == "How many U.S. troops are still in Afghanistan?"
    assert "And when is it to end?" in query
    # "there" as in "there are" or "Is there…" is no place.
    for question in ("Is there a deadline?", "Are there troops left?", "Why are there delays?"):
        assert standalone_question(question, history)[0] == question


def test_a_bare_question_word_asks_the_last_question_again() -> None:
    history = [
        {"role": "user", "content": "Where is he traveling?"},
        {"role": "assistant", "content": "Doha [1]. Pakistan's special envoy Mohammad Sadiq…"},
    ]
    resolved, query = standalone_question("When?", history)
    assert resolved == "When is Mohammad Sadiq traveling?"
    assert "Where is he traveling?" in query
    resolved, _ = standalone_question("And how many?", HISTORY)
    assert resolved == "How many did Lloyd Austin speak with?"
    # A question of its own stays as it is.
    assert standalone_question("When did it start?", history)[0] == "When did it start?"
