"""`rag` command line. Parsing imports nothing heavy, so `rag --help` is instant.

rag index seeds/
rag ask "When does the withdrawal end?"
rag ask "When does the withdrawal end?" --json
rag remove 000_30c6da09fd228377
rag serve --port 8000        # OpenAI-compatible: /v1/models, /v1/chat/completions
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="rag", description="Ask questions about news articles; every answer is cited."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    index_help = "index folder (default: RAG_INDEX_DIR or .rag)"

    index = commands.add_parser("index", help="add or update articles (.txt .md .html .jsonl)")
    index.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    index.add_argument("--index", metavar="DIR", help=index_help)
    index.add_argument("--chunk-tokens", type=int, metavar="N", help="max tokens per chunk")
    index.add_argument("--chunk-overlap", type=int, metavar="N", help="tokens shared by neighbours")
    index.add_argument("--quiet", action="store_true", help="no progress bar")

    ask = commands.add_parser("ask", help="answer a question (no question: interactive chat)")
    ask.add_argument("question", nargs="?", help="the question; omit it to chat")
    ask.add_argument("--index", metavar="DIR", help=index_help)
    ask.add_argument("--as-of", metavar="YYYY-MM-DD", help="prefer news published by this date")
    _date_range(ask)
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument(
        "--answerer",
        choices=["extractive", "llama-cpp", "openai"],
        help="who writes the answer (default: RAG_ANSWERER or extractive)",
    )

    search = commands.add_parser("search", help="show the passages retrieved for a query")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    search.add_argument("--index", metavar="DIR", help=index_help)
    _date_range(search)
    search.add_argument("--json", action="store_true", help="print passages as JSON")

    line = commands.add_parser("timeline", help="dated events about a topic, earliest first")
    line.add_argument("topic")
    line.add_argument("-k", type=int, default=12, help="number of events (default 12)")
    line.add_argument("--index", metavar="DIR", help=index_help)
    _date_range(line)
    line.add_argument("--json", action="store_true", help="print events as JSON")

    listing = commands.add_parser("list", help="list the indexed articles")
    listing.add_argument("--index", metavar="DIR", help=index_help)
    listing.add_argument("--json", action="store_true", help="print articles as JSON")

    serve = commands.add_parser(
        "serve", help="serve an OpenAI-compatible endpoint (/v1/chat/completions)"
    )
    serve.add_argument("--index", metavar="DIR", help=index_help)
    serve.add_argument("--host", help="address to bind (default: RAG_API_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: RAG_API_PORT or 8000)")

    remove = commands.add_parser("remove", help="delete articles by id")
    remove.add_argument("ids", nargs="+", metavar="ID")
    remove.add_argument("--index", metavar="DIR", help=index_help)
    return parser


def _date_range(command: argparse.ArgumentParser) -> None:
    command.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published from")
    command.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published up to")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (1 when anything failed)."""
    args = build_parser().parse_args(argv)
    from cli import commands
    from rag.errors import RagError

    try:
        return int(getattr(commands, f"run_{args.command}")(args))
    except RagError as error:
        print(f"rag: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
