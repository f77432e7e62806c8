"""The web chat as a reader uses it (issue 13): the newest answer stays in view, a
conversation survives a reload, the library tells the truth, on a desktop and a phone."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.ui.conftest import (
    PAGE_WAIT_S,
    SCREENSHOTS,
    ask_in_browser,
    open_chat,
    running_chat,
    then_stored,
)
from ui.app import MAX_QUESTION

QUESTIONS = [
    "When does the withdrawal end?",
    "When does the withdrawal start?",
    "Who is General Qamar Javed Bajwa?",
    "What did Austin and Bajwa discuss?",
]


def in_view(driver: WebDriver, element: WebElement) -> bool:
    """The element is inside the window (top and bottom), and visible."""
    script = (
        "const r = arguments[0].getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1;"
    )
    return bool(driver.execute_script(script, element))


def top_in_view(driver: WebDriver, element: WebElement) -> bool:
    script = (
        "const r = arguments[0].getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.top < window.innerHeight;"
    )
    return bool(driver.execute_script(script, element))


def newest(driver: WebDriver) -> tuple[WebElement, WebElement]:
    """The newest question and answer in the chat."""
    users = driver.find_elements(By.CSS_SELECTOR, "#chat .user")
    bots = driver.find_elements(By.CSS_SELECTOR, "#chat .bot")
    return users[-1], bots[-1]


def click(driver: WebDriver, element: WebElement) -> None:
    """A reader's click: unlike Selenium's own, it does not scroll the element into view first."""
    driver.execute_script("arguments[0].click()", element)


def test_after_four_questions_the_newest_answer_is_in_view_and_a_citation_keeps_it(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    open_chat(browser, chat_server[0])
    for turn, question in enumerate(QUESTIONS):
        ask_in_browser(browser, question, turn)
    wait = WebDriverWait(browser, PAGE_WAIT_S)
    asked, answer = newest(browser)
    wait.until(lambda d: in_view(d, asked) and top_in_view(d, answer))
    assert QUESTIONS[-1] in asked.text
    section = browser.find_element(By.CSS_SELECTOR, "#sources section.turn.active")
    numbers = {a.text for a in answer.find_elements(By.CSS_SELECTOR, "a.cite")}
    marks = section.find_elements(By.CSS_SELECTOR, "mark[id^='src-3-']")
    assert len(marks) == len(numbers), "each cited sentence highlighted"
    titles = [t.text for t in section.find_elements(By.CSS_SELECTOR, "article.source .title")]
    assert len(titles) == len(set(titles)), "one card per article"
    browser.save_screenshot(str(SCREENSHOTS / "desktop-four-questions.png"))

    click(browser, answer.find_element(By.CSS_SELECTOR, "a.cite"))
    quote = browser.find_element(By.ID, "src-3-1")
    wait.until(lambda d: in_view(d, quote))
    assert top_in_view(browser, answer), "the answer stays where it was"
    card = quote.find_element(By.XPATH, "ancestor::article")
    assert browser.switch_to.active_element == card, "focus moves to the opened card"
    browser.save_screenshot(str(SCREENSHOTS / "desktop-citation-opened.png"))


def test_a_reload_keeps_the_conversation_and_the_trash_starts_a_clean_one(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    open_chat(browser, chat_server[0])
    then_stored(browser, lambda: ask_in_browser(browser, QUESTIONS[0], 0))
    wait = WebDriverWait(browser, PAGE_WAIT_S)
    browser.refresh()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sources section.turn")) == 1)
    assert QUESTIONS[0] in browser.find_element(By.ID, "chat").text
    assert "September 11" in browser.find_element(By.ID, "sources").text
    past = browser.find_element(By.CSS_SELECTOR, "#past input").get_attribute("value")
    assert QUESTIONS[0] in past, "it is listed, to come back to"

    clear = browser.find_element(By.CSS_SELECTOR, "#chat button[aria-label='Clear']")
    then_stored(browser, lambda: click(browser, clear))
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#sources section.turn"))
    then_stored(browser, lambda: ask_in_browser(browser, QUESTIONS[2], 0))
    chat = browser.find_element(By.ID, "chat").text
    assert QUESTIONS[2] in chat and QUESTIONS[0] not in chat, "no old turn comes back"
    sections = browser.find_elements(By.CSS_SELECTOR, "#sources section.turn")
    assert len(sections) == 1 and QUESTIONS[2] in sections[0].text, "no old sources"

    browser.refresh()  # the new conversation is the one that comes back
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sources section.turn")) == 1)
    assert QUESTIONS[0] not in browser.find_element(By.ID, "chat").text


def test_a_double_enter_answers_once_and_ask_waits_for_the_answer(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    open_chat(browser, chat_server[0])
    box = browser.find_element(By.CSS_SELECTOR, "#question textarea")
    box.send_keys(QUESTIONS[0], Keys.ENTER, Keys.ENTER)
    wait = WebDriverWait(browser, PAGE_WAIT_S)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sources section.turn"))
    time.sleep(3)  # room for a second answer to arrive, were one coming (not a measurement)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chat .user")) == 1
    assert browser.find_element(By.ID, "ask").is_enabled(), "Ask is back once answered"
    assert box.get_attribute("maxlength") == str(MAX_QUESTION), "questions have a length cap"
    assert box.accessible_name == "Your question", "announced as what it is for"


def test_an_example_question_is_sent_with_one_click(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    open_chat(browser, chat_server[0])
    wait = WebDriverWait(browser, PAGE_WAIT_S)
    example = wait.until(
        ready.element_to_be_clickable((By.CSS_SELECTOR, "#chat .example, #chat button.example"))
    )
    from rag.store.news_index import NewsIndex

    titles = {a.title for a in NewsIndex.open(chat_server[1]).articles().values()}
    quoted = re.fullmatch(r"What is the news in “(.+)”\?", example.text)
    assert quoted and quoted.group(1) in titles, "it is about what is indexed"
    example.click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sources section.turn"))
    assert browser.find_elements(By.CSS_SELECTOR, "#chat .bot")


# Sets window.__progressSeen once a progress element with text shows on the upload report.
WATCH_PROGRESS = """
window.__progressSeen = false;
new MutationObserver(() => {
  const report = document.getElementById('upload-report');
  if (!report) return;
  const shown = report.querySelectorAll('.progress-text, .eta-bar, .progress-level, .wrap');
  for (const el of shown) {
    const visible = getComputedStyle(el).visibility !== 'hidden';
    if (el.getBoundingClientRect().height > 4 && visible && el.textContent.trim()) {
      window.__progressSeen = true;
    }
  }
}).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
"""


@pytest.fixture(scope="module")
def library_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A chat of its own: the articles uploaded here must not change other tests' answers."""
    with running_chat(tmp_path_factory.mktemp("library")) as server:
        yield server


def test_the_header_count_follows_an_upload_and_a_confirmed_removal(
    browser: WebDriver, library_server: tuple[str, Path], tmp_path: Path
) -> None:
    open_chat(browser, library_server[0])
    wait = WebDriverWait(browser, PAGE_WAIT_S)

    def count() -> int:
        found = re.search(r"(\d+) indexed articles", browser.find_element(By.ID, "brand").text)
        assert found, browser.find_element(By.ID, "brand").text
        return int(found.group(1))

    before = count()
    wait.until(ready.element_to_be_clickable((By.XPATH, "//button[@role='tab'][.='Articles']")))
    browser.find_element(By.XPATH, "//button[@role='tab'][.='Articles']").click()
    files = []
    for n in range(12):  # enough articles that indexing takes a while
        path = tmp_path / f"ferry-{n}.txt"
        path.write_text(
            f"Ferry Route {n} Opens\nMarch {n + 1}, 2023\n\n"
            f"The ferry route number {n} opened on Monday with {100 + n} passengers aboard. "
            "Officials said the crossing takes forty minutes.\n",
            encoding="utf-8",
        )
        files.append(str(path))
    browser.execute_script(WATCH_PROGRESS)
    browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys("\n".join(files))
    wait.until(lambda d: "12 added" in d.find_element(By.ID, "upload-report").text)
    assert browser.execute_script("return window.__progressSeen"), "progress showed while indexing"
    report = browser.find_element(By.ID, "upload-report").text
    assert "“Ferry Route 3 Opens”" in report, "reports name articles by title"
    wait.until(lambda d: count() == before + 12)
    assert not browser.find_elements(By.CSS_SELECTOR, "#upload .file-preview tr"), "box emptied"
    browser.save_screenshot(str(SCREENSHOTS / "desktop-upload.png"))

    choice = browser.find_element(By.CSS_SELECTOR, "#remove-choice input")
    choice.click()
    choice.send_keys("Ferry Route 3 ")
    option = wait.until(
        lambda d: next(
            (o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]")
             if "Ferry Route 3 Opens" in o.text),
            None,
        )
    )  # fmt: skip
    option.click()
    browser.find_element(By.ID, "remove").click()
    asked = wait.until(ready.visibility_of_element_located((By.ID, "confirm-remove")))
    assert "Remove 1 article?" in asked.text and "Ferry Route 3 Opens" in asked.text
    assert count() == before + 12, "nothing goes before it is confirmed"
    browser.find_element(By.ID, "confirm").click()
    wait.until(lambda d: count() == before + 11)
    removed = browser.find_element(By.ID, "upload-report").text
    assert "Removed 1 article" in removed and "Ferry Route 3 Opens" in removed


@pytest.fixture()
def phone(browser: WebDriver):  # type: ignore[no-untyped-def]
    browser.set_window_size(390, 844)
    yield browser
    browser.set_window_size(1400, 1000)


def test_a_phone_reads_without_sideways_scrolling_and_sources_open_in_a_sheet(
    phone: WebDriver, chat_server: tuple[str, Path]
) -> None:
    open_chat(phone, chat_server[0])
    wait = WebDriverWait(phone, PAGE_WAIT_S)
    for turn, question in enumerate(QUESTIONS[:2]):
        ask_in_browser(phone, question, turn)
    asked, answer = newest(phone)
    wait.until(lambda d: top_in_view(d, asked))
    click(phone, answer.find_element(By.CSS_SELECTOR, "a.cite"))
    quote = phone.find_element(By.ID, "src-1-1")
    wait.until(lambda d: in_view(d, quote))
    back = phone.find_element(By.ID, "back-to-answer")
    assert back.is_displayed() and in_view(phone, back), "an obvious way back"
    phone.save_screenshot(str(SCREENSHOTS / "phone-sources-sheet.png"))
    back.click()
    wait.until(lambda d: top_in_view(d, answer))
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390

    phone.find_element(By.XPATH, "//button[@role='tab'][.='Articles']").click()
    title = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#articles li.article .title"))
    assert title.size["width"] > 250, "titles read across the screen, not a letter per line"
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
    phone.save_screenshot(str(SCREENSHOTS / "phone-articles.png"))


# --- contrast: every text colour of style.css on the background it sits on ------------------

STYLE = Path(__file__).resolve().parents[2] / "ui" / "assets" / "style.css"
PAGE = {"light": "#ffffff", "dark": "#0b0f19"}  # Gradio's page background in each mode
_PANEL = "#f9fafb"  # the chat's answer bubbles sit on Gradio's lightest grey


def _luminance(colour: str) -> float:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _hex(value: str) -> str:
    value = value.strip().lower()
    if value in ("white", "#fff"):
        return "#ffffff"
    assert re.fullmatch(r"#[0-9a-f]{6}", value), f"write text colours out as #rrggbb: {value}"
    return value


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule of `css` that sets a text colour;
    the background is the rule's own, else the page's (light, or dark for `.dark` rules)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declared = dict(
            (name.strip(), value.strip())
            for name, value in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body)
        )
        if "color" not in declared:
            continue
        mode = "dark" if ".dark" in selector else "light"
        ground = declared.get("background", declared.get("background-color", PAGE[mode]))
        pairs.append((selector.strip(), _hex(declared["color"]), _hex(ground)))
    return pairs


def test_every_text_colour_pair_in_the_style_sheet_meets_wcag_aa() -> None:
    pairs = colour_pairs(STYLE.read_text(encoding="utf-8"))
    assert len(pairs) > 30, "the parser found the sheet's colours"
    for selector, colour, ground in pairs:
        grounds = [ground] + ([_PANEL] if ground == PAGE["light"] else [])
        for behind in grounds:
            ratio = contrast(colour, behind)
            assert ratio >= 4.5, f"{selector}: {colour} on {behind} is {ratio:.2f}:1"


def test_the_contrast_check_would_catch_the_old_grey() -> None:
    assert contrast("#9ca3af", "#ffffff") < 4.5 < contrast("#4b5563", "#ffffff")


def test_export_downloads_the_conversation_with_its_sources_as_markdown(
    browser: WebDriver, chat_server: tuple[str, Path], tmp_path: Path
) -> None:
    open_chat(browser, chat_server[0])
    ask_in_browser(browser, QUESTIONS[0], 0)
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    browser.find_element(By.ID, "export").click()
    saved = WebDriverWait(browser, PAGE_WAIT_S).until(
        lambda d: [p for p in tmp_path.glob("conversation-*.md")]
    )
    text = saved[0].read_text(encoding="utf-8")
    assert text.startswith("# News QA conversation")
    assert f"## {QUESTIONS[0]}" in text and "By September 11, 2021 [1]" in text
    assert "[1] Pakistan, US Discuss Afghan Drawdown" in text and "GlobalSecurity.org" in text
