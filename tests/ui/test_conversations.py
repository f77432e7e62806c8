"""Conversations kept on the server per browser, and the whole article behind a card."""

from __future__ import annotations

import json
from pathlib import Path

from rag import Assistant
from rag.answers import answer_from_dict
from ui.conversations import KEPT, ConversationStore, new_id


def test_an_answer_survives_the_trip_through_json(assistant: Assistant) -> None:
    answer = assistant.ask("When does the withdrawal end?")
    again = answer_from_dict(json.loads(json.dumps(answer.to_dict())))
    assert again == answer
    assert again.citations[0].dates and again.annotated_text() == answer.annotated_text()


def test_a_conversation_is_saved_listed_and_loaded_per_browser(
    assistant: Assistant, tmp_path: Path
) -> None:
    store = ConversationStore(tmp_path)
    browser, other, chat = new_id(), new_id(), new_id()
    answers = [assistant.ask("When does the withdrawal end?"), assistant.ask("Who is Bajwa?")]
    store.save(browser, chat, answers)
    assert store.load(browser, chat) == answers
    assert [(c.id, c.title) for c in store.listed(browser)] == [
        (chat, "When does the withdrawal end?")
    ]
    assert store.listed(other) == [] and store.load(other, chat) == [], "a browser sees its own"
    store.delete(browser, chat)
    assert store.listed(browser) == []


def test_ids_that_are_not_ours_never_name_a_file(assistant: Assistant, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations")
    answer = assistant.ask("When does the withdrawal end?")
    for bad in ("../../etc", "..", "", "x" * 32, None):
        store.save(bad, new_id(), [answer])  # type: ignore[arg-type]
        store.save(new_id(), bad, [answer])  # type: ignore[arg-type]
        assert store.load(bad, bad) == []  # type: ignore[arg-type]
    assert all(len(p.name) == 32 for p in (tmp_path / "conversations").glob("*"))
    assert not (tmp_path / "etc").exists()


def test_an_unreadable_file_is_an_empty_conversation_not_an_error(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    browser, chat = new_id(), new_id()
    (tmp_path / browser).mkdir()
    (tmp_path / browser / f"{chat}.json").write_text("{not json", encoding="utf-8")
    assert store.load(browser, chat) == [] and store.listed(browser) == []


def test_only_the_newest_conversations_are_kept(assistant: Assistant, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    browser = new_id()
    answer = assistant.ask("When does the withdrawal end?")
    for _ in range(KEPT + 2):
        store.save(browser, new_id(), [answer])
    assert len(store.listed(browser)) == KEPT


def test_the_whole_article_holds_every_cited_sentence_where_it_says(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("When does the withdrawal end?")
    citation = answer.citations[0]
    text = assistant.article_text(citation.doc_id)
    assert text is not None and text[citation.start : citation.end] == citation.quote
    for passage in answer.passages:
        whole = assistant.article_text(passage.doc_id)
        assert whole is not None and whole[passage.start : passage.end] == passage.text
    assert assistant.article_text("no-such-article") is None
