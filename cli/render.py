"""Plain-text rendering of answers, passages and articles for the terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rag import Answer, ArticleInfo, Passage


def _where(title: str, outlet: str | None, published: str | None) -> str:
    return ", ".join(part for part in (title, outlet, published) if part)


def answer(reply: Answer) -> str:
    """The answer, then one line per citation with its exact quote and source."""
    lines = [f"note: {reply.notice}\n"] if reply.notice else []
    head, marker, rest = reply.text.partition("[1]. ")
    if reply.short and marker:
        # The fact on a line of its own, the sentence that states it beneath.
        lines += [f"{head}[1]", "", textwrap.fill(rest, 100)]
    else:
        lines.append(textwrap.fill(reply.text, 100))
    unsupported = [s for s in reply.sentences if not s.supported]
    for sentence in unsupported:
        lines.append(textwrap.fill(f"! not supported by the articles: {sentence.text}", 100))
    if reply.citations:
        lines.append("")
        for citation in reply.citations:
            where = _where(citation.title, citation.outlet, citation.published)
            lines.append(f"[{citation.number}] {where} ({citation.doc_id})")
            lines.append(textwrap.indent(textwrap.fill(f'"{citation.quote}"', 96), "    "))
    elif reply.passages:
        lines.append("\nClosest articles searched:")
        nearest: dict[str, Passage] = {}
        for passage in reply.passages:
            nearest.setdefault(passage.doc_id, passage)
        for p in list(nearest.values())[:3]:
            lines.append(f"  - {_where(p.title, p.outlet, p.published)} ({p.doc_id})")
    lines.append(
        f"\nconfidence {reply.confidence:.2f} · {reply.timings.get('total', 0) * 1000:.0f} ms"
        f" · {reply.answerer}"
    )
    return "\n".join(lines)


def passages(found: Sequence[Passage]) -> str:
    """Numbered passages with their scores."""
    blocks = []
    for number, p in enumerate(found, 1):
        head = (
            f"{number}. {_where(p.title, p.outlet, p.published)} ({p.doc_id}) score {p.score:.4f}"
        )
        blocks.append(head + "\n" + textwrap.indent(textwrap.fill(p.text, 96), "    "))
    return "\n\n".join(blocks) if blocks else "No passages found."


def articles(found: Sequence[ArticleInfo]) -> str:
    """One line per article: id, date, outlet, title, chunk count."""
    if not found:
        return "No articles indexed."
    return "\n".join(
        f"{a.id}  {a.published or '----------'}  {(a.outlet or '-')[:20]:20}  "
        f"{a.title[:60]}  ({len(a.chunk_ids)} chunks)"
        for a in found
    )
