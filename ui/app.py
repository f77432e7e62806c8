"""The web chat: a Gradio app over an Assistant, with an Indexer for articles added in it.

    app = build_app(assistant, indexer, settings)
    app.launch(**launch_options(settings))

Endpoints for `gradio_client`: `/ask` (question, history, as_of, since, until → the
`rag ask --json` object), `/timeline` (topic, since, until → events), `/add_articles`
(files → report) and `/remove_articles` (ids → report).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr  # `ui/__init__` has switched telemetry off before this import
from gradio.components.chatbot import ExampleMessage

from rag import Answer, Assistant, Indexer, RagError, Settings
from rag.conversation import Message, exchange
from ui import render
from ui.conversations import ConversationStore, new_id, valid
from ui.uploads import ACCEPTED, add_uploads

ASSETS = Path(__file__).resolve().parent / "assets"
EXAMPLES = 4  # example questions, from the newest articles' titles
MAX_QUESTION = 500  # characters; a longer text is a document, not a question
SEARCHING = '<div class="searching">Searching the articles…</div>'
SESSION_KEY = "newsqa-session"  # the browser's local storage: its id and its open conversation
# Answers only read the index, so they overlap ("read" group); adding and removing articles
# stay one at a time ("write" group, Gradio's default limit of 1). Measured with `ui.load`
# (50 /ask at once on 300 articles, 2 cores): see README. More than this only queues inside
# the process instead of in Gradio, and costs memory.
READERS = 8
READ: dict[str, Any] = {
    "concurrency_limit": READERS,
    "concurrency_id": "read",
    "api_visibility": "private",
}
BACK = (
    '<div id="sources-bar"><h3>Sources</h3>'
    '<button type="button" id="back-to-answer">← Back to the answer</button></div>'
)


def build_app(assistant: Assistant, indexer: Indexer, settings: Settings) -> gr.Blocks:
    """The chat, the sources panel, the article manager and the `/ask` API."""
    store = ConversationStore(settings.index_dir / "conversations")
    with gr.Blocks(title="News QA", analytics_enabled=False) as app:
        answers = gr.State([])
        session = gr.BrowserState(
            {"browser": "", "conversation": ""},
            storage_key=SESSION_KEY,
            secret=_secret(settings.index_dir),
        )
        status = gr.Markdown(_status(assistant), elem_id="brand")
        with gr.Tab("Ask"), gr.Row(equal_height=False, elem_id="ask-row"):
            with gr.Column(scale=3, min_width=340, elem_id="chat-column"):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Conversation",
                    height=None,  # grows with the conversation between the bounds below
                    min_height=260,
                    max_height=620,
                    layout="panel",
                    show_label=False,
                    feedback_options=None,
                    buttons=["copy"],
                    placeholder=render.placeholder(settings),
                    examples=example_messages(assistant),
                )
                with gr.Row():
                    question = gr.Textbox(
                        label="Your question",
                        show_label=False,
                        placeholder="Ask about the articles…",
                        elem_id="question",
                        scale=5,
                        autofocus=True,
                        max_length=MAX_QUESTION,
                    )
                    ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                with gr.Accordion("Dates", open=False, elem_id="dates"), gr.Row():
                    since = gr.Textbox(
                        label="Published from", placeholder="YYYY-MM-DD", elem_id="since"
                    )
                    until = gr.Textbox(
                        label="Published up to", placeholder="YYYY-MM-DD", elem_id="until"
                    )
                with gr.Row(elem_id="conversation-bar"):
                    new_chat = gr.Button(
                        "New conversation", size="sm", variant="secondary", elem_id="new-chat"
                    )
                    export = gr.DownloadButton(
                        "Export as Markdown", size="sm", variant="secondary",
                        interactive=False, elem_id="export",
                    )  # fmt: skip
                    past = gr.Dropdown(
                        label="Earlier conversations", choices=[], elem_id="past", scale=2
                    )
            with gr.Column(scale=2, min_width=300, elem_id="sources-column"):
                gr.HTML(BACK)
                sources = gr.HTML(render.EMPTY_PANEL, elem_id="sources")
        with gr.Tab("Timeline"):
            _timeline_tab(assistant)
        with gr.Tab("Articles"):
            library = _library_tab(assistant, indexer, settings, status)

        conversation = [chat, answers, sources, session, past, export]
        reply = _replier(assistant, store)
        gr.on(
            [question.submit, ask.click],
            reply,
            [question, answers, since, until, session],
            [question, ask, status, *conversation],
            trigger_mode="once",  # a double Enter (or Enter then Ask) answers once
            **READ,
        )

        def example(
            picked: gr.SelectData, answers: list[Answer], since: str, until: str, session: Any
        ) -> Iterator[tuple[Any, ...]]:
            yield from reply(picked.value["text"], answers, since, until, session)

        chat.example_select(
            example,
            [answers, since, until, session],
            [question, ask, status, *conversation],
            trigger_mode="once",
            **READ,
        )

        def start_over(session: Any) -> tuple[Any, ...]:
            browser = _browser(session)
            fresh = {"browser": browser, "conversation": ""}
            return ("", *_conversation_view(assistant, store, fresh, []))

        for trigger in (new_chat.click, chat.clear):  # the trash icon is "New conversation"
            trigger(start_over, session, [question, *conversation], api_visibility="private")

        def reopen(chosen: str | None, session: Any) -> tuple[Any, ...]:
            browser = _browser(session)
            if not valid(chosen):
                return tuple(gr.skip() for _ in conversation)
            kept = store.load(browser, str(chosen))
            opened = {"browser": browser, "conversation": chosen}
            return _conversation_view(assistant, store, opened, kept)

        past.input(reopen, [past, session], conversation, **READ)

        def restore(session: Any) -> tuple[Any, ...]:
            browser = _browser(session)
            opened = session.get("conversation") if isinstance(session, dict) else ""
            kept = store.load(browser, opened) if valid(opened) else []
            current = {"browser": browser, "conversation": opened if kept and opened else ""}
            view = _conversation_view(assistant, store, current, kept)
            chat_update = gr.Chatbot(value=view[0], examples=example_messages(assistant))
            return (chat_update, *view[1:], _status(assistant), *_library_view(assistant))

        app.load(restore, session, [*conversation, status, *library], **READ)
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


def example_messages(assistant: Assistant) -> list[ExampleMessage]:
    """One-click example questions about the newest indexed articles (none when empty)."""
    found: list[ExampleMessage] = []
    # Headlines first: an article without one is titled by its cut first sentence ("…").
    articles = sorted(assistant.articles(), key=lambda a: a.title.rstrip().endswith("…"))
    for article in articles:
        title = " ".join(article.title.split())
        if not title or len(title) > 90 or any(e["text"].endswith(f"“{title}”?") for e in found):
            continue
        found.append({"text": f"What is the news in “{title}”?"})
        if len(found) == EXAMPLES:
            break
    return found


def _secret(index_dir: Path) -> str:
    """The key the browser's stored session is encrypted with, kept beside the index so a
    restart can still read it (Gradio's default is a new key per process)."""
    path = index_dir / "ui-secret"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        secret = new_id()
        index_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secret, encoding="utf-8")
        return secret


def _browser(session: Any) -> str:
    browser = session.get("browser") if isinstance(session, dict) else None
    return browser if valid(browser) else new_id()


def _conversation_view(
    assistant: Assistant, store: ConversationStore, session: dict[str, str], kept: list[Answer]
) -> tuple[Any, ...]:
    """chat, answers, sources, session, past, export for `kept` answers."""
    browser = session["browser"]
    listed = store.listed(browser)
    choices = [(f"{c.title[:60]} · {_when(c.updated)}", c.id) for c in listed]
    opened = session.get("conversation") or None
    past = gr.Dropdown(choices=choices, value=opened if opened in {c.id for c in listed} else None)
    return (
        _chat_view(kept),
        kept,
        render.sources_panel(kept, assistant.article_text),
        session,
        past,
        _export(kept, opened),
    )


def _when(seconds: float) -> str:
    return time.strftime("%d %b %H:%M", time.localtime(seconds))


def _export(answers: Sequence[Answer], conversation: str | None) -> Any:
    """The Export button, holding the conversation as a Markdown file (or disabled)."""
    if not answers:
        return gr.DownloadButton(value=None, interactive=False)
    folder = Path(tempfile.gettempdir()) / "newsqa-exports"
    folder.mkdir(exist_ok=True)
    path = folder / f"conversation-{conversation or new_id()}.md"
    path.write_text(render.conversation_markdown(answers), encoding="utf-8")
    return gr.DownloadButton(value=str(path), interactive=True)


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


def _replier(assistant: Assistant, store: ConversationStore) -> Any:
    def reply(
        question: str,
        answers: list[Answer],
        since: str | None = "",
        until: str | None = "",
        session: Any = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Yields question, ask, status, then chat, answers, sources, session, past, export."""
        question = (question or "").strip()
        keep = gr.skip()
        if not question:
            yield tuple(keep for _ in range(9))
            return
        if len(question) > MAX_QUESTION:
            gr.Warning(f"Questions are limited to {MAX_QUESTION} characters; shorten it.")
            yield tuple(keep for _ in range(9))
            return
        busy = gr.Button(value="Answering…", interactive=False)
        ready = gr.Button(value="Ask", interactive=True)
        turn = len(answers)
        shown = _chat_view(answers) + [{"role": "user", "content": render.escape(question)}]
        searching = {"role": "assistant", "content": SEARCHING}
        yield "", busy, keep, [*shown, searching], answers, keep, keep, keep, keep
        text = ""
        try:
            # A closed accordion's boxes arrive as None.
            dates = {"since": (since or "").strip() or None, "until": (until or "").strip() or None}
            for part in assistant.stream(question, _history(answers), **dates):
                if isinstance(part, Answer):
                    answers = [*answers, part]
                    current = _saved(store, session, answers)
                    view = _conversation_view(assistant, store, current, answers)
                    yield "", ready, _status(assistant), *view
                    return
                text += part
                message = {"role": "assistant", "content": render.chat_message(text, turn)}
                yield "", busy, keep, [*shown, message], answers, keep, keep, keep, keep
        except RagError as error:
            failed = {"role": "assistant", "content": f"⚠ {render.escape(str(error))}"}
            yield question, ready, keep, [*shown, failed], answers, keep, keep, keep, keep

    return reply


def _saved(store: ConversationStore, session: Any, answers: list[Answer]) -> dict[str, str]:
    """The session after `answers` are saved (a first answer starts a new conversation)."""
    browser = _browser(session)
    opened = session.get("conversation") if isinstance(session, dict) else None
    conversation = opened if valid(opened) else new_id()
    store.save(browser, conversation, answers)
    return {"browser": browser, "conversation": conversation}


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
    files = gr.File(file_count="multiple", type="filepath", label="Add articles", elem_id="upload")
    report = gr.Markdown(elem_id="upload-report", min_height=48)
    with gr.Row(elem_id="remove-bar"):
        chosen = gr.Dropdown(
            multiselect=True,
            allow_custom_value=True,  # an id typed in (or sent to /remove_articles) is checked
            label="Remove articles",
            scale=4,
            elem_id="remove-choice",
        )
        remove = gr.Button("Remove…", variant="stop", scale=1, min_width=100, elem_id="remove")
    with gr.Row(visible=False, elem_id="confirm-remove") as confirm_row:
        asked = gr.Markdown()
        confirm = gr.Button("Yes, remove", variant="stop", elem_id="confirm", min_width=100)
        cancel = gr.Button("Keep them", variant="secondary", elem_id="cancel", min_width=100)
    table = gr.HTML(render.article_list(assistant.articles()), elem_id="articles")
    outputs = [report, table, chosen, status]
    uploads = settings.index_dir / "uploads"
    max_bytes = settings.ui_max_upload_mb * 2**20

    # Gradio finds its progress tracker in a default value; it mirrors the pipeline's tqdm bar.
    def add(paths: list[str] | None, progress: Any = gr.Progress(track_tqdm=True)) -> Any:  # noqa: B008
        names = [Path(p).name for p in paths or []]
        if not names:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        progress(0, desc=f"Indexing {len(names)} file{'' if len(names) == 1 else 's'}")
        result = add_uploads(paths or [], indexer, uploads, max_bytes)
        titles = _titles(assistant)
        message = render.index_report(result.report, result.rejected, titles)
        # The box empties once indexed: the report (✗ for each failed file) says what happened.
        return message, *_library_view(assistant), _status(assistant), None

    def ask_first(doc_ids: list[str] | None) -> Any:
        if not doc_ids:
            return render.removal_report([], []), gr.Row(visible=False), gr.skip()
        titles = _titles(assistant)
        return "", gr.Row(visible=True), render.removal_question(doc_ids, titles)

    def drop(doc_ids: list[str] | None) -> Any:
        titles = _titles(assistant)
        removed, missing = indexer.remove(doc_ids or [])
        message = render.removal_report(removed, missing, titles)
        return message, *_library_view(assistant), _status(assistant), gr.Row(visible=False)

    # One writer at a time ("write" group); the progress bar sits on the report alone.
    files.upload(
        add, files, [*outputs, files], api_name="add_articles", concurrency_id="write",
        show_progress_on=report,
    )  # fmt: skip
    remove.click(ask_first, chosen, [report, confirm_row, asked], api_visibility="private")
    cancel.click(lambda: gr.Row(visible=False), None, confirm_row, api_visibility="private")
    confirm.click(
        drop, chosen, [*outputs, confirm_row], api_name="remove_articles", concurrency_id="write",
        show_progress_on=report,
    )  # fmt: skip
    return [table, chosen]


def _titles(assistant: Assistant) -> dict[str, str]:
    """Doc id → title, for reports that name articles."""
    return {a.id: a.title for a in assistant.articles()}


def _library_view(assistant: Assistant) -> tuple[Any, Any]:
    articles = assistant.articles()
    choices = [(f"{a.title[:70]} ({a.id})", a.id) for a in articles]
    return render.article_list(articles), gr.Dropdown(choices=choices, value=[])


def _status(assistant: Assistant) -> str:
    articles = assistant.articles()
    chunks = sum(len(a.chunk_ids) for a in articles)
    return f"# News QA\n{render.how_answered(assistant.settings, len(articles), chunks)}"
