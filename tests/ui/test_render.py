"""The chat's HTML: markers become links, article text stays text, quotes are highlighted."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from rag import Answer, ArticleInfo, Citation, IndexReport, InputError, Passage, Settings
from ui import render

PASSAGE = Passage(
    chunk_id="c1", doc_id="d1", text="Troops leave. The pullout ends by <b>September 11</b>. Done.",
    start=100, end=160, title="Drawdown & <Security>", source="d1.txt", outlet="Wire",
    byline="A. Writer", published="2021-04-28", score=1.0,
)  # fmt: skip
QUOTE = "The pullout ends by <b>September 11</b>."
CITATION = Citation(
    number=1, doc_id="d1", chunk_id="c1", quote=QUOTE, start=114, end=114 + len(QUOTE),
    title=PASSAGE.title, source="d1.txt", outlet="Wire", published="2021-04-28",
)  # fmt: skip
OTHER = Passage(**{**PASSAGE.__dict__, "chunk_id": "c2", "text": "Unrelated <script>x</script>"})


def _answer(**changes: object) -> Answer:
    fields = {
        "question": "When does it end?", "text": f"{QUOTE} [1]", "abstained": False,
        "confidence": 0.9, "citations": [CITATION], "passages": [PASSAGE, OTHER],
    }  # fmt: skip
    fields.update(changes)
    return Answer(**fields)  # type: ignore[arg-type]


def test_markers_become_links_to_the_cards_of_their_turn() -> None:
    html = render.chat_message("Ends by *May* [1] and [12].", turn=3)
    assert '<a class="cite" href="#src-3-1">[1]</a>' in html
    assert '<a class="cite" href="#src-3-12">[12]</a>' in html
    assert "em" not in _as_markdown(html).tags, "article text must not turn into emphasis"
    assert "*May*" in _as_markdown(html).text, "and shows as typed, with no escapes"


def test_hovering_a_marker_names_its_source() -> None:
    html = render.chat_message(f"{QUOTE} [1]", turn=0, citations=[CITATION])
    assert 'title="Drawdown &amp; &lt;Security&gt; · Wire · 28 Apr 2021">[1]</a>' in html


def test_article_html_is_shown_as_text_never_run() -> None:
    html = render.chat_message("<img src=x onerror=alert(1)> [1]", turn=0)
    assert "<img" not in html and "&lt;img" in html
    panel = render.sources_panel([_answer()])
    assert "<b>" not in panel and "<script>" not in panel
    assert "Drawdown &amp; &lt;Security&gt;" in panel


def test_the_cited_sentence_is_highlighted_inside_its_passage() -> None:
    panel = render.sources_panel([_answer()])
    assert '<mark id="src-0-1">The pullout ends by &lt;b&gt;September 11&lt;/b&gt;.</mark>' in panel
    assert "Troops leave. <mark" in panel and "</mark> Done." in panel
    assert "Wire · 28 Apr 2021 · A. Writer" in panel, "outlet, date and byline on the card"


def test_uncited_passages_are_collapsed_and_only_the_latest_turn_shows() -> None:
    panel = render.sources_panel([_answer(), _answer(question="And then?")])
    assert panel.count("<details") == 2 and "Other passages retrieved (1)" in panel
    assert '<section class="turn" id="turn-0">' in panel
    assert '<section class="turn active" id="turn-1">' in panel


def test_an_abstention_looks_different_and_shows_what_was_searched() -> None:
    answer = _answer(text="The indexed articles don't say.", abstained=True, citations=[])
    assert render.chat_message(answer.text, 0, abstained=True).startswith('<div class="abstain">')
    panel = render.sources_panel([answer])
    assert "No passage answers this question." in panel
    assert "Closest passages searched (2)" in panel


def test_dates_read_naturally_and_survive_odd_values() -> None:
    assert render.readable_date("2021-04-28") == "28 Apr 2021"
    assert render.readable_date("2022-06-10T08:00:00") == "10 Jun 2022"
    assert render.readable_date("spring 2020") == "spring 2020"
    assert render.readable_date(None) == ""


def test_the_upload_report_names_each_failed_file_and_line() -> None:
    report = IndexReport(added=["a"], failed=[InputError("/x/uploads/feed.jsonl", "no text", 7)])
    text = render.index_report(report, ["budget.xlsx: .xlsx is not an article format"])
    assert "1 added" in text and "indexed: <code>a</code>" in text
    assert "feed.jsonl, line 7: no text" in text and "/x/uploads" not in text
    assert "budget.xlsx" in text


def test_a_large_upload_report_stays_short() -> None:
    report = IndexReport(added=[f"doc{n}" for n in range(300)])
    text = render.index_report(report, [])
    assert "and 288 more" in text and "<code>doc11</code>" in text and "doc12<" not in text


def test_a_generated_sentence_no_article_supports_is_marked() -> None:
    from rag import SentenceCheck

    answer = _answer(
        text="The pullout ends by September 11 [1]. It cost 9 billion dollars.",
        sentences=[
            SentenceCheck("The pullout ends by September 11.", (1,), True, 0.8, ""),
            SentenceCheck("It cost 9 billion dollars.", (), False, 0.0, "no evidence states 9"),
        ],
        notice="",
    )
    html = render.answer_message(answer, turn=0)
    assert '<a class="cite" href="#src-0-1"' in html
    assert '<span class="unsupported" title="no evidence states 9">It cost 9 billion' in html
    assert html.count("(not in the articles)") == 1


def test_a_fallback_notice_is_shown_above_the_answer() -> None:
    answer = _answer(notice="cannot reach http://x/v1: check RAG_LLM_BASE_URL")
    assert render.answer_message(answer, 0).startswith(
        '<div class="answer"><div class="notice">cannot reach'
    )


def test_the_heading_says_who_writes_answers_and_where_text_goes() -> None:
    quoted = render.how_answered(Settings(), 2, 8)
    assert quoted.startswith("Answers quoted from 2 indexed articles (8 passages)")
    assert "Nothing leaves this machine" in quoted
    local = Settings(answerer="llama-cpp", llm_gguf="/models/qwen-1.5b.gguf")
    assert "written by qwen-1.5b" in render.how_answered(local, 2, 8)
    assert "Nothing leaves" in render.how_answered(local, 2, 8)
    served = Settings(answerer="openai", llm_base_url="http://127.0.0.1:8080/v1", llm_model="m")
    assert "Nothing leaves" in render.how_answered(served, 2, 8)
    remote = Settings(answerer="openai", llm_base_url="https://api.openai.com/v1", llm_model="m")
    line = render.how_answered(remote, 2, 8)
    assert "Nothing leaves" not in line and "sent to api.openai.com" in line
    assert "checked" in render.placeholder(remote) and "quoted" in render.placeholder(Settings())


# --- hostile article data: nothing from it becomes an element or a link ---------------------

HOSTILE = [
    'b` <img src="http://127.0.0.2:9/beacon.png"> `c',
    "[text](http://127.0.0.2:9/x)",
    "![pixel](http://127.0.0.2:9/p.png)",
    "<script>alert(1)</script>",
    "see www.example.org or mail@example.org or https://127.0.0.2:9/",
    "two\nlines\n- a list\n# a heading",
    "<http://127.0.0.2:9/auto>",
]


class _Elements(HTMLParser):
    """The elements of an HTML fragment, the targets of its links, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text = ""
        self.feed(text)

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("href", "src")]


def _as_markdown(text: str) -> _Elements:
    """What Gradio's Markdown would make of `text`: CommonMark with HTML, plus GFM autolinks."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True}).render(text)
    elements = _Elements(rendered)
    # GFM also links bare addresses in text (not inside our own tags); none may be left for it.
    outside_tags = re.sub(r"<[^>]*>", " ", text)
    bare = r"(?<!\\)(?:https?:(?=//)|www\.(?=\w)|\w@(?=\w))"
    elements.links += re.findall(bare, outside_tags)
    return elements


def _no_element_from(elements: _Elements, allowed: set[str]) -> None:
    assert set(elements.tags) <= allowed, elements.tags
    assert all(link.startswith("#src-") for link in elements.links), elements.links


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_titles_and_urls_make_no_element_or_link_in_any_renderer(value: str) -> None:
    passage = Passage(
        chunk_id=value, doc_id=value, text=f"{value} The pullout ends. {value}", start=0,
        end=len(value) * 2 + 18, title=value, source=value, outlet=value, byline=value,
        published=value, score=1.0,
    )  # fmt: skip
    citation = Citation(
        number=1, doc_id=value, chunk_id=value, quote="The pullout ends.",
        start=len(value) + 1, end=len(value) + 18, title=value, source=value, outlet=value,
        published=value,
    )  # fmt: skip
    answer = Answer(value, f"{value} [1]", False, 0.9, [citation], [passage], notice=value)
    html_allowed = {"section", "h3", "article", "header", "span", "div", "blockquote", "mark",
                    "details", "summary", "p"}  # fmt: skip
    whole = f"{value} The pullout ends. {value}"
    _no_element_from(_Elements(render.sources_panel([answer], lambda _: whole)), html_allowed)
    markdown_allowed = {"p", "a", "div", "code", "ul", "li", "strong", "span", "ol", "br"}
    _no_element_from(_as_markdown(render.answer_message(answer, 0)), markdown_allowed)
    chat = render.chat_message(value, 0, citations=[citation])
    _no_element_from(_as_markdown(chat), {"div", "a", "br"})
    report = IndexReport(added=[value], unchanged=[value], failed=[InputError(value, value, 3)])
    _no_element_from(_as_markdown(render.index_report(report, [value])), markdown_allowed)
    _no_element_from(_as_markdown(render.removal_report([value], [value])), markdown_allowed)
    _no_element_from(
        _as_markdown(render.removal_question([value], {value: value})), {"p", "strong", "code"}
    )
    info = ArticleInfo(value, "h", value, value, value, value, value, value, (value,))
    _no_element_from(_Elements(render.article_list([info])), {"p", "ul", "li", "div", "code"})


def test_an_id_shows_as_itself_in_the_upload_report() -> None:
    text = render.index_report(IndexReport(added=["b`c [x](y)"]), [])
    assert "<code>b\\`c \\[x\\](y)</code>" in text


# --- issue 13: one card per article, sources under the answer, reports by title -------------

SECOND_QUOTE = "Troops leave."
SECOND = Citation(
    number=2, doc_id="d1", chunk_id="c1", quote=SECOND_QUOTE, start=100, end=113,
    title=PASSAGE.title, source="d1.txt", outlet="Wire", published="2021-04-28",
    url="https://wire.example/drawdown",
)  # fmt: skip


def test_two_cited_sentences_of_one_article_make_one_card_with_two_highlights() -> None:
    answer = _answer(text=f"{QUOTE} [1] {SECOND_QUOTE} [2]", citations=[CITATION, SECOND])
    panel = render.sources_panel([answer])
    assert panel.count('<article class="source"') == 1
    assert panel.count("<mark") == 2
    assert 'id="src-0-1"' in panel and 'id="src-0-2"' in panel, "each [n] finds its sentence"
    assert "[1] [2]" in panel, "the card names both numbers"


def test_the_whole_article_opens_with_its_cited_sentence_highlighted() -> None:
    article = "Headline.\n" + " " * 90 + PASSAGE.text
    panel = render.sources_panel([_answer()], lambda doc_id: article if doc_id == "d1" else None)
    whole = panel[panel.index('<details class="whole">') :]
    assert "Read the whole article" in whole and "Headline." in whole
    assert "<mark>The pullout ends by &lt;b&gt;September 11&lt;/b&gt;.</mark>" in whole


def test_sources_with_their_dates_sit_under_the_answer_and_copy_as_markdown() -> None:
    answer = _answer(text=f"{QUOTE} [1] {SECOND_QUOTE} [2]", citations=[CITATION, SECOND])
    message = render.answer_message(answer, 0)
    shown = _Elements(message.split('<div class="copy-only">')[0]).text
    assert "[1] [2] Drawdown & <Security> — Wire, 28 Apr 2021" in shown, "one line per article"
    markdown = render.sources_markdown(answer.citations)
    assert markdown.splitlines() == [
        "Sources:",
        "[1] Drawdown & <Security> — Wire, 28 Apr 2021.",
        f"    > {QUOTE}",
        "[2] Drawdown & <Security> — Wire, 28 Apr 2021. https://wire.example/drawdown",
        f"    > {SECOND_QUOTE}",
    ]


def test_a_conversation_exports_as_markdown_with_every_answer_and_its_sources() -> None:
    text = render.conversation_markdown([_answer(), _answer(question="And then?")])
    assert text.count("## When does it end?") == 1 and "## And then?" in text
    assert text.count("Sources:") == 2 and f"    > {QUOTE}" in text


def test_an_abstention_shows_the_question_as_typed_without_escapes() -> None:
    answer = _answer(
        question="Is **this** _it_?", text='The articles don\'t say. "Is **this** _it_?"',
        abstained=True, citations=[],
    )  # fmt: skip
    rendered = _as_markdown(render.answer_message(answer, 0))
    assert '"Is **this** _it_?"' in rendered.text and "\\" not in rendered.text
    assert not {"strong", "em"} & set(rendered.tags)


def test_upload_and_removal_reports_name_articles_by_title() -> None:
    report = IndexReport(added=["d1"])
    assert "“Harbour Bridge Reopens” (<code>d1</code>)" in render.index_report(
        report, [], {"d1": "Harbour Bridge Reopens"}
    )
    removed = render.removal_report(["d1"], [], {"d1": "Harbour Bridge Reopens"})
    assert removed.startswith("**Removed 1 article**") and "Harbour Bridge Reopens" in removed
    assert render.removal_report([], []) == "Choose the articles to remove first."
    asked = render.removal_question(["d1"], {"d1": "Harbour Bridge Reopens"})
    assert "Remove 1 article?" in asked and "“Harbour Bridge Reopens”" in asked


def test_the_library_reads_as_cards() -> None:
    info = ArticleInfo("d1", "h", "Harbour Bridge Reopens", "d1.txt", "Wire", None,
                       "2023-03-03", None, ("c1", "c2"), date_inferred=True)  # fmt: skip
    html = render.article_list([info])
    assert "1 article</p>" in html
    assert "Wire · ~3 Mar 2023 · 2 passages" in html, "an inferred date is marked"
    assert "No articles are indexed yet" in render.article_list([])
