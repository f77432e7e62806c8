"""`rag` command line. Parsing imports nothing heavy, so `rag --help` is instant.

rag index seeds/
rag ask "When does the withdrawal end?"
rag ask "When does the withdrawal end?" --json
rag remove 000_30c6da09fd228377
rag serve --port 8000        # OpenAI-compatible: /v1/models, /v1/chat/completions
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="rag", description="Ask questions about news articles; every answer is cited."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    index_help = "index folder (default: RAG_INDEX_DIR or .rag)"
    url_help = "a `chroma run` server holding the chunks (default: RAG_CHROMA_URL or none)"

    index = commands.add_parser("index", help="add or update articles (.txt .md .html .jsonl)")
    index.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    _store(index, index_help, url_help)
    index.add_argument("--chunk-tokens", type=int, metavar="N", help="max tokens per chunk")
    index.add_argument("--chunk-overlap", type=int, metavar="N", help="tokens shared by neighbours")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="local: this process (default); ray: Ray Data tasks and embedding actors "
        "(pip install '.[scale]')",
    )
    index.add_argument(
        "--ray-address", metavar="ADDR", help="a running Ray cluster (default: start one here)"
    )

    ask = commands.add_parser("ask", help="answer a question (no question: interactive chat)")
    ask.add_argument("question", nargs="?", help="the question; omit it to chat")
    _store(ask, index_help, url_help)
    ask.add_argument("--as-of", metavar="YYYY-MM-DD", help="prefer news published by this date")
    _date_range(ask)
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument(
        "--answerer",
        choices=["extractive", "llama-cpp", "openai"],
        help="who writes the answer (default: RAG_ANSWERER or extractive)",
    )

    search = commands.add_parser(
        "search",
        help="show the passages retrieved for a query, best first, with their ranking scores",
    )
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    _store(search, index_help, url_help)
    _date_range(search)
    search.add_argument("--json", action="store_true", help="print passages as JSON")

    line = commands.add_parser("timeline", help="dated events about a topic, earliest first")
    line.add_argument("topic")
    line.add_argument("-k", type=int, default=12, help="number of events (default 12)")
    _store(line, index_help, url_help)
    _date_range(line)
    line.add_argument("--json", action="store_true", help="print events as JSON")

    listing = commands.add_parser("list", help="list the indexed articles")
    _store(listing, index_help, url_help)
    listing.add_argument("--json", action="store_true", help="print articles as JSON")

    serve = commands.add_parser(
        "serve", help="serve an OpenAI-compatible endpoint (/v1/chat/completions)"
    )
    _store(serve, index_help, url_help)
    serve.add_argument("--host", help="address to bind (default: RAG_API_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: RAG_API_PORT or 8000)")

    remove = commands.add_parser("remove", help="delete articles by id")
    remove.add_argument("ids", nargs="+", metavar="ID")
    _store(remove, index_help, url_help)
    return parser


def _store(command: argparse.ArgumentParser, index_help: str, url_help: str) -> None:
    command.add_argument("--index", metavar="DIR", help=index_help)
    command.add_argument("--chroma-url", metavar="URL", help=url_help)


def _date_range(command: argparse.ArgumentParser) -> None:
    command.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published from")
    command.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published up to")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (1 when anything failed)."""
    return _run(build_parser().parse_args(argv))


def _run(args: argparse.Namespace) -> int:
    from cli import commands
    from rag.errors import RagError

    try:
        return int(getattr(commands, f"run_{args.command}")(args))
    except RagError as error:
        print(f"rag: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _quick_exit(args: argparse.Namespace) -> bool:
    """Whether the command may end without Python's teardown.

    Teardown unloads every module (chromadb, spaCy, llama-index, ONNX): ~0.1-0.15 s of a
    cold `rag ask` and ~0.4-0.6 s of adding one article, for nothing a finished command
    needs. A write is durable by then: Chroma commits each call to its SQLite log (a search
    in a new process finds what a quick-exiting `rag index` added), and the derived files
    are written and closed. Ray's workers are shut down by its exit handler, so an index
    run on Ray and the long-running `serve` exit the usual way.
    """
    if args.command in ("ask", "search", "timeline", "list", "remove"):
        return True
    return args.command == "index" and args.engine != "ray"


def run() -> None:
    """The `rag` command: `main`, then a quick exit where nothing needs the teardown."""
    args = build_parser().parse_args(sys.argv[1:])
    try:
        code = _run(args)
        sys.stdout.flush()
    except BrokenPipeError:  # `rag ask ... | head`: the reader left, which is no error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    if _quick_exit(args):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    run()
