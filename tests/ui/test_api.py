"""The web chat's API through gradio_client, against a live server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from tests.conftest import WITHDRAWAL_DOC


@pytest.fixture(scope="module")
def client(chat_server: tuple[str, Path]) -> Client:
    return Client(chat_server[0], verbose=False)


def test_the_withdrawal_question_is_answered_and_cited(client: Client) -> None:
    answer = client.predict("When does the withdrawal end?", api_name="/ask")
    assert "September 11" in answer["text"]
    assert not answer["abstained"]
    assert answer["citations"][0]["doc_id"] == WITHDRAWAL_DOC
    assert "September 11" in answer["citations"][0]["quote"]
    assert set(answer) >= {"question", "text", "confidence", "citations", "passages", "timings"}


def test_an_unanswerable_question_abstains(client: Client) -> None:
    answer = client.predict("What is the population of Tokyo?", api_name="/ask")
    assert answer["abstained"]
    assert answer["citations"] == []
    # It says how many articles it read: those of the passages it returns.
    read = len({passage["doc_id"] for passage in answer["passages"]})
    assert read >= 1
    assert f"from {read} article{'s' if read > 1 else ''}," in answer["text"]


def test_a_follow_up_uses_the_history(client: Client) -> None:
    first = client.predict("Who did Lloyd Austin speak with?", api_name="/ask")
    history = [
        {"role": "user", "content": "Who did Lloyd Austin speak with?"},
        {"role": "assistant", "content": first["text"]},
    ]
    follow_up = client.predict("What is his position?", history, api_name="/ask")
    alone = client.predict("What is his position?", api_name="/ask")
    assert not follow_up["abstained"]
    # "his" is Bajwa, named in the first answer: the follow-up quotes what says who he is
    # ("General Qamar Javed Bajwa", "Pakistan's top military official").
    quotes = " ".join(citation["quote"] for citation in follow_up["citations"])
    assert "General Qamar Javed Bajwa" in quotes or "top military official" in quotes
    assert (
        follow_up["passages"][0]["chunk_id"] != alone["passages"][0]["chunk_id"]
        or alone["abstained"]
    )


def test_an_uploaded_article_is_indexed_and_then_answerable(
    client: Client, article_file: Path
) -> None:
    before = client.predict("How many steel cables did engineers replace?", api_name="/ask")
    report = client.predict([handle_file(str(article_file))], api_name="/add_articles")[0]
    assert "1 added" in report and "harbour-bridge" in report
    answer = client.predict("How many steel cables did engineers replace?", api_name="/ask")
    assert "340" in answer["text"]
    assert answer["citations"][0]["doc_id"] == "harbour-bridge"
    assert "340" not in before["text"]


def test_a_bad_upload_is_reported_and_changes_nothing(
    client: Client, chat_server: tuple[str, Path], tmp_path: Path
) -> None:
    index_dir = chat_server[1]
    listed = client.predict("When does the withdrawal end?", api_name="/ask")["text"]
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 200)
    spreadsheet = tmp_path / "budget.xlsx"
    spreadsheet.write_bytes(b"PK\x03\x04 not an article")
    chunks_before = _chunk_count(index_dir)
    report = client.predict(
        [handle_file(str(binary)), handle_file(str(spreadsheet))], api_name="/add_articles"
    )[0]
    assert "0 added" in report
    assert "scan.txt" in report and "NUL" in report
    assert "budget.xlsx" in report and ".xlsx is not an article format" in report
    assert _chunk_count(index_dir) == chunks_before
    assert not (index_dir / "uploads" / "scan.txt").exists()
    assert client.predict("When does the withdrawal end?", api_name="/ask")["text"] == listed


def test_removing_an_article_from_the_browser(
    client: Client, chat_server: tuple[str, Path], tmp_path: Path, article_file: Path
) -> None:
    upload = tmp_path / "to-remove.txt"
    upload.write_text(article_file.read_text().replace("Kestrel", "Osprey"), encoding="utf-8")
    client.predict([handle_file(str(upload))], api_name="/add_articles")
    report = client.predict(["to-remove", "no-such-article"], api_name="/remove_articles")[0]
    assert "Removed 1 article" in report and "no-such-article" in report
    assert "Osprey" not in report and "Harbour Bridge Reopens After Repairs" in report, "by title"
    answer = client.predict("Which bridge reopened, the Osprey one?", api_name="/ask")
    assert all(c["doc_id"] != "to-remove" for c in answer["citations"])


def _chunk_count(index_dir: Path) -> int:
    from rag.store.news_index import NewsIndex

    return sum(len(a.chunk_ids) for a in NewsIndex.open(index_dir).articles().values())


def test_ask_keeps_to_since_and_until(client: Client) -> None:
    early = client.predict(
        "What did Austin and Bajwa discuss?", [], None, None, "2021-05-31", api_name="/ask"
    )
    assert early["citations"] and all(c["published"] <= "2021-05-31" for c in early["citations"])
    late = client.predict(
        "When does the withdrawal end?", [], None, "2021-06-01", None, api_name="/ask"
    )
    assert late["abstained"] or all(c["published"] >= "2021-06-01" for c in late["citations"])
    events = client.predict("Afghanistan withdrawal", api_name="/timeline")
    assert events and all(e["citation"]["quote"] == e["text"] for e in events)
