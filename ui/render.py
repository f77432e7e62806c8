"""HTML for the web chat: answers with clickable `[n]`, and the sources panel behind them.

Article text is untrusted: everything taken from it is escaped before it reaches the page.
Each `[n]` links to `#src-{turn}-{n}`, the card of citation n of that turn in the panel
(Gradio's sanitiser keeps `href` and `class`, and drops `data-*`, so the link carries both).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from rag import Answer, ArticleInfo, Citation, IndexReport, Passage, Settings, TimelineEvent
from rag.answers import split_short
from rag.time.expressions import segments

_MARKER = re.compile(r"\[(\d+)\]")
# Only what would turn article text into formatting; each escape shows up in a copied message.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]~$])")
# What GitHub-flavoured Markdown turns into a link by itself: `http://`, `www.`, an address.
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<=\bwww)(\.)|(@)(?=[\w-])", re.IGNORECASE)
# What starts a Markdown block at the head of a line: a heading, quote, list, table, rule.
_BLOCK_START = re.compile(r"(?m)^[ \t]*([#>+=|-]|\d+(?=[.)]))")
# Control characters would start a new Markdown line or block in a one-line field.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_STAYS = "Nothing leaves this machine."
_CHECKED = "checked against the passage it cites"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
LISTED = 12  # ids or problems named in an upload report before "and N more"
EMPTY_PANEL = (
    '<div class="sources-empty">Ask a question: the sentences the answer quotes appear here, '
    "highlighted in their articles.</div>"
)


def chat_message(
    text: str, turn: int, abstained: bool = False, citations: Sequence[Citation] = ()
) -> str:
    """An answer's text for the chat, each complete `[n]` a link to its source card.

    With `citations`, hovering a marker shows the article's title, outlet and date.
    """
    titles = {str(c.number): _source_line(c) for c in citations}
    parts = _MARKER.split(text)
    rendered = []
    for position, part in enumerate(parts):
        if position % 2:
            hint = f' title="{html.escape(titles[part])}"' if part in titles else ""
            rendered.append(f'<a class="cite" href="#src-{turn}-{part}"{hint}>[{part}]</a>')
        else:
            rendered.append(escape(part))
    body = "".join(rendered)
    if abstained:
        return f'<div class="abstain">{body}</div>'
    return body


def answer_message(answer: Answer, turn: int) -> str:
    """A finished answer: its notice, then its text; a generated sentence no article supports
    is marked as such, with the reason on hover."""
    notice = f'<div class="notice">{escape(answer.notice)}</div>' if answer.notice else ""
    if answer.time_scope:
        notice += f'<div class="scope">{escape(answer.time_scope)}</div>'
    text = answer.annotated_text()  # "starts Saturday (1 May 2021)"
    split = split_short(text)
    if answer.short and split and not answer.abstained:
        # The fact first and large, the sentence(s) that state it beneath; the line break
        # between them survives the chat's copy button.
        short = chat_message(split[0], turn, citations=answer.citations)
        said = chat_message(split[1], turn, citations=answer.citations)
        return f'{notice}<div class="short-answer">{short}</div>\n\n<div class="quote">{said}</div>'
    if answer.abstained or not answer.sentences:
        body = chat_message(text, turn, answer.abstained, answer.citations)
        return notice + body
    pieces = []
    for sentence in answer.sentences:
        markers = "".join(f" [{n}]" for n in sentence.citations)
        shown = chat_message(sentence.text + markers, turn, citations=answer.citations)
        if not sentence.supported:
            why = html.escape(sentence.note or "no article supports it")
            shown = (
                f'<span class="unsupported" title="{why}">{shown}</span>'
                '<span class="unsupported-flag"> (not in the articles)</span>'
            )
        pieces.append(shown)
    return notice + " ".join(pieces)


def _source_line(citation: Citation) -> str:
    parts = [citation.title, citation.outlet or "", readable_date(citation.published)]
    return " · ".join(part for part in parts if part)


def sources_panel(answers: Sequence[Answer]) -> str:
    """One section per answer; the latest is shown, the others wait for a click on their `[n]`."""
    if not answers:
        return EMPTY_PANEL
    sections = [
        _section(answer, turn, active=turn == len(answers) - 1)
        for turn, answer in enumerate(answers)
    ]
    return "".join(sections)


def _section(answer: Answer, turn: int, active: bool) -> str:
    state = " active" if active else ""
    heading = f'<h3 class="sources-question">{html.escape(answer.question)}</h3>'
    cards = "".join(_citation_card(c, answer.passages, turn) for c in answer.citations)
    cited = {c.chunk_id for c in answer.citations}
    others = [p for p in answer.passages if p.chunk_id not in cited]
    if answer.abstained:
        cards = '<p class="sources-note">No passage answers this question.</p>'
    return (
        f'<section class="turn{state}" id="turn-{turn}">{heading}{cards}'
        f"{_other_passages(others, answer.abstained)}</section>"
    )


def _citation_card(citation: Citation, passages: Sequence[Passage], turn: int) -> str:
    passage = next((p for p in passages if p.chunk_id == citation.chunk_id), None)
    marked = f"<mark>{dated_quote(citation)}</mark>"
    if passage is None or not passage.start <= citation.start < citation.end <= passage.end:
        body = marked
    else:
        cut_start, cut_end = citation.start - passage.start, citation.end - passage.start
        body = html.escape(passage.text[:cut_start]) + marked + html.escape(passage.text[cut_end:])
    meta = _byline(citation.outlet, citation.published, citation.byline, citation.date_inferred)
    return (
        f'<article class="source" id="src-{turn}-{citation.number}">'
        f'<header><span class="num">[{citation.number}]</span> '
        f'<span class="title">{html.escape(citation.title)}</span></header>'
        f"{meta}"
        f'<blockquote class="passage">{body}</blockquote>'
        f"{_also_in(citation.also_in)}{_link(citation.url)}</article>"
    )


def dated_quote(citation: Citation) -> str:
    """The quote as HTML, each relative date followed by the day it names, set apart:
    "starts Saturday <span class="resolved">(1 May 2021)</span>"."""
    mentions = [m.shifted(-citation.start) for m in citation.dates]
    return "".join(
        html.escape(words)
        + (f' <span class="resolved">({html.escape(note)})</span>' if note else "")
        for words, note in segments(citation.quote, mentions)
    )


def timeline_view(events: Sequence[TimelineEvent], problem: str) -> str:
    """The Timeline tab: one dated entry per event, its sentence quoted, its source beneath."""
    if problem:
        return f'<p class="sources-note">{html.escape(problem)}</p>'
    if not events:
        return '<p class="sources-note">No dated events found for that topic.</p>'
    items = []
    for event in events:
        c = event.citation
        how = "" if event.dated_by == "text" else ' <span class="dated-by">article date</span>'
        meta = _byline(c.outlet, c.published, c.byline, c.date_inferred)
        items.append(
            f'<li class="event"><time datetime="{event.date}">{readable_date(event.date)}</time>'
            f'{how}<blockquote class="passage"><mark>{dated_quote(c)}</mark></blockquote>'
            f'<div class="title">{html.escape(c.title)}</div>{meta}{_link(c.url)}</li>'
        )
    return f'<ol class="timeline">{"".join(items)}</ol>'


def _also_in(outlets: Sequence[str]) -> str:
    if not outlets:
        return ""
    return f'<div class="also-in">Also in: {html.escape(", ".join(outlets))}</div>'


def _link(url: str | None) -> str:
    if not url or not url.startswith(("http://", "https://")):
        return ""
    return (
        f'<a class="original" href="{html.escape(url)}" target="_blank" '
        'rel="noopener noreferrer">Original article</a>'
    )


def _other_passages(passages: Sequence[Passage], abstained: bool) -> str:
    if not passages:
        return ""
    label = "Closest passages searched" if abstained else "Other passages retrieved"
    items = "".join(
        f'<div class="other"><div class="title">{html.escape(p.title)}</div>'
        f"{_byline(p.outlet, p.published, p.byline, p.date_inferred)}{_also_in(p.also_in)}"
        f'<p class="passage">{html.escape(p.text)}</p></div>'
        for p in passages
    )
    return f'<details class="others"><summary>{label} ({len(passages)})</summary>{items}</details>'


def _byline(
    outlet: str | None, published: str | None, byline: str | None, inferred: bool = False
) -> str:
    date = readable_date(published)
    if date and inferred:
        date += " (date inferred from the text)"
    parts = [outlet or "Unknown outlet", date or "undated"]
    if byline:
        parts.append(byline)
    return f'<div class="meta">{html.escape(" · ".join(parts))}</div>'


def readable_date(published: str | None) -> str:
    """ "2021-04-28" → "28 Apr 2021"; "" when missing or unreadable."""
    if not published:
        return ""
    try:
        day = dt.date.fromisoformat(published[:10])
    except ValueError:
        return published
    return f"{day.day} {day:%b %Y}"


def article_rows(articles: Sequence[ArticleInfo]) -> list[list[str | int]]:
    """The articles table: title, outlet, date, chunks, id."""
    return [[a.title, a.outlet or "", a.published or "", len(a.chunk_ids), a.id] for a in articles]


def index_report(report: IndexReport, rejected: Sequence[str]) -> str:
    """Markdown for an upload: each file that failed and what to do, then what was indexed."""
    problems = [f"✗ {escape_line(reason)}" for reason in rejected]
    for failure in report.failed:
        where = Path(failure.source).name + (f", line {failure.line}" if failure.line else "")
        problems.append(f"✗ {escape_line(where)}: {escape_line(failure.reason)}")
    lines = [f"**{report.summary()}**"]
    lines += [f"- {line}" for line in problems[:LISTED]]
    if len(problems) > LISTED:
        lines.append(f"- … and {len(problems) - LISTED} more problems")
    for label, ids in (("indexed", report.added + report.updated), ("unchanged", report.unchanged)):
        shown = ", ".join(code(doc_id) for doc_id in ids[:LISTED])
        more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
        if ids:
            lines.append(f"- {label}: {shown}{more}")
    return "\n".join(lines)


def removal_report(removed: Sequence[str], missing: Sequence[str]) -> str:
    """Markdown for a removal: how many went, and each id that was not indexed."""
    lines = [f"**{len(removed)} removed**"]
    lines += [f"- ✗ no article {code(doc_id)} is indexed" for doc_id in missing]
    return "\n".join(lines)


def escape(text: str) -> str:
    """Text shown as itself in Gradio's Markdown: no HTML, no formatting, no links."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    text = _AUTOLINK.sub(lambda match: "\\" + match.group(0), text)
    # Indentation would make a code block; a marker at a line's head, a block of its own.
    return _BLOCK_START.sub(_escaped_block_start, text)


def _escaped_block_start(match: re.Match[str]) -> str:
    marker = match.group(1)
    return f"{marker}\\" if marker[0].isdigit() else f"\\{marker}"


def escape_line(text: str) -> str:
    """`escape` for a one-line field (an id, a file name): control characters shown as codes."""
    return escape(_CONTROL.sub(lambda match: f"\\x{ord(match.group(0)):02x}", text))


def code(text: str) -> str:
    """A one-line field in code style; a backtick in it cannot end the span (HTML, escaped)."""
    return f"<code>{escape_line(text)}</code>"


def how_answered(settings: Settings, articles: int, passages: int) -> str:
    """The line under the title: who writes the answers, from what, and where the text goes."""
    source = f"{articles} indexed articles ({passages} passages)"
    if settings.answerer == "extractive":
        return f"Answers quoted from {source}, every sentence cited. {_STAYS}"
    if settings.answerer == "llama-cpp":
        writer = Path(settings.llm_gguf).stem
        return f"Answers written by {writer} from {source}, every sentence {_CHECKED}. {_STAYS}"
    host = urlsplit(settings.llm_base_url).hostname or settings.llm_base_url
    where = _STAYS if host in _LOOPBACK else f"Questions and passages are sent to {host}."
    model = settings.llm_model
    return f"Answers written by {model} from {source}, every sentence {_CHECKED}. {where}"


def placeholder(settings: Settings) -> str:
    """The empty chat's hint."""
    if settings.answerer == "extractive":
        return (
            "Ask about the indexed articles. Every sentence of an answer is quoted from an "
            "article, and its **[n]** shows where."
        )
    return (
        "Ask about the indexed articles. A language model writes the answer; every sentence "
        "is checked against the article its **[n]** cites, and marked when none supports it."
    )
