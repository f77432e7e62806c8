"""The web chat with a language model: SmolLM2 (tiny, so quality is not the point) through
llama-cpp in the real `python -m ui`, checked through its API and in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import smollm2_gguf
from tests.ui.conftest import PAGE_WAIT_S, SCREENSHOTS, ask_in_browser, running_chat

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
    browser.get(generative_chat[0])
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
        assert reply["citations"][number - 1]["quote"][:40] in card.text
