"""`rag serve`: the OpenAI-compatible endpoint, through the real `openai` client, over a real
uvicorn server on loopback, answering from a copy of the seeds index."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn

from api.chat_completions import create_app
from rag import Assistant, Settings
from rag.embedder import Embedder
from rag.store.news_index import NewsIndex
from tests.ui.conftest import free_port

WITHDRAWAL_DOC = "000_30c6da09fd228377"
KEY = "s3cret-key"
START_LIMIT_S = 60  # a bound for a loaded CI machine; not a measurement


def _serve(assistant: Assistant, key: str) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(assistant, key), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_LIMIT_S
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def seeds_assistant(
    seeds_index: Path, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Assistant:
    folder = tmp_path_factory.mktemp("serve") / "index"
    shutil.copytree(seeds_index, folder)
    return Assistant(NewsIndex.open(folder), Settings(index_dir=folder), embedder)


@pytest.fixture(scope="module")
def open_url(seeds_assistant: Assistant) -> Iterator[str]:
    yield from _serve(seeds_assistant, "")


@pytest.fixture(scope="module")
def locked_url(seeds_assistant: Assistant) -> Iterator[str]:
    yield from _serve(seeds_assistant, KEY)


def test_the_openai_client_gets_a_cited_answer(open_url: str) -> None:
    client = openai.OpenAI(base_url=open_url, api_key="unused")
    assert [m.id for m in client.models.list()] == ["newsrag"]
    reply = client.chat.completions.create(
        model="newsrag", messages=[{"role": "user", "content": "When does the withdrawal end?"}]
    )
    content = reply.choices[0].message.content or ""
    answer, _, sources = content.partition("\n\nSources:\n")
    assert "September 11" in answer and "[1]" in answer
    assert sources.startswith("[1] Pakistan, US Discuss Afghan Drawdown")
    assert "GlobalSecurity.org, 2021-04-28" in sources
    citations = reply.model_extra["citations"]  # type: ignore[index]
    assert citations[0]["doc_id"] == WITHDRAWAL_DOC
    assert "September 11" in citations[0]["quote"]


def test_streaming_sends_the_same_answer_as_events_ending_in_done(open_url: str) -> None:
    client = openai.OpenAI(base_url=open_url, api_key="unused")
    chunks = list(
        client.chat.completions.create(
            model="newsrag",
            messages=[{"role": "user", "content": "When does the withdrawal end?"}],
            stream=True,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "September 11" in text and "\n\nSources:\n[1] Pakistan" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"][0]["doc_id"] == WITHDRAWAL_DOC  # type: ignore[index]
    with httpx.stream(
        "POST",
        f"{open_url}/chat/completions",
        json={"messages": [{"role": "user", "content": "When?"}], "stream": True},
    ) as raw:
        lines = [line for line in raw.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"


def test_earlier_messages_are_the_conversation(open_url: str) -> None:
    client = openai.OpenAI(base_url=open_url, api_key="unused")
    reply = client.chat.completions.create(
        model="newsrag",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "Who is General Qamar Javed Bajwa?"},
            {"role": "assistant", "content": "Pakistan's army chief [1]."},
            {"role": "user", "content": [{"type": "text", "text": "Whom did he speak with?"}]},
        ],
    )
    assert "Austin" in (reply.choices[0].message.content or "")


def test_a_wrong_or_missing_key_is_refused_and_the_right_one_answers(locked_url: str) -> None:
    for key in ("wrong", ""):
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=locked_url, api_key=key or "x").models.list()
    assert httpx.get(f"{locked_url}/models").status_code == 401
    client = openai.OpenAI(base_url=locked_url, api_key=KEY)
    reply = client.chat.completions.create(
        model="newsrag", messages=[{"role": "user", "content": "When does the withdrawal end?"}]
    )
    assert "September 11" in (reply.choices[0].message.content or "")


def test_a_request_without_a_question_says_what_is_wrong(open_url: str) -> None:
    response = httpx.post(
        f"{open_url}/chat/completions",
        json={"messages": [{"role": "assistant", "content": "Hello"}]},
    )
    assert response.status_code == 400
    assert "last message must be the user's question" in response.json()["error"]["message"]


def test_ten_concurrent_questions_are_all_answered_correctly(open_url: str) -> None:
    client = openai.OpenAI(base_url=open_url, api_key="unused", max_retries=0)
    questions = ["When does the withdrawal end?", "Who is General Qamar Javed Bajwa?"] * 5

    def ask(question: str) -> str:
        reply = client.chat.completions.create(
            model="newsrag", messages=[{"role": "user", "content": question}]
        )
        return reply.choices[0].message.content or ""

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(ask, questions))
    for question, answer in zip(questions, answers, strict=True):
        assert ("September 11" if "withdrawal" in question else "Bajwa") in answer


def test_rag_serve_starts_the_endpoint_from_the_command_line(
    seeds_index: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    folder = tmp_path / "index"
    shutil.copytree(seeds_index, folder)
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    environment["RAG_API_KEY"] = KEY
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--index", str(folder), "--port", str(port)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                models = httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {KEY}"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "rag serve did not start"
                time.sleep(0.3)
        assert models.json()["data"][0]["id"] == "newsrag"
        assert httpx.get(f"{url}/models").status_code == 401, "RAG_API_KEY is honoured"
    finally:
        process.terminate()
        process.wait(timeout=20)
