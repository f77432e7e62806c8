"""Serve the web chat.

    python -m ui                          # the index in RAG_INDEX_DIR (default .rag)
    python -m ui --add seeds/             # index seeds/ first (a no-op when unchanged)
    python -m ui --index DIR --port 7861 --host 0.0.0.0

This is the one place the web chat meets `index`: it wires the ingestion pipeline in as the
app's `rag.Indexer`, so `ui.app` itself depends on `rag` alone.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag.offline import go_offline

if TYPE_CHECKING:
    from rag import Assistant


def main(argv: Sequence[str] | None = None) -> int:
    """Index what `--add` names, serve until interrupted, and load the models meanwhile."""
    args = _parser().parse_args(argv)
    go_offline()
    from index.pipeline import PipelineIndexer
    from rag import Assistant, RagError, load_settings
    from rag.embedder import CachedEmbedder, SentenceEmbedder
    from rag.onnx_embedder import int8_embedder, query_embedder
    from rag.store.news_index import NewsIndex

    try:
        settings = load_settings(
            index_dir=args.index, chroma_url=args.chroma_url, ui_host=args.host, ui_port=args.port
        )
        embedder = SentenceEmbedder(
            settings.embed_model, settings.embed_dtype, settings.embed_batch_size
        )
        questions = query_embedder(settings)
        # Chunks are not cached; an upload that fits in one batch embeds through the ONNX
        # export the questions use, so only a large one loads torch.
        small = None if isinstance(questions, SentenceEmbedder) else questions
        indexer = PipelineIndexer(settings.index_dir, settings, embedder, small)
        if args.add:
            report = indexer.add([Path(path) for path in args.add])
            for failure in report.failed:
                print(f"ui: skipped {failure}", file=sys.stderr)
            print(f"{report.summary()} → {settings.index_dir}")
        # Questions through the ONNX export (no torch); the indexer loads torch on an upload.
        assistant = Assistant(
            NewsIndex.open(settings.index_dir, chroma_url=settings.chroma_url),
            settings,
            CachedEmbedder(questions),
            int8_embedder(settings),
        )
        # The embedding model, BM25 and Punkt before serving (~0.5 s; a broken model or index
        # stops here), the entity tagger (~0.6 s) while the page loads.
        print("Loading the model…", flush=True)
        assistant.warm_up(tagger=False)
    except RagError as error:
        print(f"ui: {error}", file=sys.stderr)
        return 2
    from ui.app import build_app, launch_options

    app = build_app(assistant, indexer, settings).queue()
    app.launch(quiet=True, prevent_thread_lock=True, **launch_options(settings))
    print(
        f"The chat on {len(assistant.articles())} articles: "
        f"http://{settings.ui_host}:{settings.ui_port}/ (Ctrl-C stops it)",
        flush=True,
    )
    threading.Thread(target=_warm_up, args=(assistant,), name="warm-up", daemon=True).start()
    app.block_thread()
    return 0


def _warm_up(assistant: Assistant) -> None:
    """Load, right after serving, what the page's first events and questions need."""
    from rag import RagError

    try:
        # Gradio switches matplotlib's backend around every event, so the first one (the
        # page restoring its conversation, or a question) would import it: ~0.35 s.
        import matplotlib

        matplotlib.get_backend()
    except ImportError:
        pass
    try:
        assistant.warm_up()
    except RagError as error:  # it will say so again when asked
        print(f"ui: {error}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ui", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", help="index folder (default: RAG_INDEX_DIR or .rag)")
    parser.add_argument(
        "--chroma-url", help="a `chroma run` server holding the chunks (default: RAG_CHROMA_URL)"
    )
    parser.add_argument("--host", help="address to bind (default: RAG_UI_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: RAG_UI_PORT or 7860)")
    parser.add_argument(
        "--add", nargs="+", metavar="PATH", help="files or folders to index before serving"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
