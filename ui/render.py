"""HTML for the web chat: answers with clickable `[n]`, and the sources panel behind them.

Article text is untrusted: everything taken from it is escaped before it reaches the page.
Each `[n]` links to `#src-{turn}-{n}`, the card of citation n of that turn in the panel
(Gradio's sanitiser keeps `href` and `class`, and drops `data-*`, so the link carries both).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from rag import Answer, ArticleInfo, Citation, IndexReport, Passage, Settings, TimelineEvent
from rag.answers import split_short
from rag.time.expressions import segments

ArticleTexts = Callable[[str], "str | None"]  # doc id → the article's cleaned text
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

    With `citations`, hovering a marker shows the article's title, outlet and date. The text
    is one HTML block (`<div>`, no blank line in it), so Markdown never reads it: nothing in
    an article or a question turns into formatting, and no escape shows (`\\*`).
    """
    kind = "abstain" if abstained else "said"
    return f'<div class="{kind}">{_linked(text, turn, citations)}</div>'


def _linked(text: str, turn: int, citations: Sequence[Citation]) -> str:
    """`text` escaped for an HTML block, each `[n]` a link to its card."""
    titles = {str(c.number): _source_line(c) for c in citations}
    rendered = []
    for position, part in enumerate(_MARKER.split(text)):
        if position % 2:
            hint = f' title="{html.escape(titles[part])}"' if part in titles else ""
            rendered.append(f'<a class="cite" href="#src-{turn}-{part}"{hint}>[{part}]</a>')
        else:
            rendered.append(_inline(part))
    return "".join(rendered)


def _inline(text: str) -> str:
    """Text inside an HTML block: escaped, its line breaks kept without ending the block, and
    nothing a linkifier would take for an address ("http://", "www.", "a@b": entities)."""
    escaped = html.escape(text, quote=False).replace("\n", "<br>")
    return _AUTOLINK.sub(lambda match: f"&#{ord(match.group(0))};", escaped)


def answer_message(answer: Answer, turn: int) -> str:
    """A finished answer: its notice, then its text, then its numbered sources with their
    dates; a generated sentence no article supports is marked as such, with the reason on
    hover."""
    notice = f'<div class="notice">{_inline(answer.notice)}</div>' if answer.notice else ""
    if answer.time_scope:
        notice += f'<div class="scope">{_inline(answer.time_scope)}</div>'
    return f'<div class="answer">{notice}{_answer_body(answer, turn)}{footnotes(answer)}</div>'


def _answer_body(answer: Answer, turn: int) -> str:
    text = answer.annotated_text()  # "starts Saturday (1 May 2021)"
    split = split_short(text)
    if answer.short and split and not answer.abstained:
        # The fact first and large, the sentence(s) that state it beneath.
        short = chat_message(split[0], turn, citations=answer.citations)
        said = chat_message(split[1], turn, citations=answer.citations)
        return f'<div class="short-answer">{short}</div><div class="quote">{said}</div>'
    if answer.abstained or not answer.sentences:
        return chat_message(text, turn, answer.abstained, answer.citations)
    pieces = []
    for sentence in answer.sentences:
        markers = "".join(f" [{n}]" for n in sentence.citations)
        shown = _linked(sentence.text + markers, turn, answer.citations)
        if not sentence.supported:
            why = html.escape(sentence.note or "no article supports it")
            shown = (
                f'<span class="unsupported" title="{why}">{shown}</span>'
                '<span class="unsupported-flag"> (not in the articles)</span>'
            )
        pieces.append(shown)
    return f'<div class="said">{" ".join(pieces)}</div>'


def footnotes(answer: Answer) -> str:
    """The answer's sources under it, one line per article: "[1] Title — Outlet, 28 Apr 2021".
    A hidden copy of them as Markdown (with url and quote) is what the copy button takes."""
    if not answer.citations:
        return ""
    lines = "".join(
        f'<li><span class="fn-num">{" ".join(f"[{c.number}]" for c in cited)}</span> '
        f'{_inline(cited[0].title)} <span class="fn-meta">— {_inline(_outlet_date(cited[0]))}'
        "</span></li>"
        for cited in _by_article(answer.citations)
    )
    markdown = _inline(sources_markdown(answer.citations))
    return f'<ol class="footnotes">{lines}</ol><div class="copy-only">{markdown}</div>'


def _by_article(citations: Sequence[Citation]) -> list[list[Citation]]:
    """The citations grouped by article, in the order each article is first cited."""
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.doc_id, []).append(citation)
    return list(groups.values())


def _outlet_date(citation: Citation) -> str:
    parts = [citation.outlet or "Unknown outlet", readable_date(citation.published) or "undated"]
    return ", ".join(parts)


def sources_markdown(citations: Sequence[Citation]) -> str:
    """The numbered source list as Markdown: title, outlet, date, url, and the quote."""
    lines = ["Sources:"]
    for c in citations:
        url = f" {c.url}" if c.url else ""
        lines.append(f"[{c.number}] {c.title} — {_outlet_date(c)}.{url}")
        lines.append(f"    > {c.quote}")
    return "\n".join(lines)


def conversation_markdown(answers: Sequence[Answer]) -> str:
    """A whole conversation as Markdown: each question, its answer, its numbered sources."""
    parts = ["# News QA conversation", ""]
    for answer in answers:
        parts += [f"## {answer.question.strip()}", "", answer.annotated_text(), ""]
        if answer.citations:
            parts += [sources_markdown(answer.citations), ""]
    return "\n".join(parts)


def _source_line(citation: Citation) -> str:
    parts = [citation.title, citation.outlet or "", readable_date(citation.published)]
    return " · ".join(part for part in parts if part)


def sources_panel(answers: Sequence[Answer], texts: ArticleTexts | None = None) -> str:
    """One section per answer; the latest is shown, the others wait for a click on their `[n]`.

    `texts(doc_id)` gives an article's whole cleaned text for its "Read the whole article".
    """
    if not answers:
        return EMPTY_PANEL
    if texts is not None:
        texts = functools.cache(texts)  # an article cited in several turns is read once
    sections = [
        _section(answer, turn, turn == len(answers) - 1, texts)
        for turn, answer in enumerate(answers)
    ]
    return "".join(sections)


def _section(answer: Answer, turn: int, active: bool, texts: ArticleTexts | None) -> str:
    state = " active" if active else ""
    heading = f'<h3 class="sources-question">{html.escape(answer.question)}</h3>'
    cards = "".join(
        _article_card(cited, answer.passages, turn, texts)
        for cited in _by_article(answer.citations)
    )
    cited_chunks = {c.chunk_id for c in answer.citations}
    others = [p for p in answer.passages if p.chunk_id not in cited_chunks]
    if answer.abstained:
        cards = '<p class="sources-note">No passage answers this question.</p>'
    return (
        f'<section class="turn{state}" id="turn-{turn}">{heading}{cards}'
        f"{_other_passages(others, answer.abstained)}</section>"
    )


def _article_card(
    cited: Sequence[Citation], passages: Sequence[Passage], turn: int, texts: ArticleTexts | None
) -> str:
    """One card per article: each passage that holds a cited sentence, every cited sentence
    highlighted (and the target of its `[n]`), then the whole article on request."""
    first = cited[0]
    numbers = " ".join(f"[{c.number}]" for c in cited)
    bodies = []
    for chunk_id in dict.fromkeys(c.chunk_id for c in cited):
        in_chunk = [c for c in cited if c.chunk_id == chunk_id]
        passage = next((p for p in passages if p.chunk_id == chunk_id), None)
        bodies.append(
            f'<blockquote class="passage">{_marked(passage, in_chunk, turn)}</blockquote>'
        )
    meta = _byline(first.outlet, first.published, first.byline, first.date_inferred)
    whole = texts(first.doc_id) if texts else None
    return (
        f'<article class="source" id="card-{turn}-{first.number}" tabindex="-1">'
        f'<header><span class="num">{numbers}</span> '
        f'<span class="title">{html.escape(first.title)}</span></header>'
        f"{meta}{''.join(bodies)}"
        f"{_also_in(first.also_in)}{_link(first.url)}{_whole_article(whole, cited)}</article>"
    )


def _marked(passage: Passage | None, cited: Sequence[Citation], turn: int) -> str:
    """The passage's text with each cited sentence in a `<mark id="src-TURN-N">`."""
    marks = sorted(cited, key=lambda c: c.start)
    if passage is None or not all(passage.start <= c.start < c.end <= passage.end for c in marks):
        return " … ".join(_mark(c, turn) for c in marks)
    out, at = [], passage.start
    for c in marks:
        if c.start < at:  # overlapping quotes: mark the first only
            continue
        out.append(html.escape(passage.text[at - passage.start : c.start - passage.start]))
        out.append(_mark(c, turn))
        at = c.end
    out.append(html.escape(passage.text[at - passage.start :]))
    return "".join(out)


def _mark(citation: Citation, turn: int) -> str:
    return f'<mark id="src-{turn}-{citation.number}">{dated_quote(citation)}</mark>'


def _whole_article(text: str | None, cited: Sequence[Citation]) -> str:
    """ "Read the whole article": its cleaned text, the cited sentences highlighted."""
    if not text:
        return ""
    out, at = [], 0
    for c in sorted(cited, key=lambda c: c.start):
        if c.start < at or text[c.start : c.end] != c.quote:
            continue
        out += [html.escape(text[at : c.start]), f"<mark>{html.escape(c.quote)}</mark>"]
        at = c.end
    out.append(html.escape(text[at:]))
    return (
        '<details class="whole"><summary>Read the whole article</summary>'
        f'<div class="article-text">{"".join(out)}</div></details>'
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


def article_list(articles: Sequence[ArticleInfo]) -> str:
    """The article library as cards that read at any width: title, then outlet · date ·
    passages, then the id."""
    if not articles:
        return '<p class="sources-note">No articles are indexed yet: add some above.</p>'
    items = []
    for a in articles:
        date = readable_date(a.published) or "undated"
        if a.published and a.date_inferred:
            date = f"~{date}"
        meta = " · ".join([a.outlet or "Unknown outlet", date, _passages(len(a.chunk_ids))])
        items.append(
            f'<li class="article"><div class="title">{html.escape(a.title)}</div>'
            f'<div class="meta">{html.escape(meta)}</div>'
            f'<code class="doc-id">{html.escape(a.id)}</code></li>'
        )
    count = f'<p class="library-count">{_articles(len(articles))}</p>'
    return f'{count}<ul class="library">{"".join(items)}</ul>'


def _articles(n: int) -> str:
    return f"{n} article{'' if n == 1 else 's'}"


def _passages(n: int) -> str:
    return f"{n} passage{'' if n == 1 else 's'}"


def index_report(
    report: IndexReport, rejected: Sequence[str], titles: Mapping[str, str] | None = None
) -> str:
    """Markdown for an upload: each file that failed and what to do, then what was indexed,
    by title when `titles` (doc id → title) knows it."""
    named = titles or {}
    problems = [f"✗ {escape_line(reason)}" for reason in rejected]
    for failure in report.failed:
        where = Path(failure.source).name + (f", line {failure.line}" if failure.line else "")
        problems.append(f"✗ {escape_line(where)}: {escape_line(failure.reason)}")
    lines = [f"**{report.summary()}**"]
    lines += [f"- {line}" for line in problems[:LISTED]]
    if len(problems) > LISTED:
        lines.append(f"- … and {len(problems) - LISTED} more problems")
    for label, ids in (("indexed", report.added + report.updated), ("unchanged", report.unchanged)):
        shown = ", ".join(_named(doc_id, named) for doc_id in ids[:LISTED])
        more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
        if ids:
            lines.append(f"- {label}: {shown}{more}")
    return "\n".join(lines)


def _named(doc_id: str, titles: Mapping[str, str]) -> str:
    title = titles.get(doc_id)
    return f"“{escape_line(title)}” ({code(doc_id)})" if title else code(doc_id)


def removal_report(
    removed: Sequence[str], missing: Sequence[str], titles: Mapping[str, str] | None = None
) -> str:
    """Markdown for a removal: what went, by title, and each id that was not indexed."""
    named = titles or {}
    if not removed and not missing:
        return "Choose the articles to remove first."
    lines = [f"**Removed {_articles(len(removed))}**" if removed else "**Nothing removed**"]
    lines += [f"- {_named(doc_id, named)}" for doc_id in removed]
    lines += [f"- ✗ no article {code(doc_id)} is indexed" for doc_id in missing]
    return "\n".join(lines)


def removal_question(doc_ids: Sequence[str], titles: Mapping[str, str]) -> str:
    """What the confirmation asks before anything is removed."""
    names = "; ".join(f"“{escape_line(titles.get(d, d))}”" for d in doc_ids[:LISTED])
    more = f" and {len(doc_ids) - LISTED} more" if len(doc_ids) > LISTED else ""
    return f"**Remove {_articles(len(doc_ids))}?** {names}{more}. This cannot be undone."


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
