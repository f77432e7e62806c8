"""The web chat in a real headless Chromium (Debian's chromium + chromium-driver)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.ui.conftest import PAGE_WAIT_S, SCREENSHOTS, ask_in_browser, open_chat

# The quote with the days its relative words name beside them (issue 11).
WITHDRAWAL_SENTENCE = (
    "starts Saturday (1 May 2021) and is to end by September 11 (2021), "
    "is intended to conclude America's longest war"
)


def _in_view(driver: WebDriver, element: object) -> bool:
    script = (
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.top < window.innerHeight && r.height > 0;"
    )
    return bool(driver.execute_script(script, element))


def test_ask_click_a_citation_and_see_the_sentence(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    open_chat(browser, chat_server[0])
    ask_in_browser(browser, "When does the withdrawal end?", 0)
    answer = browser.find_elements(By.CSS_SELECTOR, "#chat .bot")[-1]
    assert "September 11" in answer.text

    marker = answer.find_element(By.CSS_SELECTOR, "a.cite")
    assert "GlobalSecurity.org · 28 Apr 2021" in marker.get_attribute("title")  # hover preview
    marker.click()
    highlighted = browser.find_element(By.ID, "src-0-1")
    card = highlighted.find_element(By.XPATH, "ancestor::article")
    WebDriverWait(browser, PAGE_WAIT_S).until(lambda d: _in_view(d, highlighted))
    assert WITHDRAWAL_SENTENCE in highlighted.text
    assert "flash" in card.get_attribute("class")
    assert "GlobalSecurity.org" in card.text and "28 Apr 2021" in card.text
    browser.save_screenshot(str(SCREENSHOTS / "desktop-answer.png"))

    ask_in_browser(browser, "What is the population of Tokyo?", 1)
    abstention = browser.find_elements(By.CSS_SELECTOR, "#chat .bot")[-1]
    assert abstention.find_elements(By.CSS_SELECTOR, ".abstain")
    assert "don't say" in abstention.text
    assert not browser.find_element(By.ID, "src-0-1").is_displayed(), "older sources tuck away"

    browser.find_elements(By.CSS_SELECTOR, "#chat a.cite")[0].click()  # back to the first answer
    assert browser.find_element(By.ID, "src-0-1").is_displayed()
    browser.save_screenshot(str(SCREENSHOTS / "desktop-abstention.png"))


def test_narrow_window_keeps_answer_and_sources_readable(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    browser.set_window_size(390, 844)
    try:
        open_chat(browser, chat_server[0])
        ask_in_browser(browser, "When does the withdrawal end?", 0)
        browser.find_elements(By.CSS_SELECTOR, "#chat a.cite")[0].click()
        mark = browser.find_element(By.CSS_SELECTOR, "mark#src-0-1")
        WebDriverWait(browser, PAGE_WAIT_S).until(lambda d: _in_view(d, mark))
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px wide)"
        browser.save_screenshot(str(SCREENSHOTS / "narrow-sources.png"))
    finally:
        browser.set_window_size(1400, 1000)


def test_the_page_fetches_nothing_from_other_hosts(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    browser.get_log("performance")  # drop what earlier tests logged
    open_chat(browser, chat_server[0])
    ask_in_browser(browser, "Who is General Qamar Javed Bajwa?", 0)
    hosts = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = urlsplit(message["params"]["request"]["url"])
            if url.scheme in ("http", "https", "ws", "wss"):
                hosts.add(url.hostname)
    assert hosts == {"127.0.0.1"}


def test_articles_tab_lists_and_adds_articles(
    browser: WebDriver, chat_server: tuple[str, Path], tmp_path: Path, article_file: Path
) -> None:
    open_chat(browser, chat_server[0])
    wait = WebDriverWait(browser, PAGE_WAIT_S)
    tab = wait.until(
        ready.element_to_be_clickable((By.XPATH, "//button[@role='tab'][.='Articles']"))
    )
    tab.click()
    wait.until(
        lambda d: "Pakistan, US Discuss Afghan Drawdown" in d.find_element(By.ID, "articles").text
    )
    upload = tmp_path / "lighthouse.txt"
    shutil.copy(article_file, upload)
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(upload))
    wait.until(lambda d: "lighthouse" in d.find_element(By.ID, "upload-report").text)
    assert "1 added" in browser.find_element(By.ID, "upload-report").text
    wait.until(lambda d: "lighthouse" in d.find_element(By.ID, "articles").text)
    browser.save_screenshot(str(SCREENSHOTS / "desktop-articles.png"))


def test_copying_an_answer_gives_plain_text_with_its_markers(
    browser: WebDriver, chat_server: tuple[str, Path]
) -> None:
    origin = chat_server[0].rstrip("/")
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    open_chat(browser, chat_server[0])
    ask_in_browser(browser, "When does the withdrawal end?", 0)
    browser.find_elements(By.CSS_SELECTOR, "#chat button[aria-label='Copy message']")[-1].click()
    read = "const done = arguments[0]; navigator.clipboard.readText().then(done, String)"
    copied = WebDriverWait(browser, PAGE_WAIT_S).until(lambda d: d.execute_async_script(read))
    # The short answer on a line of its own, then the sentence that states it.
    short, _, quote = copied.partition("\n")
    assert short.strip() == "By September 11, 2021 [1]", copied  # the year resolved
    assert quote.strip().startswith("The withdrawal, which starts Saturday"), copied
    answer, _, sources = copied.partition("\n\nSources:\n")
    assert answer.endswith("longest war. [1]"), copied
    # ...then its numbered sources as Markdown: title, outlet, date, and the quote.
    first, quoted = sources.splitlines()[:2]
    assert first.startswith("[1] Pakistan, US Discuss Afghan Drawdown"), copied
    assert first.endswith("— GlobalSecurity.org, 28 Apr 2021."), copied
    assert quoted.strip().startswith("> The withdrawal, which starts Saturday"), copied
