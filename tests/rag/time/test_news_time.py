"""News time end to end: resolved dates in answers, date filters in the store, question time
words, timelines and republished stories — on a real Chroma index with the real model."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from index.pipeline import index_paths
from rag import Assistant, ConfigError, Settings
from rag.embedder import SentenceEmbedder
from rag.store.duplicates import DuplicateGroups, signature, similarity
from rag.store.news_index import NewsIndex
from tests.conftest import BAJWA_DOC, WITHDRAWAL_DOC

WIRE = (
    "Lawmakers in the state senate voted 31 to 7 on Tuesday to approve a bill that caps "
    "insulin prices at $35 a month for insured patients. The measure now goes to the governor, "
    "who has said she will sign it. Supporters said the cap would save some families more than "
    "$1,000 a year. Opponents argued the bill would raise premiums for everyone else. The cap "
    "takes effect on Jan. 1 and applies to state-regulated plans only. Similar laws have passed "
    "in more than 20 states since 2019, according to the American Diabetes Association."
)


def _record(doc_id: str, text: str, published: str | None, outlet: str) -> dict:
    record = {"id": doc_id, "title": "Senate caps insulin prices", "text": text, "outlet": outlet}
    if published:
        record["published"] = published
    return record


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceEmbedder) -> Path:
    """The seeds, a wire story with a republished copy (a banner line, one word changed), and
    an unrelated story from another year."""
    folder = tmp_path_factory.mktemp("news")
    for seed in Path(__file__).resolve().parents[3].joinpath("seeds").iterdir():
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    copy = "BREAKING NEWS - subscribe for alerts\n\n" + WIRE.replace("approve", "pass")
    other = (
        "The city council voted on Monday to rename Main Street after a local nurse. "
        "The new signs will go up next month, officials said at the meeting."
    )
    records = [
        _record("wire-ap", WIRE, "2022-11-15", "AP"),
        _record("wire-copy", copy, "2022-11-16", "Daily Herald"),
        _record("council", other, "2019-03-06", "City Paper"),
    ]
    (folder / "wire.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8"
    )
    index_dir = folder / ".rag"
    index_paths([folder], index_dir, Settings(index_dir=index_dir), embedder, progress=False)
    return index_dir


@pytest.fixture(scope="module")
def assistant(news: Path, embedder: SentenceEmbedder) -> Assistant:
    return Assistant(NewsIndex.open(news), Settings(index_dir=news), embedder)


def test_a_when_answer_gives_the_day_its_words_name(assistant: Assistant) -> None:
    answer = assistant.ask("When does the withdrawal end?")
    assert answer.short is not None and "September 11, 2021" in answer.short
    citation = answer.citations[0]
    assert citation.doc_id == WITHDRAWAL_DOC
    assert "starts Saturday (1 May 2021)" in citation.annotated_quote()
    assert citation.quote in answer.text  # the text stays verbatim; annotation is beside it
    assert "starts Saturday (1 May 2021)" in answer.annotated_text()


def test_when_it_starts_is_the_day_of_the_start_not_of_the_end(assistant: Assistant) -> None:
    # "The withdrawal, which starts Saturday and is to end by September 11, …" (28 Apr 2021)
    answer = assistant.ask("When does the withdrawal start?")
    assert answer.short == "Saturday, May 1, 2021"
    assert answer.text.startswith("Saturday, May 1, 2021 [1]")
    assert answer.citations[0].doc_id == WITHDRAWAL_DOC


def test_an_undated_article_gets_an_inferred_date_marked_as_such(assistant: Assistant) -> None:
    info = assistant.index.articles()[BAJWA_DOC]
    assert (info.published, info.date_inferred) == ("2021-08-09", True)
    stated = assistant.index.articles()[WITHDRAWAL_DOC]
    assert (stated.published, stated.date_inferred) == ("2021-04-28", False)


def test_a_date_range_filters_in_the_store_and_still_fills_k(assistant: Assistant) -> None:
    everything = assistant.search("withdrawal troops Afghanistan", k=5)
    assert any(p.published and p.published < "2021-05-01" for p in everything)
    later = assistant.search("withdrawal troops Afghanistan", k=5, since="2021-05-01")
    assert later and all(p.published and p.published >= "2021-05-01" for p in later)
    # A range that holds only the 2021-04-28 seed returns all of its 5 chunks, not fewer.
    narrow = assistant.search("insulin prices", k=5, since="2021-04-28", until="2021-04-28")
    assert len(narrow) == 5 and {p.doc_id for p in narrow} == {WITHDRAWAL_DOC}


def test_a_range_with_nothing_in_it_abstains_and_says_what_it_searched(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("When does the withdrawal end?", since="2030-01-01")
    assert answer.abstained and not answer.citations
    assert answer.time_scope == "Answering from articles from 2030-01-01 on."
    with pytest.raises(ConfigError, match="swap them"):
        assistant.ask("When?", since="2022-02-01", until="2022-01-01")


def test_question_time_words_narrow_the_search_relative_to_as_of(assistant: Assistant) -> None:
    answer = assistant.ask("What did the council vote on this week?", as_of="2019-03-08")
    assert "this week" in answer.time_scope and "2019-03-02" in answer.time_scope
    assert {p.doc_id for p in answer.passages} == {"council"}
    in_year = assistant.search("vote", k=10, since="2019-01-01", until="2019-12-31")
    assert {p.doc_id for p in in_year} == {"council"}


def test_time_words_of_an_article_s_own_time_fall_back_to_every_date(
    assistant: Assistant,
) -> None:
    # "Last month" of a 2021 article, asked with no day given: read as of the archive's end
    # (2022-11-16) it finds only the insulin stories, which do not answer.
    question = "How many nations sent envoys to the meeting Moscow hosted last month?"
    answer = assistant.ask(question)
    assert not answer.abstained and answer.short == "four"
    assert answer.citations[0].doc_id == WITHDRAWAL_DOC
    assert answer.time_scope == (
        'The articles from 2022-10-01 to 2022-11-16 ("last month") do not answer this; '
        "answered from all the articles."
    )
    # Asked as of a day, "last month" is the asker's: the answer keeps to it.
    kept = assistant.ask(question, as_of="2022-11-16")
    assert kept.abstained
    assert {p.doc_id for p in kept.passages} <= {"wire-ap", "wire-copy"}
    assert kept.time_scope.startswith('Answering for "last month" as of 2022-11-16')


def test_a_republished_copy_is_grouped_and_shown_once(assistant: Assistant) -> None:
    groups = assistant.index.duplicates()
    assert groups.head("wire-copy") == "wire-ap"  # the earliest is the representative
    passages = assistant.search("insulin price cap senate vote", k=5)
    docs = [p.doc_id for p in passages]
    assert "wire-copy" not in docs and "wire-ap" in docs
    shown = next(p for p in passages if p.doc_id == "wire-ap")
    assert shown.also_in == ("Daily Herald",)
    answer = assistant.ask("How many senators voted for the insulin bill?")
    assert len({c.doc_id for c in answer.citations}) == 1


def test_removing_the_representative_promotes_the_copy(news: Path, tmp_path: Path) -> None:
    import shutil

    from index.pipeline import remove_articles

    copy = tmp_path / "copy"
    shutil.copytree(news, copy)
    remove_articles(["wire-ap"], copy)
    index = NewsIndex.open(copy)
    assert "wire-copy" in index.articles()  # nothing else was deleted
    assert index.duplicates().head("wire-copy") == "wire-copy"


def test_a_timeline_is_dated_cited_and_in_order(assistant: Assistant) -> None:
    events = assistant.timeline("Afghanistan withdrawal Austin Bajwa", k=8)
    assert len(events) >= 3
    dates = [e.date for e in events]
    assert dates == sorted(dates)
    for event in events:
        article = assistant.index.store.get([event.citation.chunk_id])
        assert article and event.citation.quote == event.text
    starts = [e for e in events if "starts Saturday" in e.text]
    assert not starts or starts[0].date == "2021-05-01"  # the day the sentence names
    only_august = assistant.timeline("Austin Bajwa", since="2021-08-01")
    assert only_august and all(e.date >= "2021-08-01" for e in only_august)


def test_minhash_tells_copies_from_different_stories() -> None:
    copy = "Banner line\n\n" + WIRE.replace("approve", "pass")
    trimmed = WIRE.rsplit(". ", 1)[0] + "."
    other = "The city council voted on Monday to rename Main Street after a local nurse."
    assert similarity(signature(WIRE), signature(copy)) >= 0.7
    assert similarity(signature(WIRE), signature(trimmed)) >= 0.7
    assert similarity(signature(WIRE), signature(other)) < 0.2


def test_a_group_is_shown_by_its_article_with_a_stated_date() -> None:
    from rag.store.news_index import ArticleInfo

    def info(doc_id: str, text: str, published: str | None, inferred: bool = False) -> ArticleInfo:
        return ArticleInfo(
            doc_id, "h", "t", "s", None, None, published, None, (), inferred, signature(text)
        )

    groups = DuplicateGroups.build(
        [
            info("a", WIRE, "2022-11-10", inferred=True),
            info("b", WIRE + " Extra line.", "2022-11-12"),
            info("c", "Totally different story about a council vote on street names.", None),
        ]
    )
    assert groups.head("a") == "b" and groups.others("b") == ("a",)
    assert groups.head("c") == "c"


def test_truncated_signatures_group_with_nothing() -> None:
    # A damaged catalog entry: its signature decodes to fewer than NUM_PERM values. Two such
    # must not look alike (their rows are zeros), and a whole copy still groups as before.
    from rag.store.news_index import ArticleInfo

    short = base64.b64encode(bytes(8)).decode("ascii")

    def info(doc_id: str, sig: str, published: str) -> ArticleInfo:
        return ArticleInfo(doc_id, "h", "t", "s", None, None, published, None, (), False, sig)

    groups = DuplicateGroups.build(
        [
            info("x", short, "2022-11-01"),
            info("y", short, "2022-11-02"),
            info("a", signature(WIRE), "2022-11-10"),
            info("b", signature(WIRE + " Extra line."), "2022-11-12"),
        ]
    )
    assert groups.head("x") == "x" and groups.head("y") == "y"
    assert groups.head("b") == "a" and groups.others("a") == ("b",)


def test_grouping_bands_signatures_as_datasketch_s_lsh_does() -> None:
    # Grouping does its own banding (datasketch's LSH imports scipy on the query path); the
    # candidates must be the ones MinHashLSH would give, so the groups stay the same.
    import numpy as np
    from datasketch import MinHash, MinHashLSH
    from datasketch.lsh import _optimal_param

    from rag.store import duplicates

    assert _optimal_param(duplicates.THRESHOLD, duplicates.NUM_PERM, 0.5, 0.5) == (
        duplicates.BANDS,
        duplicates.ROWS,
    )
    sentences = WIRE.split(". ")
    texts = [". ".join(sentences[:n] + sentences[n + 1 :]) for n in range(len(sentences))]
    texts += [WIRE.replace("insulin", word) for word in ("drug", "inhaler", "glucose")]
    texts += [". ".join(sentences[n:]) for n in range(1, 4)]
    signatures = {str(n): duplicates.signature(t) for n, t in enumerate(texts)}
    lsh = MinHashLSH(threshold=duplicates.THRESHOLD, num_perm=duplicates.NUM_PERM)
    minhashes = {}
    for key, sig in signatures.items():
        values = np.frombuffer(base64.b64decode(sig), dtype=np.uint32)
        minhashes[key] = MinHash(duplicates.NUM_PERM, hashvalues=values, scheme=duplicates.SCHEME)
        lsh.insert(key, minhashes[key])
    keys = {k: duplicates._band_keys(duplicates._values(s)) for k, s in signatures.items()}
    near = 0
    for key in signatures:
        ours = {k for k in keys if any(a == b for a, b in zip(keys[key], keys[k], strict=True))}
        assert ours == set(lsh.query(minhashes[key])), key
        near += len(ours) > 1
    assert 0 < near < len(signatures)  # some are candidates of others, some of none


def test_question_time_off_leaves_a_question_s_time_words_alone(
    news: Path, embedder: SentenceEmbedder
) -> None:
    settings = Settings(index_dir=news, question_time="off")
    plain = Assistant(NewsIndex.open(news), settings, embedder)
    answer = plain.ask("What did the council vote on this week?", as_of="2019-03-08")
    assert answer.time_scope == ""
    with pytest.raises(ConfigError, match="question_time"):
        Settings().with_overrides(question_time="sometimes")


def test_a_republished_seed_never_stands_beside_its_original(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    seeds = Path(__file__).resolve().parents[3] / "seeds"
    original = (seeds / f"{WITHDRAWAL_DOC}.txt").read_text(encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in seeds.iterdir():
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    copy = original.replace("UNITED24 - Make a charitable donation in support of Ukraine!",
                            "WIRE SERVICE - republished with permission").replace(
        "longest war", "longest conflict")  # fmt: skip
    record = {"id": "wire-copy", "text": copy, "outlet": "Wire Weekly", "published": "2021-04-29",
              "title": "Pakistan, US Discuss Afghan Drawdown"}  # fmt: skip
    (folder / "copy.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    index_dir = tmp_path / ".rag"
    index_paths([folder], index_dir, Settings(index_dir=index_dir), embedder, progress=False)
    assistant = Assistant(NewsIndex.open(index_dir), Settings(index_dir=index_dir), embedder)
    answer = assistant.ask("When does the withdrawal end?")
    assert "wire-copy" not in {p.doc_id for p in answer.passages}
    assert answer.citations[0].doc_id == WITHDRAWAL_DOC
    assert answer.citations[0].outlet == "GlobalSecurity.org"
    assert answer.citations[0].also_in == ("Wire Weekly",)
