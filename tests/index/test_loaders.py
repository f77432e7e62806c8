"""Loading articles from plain text, Markdown, HTML and JSON Lines, and reporting bad input."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.loaders import count_inputs, fallback_title, load_articles
from rag.documents import Article
from rag.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "bench" / "realtimeqa" / "corpus.jsonl"

BODY = "The council voted on Tuesday to close the old bridge for repairs until the end of June."
HTML = """<!DOCTYPE html>
<html><head><title>Dam opens on the river | Valley Herald</title>
<meta property="og:site_name" content="Valley Herald">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2022-06-10T14:03:00Z">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport section link</a></li>
<li><a href="/weather">Weather forecasts for the week</a></li></ul></nav>
<article>
<h1>Dam opens on the river</h1>
<p>The new dam on the Green River opened on Friday after six years of construction,
officials said at a ceremony attended by hundreds of residents.</p>
<p>The project cost 40 million dollars and will supply electricity to about twelve thousand
homes in the valley, according to the county.</p>
</article>
<footer><p>Copyright 2022 Valley Herald. All rights reserved.</p>
<a href="/privacy">Privacy policy and terms of use</a></footer>
</body></html>
"""


def load(*paths: str | Path) -> tuple[list[Article], list[InputError]]:
    articles: list[Article] = []
    errors: list[InputError] = []
    for item in load_articles(paths):
        if isinstance(item, InputError):
            errors.append(item)
        else:
            articles.append(item)
    return articles, errors


def write_jsonl(path: Path, *records: object) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- plain text ----------------------------------------------------------------------------


def test_seeds_folder_loads_both_articles_cleaned() -> None:
    articles, errors = load(SEEDS)
    assert errors == []
    assert [a.id for a in articles] == ["000_30c6da09fd228377", "003_83e67a9ff26feb65"]
    first = articles[0]
    assert first.title == "Pakistan, US Discuss Afghan Drawdown, Regional Security"
    assert first.byline == "Ayaz Gul"
    assert first.published == "2021-04-28"
    assert first.outlet == "GlobalSecurity.org"
    assert first.source == str(SEEDS / "000_30c6da09fd228377.txt")
    assert "mailing list" not in first.text
    raw = (SEEDS / "003_83e67a9ff26feb65.txt").read_text(encoding="utf-8")
    assert all(line in raw for line in articles[1].text.split("\n"))


def test_txt_without_header_gets_first_sentence_as_title(tmp_path: Path) -> None:
    long_first = (
        "Officials in the northern province confirmed on Monday that the flooding had "
        "displaced more than ten thousand families across four districts. More rain is due."
    )
    (tmp_path / "flood.txt").write_text(long_first + "\n", encoding="utf-8")
    [article], errors = load(tmp_path / "flood.txt")
    assert errors == []
    assert article.id == "flood"
    assert article.title.endswith("…")
    assert len(article.title) <= 80
    assert long_first.startswith(article.title[:-1])
    assert article.title[-2] != " "


def test_fallback_title_keeps_short_sentence_and_skips_abbreviations() -> None:
    assert (
        fallback_title("U.S. troops left Kabul. Then more happened.") == "U.S. troops left Kabul."
    )
    assert fallback_title("\n\nShort line only") == "Short line only"


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_front_matter_heading_and_links(tmp_path: Path) -> None:
    path = tmp_path / "bridge.md"
    path.write_text(
        "---\n"
        "date: 2023-03-05T09:00:00Z\n"
        'author: "Sam Lee"\n'
        "outlet: Town Crier\n"
        "url: https://towncrier.example/bridge\n"
        "---\n"
        "# Bridge closes for repairs\n\n"
        f"{BODY}\n\n"
        "## What happens next\n\n"
        "Drivers should use the [ring road](https://example.com/ring) until **July**.\n",
        encoding="utf-8",
    )
    [article], errors = load(path)
    assert errors == []
    assert article.title == "Bridge closes for repairs"
    assert article.published == "2023-03-05"
    assert article.byline == "Sam Lee"
    assert article.outlet == "Town Crier"
    assert article.url == "https://towncrier.example/bridge"
    assert article.source == str(path)
    assert article.text == (
        f"{BODY}\n\nWhat happens next\n\nDrivers should use the ring road until July."
    )


def test_markdown_front_matter_title_wins_over_heading(tmp_path: Path) -> None:
    path = tmp_path / "b.markdown"
    path.write_text(f"---\ntitle: From front matter\n---\n# From heading\n\n{BODY}\n", "utf-8")
    [article], _ = load(path)
    assert article.title == "From front matter"
    assert article.text == BODY


# --- HTML ----------------------------------------------------------------------------------


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "dam.html"
    path.write_text(HTML, encoding="utf-8")
    [article], errors = load(path)
    assert errors == []
    assert article.id == "dam"
    assert article.title == "Dam opens on the river"
    assert article.byline == "Jane Doe"
    assert article.published == "2022-06-10"
    assert article.outlet == "Valley Herald"
    assert "The new dam on the Green River opened on Friday" in article.text
    assert "according to the county." in article.text
    for furniture in ("Sport section link", "Weather forecasts", "All rights reserved", "Privacy"):
        assert furniture not in article.text


def test_html_without_article_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "shell.htm"
    path.write_text("<html><head><script>app()</script></head><body></body></html>", "utf-8")
    articles, [error] = load(path)
    assert articles == []
    assert str(path) in str(error)
    assert "no article text" in error.reason


# --- JSON Lines ----------------------------------------------------------------------------


def test_jsonl_records_become_articles(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "news.jsonl",
        {
            "id": "a1",
            "url": "http://www.usatoday.com/story/news/1/",
            "title": "Bridge closes",
            "published": "2022-06-10T14:03:00Z",
            "authors": ["Ann Smith", "Bo Chen"],
            "text": f"{BODY}\n\nRead More\n\nSecond paragraph of the report.",
        },
        "",
        {"id": 42, "published": "2018/06/07", "text": BODY, "outlet": "Own Outlet"},
    )
    [first, second], errors = load(path)
    assert errors == []
    assert first.id == "a1"
    assert first.outlet == "usatoday.com"
    assert first.published == "2022-06-10"
    assert first.byline == "Ann Smith, Bo Chen"
    assert first.source == "http://www.usatoday.com/story/news/1/"
    assert first.url == "http://www.usatoday.com/story/news/1/"
    assert first.text == f"{BODY}\n\nSecond paragraph of the report."
    assert second.id == "42"
    assert second.published == "2018-06-07"
    assert second.outlet == "Own Outlet"
    assert second.source == str(path)
    assert second.title == fallback_title(BODY)


def test_jsonl_bad_lines_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        {"id": "ok1", "text": BODY},
        "{not json",
        "[1, 2]",
        {"text": BODY},
        {"id": "no-text", "text": None},
        {"id": "ok2", "text": BODY},
        {"id": "ok1", "text": BODY},
    )
    articles, errors = load(path)
    assert [a.id for a in articles] == ["ok1", "ok2"]
    assert [e.line for e in errors] == [2, 3, 4, 5, 7]
    for error in errors:
        assert f"{path}:{error.line}:" in str(error)
    assert "not valid JSON" in errors[0].reason
    assert "not an object" in errors[1].reason
    assert '"id"' in errors[2].reason
    assert '"text"' in errors[3].reason
    assert "duplicate id 'ok1'" in errors[4].reason
    assert f"{path}:1" in errors[4].reason


def test_jsonl_invalid_utf8_line_names_line_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"id": "x", "text": BODY}).encode() + b"\n"
    path.write_bytes(good + b'{"id": "y", "text": "caf\xff"}\n')
    articles, [error] = load(path)
    assert [a.id for a in articles] == ["x"]
    assert error.line == 2
    assert f"invalid byte 0xff at offset {len(good) + 24}" in error.reason


# --- bad input -----------------------------------------------------------------------------


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_good.txt").write_text(BODY, encoding="utf-8")
    (folder / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (folder / "nul.txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    (folder / "controls.md").write_bytes(bytes(range(1, 9)) * 20)
    (folder / "latin1.txt").write_bytes("Hello caf\xe9 society".encode("latin-1"))
    (folder / "only_furniture.txt").write_text(
        "Subscribe to our newsletter\n\nRead More\n", "utf-8"
    )
    (folder / "dangling.txt").symlink_to(folder / "missing-target.txt")
    (folder / "z_good.md").write_text(f"# Second\n\n{BODY}\n", encoding="utf-8")
    return folder


def test_bad_files_yield_errors_and_good_files_still_load(bad_folder: Path) -> None:
    articles, errors = load(bad_folder)
    assert [a.id for a in articles] == ["a_good", "z_good"]
    reasons = {Path(e.source).name: e.reason for e in errors}
    assert set(reasons) == {
        "empty.txt",
        "nul.txt",
        "controls.md",
        "latin1.txt",
        "only_furniture.txt",
        "dangling.txt",
    }
    assert "empty" in reasons["empty.txt"]
    assert "NUL" in reasons["nul.txt"]
    assert "control characters" in reasons["controls.md"]
    assert reasons["latin1.txt"] == (
        "not UTF-8 text (invalid byte 0xe9 at offset 9); re-save it as UTF-8"
    )
    assert "no article text left" in reasons["only_furniture.txt"]
    assert "cannot read" in reasons["dangling.txt"]
    for error in errors:
        assert error.line is None
        assert str(bad_folder) in str(error)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(BODY, encoding="utf-8")
    path.chmod(0)
    try:
        _, [error] = load(path)
    finally:
        path.chmod(0o644)
    assert "cannot read" in error.reason


def test_explicit_unsupported_or_missing_path_is_an_error(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    _, [unsupported, missing] = load(pdf, tmp_path / "nowhere")
    assert str(pdf) in str(unsupported)
    assert "'.pdf'" in unsupported.reason and ".jsonl" in unsupported.reason
    assert "no such file or folder" in missing.reason


def test_duplicate_id_across_files_names_the_first(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "story.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "b" / "story.md").write_text(BODY, encoding="utf-8")
    [article], [error] = load(tmp_path)
    assert article.source == str(tmp_path / "a" / "story.txt")
    assert error.source == str(tmp_path / "b" / "story.md")
    assert str(tmp_path / "a" / "story.txt") in error.reason


def test_folder_walk_is_recursive_sorted_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "sub" / "deeper" / "c.htm").write_text(HTML, encoding="utf-8")
    (tmp_path / ".secret.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / ".hidden" / "d.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"\x00binary")
    articles, errors = load(tmp_path)
    assert errors == []
    assert [a.id for a in articles] == ["a", "b", "c"]


def test_load_articles_streams(tmp_path: Path) -> None:
    (tmp_path / "first.txt").write_text(BODY, encoding="utf-8")

    def paths() -> Iterator[Path]:
        yield tmp_path / "first.txt"
        raise AssertionError("read past the first article before it was asked for")

    first = next(load_articles(paths()))
    assert isinstance(first, Article)
    assert first.id == "first"


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="the RealTimeQA corpus is not present")
def test_real_corpus_loads() -> None:
    articles, errors = load(CORPUS)
    assert len(articles) + len(errors) == 4910
    assert all(e.line is not None for e in errors)
    assert all(a.text.strip() for a in articles)
    assert len(articles) > 4800


def test_count_inputs_gives_the_progress_bar_its_end(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "feed.jsonl").write_text('{"id": 1}\n\n{"id": 2}\n{"id": 3}\n', encoding="utf-8")
    assert count_inputs([tmp_path]) == 4


# --- encodings, broken front matter, odd names ---------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path: Path, encoding: str) -> None:
    text = f"Caf\u00e9 Reopens\n\n{BODY}\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # Python writes no mark for an explicit byte order
    (tmp_path / "cafe.txt").write_bytes(data)
    articles, errors = load(tmp_path / "cafe.txt")
    assert errors == []
    assert articles[0].title == "Caf\u00e9 Reopens" and BODY in articles[0].text


def test_utf16_without_a_byte_order_mark_is_named_not_called_binary(tmp_path: Path) -> None:
    (tmp_path / "cafe.txt").write_bytes(f"Cafe Reopens\n\n{BODY}\n".encode("utf-16-le"))
    _, [error] = load(tmp_path / "cafe.txt")
    assert "UTF-16" in error.reason and "binary" not in error.reason
    assert "UTF-8" in error.reason, "says what to do"


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ('---\ntitle: "Unclosed quote\ndate: 2022-06-10\n---\n', 2, "quote"),
        ("---\ntitle: Fine\nauthor: [a, b\n---\n", 3, "list"),
        ("---\ntitle: Never closed\n", 1, "never closed"),
    ],
)
def test_broken_front_matter_is_reported_with_its_line(
    tmp_path: Path, front: str, line: int, words: str
) -> None:
    (tmp_path / "story.md").write_text(f"{front}\n{BODY}\n", encoding="utf-8")
    articles, [error] = load(tmp_path / "story.md")
    assert articles == []
    assert error.source.endswith("story.md") and f"line {line}" in error.reason
    assert words in error.reason


def test_json_errors_say_at_column_once(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "feed.jsonl", '{"id": "a", "text": "unterminated}')
    _, [error] = load(path)
    assert "at at" not in error.reason and "at column" in error.reason


def test_a_file_name_with_a_line_break_is_refused_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "two\nlines.txt").write_text(BODY, encoding="utf-8")
    path = write_jsonl(tmp_path / "feed.jsonl", {"id": "a\nb", "text": BODY})
    articles, errors = load(tmp_path)
    assert articles == []
    reasons = sorted(e.reason for e in errors)
    assert any("file name" in r and "rename" in r for r in reasons)
    assert any('"id"' in r and "control character" in r for r in reasons)
    assert {e.line for e in errors if e.source == str(path)} == {1}


def test_an_article_over_the_character_limit_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "feed.jsonl", {"id": "short", "text": BODY}, {"id": "long", "text": BODY * 50}
    )
    articles, errors = [], []
    for item in load_articles([path], max_chars=1000):
        (errors if isinstance(item, InputError) else articles).append(item)
    assert [a.id for a in articles] == ["short"]
    [error] = errors
    assert error.line == 2 and "1,000" in error.reason and "RAG_MAX_ARTICLE_CHARS" in error.reason


def test_gzipped_jsonl_reads_the_same_records_as_plain_jsonl(tmp_path: Path) -> None:
    import gzip

    plain = write_jsonl(
        tmp_path / "feed.jsonl",
        {"id": "ok1", "title": "First", "text": BODY, "published": "2024-03-01"},
        "{not json",
        {"id": "ok2", "text": BODY, "url": "https://www.example.com/a"},
    )
    packed = tmp_path / "packed" / "feed.jsonl.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    articles, errors = load(plain)
    unpacked, packed_errors = load(packed.parent)  # found in a folder by its double suffix
    assert [(a.id, a.text, a.title, a.published, a.outlet) for a in unpacked] == [
        (a.id, a.text, a.title, a.published, a.outlet) for a in articles
    ]
    assert [(e.line, e.reason) for e in packed_errors] == [(e.line, e.reason) for e in errors]
    assert count_inputs([packed]) == count_inputs([plain]) == 3


def test_a_gz_file_that_is_not_gzip_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "feed.jsonl.gz"
    fake.write_text('{"id": "a", "text": "plain"}\n', encoding="utf-8")
    articles, errors = load(fake)
    assert not articles and len(errors) == 1
    assert errors[0].source == str(fake) and "not a gzip file" in errors[0].reason
