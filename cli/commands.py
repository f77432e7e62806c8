"""What each `rag` subcommand does; output formatting lives in `cli.render`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from cli import render
from rag import Answer, Assistant, Settings, load_settings
from rag.conversation import Message, exchange


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings with the command's --index and --chroma-url (when given) winning."""
    return load_settings(index_dir=args.index, chroma_url=args.chroma_url, **overrides)


def run_index(args: argparse.Namespace) -> int:
    """`rag index PATH...`"""
    from index.pipeline import index_paths

    settings = _settings(args, chunk_tokens=args.chunk_tokens, chunk_overlap=args.chunk_overlap)
    if args.engine == "ray":
        from index.ray_pipeline import index_paths_ray

        report = index_paths_ray(
            args.paths, settings.index_dir, settings, args.ray_address, progress=not args.quiet
        )
    else:
        report = index_paths(args.paths, settings.index_dir, settings, progress=not args.quiet)
    for failure in report.failed:
        print(f"rag: skipped {render.one_line(str(failure))}", file=sys.stderr)
    print(f"{report.summary()} → {settings.index_dir}")
    return 0 if report.ok else 1


def run_remove(args: argparse.Namespace) -> int:
    """`rag remove ID...`"""
    from index.pipeline import remove_articles

    settings = _settings(args)
    removed, missing = remove_articles(args.ids, settings.index_dir, settings.chroma_url)
    for doc_id in missing:
        print(
            f"rag: no article {doc_id!r} in {settings.index_dir}; see `rag list`", file=sys.stderr
        )
    print(f"{len(removed)} removed")
    return 0 if not missing else 1


def run_ask(args: argparse.Namespace) -> int:
    """`rag ask [QUESTION]`: one answer, or a chat loop on standard input."""
    assistant = Assistant.open(settings=_settings(args, answerer=args.answerer))
    if args.question is not None:
        if args.json:
            answer = assistant.ask(
                args.question, as_of=args.as_of, since=args.since, until=args.until
            )
            print(json.dumps(answer.to_dict(), ensure_ascii=False))
        else:
            parts = assistant.stream(
                args.question, as_of=args.as_of, since=args.since, until=args.until
            )
            print(render.answer(_streamed(parts, _drafts(assistant))))
        return 0
    return _chat(assistant, args)


def _drafts(assistant: Assistant) -> bool:
    return assistant.settings.answerer != "extractive"  # an extractive answer is instant


def _streamed(parts: Iterator[str | Answer], live: bool) -> Answer:
    """With `live`, show a language model's draft as it comes (on stderr); the verified Answer."""
    for part in parts:
        if isinstance(part, Answer):
            if live:
                print("\n", file=sys.stderr, flush=True)
            return part
        if live:
            print(render.plain(part), end="", file=sys.stderr, flush=True)
    raise AssertionError("a stream ends with its Answer")


def _chat(assistant: Assistant, args: argparse.Namespace) -> int:
    history: list[Message] = []
    print("Loading the model…", end="", flush=True)
    assistant.warm_up()
    print(f"\rAsk about the {len(assistant.articles())} indexed articles (Ctrl-D to quit).")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            continue
        parts = assistant.stream(question, history, args.as_of, args.since, args.until)
        answer = _streamed(parts, _drafts(assistant))
        print(render.answer(answer))
        history += exchange(question, answer.text)


def run_search(args: argparse.Namespace) -> int:
    """`rag search QUERY`"""
    passages = Assistant.open(settings=_settings(args)).search(
        args.query, k=args.k, since=args.since, until=args.until
    )
    if args.json:
        print(json.dumps([asdict(p) for p in passages], ensure_ascii=False))
    else:
        print(render.passages(passages))
    return 0


def run_timeline(args: argparse.Namespace) -> int:
    """`rag timeline TOPIC`"""
    events = Assistant.open(settings=_settings(args)).timeline(
        args.topic, since=args.since, until=args.until, k=args.k
    )
    if args.json:
        print(json.dumps([asdict(e) for e in events], ensure_ascii=False))
    else:
        print(render.timeline(events))
    return 0


def run_list(args: argparse.Namespace) -> int:
    """`rag list`"""
    articles = Assistant.open(settings=_settings(args), preload=False).articles()
    if args.json:
        print(json.dumps([asdict(a) for a in articles], ensure_ascii=False))
    else:
        print(render.articles(articles))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """`rag serve`: the OpenAI-compatible endpoint until interrupted."""
    import uvicorn

    from api.chat_completions import create_app

    settings = _settings(args, api_host=args.host, api_port=args.port)
    assistant = Assistant.open(settings=settings)
    assistant.warm_up()
    app = create_app(assistant, settings.api_key)
    where = f"http://{settings.api_host}:{settings.api_port}/v1"
    locked = " (API key required)" if settings.api_key else ""
    print(f"newsrag on {len(assistant.articles())} articles at {where}{locked}", flush=True)
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="warning")
    return 0
