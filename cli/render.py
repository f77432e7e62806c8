"""Plain-text rendering of answers, passages and articles for the terminal."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from rag import Answer, ArticleInfo, Citation, Passage, TimelineEvent
from rag.answers import split_short

# Article text is untrusted: an escape sequence in it could move the cursor, retitle the
# terminal or print a hyperlink (OSC 8). Control characters are shown as codes instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\n\t]")


def plain(text: str | None) -> str:
    """Article text for the terminal: every control character but newline and tab as a code."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group(0)):02x}", text or "")


def one_line(text: str | None) -> str:
    """A one-line field (id, title, outlet) for the terminal: no control character at all."""
    return _LINE_BREAK.sub(lambda match: f"\\x{ord(match.group(0)):02x}", plain(text))


def _where(title: str, outlet: str | None, published: str | None, inferred: bool = False) -> str:
    date = f"{published} (date inferred from the text)" if published and inferred else published
    return ", ".join(one_line(part) for part in (title, outlet, date) if part)


def _source(citation: Citation) -> list[str]:
    """A citation's source line, its quote with absolute dates, and where else it ran."""
    where = _where(citation.title, citation.outlet, citation.published, citation.date_inferred)
    lines = [f"[{citation.number}] {where} ({one_line(citation.doc_id)})"]
    quote = textwrap.fill(f'"{plain(citation.annotated_quote())}"', 96)
    lines.append(textwrap.indent(quote, "    "))
    if citation.also_in:
        lines.append(f"    also in: {one_line(', '.join(citation.also_in))}")
    return lines


def answer(reply: Answer) -> str:
    """The answer, then one line per citation with its exact quote and source."""
    lines = [f"note: {plain(reply.notice)}\n"] if reply.notice else []
    if reply.time_scope:
        lines.append(f"{plain(reply.time_scope)}\n")
    text = plain(reply.annotated_text())
    split = split_short(text)
    if reply.short and split:
        # The fact on a line of its own, the sentence(s) that state it beneath.
        lines += [split[0], "", textwrap.fill(split[1], 100)]
    else:
        lines.append(textwrap.fill(text, 100))
    unsupported = [s for s in reply.sentences if not s.supported]
    for sentence in unsupported:
        lines.append(textwrap.fill(f"! not supported by the articles: {plain(sentence.text)}", 100))
    if reply.citations:
        lines.append("")
        for citation in reply.citations:
            lines.extend(_source(citation))
    elif reply.passages:
        lines.append("\nClosest articles searched:")
        nearest: dict[str, Passage] = {}
        for passage in reply.passages:
            nearest.setdefault(passage.doc_id, passage)
        for p in list(nearest.values())[:3]:
            lines.append(f"  - {_where(p.title, p.outlet, p.published)} ({one_line(p.doc_id)})")
    lines.append(
        f"\nconfidence {reply.confidence:.2f} · {reply.timings.get('total', 0) * 1000:.0f} ms"
        f" · {reply.answerer}"
    )
    return "\n".join(lines)


def passages(found: Sequence[Passage]) -> str:
    """Numbered passages with their scores."""
    blocks = []
    for number, p in enumerate(found, 1):
        where = _where(p.title, p.outlet, p.published, p.date_inferred)
        head = f"{number}. {where} ({one_line(p.doc_id)}) score {p.score:.4f}"
        if p.also_in:
            head += f"\n    also in: {one_line(', '.join(p.also_in))}"
        blocks.append(head + "\n" + textwrap.indent(textwrap.fill(plain(p.text), 96), "    "))
    return "\n\n".join(blocks) if blocks else "No passages found."


def _listed_date(article: ArticleInfo) -> str:
    """The date column of `rag list`: "~" marks a date inferred from the text."""
    mark = "~" if article.date_inferred else " "
    return f"{one_line(article.published) or '----------'}{mark}"


def timeline(events: Sequence[TimelineEvent]) -> str:
    """One block per event: its date, the sentence, and the article it is quoted from."""
    if not events:
        return "No dated events found for that topic."
    blocks = []
    for event in events:
        c = event.citation
        how = "" if event.dated_by == "text" else "  (article's date)"
        text = textwrap.fill(plain(c.annotated_quote()), 94)
        where = _where(c.title, c.outlet, c.published, c.date_inferred)
        blocks.append(f"{event.date}{how}\n{textwrap.indent(text, '  ')}\n  [{c.number}] {where}")
    return "\n\n".join(blocks)


def articles(found: Sequence[ArticleInfo]) -> str:
    """One line per article: id, date, outlet, title, chunk count."""
    if not found:
        return "No articles indexed."
    return "\n".join(
        f"{one_line(a.id)}  {_listed_date(a)} "
        f"{one_line(a.outlet or '-')[:20]:20}  {one_line(a.title)[:60]}  "
        f"({len(a.chunk_ids)} chunks)"
        for a in found
    )
