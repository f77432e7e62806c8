"""Markdown and HTML: their own metadata, and the body text to clean.

Markdown may open with simple `key: value` front matter and a `# Heading`; HTML goes
through trafilatura's main-text extraction (given a string, never a URL, so it stays offline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.errors import InputError
from rag.time.dates import to_iso_date


@dataclass(frozen=True)
class Metadata:
    """Metadata a file format carries itself; it wins over what cleaning found."""

    title: str | None = None
    byline: str | None = None
    published: str | None = None
    outlet: str | None = None
    url: str | None = None


_FRONT_MATTER_KEYS = {
    "title": ("title",),
    "published": ("date", "published"),
    "byline": ("author", "byline", "authors"),
    "outlet": ("outlet", "source", "site"),
    "url": ("url",),
}


def read_markdown(text: str, source: str = "<markdown>") -> tuple[Metadata, str]:
    """The front matter and leading heading of a Markdown file, and its body as plain text.

    Broken front matter (never closed, an unclosed quote or list) raises InputError naming
    `source` and the line, rather than turning into a title like `---` or `"Unclosed`.
    """
    front, body = _split_front_matter(text, source)
    heading, body = _take_heading(body)
    fields = {
        name: next((front[key] for key in keys if front.get(key)), None)
        for name, keys in _FRONT_MATTER_KEYS.items()
    }
    meta = Metadata(
        title=fields["title"] or heading,
        byline=fields["byline"],
        published=to_iso_date(fields["published"]),
        outlet=fields["outlet"],
        url=fields["url"],
    )
    return meta, _strip_markdown(body)


def _split_front_matter(text: str, source: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` front matter between `---` lines, and the text after it."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise InputError(
            source,
            "the front matter opened by `---` on line 1 is never closed; "
            "end it with a line of `---`, or remove the first line if it is not front matter",
        )
    front: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        key, colon, value = line.partition(":")
        if colon and not line.startswith((" ", "#")):
            problem = _value_problem(value.strip())
            if problem:
                raise InputError(source, f"front matter line {number} ({key.strip()}): {problem}")
            front[key.strip().lower()] = _front_matter_value(value)
    return front, "\n".join(lines[end + 1 :])


def _value_problem(value: str) -> str | None:
    """What is unclosed in a front matter value, or None."""
    if value[:1] in ("'", '"') and (len(value) < 2 or value[-1] != value[0]):
        return f"the quote {value[0]} is never closed in {value!r}; close it or remove it"
    if value.startswith("[") and not value.endswith("]"):
        return f"the list is never closed with ] in {value!r}; close it or remove the ["
    return None


def _front_matter_value(value: str) -> str:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        return ", ".join(_unquote(item) for item in value[1:-1].split(",") if item.strip())
    return _unquote(value)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _take_heading(body: str) -> tuple[str | None, str]:
    """A leading `# Heading` as the title, and the body without it."""
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, body
    match = re.fullmatch(r"#\s+(.+?)(?:\s+#+)?", lines[first].strip())
    if match is None:
        return None, body
    return match.group(1), "\n".join(lines[first + 1 :])


def _strip_markdown(body: str) -> str:
    body = re.sub(r"(?m)^(\s{0,3})#{1,6}\s+(.*?)(?:\s+#+)?$", r"\1\2", body)
    body = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", body)  # images have no text worth quoting
    body = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", body)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", body)


def read_html(html: str) -> tuple[Metadata, str] | None:
    """Title, author, date and site of an HTML page, and its main text (None if it has none)."""
    import trafilatura  # heavy: only imported when there is HTML to read

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    text = getattr(doc, "text", None) or ""
    if not text.strip():
        return None
    title = getattr(doc, "title", None)
    lines = text.split("\n")
    if title and lines[0].strip() == title.strip():
        lines = lines[1:]  # the <h1> repeats the title
    meta = Metadata(
        title=title,
        byline=getattr(doc, "author", None),
        published=to_iso_date(getattr(doc, "date", None)),
        outlet=getattr(doc, "sitename", None),
        url=getattr(doc, "url", None),
    )
    # trafilatura puts one block element per line: those are paragraphs.
    return meta, "\n\n".join(lines)
