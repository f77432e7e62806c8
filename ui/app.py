"""The web chat: a Gradio app over an Assistant, with an Indexer for articles added in it.

    app = build_app(assistant, indexer, settings)
    app.launch(**launch_options(settings))

Endpoints for `gradio_client`: `/ask` (question, history, as_of, since, until → the
`rag ask --json` object), `/timeline` (topic, since, until → events), `/add_articles`
(files → report) and `/remove_articles` (ids → report).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr  # `ui/__init__` has switched telemetry off before this import

from rag import Answer, Assistant, Indexer, RagError, Settings
from rag.conversation import Message, exchange
from ui import render
from ui.uploads import ACCEPTED, add_uploads

ASSETS = Path(__file__).resolve().parent / "assets"
EXAMPLES = [
    "When does the withdrawal end?",
    "Who is General Qamar Javed Bajwa?",
    "What did the Pakistani and US officials discuss?",
    "What is the population of Tokyo?",
]
SEARCHING = '<span class="searching">Searching the articles…</span>'
# Answers only read the index, so they overlap ("read" group); adding and removing articles
# stay one at a time ("write" group, Gradio's default limit of 1). Measured with `ui.load`
# (50 /ask at once on 300 articles, 2 cores): see README. More than this only queues inside
# the process instead of in Gradio, and costs memory.
READERS = 8


def build_app(assistant: Assistant, indexer: Indexer, settings: Settings) -> gr.Blocks:
    """The chat, the sources panel, the article manager and the `/ask` API."""
    with gr.Blocks(title="News QA", analytics_enabled=False) as app:
        answers = gr.State([])
        status = gr.Markdown(_status(assistant), elem_id="brand")
        with gr.Tab("Ask"), gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                chat = gr.Chatbot(
                    elem_id="chat",
                    height=None,  # grows with the conversation between the bounds below
                    min_height=260,
                    max_height=620,
                    layout="panel",
                    show_label=False,
                    feedback_options=None,
                    buttons=["copy"],
                    placeholder=render.placeholder(settings),
                )
                with gr.Row():
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask about the articles…",
                        elem_id="question",
                        scale=5,
                        autofocus=True,
                    )
                    ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                with gr.Accordion("Dates", open=False, elem_id="dates"), gr.Row():
                    since = gr.Textbox(
                        label="Published from", placeholder="YYYY-MM-DD", elem_id="since"
                    )
                    until = gr.Textbox(
                        label="Published up to", placeholder="YYYY-MM-DD", elem_id="until"
                    )
                gr.Examples(EXAMPLES, inputs=question, label="Try")
                new_chat = gr.Button("New conversation", size="sm", variant="secondary")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Sources")
                sources = gr.HTML(render.EMPTY_PANEL, elem_id="sources")
        with gr.Tab("Timeline"):
            _timeline_tab(assistant)
        with gr.Tab("Articles"):
            library = _library_tab(assistant, indexer, settings, status)

        reply = _replier(assistant)
        for trigger in (question.submit, ask.click):
            trigger(
                reply,
                [question, answers, since, until],
                [question, chat, answers, sources],
                api_visibility="private",
                concurrency_limit=READERS,
                concurrency_id="read",
            )
        new_chat.click(
            lambda: ("", [], [], render.EMPTY_PANEL),
            None,
            [question, chat, answers, sources],
            api_visibility="private",
        )
        app.load(
            lambda: _library_view(assistant), None, library, api_visibility="private",
            concurrency_limit=READERS, concurrency_id="read",
        )  # fmt: skip
        gr.api(
            _ask_api(assistant), api_name="ask", concurrency_limit=READERS, concurrency_id="read"
        )
        gr.api(
            _timeline_api(assistant),
            api_name="timeline",
            concurrency_limit=READERS,
            concurrency_id="read",
        )
    return app


def launch_options(settings: Settings) -> dict[str, Any]:
    """`launch()` keywords: loopback unless told otherwise, optional login, upload limit."""
    user, _, password = settings.ui_auth.partition(":")
    return {
        "server_name": settings.ui_host,
        "server_port": settings.ui_port,
        "auth": (user, password) if settings.ui_auth else None,
        "max_file_size": settings.ui_max_upload_mb * 2**20,
        "css": (ASSETS / "style.css").read_text(encoding="utf-8"),
        "js": (ASSETS / "cite.js").read_text(encoding="utf-8"),
        "theme": gr.themes.Soft(font=["system-ui", "sans-serif"]),
        "footer_links": ["api"],
        "show_error": True,
        "ssr_mode": False,
    }


def _replier(assistant: Assistant) -> Any:
    def reply(
        question: str, answers: list[Answer], since: str | None = "", until: str | None = ""
    ) -> Iterator[tuple[Any, ...]]:
        question = question.strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turn = len(answers)
        shown = _chat_view(answers) + [{"role": "user", "content": question}]
        yield "", [*shown, {"role": "assistant", "content": SEARCHING}], answers, gr.skip()
        text = ""
        try:
            # A closed accordion's boxes arrive as None.
            dates = {"since": (since or "").strip() or None, "until": (until or "").strip() or None}
            for part in assistant.stream(question, _history(answers), **dates):
                if isinstance(part, Answer):
                    answers = [*answers, part]
                    yield "", _chat_view(answers), answers, render.sources_panel(answers)
                    return
                text += part
                message = render.chat_message(text, turn)
                yield "", [*shown, {"role": "assistant", "content": message}], answers, gr.skip()
        except RagError as error:
            failed = {"role": "assistant", "content": f"⚠ {render.escape(str(error))}"}
            yield question, [*shown, failed], answers, gr.skip()

    return reply


def _chat_view(answers: Sequence[Answer]) -> list[dict[str, str]]:
    view = []
    for turn, answer in enumerate(answers):
        message = render.answer_message(answer, turn)
        view += [
            {"role": "user", "content": render.escape(answer.question)},
            {"role": "assistant", "content": message},
        ]
    return view


def _history(answers: Sequence[Answer]) -> list[Message]:
    return [message for a in answers for message in exchange(a.question, a.text)]


def _ask_api(assistant: Assistant) -> Any:
    def ask(
        question: str,
        history: list[dict[str, str]] | None = None,
        as_of: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, Any]:
        """Answer a question about the indexed articles: the same object as `rag ask --json`.

        `history` is the conversation so far as [{"role": "user"|"assistant", "content": ...}];
        `as_of` (YYYY-MM-DD) prefers articles published by that day; `since`/`until`
        (YYYY-MM-DD, inclusive) keep to articles published in that range.
        """
        try:
            messages = [Message(role=m["role"], content=m["content"]) for m in history or []]
            answer = assistant.ask(question, messages, as_of or None, since or None, until or None)
            return answer.to_dict()
        except RagError as error:
            raise gr.Error(str(error)) from None
        except (KeyError, TypeError):
            raise gr.Error('history must be a list of {"role": ..., "content": ...}') from None

    return ask


def _timeline_api(assistant: Assistant) -> Any:
    def timeline(
        topic: str, since: str | None = None, until: str | None = None, k: int = 12
    ) -> list[dict[str, Any]]:
        """Dated events about `topic`, earliest first: each {date, text, citation, dated_by}."""
        try:
            events = assistant.timeline(topic, since or None, until or None, int(k))
        except RagError as error:
            raise gr.Error(str(error)) from None
        return [asdict(event) for event in events]

    return timeline


def _timeline_tab(assistant: Assistant) -> None:
    gr.Markdown("Dated events about a topic, earliest first, each a sentence quoted and cited.")
    with gr.Row():
        topic = gr.Textbox(
            label="Topic", placeholder="e.g. Afghanistan withdrawal", elem_id="topic", scale=4
        )
        since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", scale=1, min_width=120)
        until = gr.Textbox(label="Up to", placeholder="YYYY-MM-DD", scale=1, min_width=120)
        build = gr.Button("Build timeline", variant="primary", scale=1, min_width=120)
    events = gr.HTML(elem_id="timeline")

    def show(topic: str | None, since: str | None, until: str | None) -> str:
        if not (topic or "").strip():
            return render.timeline_view([], "Name a topic first.")
        try:
            first, last = (since or "").strip() or None, (until or "").strip() or None
            found = assistant.timeline(topic or "", first, last)
        except RagError as error:
            return render.timeline_view([], str(error))
        return render.timeline_view(found, "")

    for trigger in (topic.submit, build.click):
        trigger(
            show,
            [topic, since, until],
            events,
            api_visibility="private",
            concurrency_limit=READERS,
            concurrency_id="read",
        )


def _library_tab(
    assistant: Assistant, indexer: Indexer, settings: Settings, status: gr.Markdown
) -> list[Any]:
    gr.Markdown(
        f"Add articles as {', '.join(ACCEPTED)} files (up to {settings.ui_max_upload_mb} MB "
        "each). They are indexed at once; articles already indexed are kept."
    )
    # No `file_types`: Gradio would refuse a whole drop for one wrong file, without naming it;
    # ui.uploads checks each file and the report says which one and why.
    files = gr.File(file_count="multiple", type="filepath", label="Add articles")
    report = gr.Markdown(elem_id="upload-report")
    table = gr.Dataframe(
        headers=["Title", "Outlet", "Date", "Passages", "Id"],
        column_widths=["46%", "17%", "12%", "9%", "16%"],
        datatype=["str", "str", "str", "number", "str"],
        interactive=False,
        wrap=True,
        elem_id="articles",
        label="Indexed articles",
    )
    with gr.Row():
        chosen = gr.Dropdown(
            multiselect=True,
            allow_custom_value=True,
            label="Remove articles",
            scale=4,
            elem_id="remove-choice",
        )
        remove = gr.Button("Remove", variant="stop", scale=1, min_width=80)
    outputs = [report, table, chosen, status]
    uploads = settings.index_dir / "uploads"
    max_bytes = settings.ui_max_upload_mb * 2**20

    # Gradio finds its progress tracker in a default value; it mirrors the pipeline's tqdm bar.
    def add(paths: list[str] | None, progress: Any = gr.Progress(track_tqdm=True)) -> Any:  # noqa: B008
        result = add_uploads(paths or [], indexer, uploads, max_bytes)
        message = render.index_report(result.report, result.rejected)
        return message, *_library_view(assistant), _status(assistant)

    def drop(doc_ids: list[str] | None) -> Any:
        removed, missing = indexer.remove(doc_ids or [])
        message = render.removal_report(removed, missing)
        return message, *_library_view(assistant), _status(assistant)

    # One writer at a time ("write" group); the progress bar sits on the report alone.
    files.upload(
        add, files, outputs, api_name="add_articles", concurrency_id="write",
        show_progress_on=report,
    )  # fmt: skip
    remove.click(
        drop, chosen, outputs, api_name="remove_articles", concurrency_id="write",
        show_progress_on=report,
    )  # fmt: skip
    return [table, chosen]


def _library_view(assistant: Assistant) -> tuple[Any, Any]:
    articles = assistant.articles()
    choices = [(f"{a.title[:70]} ({a.id})", a.id) for a in articles]
    return render.article_rows(articles), gr.Dropdown(choices=choices, value=[])


def _status(assistant: Assistant) -> str:
    articles = assistant.articles()
    chunks = sum(len(a.chunk_ids) for a in articles)
    return f"# News QA\n{render.how_answered(assistant.settings, len(articles), chunks)}"
