"""Turn files and folders into Articles: plain text, Markdown, HTML and JSON Lines.

Usage:
    for item in load_articles(["seeds/", "corpus.jsonl"]):
        if isinstance(item, InputError):
            print(item)
        else:
            print(item.id, item.title)

Bad input never raises: it is yielded as an InputError and loading goes on.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from index.clean import CleanedText, clean_body, clean_text
from index.markup import Metadata, read_html, read_markdown
from rag.documents import Article
from rag.errors import InputError
from rag.time.dates import to_iso_date
from rag.time.expressions import infer_published

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".jsonl.gz")
TITLE_MAX_CHARS = 80
SNIFF_BYTES = 8192  # how much of a file is looked at to tell text from binary
MAX_CONTROL_SHARE = 0.05  # more control characters than this means the file is not text


@dataclass(frozen=True)
class _Loaded:
    """An article and where it came from, to name both places of a duplicate id."""

    article: Article
    path: str
    line: int | None = None

    @property
    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


def load_articles(
    paths: Iterable[str | Path], max_chars: int | None = None
) -> Iterator[Article | InputError]:
    """Stream the articles in `paths` (files or folders), yielding an InputError per bad input.

    With `max_chars`, an article whose cleaned text is longer is refused (it would cost
    minutes and gigabytes to embed); the message says how to get it in.
    """
    first_seen: dict[str, str] = {}
    for item in _load_all(paths):
        if isinstance(item, InputError):
            yield item
            continue
        size = len(item.article.text)
        if max_chars is not None and size > max_chars:
            yield InputError(
                item.path,
                f"the article is {size:,} characters long, over the limit of {max_chars:,} per "
                "article; split it into several articles or raise RAG_MAX_ARTICLE_CHARS",
                line=item.line,
            )
            continue
        article_id = item.article.id
        if article_id in first_seen:
            yield InputError(
                item.path,
                f"duplicate id {article_id!r}: already loaded from {first_seen[article_id]}; "
                "give every article a unique id (file name or JSON Lines `id`)",
                line=item.line,
            )
            continue
        first_seen[article_id] = item.where
        yield item.article


def count_inputs(paths: Iterable[str | Path]) -> int:
    """How many items `load_articles` will yield, about: files, and lines of JSON Lines files.

    Cheap next to embedding (a line count), and it gives the progress bar an end.
    """
    total = 0
    for entry in _files(paths):
        if isinstance(entry, Path) and _kind(entry) in (".jsonl", ".jsonl.gz"):
            try:
                with _open_lines(entry) as handle:
                    total += sum(1 for line in handle if line.strip())
            except (OSError, EOFError):  # EOFError: a gzip file cut short
                total += 1
        else:
            total += 1
    return total


def _load_all(paths: Iterable[str | Path]) -> Iterator[_Loaded | InputError]:
    for entry in _files(paths):
        if isinstance(entry, InputError):
            yield entry
        else:
            yield from _LOADERS[_kind(entry)](entry)


def _files(paths: Iterable[str | Path]) -> Iterator[Path | InputError]:
    """Every file to load: folders walked in sorted order, hidden entries skipped."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path)
        elif _kind(path) in SUFFIXES:
            yield path  # a missing file is reported when it is read
        elif not path.exists() and not path.is_symlink():
            yield InputError(str(path), "no such file or folder; check the path")
        else:
            yield InputError(
                str(path),
                f"unsupported file type {path.suffix or '(no suffix)'!r}; "
                f"give files ending in {', '.join(SUFFIXES)}",
            )


def _kind(path: Path) -> str:
    """The suffix that picks a loader: `.jsonl.gz` for gzipped JSON Lines, else the last one."""
    name = path.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else path.suffix.lower()


def _open_lines(path: Path) -> Any:
    """A JSON Lines file as bytes, decompressed as it is read when it is gzipped."""
    if _kind(path) == ".jsonl.gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and _kind(Path(name)) in SUFFIXES:
                yield Path(folder) / name


# --- reading bytes -------------------------------------------------------------------------


def _read_text(path: Path) -> str | InputError:
    """The file as text, or an InputError saying why it is not usable text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return InputError(str(path), _unreadable(exc))
    return _decode(data, str(path))


def _unreadable(exc: OSError) -> str:
    why = exc.strerror or exc.__class__.__name__
    return f"cannot read it ({why}); check that it exists, is a file and is readable"


# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, source: str) -> str | InputError:
    if not data.strip(b" \t\r\n\x00"):
        return InputError(source, "the file is empty; add the article text or remove the file")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is not None:  # the byte-order mark says which; Windows tools write these
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            return InputError(
                source,
                f"not valid {encoding.upper()} text although it starts with a {encoding.upper()} "
                f"byte-order mark (bad bytes at offset {exc.start}); re-save it as UTF-8",
            )
        return _checked_text(text.removeprefix("\ufeff"), source)
    if b"\x00" in data:
        return InputError(source, _nul_reason(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputError(source, _not_utf8(data[exc.start], exc.start))
    return _checked_text(text.removeprefix("\ufeff"), source)


def _checked_text(text: str, source: str) -> str | InputError:
    if not text.strip():
        return InputError(source, "the file is empty; add the article text or remove the file")
    if _control_share(text[:SNIFF_BYTES]) > MAX_CONTROL_SHARE:
        return InputError(source, _binary_reason("it is mostly control characters"))
    return text


def _nul_reason(data: bytes) -> str:
    """Why a file with NUL bytes is refused: UTF-16 without a byte-order mark, or binary."""
    head = data[:SNIFF_BYTES]
    even, odd = head[0::2], head[1::2]
    for name, zeros, other in (("little", odd, even), ("big", even, odd)):
        # ASCII-heavy UTF-16 has a NUL in every other byte and almost none in the rest.
        if zeros.count(0) > 0.8 * len(zeros) and other.count(0) < 0.05 * len(other):
            return (
                f"looks like UTF-16 ({name}-endian) text without a byte-order mark; "
                "re-save it as UTF-8 (or as UTF-16 with a byte-order mark)"
            )
    return _binary_reason("it contains NUL bytes")


def _binary_reason(evidence: str) -> str:
    return f"looks binary ({evidence}); give UTF-8 text, Markdown, HTML or JSON Lines"


def _file_id(path: Path) -> str | InputError:
    """A file's article id (its name without the suffix), refused if it holds a line break."""
    if any(unicodedata.category(ch) == "Cc" for ch in path.stem):
        return InputError(
            str(path),
            f"the file name {path.name!r} holds a line break or other control character, "
            "which cannot be an article id; rename the file without it",
        )
    return path.stem


def _not_utf8(byte: int, offset: int) -> str:
    return f"not UTF-8 text (invalid byte 0x{byte:02x} at offset {offset}); re-save it as UTF-8"


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    return controls / len(text)


# --- building articles ---------------------------------------------------------------------


def _build(
    path: Path,
    article_id: str,
    cleaned: CleanedText,
    meta: Metadata,
    *,
    line: int | None = None,
    source: str | None = None,
) -> _Loaded | InputError:
    """An Article from cleaned text; the format's own metadata wins over the header's."""
    if not cleaned.text.strip():
        reason = "no article text left after removing boilerplate; check it holds an article"
        return InputError(str(path), reason, line=line)
    published = meta.published or cleaned.published
    # No stated date: the text's first full date (a dateline, the day of the event), marked.
    inferred = infer_published(cleaned.text) if published is None else None
    article = Article(
        id=article_id,
        text=cleaned.text,
        title=meta.title or cleaned.title or fallback_title(cleaned.text),
        source=source or str(path),
        outlet=meta.outlet or cleaned.outlet,
        byline=meta.byline or cleaned.byline,
        published=published or inferred,
        url=meta.url,
        date_inferred=inferred is not None,
    )
    return _Loaded(article, str(path), line)


def fallback_title(text: str) -> str:
    """A title for an article without one: its first sentence, cut to ~80 characters."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    # Two lowercase letters before the stop, so "U.S." and "Mr." do not end the sentence.
    match = re.match(r"(.+?[a-z0-9%]{2}[.!?][\"”’')]*)(?=\s|$)", first)
    sentence = match.group(1) if match else first
    if len(sentence) <= TITLE_MAX_CHARS:
        return sentence
    cut = sentence[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–—-") + "…"


# --- plain text ----------------------------------------------------------------------------


def _load_txt(path: Path) -> Iterator[_Loaded | InputError]:
    article_id = _file_id(path)
    text = _read_text(path) if isinstance(article_id, str) else article_id
    if isinstance(text, InputError):
        yield text
    else:
        yield _build(path, str(article_id), clean_text(text), Metadata())


# --- Markdown and HTML ---------------------------------------------------------------------


def _load_markdown(path: Path) -> Iterator[_Loaded | InputError]:
    article_id = _file_id(path)
    text = _read_text(path) if isinstance(article_id, str) else article_id
    if isinstance(text, InputError):
        yield text
        return
    try:
        meta, body = read_markdown(text, str(path))
    except InputError as error:  # broken front matter, with its line
        yield error
        return
    yield _build(path, str(article_id), clean_body(body), meta)


def _load_html(path: Path) -> Iterator[_Loaded | InputError]:
    article_id = _file_id(path)
    html = _read_text(path) if isinstance(article_id, str) else article_id
    if isinstance(html, InputError):
        yield html
        return
    extracted = read_html(html)
    if extracted is None:
        reason = "no article text found in the HTML; check it is an article page, not a shell"
        yield InputError(str(path), reason)
        return
    meta, body = extracted
    yield _build(path, str(article_id), clean_body(body), meta)


# --- JSON Lines ----------------------------------------------------------------------------


def _load_jsonl(path: Path) -> Iterator[_Loaded | InputError]:
    """One article per line, read as a stream so that large corpora fit in memory."""
    try:
        with _open_lines(path) as handle:
            yield from _jsonl_lines(path, handle)
    except gzip.BadGzipFile:
        reason = "not a gzip file, although it ends in .gz; gzip it or rename it"
        yield InputError(str(path), reason)
    except OSError as exc:
        yield InputError(str(path), _unreadable(exc))
    except EOFError:
        yield InputError(str(path), "the gzip file is cut short; copy or download it again")


def _jsonl_lines(path: Path, handle: Any) -> Iterator[_Loaded | InputError]:
    head = handle.read(SNIFF_BYTES)
    if head.startswith(tuple(bom for bom, _ in _BOMS)):
        reason = "UTF-16 or UTF-32 text, but JSON Lines must be UTF-8; re-save it as UTF-8"
        yield InputError(str(path), reason)
        return
    if b"\x00" in head:
        yield InputError(str(path), _nul_reason(head))
        return
    handle.seek(0)
    offset, records = 0, 0
    for number, raw in enumerate(handle, start=1):
        if raw.strip():
            records += 1
            yield _jsonl_record(path, raw, number, offset)
        offset += len(raw)
    if not records:
        yield InputError(str(path), "the file is empty; add one JSON object per line")


def _jsonl_record(path: Path, raw: bytes, line: int, offset: int) -> _Loaded | InputError:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return InputError(str(path), _not_utf8(raw[exc.start], offset + exc.start), line=line)
    except json.JSONDecodeError as exc:
        # json's messages may end in "at" ("Unterminated string starting at"): say it once.
        what = exc.msg.removesuffix(" at")
        reason = f"not valid JSON ({what} at column {exc.colno}); write one object per line"
        return InputError(str(path), reason, line=line)
    problem = _record_problem(record)
    if problem:
        return InputError(str(path), problem, line=line)
    url = record.get("url") if isinstance(record.get("url"), str) else None
    meta = Metadata(
        title=_string(record.get("title")),
        byline=_byline(record),
        published=to_iso_date(_string(record.get("published"))),
        outlet=_string(record.get("outlet")) or _host(url),
        url=url or None,
    )
    cleaned = clean_body(record["text"])
    return _build(path, str(record["id"]), cleaned, meta, line=line, source=url or None)


def _record_problem(record: Any) -> str | None:
    """What makes a JSON value unusable as an article record, or None."""
    if not isinstance(record, dict):
        kind = type(record).__name__
        return f'a JSON {kind}, not an object; write records like {{"id": ..., "text": ...}}'
    article_id = record.get("id")
    if isinstance(article_id, bool) or not isinstance(article_id, str | int | float):
        return 'no "id" (a string or number); give every record a unique id'
    if not str(article_id).strip():
        return 'an empty "id"; give every record a unique id'
    if any(unicodedata.category(ch) == "Cc" for ch in str(article_id)):
        return f'the "id" {article_id!r} holds a line break or other control character; remove it'
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return 'no "text"; give every record the article text as a non-empty string'
    return None


def _string(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _byline(record: dict[str, Any]) -> str | None:
    authors = record.get("authors")
    if isinstance(authors, list):
        names = [str(name).strip() for name in authors if str(name).strip()]
        return ", ".join(names) or None
    return _string(authors) or _string(record.get("author")) or _string(record.get("byline"))


def _host(url: str | None) -> str | None:
    """The outlet a url points at: "usatoday.com" for http://www.usatoday.com/story/…"""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


_LOADERS: dict[str, Callable[[Path], Iterator[_Loaded | InputError]]] = {
    ".txt": _load_txt,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".jsonl": _load_jsonl,
    ".jsonl.gz": _load_jsonl,
}
