"""A real web chat on loopback: `python -m ui` in a subprocess over a copy of the seeds index."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import ROOT, SEEDS

STARTUP_LIMIT_S = 240  # a generous bound on a loaded CI machine; not a measurement
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PAGE_WAIT_S = 60  # upper bound for a slow CI machine; the test never measures time


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen[str], log: Path) -> None:
    """Poll `url` until it answers; fail with the server's output if it dies or never does."""
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the chat server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the chat server did not answer at {url}:\n{log.read_text()}")


@contextmanager
def running_chat(folder: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """(URL, index folder) of `python -m ui --add seeds/` as `make chat` starts it, with
    RAG_* `settings` (e.g. RAG_ANSWERER) and none inherited from the caller's environment."""
    index_dir = folder / "index"
    port = free_port()
    log = folder / "server.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")} | settings
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui", "--index", str(index_dir), "--port", str(port),
             "--add", str(SEEDS)],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, text=True, env=environment,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, process, log)
        yield url, index_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(URL, index folder) of a live chat with the default (extractive) answerer."""
    with running_chat(tmp_path_factory.mktemp("chat")) as server:
        yield server


@pytest.fixture()
def article_file(tmp_path: Path) -> Path:
    """A new article the seeds know nothing about."""
    path = tmp_path / "harbour-bridge.txt"
    path.write_text(
        "Harbour Bridge Reopens After Repairs\n"
        "By Mina Okafor\n"
        "March 3, 2023\n\n"
        "The Kestrel Harbour Bridge reopened on Friday after eleven months of repairs. "
        "Engineers replaced 340 steel cables at a cost of 18 million dollars. "
        "The mayor said traffic would return to normal within two weeks.\n",
        encoding="utf-8",
    )
    return path


def copy_of(path: Path, folder: Path) -> Path:
    """A copy of `path` in `folder` (uploads must not move the test's own files)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, folder))


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """Debian's headless Chromium, through Selenium and Debian's chromedriver."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium is missing: `apt-get install chromium chromium-driver` (make test)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--window-size=1400,1000",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def open_chat(driver: WebDriver, url: str) -> None:
    """The chat at `url` as a first-time visitor sees it: no conversation kept from before."""
    driver.get(url)
    driver.execute_script("window.localStorage.clear()")
    driver.get(url)
    wait = WebDriverWait(driver, PAGE_WAIT_S)
    wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
    # A page load writes the session twice: Gradio stores the default (no ids) on mount, and
    # the page's load event then stores this browser's new id. Only after the second is the
    # next write the user's; waiting for any stored value let a reload race the answer's write.
    wait.until(lambda d: stored_size(d) >= _SIZE_WITH_BROWSER)


def stored_session(driver: WebDriver) -> str | None:
    """The chat's session as the browser keeps it (encrypted) in its local storage."""
    from ui.app import SESSION_KEY

    return driver.execute_script("return window.localStorage.getItem(arguments[0]);", SESSION_KEY)


def stored_size(driver: WebDriver) -> int:
    """The padded size of the stored session's plaintext, 0 when none is stored. Gradio
    encrypts it with CryptoJS AES (CBC, 16-byte blocks) as "iv:base64(Salted__ + salt +
    ciphertext)", so the size tells a session holding a browser id from the default."""
    stored = stored_session(driver)
    if not stored or ":" not in stored:
        return 0
    return len(base64.b64decode(stored.split(":", 1)[1])) - 16


def _padded(plaintext: str) -> int:
    return (len(plaintext.encode()) // 16 + 1) * 16


# The JSON Gradio stores (no spaces) for a session with a browser id and no conversation.
_SIZE_WITH_BROWSER = _padded(
    json.dumps({"browser": "0" * 32, "conversation": ""}, separators=(",", ":"))
)


def then_stored(driver: WebDriver, act: Callable[[], None]) -> None:
    """Do `act`, then wait until the browser has stored the session it changed. The page
    writes the session after it draws the answer, so a reload right after the sources
    appear can come before the write (as a user's reload in that instant would)."""
    before = stored_session(driver)
    act()
    WebDriverWait(driver, PAGE_WAIT_S).until(lambda d: stored_session(d) not in (None, before))


def ask_in_browser(driver: WebDriver, question: str, answers_before: int) -> None:
    """Type `question`, press Ask, and wait until its answer's sources are shown."""
    wait = WebDriverWait(driver, PAGE_WAIT_S)
    box = wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
    box.send_keys(question)
    driver.find_element(By.ID, "ask").click()
    wait.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sources section.turn")) > answers_before
    )
