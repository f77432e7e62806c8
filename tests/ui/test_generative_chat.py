"""The web chat with a language model: SmolLM2 (tiny, so quality is not the point) through
llama-cpp in the real `python -m ui`, checked through its API and in headless Chromium; and a
scripted OpenAI-compatible endpoint on loopback, whose reply always holds a made-up sentence."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import smollm2_gguf
from tests.ui.conftest import PAGE_WAIT_S, SCREENSHOTS, ask_in_browser, open_chat, running_chat

QUESTION = "When does the withdrawal end?"


@pytest.fixture(scope="module")
def generative_chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("generative-chat")
    gguf = str(smollm2_gguf())
    with running_chat(folder, RAG_ANSWERER="llama-cpp", RAG_LLM_GGUF=gguf) as server:
        yield server


@pytest.fixture(scope="module")
def reply(generative_chat: tuple[str, Path]) -> dict[str, Any]:
    """The API's answer to QUESTION (greedy decoding: the chat gets the same one)."""
    answer = Client(generative_chat[0], verbose=False).predict(QUESTION, api_name="/ask")
    assert isinstance(answer, dict)
    return answer


def test_the_model_writes_the_answer_and_every_citation_is_verified(
    reply: dict[str, Any],
) -> None:
    assert reply["answerer"] == smollm2_gguf().stem
    assert reply["sentences"], "a generated answer is checked sentence by sentence"
    texts = {p["chunk_id"]: p["text"] for p in reply["passages"]}
    for citation in reply["citations"]:
        assert citation["quote"] in texts[citation["chunk_id"]]
    numbers = {c["number"] for c in reply["citations"]}
    for sentence in reply["sentences"]:
        assert set(sentence["citations"]) <= numbers
        assert sentence["supported"] or not sentence["citations"]
    if reply["abstained"]:
        assert "withdrawn" in reply["notice"] and not reply["citations"]


def test_the_chat_shows_which_sentences_the_articles_support(
    browser: WebDriver, generative_chat: tuple[str, Path], reply: dict[str, Any]
) -> None:
    open_chat(browser, generative_chat[0])
    # Gradio builds the page in the browser: wait for the heading rather than race it.
    brand = WebDriverWait(browser, PAGE_WAIT_S).until(
        ready.visibility_of_element_located((By.ID, "brand"))
    )
    assert f"Answers written by {smollm2_gguf().stem}" in brand.text
    ask_in_browser(browser, QUESTION, 0)
    message = browser.find_elements(By.CSS_SELECTOR, "#chat .bot")[-1]
    browser.save_screenshot(str(SCREENSHOTS / "generative-answer.png"))
    marked = message.find_elements(By.CSS_SELECTOR, ".unsupported")
    if reply["abstained"]:  # withdrawn: the draft is replaced by the abstention and a notice
        assert message.find_elements(By.CSS_SELECTOR, ".abstain")
        assert "withdrawn" in message.find_element(By.CSS_SELECTOR, ".notice").text
        assert not marked
        return
    unsupported = [s for s in reply["sentences"] if not s["supported"]]
    assert len(marked) == len(unsupported)
    for span, sentence in zip(marked, unsupported, strict=True):
        assert sentence["text"][:30] in span.text
        assert span.get_attribute("title"), "the reason shows on hover"
    cited = {int(a.text.strip("[]")) for a in message.find_elements(By.CSS_SELECTOR, "a.cite")}
    assert cited == {c["number"] for c in reply["citations"]}
    for number in cited:
        card = browser.find_element(By.ID, f"src-0-{number}")
        browser.execute_script("arguments[0].scrollIntoView()", card)  # the panel scrolls
        assert reply["citations"][number - 1]["quote"][:40] in card.text


class _ScriptedEndpoint(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that streams one fixed reply: one sentence the
    articles state and one they do not. A stand-in for a model, so the chat's marking of an
    unsupported sentence is checked every time; the connector, verification and the page
    around it are the real ones."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        asked = request["messages"][-1]["content"]
        n = re.search(r"^\[(\d+)\] .*September 11", asked, re.MULTILINE)
        reply = f"The withdrawal is to end by September 11 [{n[1] if n else 1}]. "
        reply += "It began in 1999 [1]."
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for delta, finish in [({"role": "assistant", "content": reply}, None), ({}, "stop")]:
            chunk = {
                "id": "scripted", "object": "chat.completion.chunk", "created": 0,
                "model": request["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }  # fmt: skip
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def scripted_chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedEndpoint)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{endpoint.server_address[1]}/v1"
    folder = tmp_path_factory.mktemp("scripted-chat")
    settings = {"RAG_ANSWERER": "openai", "RAG_LLM_BASE_URL": base_url, "RAG_LLM_MODEL": "scripted"}
    try:
        with running_chat(folder, **settings) as server:
            yield server
    finally:
        endpoint.shutdown()


def test_a_sentence_no_article_states_is_marked_in_the_chat(
    browser: WebDriver, scripted_chat: tuple[str, Path]
) -> None:
    open_chat(browser, scripted_chat[0])
    ask_in_browser(browser, QUESTION, 0)
    message = browser.find_elements(By.CSS_SELECTOR, "#chat .bot")[-1]
    browser.save_screenshot(str(SCREENSHOTS / "generative-unsupported.png"))
    marked = message.find_elements(By.CSS_SELECTOR, ".unsupported")
    assert [span.text for span in marked] == ["It began in 1999."], "only the made-up sentence"
    assert "1999" in marked[0].get_attribute("title"), "the reason shows on hover"
    assert "(not in the articles)" in message.text
    cited = message.find_elements(By.CSS_SELECTOR, "a.cite")
    assert [a.text for a in cited] == ["[1]"], "the made-up sentence keeps no citation"
    assert "September 11" in browser.find_element(By.CSS_SELECTOR, "mark#src-0-1").text
