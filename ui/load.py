"""A bounded load on a running web chat: many `/ask` calls at once, and readers beside a writer.

    python -m ui.load http://127.0.0.1:7860/ --burst 50 --pid 1234
    python -m ui.load http://127.0.0.1:7860/ --readers 2 --writers 1 --seconds 60 --pid 1234
    python -m ui.load URL --questions ../shared/bench/realtimeqa/dev.jsonl   # "question" field

Prints p50/p95/max latency, errors and the server's resident memory (with `--pid`). It only
talks to a loopback address and stops by itself: after one burst, or after `--seconds`.
A benchmark, not a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load that the arguments describe and print its figures."""
    args = _parser().parse_args(argv)
    if urlsplit(args.url).hostname not in LOOPBACK:
        print(f"ui.load: {args.url} is not a loopback address; it only loads a local chat")
        return 2
    from gradio_client import Client

    questions = _questions(args.questions)
    workers = max(args.burst, args.readers + args.writers, 1)
    client = Client(args.url, verbose=False, max_workers=workers)
    memory = _Memory(args.pid)
    print(f"server RSS before: {memory.now()}")
    with memory.sampling():
        if args.burst:
            _report("burst /ask", _burst(client, questions, args.burst))
        if args.readers or args.writers:
            reads, writes = _mixed(client, questions, args.readers, args.writers, args.seconds)
            _report(f"{args.readers} readers /ask", reads)
            _report(f"{args.writers} writers /add_articles + /remove_articles", writes)
    print(f"server RSS after: {memory.now()}; peak while loaded: {memory.peak_text()}")
    return 0


Outcome = tuple[float, str | None]  # seconds, and the error if the call failed


def _burst(client, questions: list[str], count: int) -> list[Outcome]:
    """`count` /ask calls started together, one thread each; each timed on its own."""
    gate = threading.Barrier(count)
    outcomes: list[Outcome] = []

    def ask(n: int) -> None:
        gate.wait()
        outcomes.append(_timed(client.predict, questions[n % len(questions)], api_name="/ask"))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _mixed(
    client, questions: list[str], readers: int, writers: int, seconds: float
) -> tuple[list[Outcome], list[Outcome]]:
    """Readers asking and writers adding then removing an article, for `seconds`."""
    from gradio_client import handle_file

    stop = time.perf_counter() + seconds
    reads: list[Outcome] = []
    writes: list[Outcome] = []
    folder = Path(tempfile.mkdtemp(prefix="ui-load-"))

    def read(n: int) -> None:
        while time.perf_counter() < stop:
            reads.append(_timed(client.predict, questions[n % len(questions)], api_name="/ask"))
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
    parser.add_argument("--burst", type=int, default=0, help="/ask calls submitted at once")
    parser.add_argument("--readers", type=int, default=0, help="threads asking in a loop")
    parser.add_argument("--writers", type=int, default=0, help="threads adding and removing")
    parser.add_argument(
        "--seconds", type=float, default=60, help="how long readers and writers run"
    )
    parser.add_argument("--questions", help="JSON Lines with a `question` field per line")
    parser.add_argument("--pid", type=int, help="the server's process id, to report its memory")
    return parser


if __name__ == "__main__":
    sys.exit(main())
