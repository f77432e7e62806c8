"""A bounded load on a running web chat or `rag serve`: many questions at once, conversations
with follow-ups, and readers beside a writer.

    python -m ui.load http://127.0.0.1:7860/ --burst 50 --pid 1234
    python -m ui.load http://127.0.0.1:7860/ --readers 2 --writers 1 --seconds 60 --pid 1234
    python -m ui.load URL --questions ../shared/bench/realtimeqa/dev.jsonl   # "question" field
    # 50 conversations at once (a question, then a follow-up with its history), while another
    # process indexes a corpus into the server's index; --api: URL is `rag serve`'s.
    python -m ui.load http://127.0.0.1:8000/ --api --chats 50 --pid 1234 \
        --index-while more.jsonl --index .rag

Prints p50/p95/max latency, errors (a failed call or an empty answer) and the server's resident
memory (with `--pid`). It only talks to a loopback address and stops by itself: after one
burst, after the conversations, or after `--seconds`. A benchmark, not a test: nothing here
asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

QUESTIONS = [
    "When does the withdrawal end?",
    "Who is General Qamar Javed Bajwa?",
    "What did the Pakistani and US officials discuss?",
    "Who did Lloyd Austin speak with?",
]
ARTICLE = (
    "Load Test Bridge Reopens\n\nThe Kestrel Harbour Bridge reopened on Friday after eleven "
    "months of repairs. Engineers replaced {n} steel cables at a cost of 18 million dollars.\n"
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
FOLLOW_UPS = ["When was that?", "Who said so?", "What happened next?", "Why does it matter?"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load that the arguments describe and print its figures."""
    args = _parser().parse_args(argv)
    if urlsplit(args.url).hostname not in LOOPBACK:
        print(f"ui.load: {args.url} is not a loopback address; it only loads a local chat")
        return 2
    questions = _questions(args.questions)
    workers = max(args.burst, args.chats, args.readers + args.writers, 1)
    asker: Asker = _ApiAsker(args.url) if args.api else _ChatAsker(args.url, workers)
    memory = _Memory(args.pid)
    print(f"server RSS before: {memory.now()}")
    indexing = _Indexing(args.index_while, args.index)
    with memory.sampling(), indexing:
        if args.burst:
            _report("burst of questions", _burst(asker, questions, args.burst))
        if args.chats:
            first: list[Outcome] = []
            follow: list[Outcome] = []
            rounds = 0
            stop = time.perf_counter() + args.seconds
            # With --index-while, rounds go on until the indexing ends (or --seconds pass).
            while not rounds or (indexing.running() and time.perf_counter() < stop):
                more_first, more_follow = _chats(asker, questions, args.chats, offset=rounds)
                first, follow, rounds = first + more_first, follow + more_follow, rounds + 1
            label = f"{args.chats} chats at once, {rounds} round(s)"
            _report(f"{label}: first questions", first)
            _report(f"{label}: follow-ups with history", follow)
        if args.readers or args.writers:
            if args.api:
                print("ui.load: --readers/--writers load the web chat; leave out --api")
                return 2
            assert isinstance(asker, _ChatAsker)
            reads, writes = _mixed(asker, questions, args.readers, args.writers, args.seconds)
            _report(f"{args.readers} readers /ask", reads)
            _report(f"{args.writers} writers /add_articles + /remove_articles", writes)
    indexing.report()
    print(f"server RSS after: {memory.now()}; peak while loaded: {memory.peak_text()}")
    return 0


Outcome = tuple[float, str | None]  # seconds, and the error if the call failed
History = list[dict[str, str]]


class Asker(Protocol):
    """One way in: asks a question with its history and returns the answer's text."""

    def ask(self, question: str, history: History) -> str: ...


class _ChatAsker:
    """The web chat's `/ask` endpoint, through gradio_client."""

    def __init__(self, url: str, workers: int) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False, max_workers=workers)

    def ask(self, question: str, history: History) -> str:
        answer = self.client.predict(question, history, api_name="/ask")
        return str(answer["text"])


class _ApiAsker:
    """`rag serve`'s OpenAI-compatible /v1/chat/completions."""

    def __init__(self, url: str) -> None:
        import httpx

        self.client = httpx.Client(base_url=url.rstrip("/"), timeout=600)
        self.key = os.environ.get("RAG_API_KEY", "-")

    def ask(self, question: str, history: History) -> str:
        reply = self.client.post(
            "/v1/chat/completions",
            json={
                "model": "newsrag",
                "messages": [*history, {"role": "user", "content": question}],
            },
            headers={"Authorization": f"Bearer {self.key}"},
        )
        reply.raise_for_status()
        return str(reply.json()["choices"][0]["message"]["content"])


def _user(question: str) -> dict[str, str]:
    return {"role": "user", "content": question}


def _answered(asker: Asker, question: str, history: History) -> tuple[Outcome, str]:
    """One timed question; an empty answer counts as an error."""
    started = time.perf_counter()
    try:
        text = asker.ask(question, history)
        error = None if text.strip() else "an empty answer"
    except Exception as exc:  # the figures count failures of every kind
        text, error = "", f"{type(exc).__name__}: {exc}"
    return (time.perf_counter() - started, error), text


def _together(count: int, work: Callable[[int], None]) -> None:
    """Run work(0..count-1) in one thread each, released at the same moment."""
    gate = threading.Barrier(count)

    def run(n: int) -> None:
        gate.wait()
        work(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _burst(asker: Asker, questions: list[str], count: int) -> list[Outcome]:
    """`count` questions started together, one thread each; each timed on its own."""
    outcomes: list[Outcome] = []
    _together(
        count, lambda n: outcomes.append(_answered(asker, questions[n % len(questions)], [])[0])
    )
    return outcomes


def _chats(
    asker: Asker, questions: list[str], count: int, offset: int = 0
) -> tuple[list[Outcome], list[Outcome]]:
    """`count` conversations at once: a first question, then a follow-up that carries it."""
    first: list[Outcome] = []
    follow: list[Outcome] = []

    def chat(n: int) -> None:
        question = questions[(offset * count + n) % len(questions)]
        outcome, text = _answered(asker, question, [])
        first.append(outcome)
        history = [_user(question), {"role": "assistant", "content": text}]
        follow.append(_answered(asker, FOLLOW_UPS[n % len(FOLLOW_UPS)], history)[0])

    _together(count, chat)
    return first, follow


class _Indexing:
    """`rag index PATH --index DIR` in another process for the length of the load."""

    def __init__(self, path: str | None, index: str | None) -> None:
        self.command = [sys.executable, "-m", "cli.main", "index", path, "--quiet"] if path else []
        if path and index:
            self.command += ["--index", index]
        self.process: subprocess.Popen[str] | None = None
        self.started = self.seconds = 0.0

    def __enter__(self) -> None:
        if self.command:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.output = self.process.communicate()[0].strip()
            self.seconds = time.perf_counter() - self.started

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def report(self) -> None:
        if self.process is not None:
            print(
                f"indexing beside the load: exit {self.process.returncode} after "
                f"{self.seconds:.0f} s: {self.output}"
            )


def _mixed(
    asker: _ChatAsker, questions: list[str], readers: int, writers: int, seconds: float
) -> tuple[list[Outcome], list[Outcome]]:
    """Readers asking and writers adding then removing an article, for `seconds`."""
    from gradio_client import handle_file

    stop = time.perf_counter() + seconds
    reads: list[Outcome] = []
    writes: list[Outcome] = []
    folder = Path(tempfile.mkdtemp(prefix="ui-load-"))
    client = asker.client

    def read(n: int) -> None:
        while time.perf_counter() < stop:
            reads.append(_answered(asker, questions[n % len(questions)], [])[0])
            n += 1

    def write(n: int) -> None:
        while time.perf_counter() < stop:
            path = folder / f"loadtest-{n}.txt"
            path.write_text(ARTICLE.format(n=300 + n), encoding="utf-8")
            added = _timed(client.predict, [handle_file(path)], api_name="/add_articles")
            removed = _timed(client.predict, [path.stem], api_name="/remove_articles")
            writes.extend([added, removed])
            n += 1

    threads = [threading.Thread(target=read, args=(n,)) for n in range(readers)]
    threads += [threading.Thread(target=write, args=(1000 * n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reads, writes


def _timed(call: Callable[..., object], *args: object, **kwargs: object) -> Outcome:
    started = time.perf_counter()
    try:
        call(*args, **kwargs)
        return time.perf_counter() - started, None
    except Exception as exc:  # the figures count failures of every kind
        return time.perf_counter() - started, f"{type(exc).__name__}: {exc}"


def _report(label: str, outcomes: list[Outcome]) -> None:
    if not outcomes:
        print(f"{label}: no calls")
        return
    seconds = sorted(s for s, _ in outcomes)
    errors = [e for _, e in outcomes if e]
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    print(
        f"{label}: {len(outcomes)} calls, p50 {statistics.median(seconds):.2f} s, "
        f"p95 {p95:.2f} s, max {seconds[-1]:.2f} s, {len(errors)} errors"
    )
    for error in sorted(set(errors))[:5]:
        print(f"  error: {error[:200]}")


class _Memory:
    """The server's resident set size, sampled while the load runs (Linux /proc)."""

    def __init__(self, pid: int | None) -> None:
        self.pid, self.peak = pid, 0
        self._done = threading.Event()

    def rss(self) -> int:
        if self.pid is None:
            return 0
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def now(self) -> str:
        return f"{self.rss() / 2**20:.0f} MiB" if self.pid else "unknown (give --pid)"

    def peak_text(self) -> str:
        return f"{self.peak / 2**20:.0f} MiB" if self.pid else "unknown (give --pid)"

    def sampling(self):
        memory = self

        class _Sampling:
            def __enter__(self) -> None:
                def sample() -> None:
                    while not memory._done.wait(0.2):
                        memory.peak = max(memory.peak, memory.rss())

                self.thread = threading.Thread(target=sample, daemon=True)
                self.thread.start()

            def __exit__(self, *exc: object) -> None:
                memory._done.set()
                self.thread.join()

        return _Sampling()


def _questions(path: str | None) -> list[str]:
    if not path:
        return QUESTIONS
    with open(path, encoding="utf-8") as handle:
        found = [json.loads(line)["question"] for line in handle if line.strip()]
    return found or QUESTIONS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ui.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the chat, e.g. http://127.0.0.1:7860/ (loopback only)")
    parser.add_argument("--burst", type=int, default=0, help="questions submitted at once")
    parser.add_argument(
        "--chats", type=int, default=0, help="conversations at once: a question, then a follow-up"
    )
    parser.add_argument("--api", action="store_true", help="URL is `rag serve`, not the chat")
    parser.add_argument(
        "--index-while", metavar="PATH", help="run `rag index PATH` in another process meanwhile"
    )
    parser.add_argument("--index", metavar="DIR", help="the index that --index-while writes to")
    parser.add_argument("--readers", type=int, default=0, help="threads asking in a loop")
    parser.add_argument("--writers", type=int, default=0, help="threads adding and removing")
    parser.add_argument(
        "--seconds",
        type=float,
        default=60,
        help="how long readers and writers run; the longest chats go on beside --index-while",
    )
    parser.add_argument("--questions", help="JSON Lines with a `question` field per line")
    parser.add_argument("--pid", type=int, help="the server's process id, to report its memory")
    return parser


if __name__ == "__main__":
    sys.exit(main())
