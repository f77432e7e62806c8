"""Incremental indexing, replacement, removal and bad input against a real Chroma on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.pipeline import EMBED_BATCH, index_paths, remove_articles
from rag.settings import Settings
from rag.store.news_index import NewsIndex
from tests.conftest import BAJWA_DOC, ROOT, WITHDRAWAL_DOC, HashEmbedder


def _stored_doc_ids(folder: Path) -> set[str]:
    return {c.metadata["doc_id"] for c in NewsIndex.open(folder).store.all()}


def test_reindexing_unchanged_input_embeds_nothing(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    first = index_paths([seeds_copy], tmp_path / "ix", embedder=embedder, progress=False)
    assert first.chunks_embedded > 0
    generation = NewsIndex.open(tmp_path / "ix").store.generation
    again = index_paths([seeds_copy], tmp_path / "ix", embedder=embedder, progress=False)
    assert again.chunks_embedded == 0
    assert NewsIndex.open(tmp_path / "ix").store.generation == generation, "nothing rebuilt"
    assert sorted(again.unchanged) == [WITHDRAWAL_DOC, BAJWA_DOC]
    assert again.added == again.updated == []


def test_changed_article_replaces_its_chunks(seeds_copy: Path, tmp_path: Path, embedder) -> None:
    folder = tmp_path / "ix"
    index_paths([seeds_copy], folder, embedder=embedder, progress=False)
    before = NewsIndex.open(folder).articles()[BAJWA_DOC].chunk_ids
    path = seeds_copy / f"{BAJWA_DOC}.txt"
    text = path.read_text(encoding="utf-8")
    last_paragraph = text.rsplit("\n", 1)[1]
    path.write_text(
        text.replace(last_paragraph, "The envoy flew to Reykjavik with a sealed proposal."),
        encoding="utf-8",
    )
    report = index_paths([seeds_copy], folder, embedder=embedder, progress=False)
    assert report.updated == [BAJWA_DOC] and report.unchanged == [WITHDRAWAL_DOC]
    assert 0 < report.chunks_embedded < len(before) + 1
    index = NewsIndex.open(folder)
    after = index.articles()[BAJWA_DOC].chunk_ids
    assert set(after) != set(before)
    stored = {c.id for c in index.store.all() if c.metadata["doc_id"] == BAJWA_DOC}
    assert stored == set(after), "old chunks of the changed article are gone"
    assert not any("Afghan-owned and Afghan-led" in c.text for c in index.store.get(list(after)))
    hits = index.lexical().search("Reykjavik sealed proposal", 3)
    assert hits and hits[0][0] in after


def test_remove_deletes_chunks_and_bm25_entries(seeds_copy: Path, tmp_path: Path, embedder) -> None:
    folder = tmp_path / "ix"
    index_paths([seeds_copy], folder, embedder=embedder, progress=False)
    removed, missing = remove_articles([BAJWA_DOC, "no-such-id"], folder)
    assert removed == [BAJWA_DOC] and missing == ["no-such-id"]
    index = NewsIndex.open(folder)
    assert set(index.articles()) == {WITHDRAWAL_DOC}
    assert _stored_doc_ids(folder) == {WITHDRAWAL_DOC}
    bajwa_only = "telephonic transactional CPEC nexus"
    assert index.lexical().search(bajwa_only, 5) == []


def test_bad_inputs_are_reported_and_the_rest_is_indexed(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    folder = tmp_path / "ix"
    index_paths([seeds_copy / f"{WITHDRAWAL_DOC}.txt"], folder, embedder=embedder, progress=False)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("", encoding="utf-8")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (bad / "latin1.txt").write_bytes("Caf\xe9 society reopened on Monday.".encode("latin-1"))
    (bad / "feed.jsonl").write_text(
        '{"id": "good-1", "title": "Port reopens", "text": "The port of Gdansk reopened on '
        'Tuesday after a week-long strike ended."}\n{"id": "broken", "text": \n',
        encoding="utf-8",
    )
    (bad / "dangling.txt").symlink_to(tmp_path / "missing-target.txt")
    report = index_paths(
        [bad, seeds_copy / f"{BAJWA_DOC}.txt"], folder, embedder=embedder, progress=False
    )
    failed = {Path(f.source).name: f for f in report.failed}
    assert set(failed) == {"empty.txt", "binary.txt", "latin1.txt", "feed.jsonl", "dangling.txt"}
    assert failed["feed.jsonl"].line == 2
    assert "UTF-8" in failed["latin1.txt"].reason
    assert not report.ok
    assert sorted(report.added) == [BAJWA_DOC, "good-1"]
    assert _stored_doc_ids(folder) == {WITHDRAWAL_DOC, BAJWA_DOC, "good-1"}


def test_a_write_interrupted_midway_is_repaired_on_open(seeds_index: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(seeds_index, folder)
    NewsIndex.open(folder).store.set_generation("dirty-crashed-writer")
    index = NewsIndex.open(folder)
    assert set(index.articles()) == {WITHDRAWAL_DOC, BAJWA_DOC}
    assert index.store.generation != "dirty-crashed-writer"
    assert index.lexical().search("withdrawal September", 1)


def test_readers_use_the_last_complete_index_while_a_write_is_under_way(
    seeds_index: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(seeds_index, folder)
    reader = NewsIndex.open(folder)
    assert set(reader.articles()) == {WITHDRAWAL_DOC, BAJWA_DOC}
    with NewsIndex.open(folder).writing() as writer:
        writer.remove(BAJWA_DOC)
        busy = reader.store.generation
        assert busy.startswith("dirty-")
        # Mid-write the reader keeps its complete view and must not repair the marker away.
        assert set(reader.articles()) == {WITHDRAWAL_DOC, BAJWA_DOC}
        assert set(NewsIndex.open(folder).articles()) == {WITHDRAWAL_DOC, BAJWA_DOC}
        assert reader.store.generation == busy
    assert set(reader.articles()) == {WITHDRAWAL_DOC}
    remaining = set(reader.articles()[WITHDRAWAL_DOC].chunk_ids)
    found = {chunk_id for chunk_id, _ in reader.lexical().search("Bajwa army chief", 10)}
    assert found <= remaining


def test_incremental_upkeep_matches_a_full_rebuild(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    from rag.store.news_index import _derive

    folder = tmp_path / "ix"
    index_paths([seeds_copy], folder, embedder=embedder, progress=False)
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "dam.txt").write_text(
        "Dam Opens\n\nThe Orla dam opened on Tuesday. Engineers from Pakistan joined the crew.",
        encoding="utf-8",
    )
    index_paths([extra], folder, embedder=embedder, progress=False)  # incremental add
    remove_articles([BAJWA_DOC], folder)  # incremental removal
    upkept = NewsIndex.open(folder)
    catalog, lexical = _derive(upkept.store, repair=False)
    assert upkept.articles() == catalog
    assert sorted(upkept.lexical().chunk_ids) == sorted(lexical.chunk_ids)
    for query in ("Pakistan engineers dam", "withdrawal September 11", "Bajwa"):
        assert dict(upkept.lexical().search(query, 20)) == pytest.approx(
            dict(lexical.search(query, 20))
        )
    stems = frozenset({"pakistan", "dam", "bajwa", "unseen"})
    assert upkept.lexical().idf(stems) == pytest.approx(lexical.idf(stems))


# --- long articles, limits and crashes -----------------------------------------------------

SMALL_CHUNKS = Settings(chunk_tokens=16, chunk_overlap=0, max_article_chars=10**7)


def _long_article(sentences: int, lead: str = "The long report opens here.") -> str:
    body = " ".join(f"Clause {n} of the treaty names ward {n * 7}." for n in range(sentences))
    return f"{lead}\n\n{body}\n"


def test_an_article_of_more_chunks_than_chroma_takes_in_one_call_is_stored_beside_a_good_file(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(_long_article(6500), encoding="utf-8")
    (folder / "dam.txt").write_text("The Orla dam opened on Tuesday to forty visitors.\n")
    report = index_paths(
        [folder], tmp_path / "ix", SMALL_CHUNKS, embedder=HashEmbedder(), progress=False
    )
    assert report.ok, report.failed
    assert sorted(report.added) == ["dam", "long"]
    index = NewsIndex.open(tmp_path / "ix")
    chunk_ids = index.articles()["long"].chunk_ids
    assert len(chunk_ids) > index.store.max_batch, "the article needs several Chroma calls"
    stored = {c.id for c in index.store.all() if c.metadata["doc_id"] == "long"}
    assert stored == set(chunk_ids)
    assert _stored_doc_ids(tmp_path / "ix") == {"dam", "long"}


def test_an_article_over_the_documented_limit_is_refused_by_name_and_the_rest_stored(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    limit = Settings().max_article_chars
    (folder / "huge.txt").write_text("A" * (limit + 1), encoding="utf-8")
    (folder / "dam.txt").write_text("The Orla dam opened on Tuesday to forty visitors.\n")
    report = index_paths([folder], tmp_path / "ix", embedder=HashEmbedder(), progress=False)
    assert report.added == ["dam"]
    [failure] = report.failed
    assert failure.source.endswith("huge.txt")
    assert f"{limit:,}" in failure.reason and "RAG_MAX_ARTICLE_CHARS" in failure.reason
    assert _stored_doc_ids(tmp_path / "ix") == {"dam"}


def test_leftovers_of_a_crashed_publish_are_removed_on_open(
    seeds_index: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(seeds_index, folder)
    with NewsIndex.open(folder).writing():
        for name in ("derived.0123abcd.tmp", "derived.4567ef01.old"):
            (folder / name / "bm25").mkdir(parents=True)
            (folder / name / "catalog.json").write_text("{}", encoding="utf-8")
        NewsIndex.open(folder)  # a writer holds the lock: its staging folder may be live
        assert (folder / "derived.0123abcd.tmp").exists()
    index = NewsIndex.open(folder)  # the writer is gone: what it left is stale
    assert not list(folder.glob("derived.*.tmp")) and not list(folder.glob("derived.*.old"))
    assert set(index.articles()) == {WITHDRAWAL_DOC, BAJWA_DOC}


# Run in a child process: index argv[1] into argv[2] and die by SIGKILL at the second batch
# of a long article's chunks, after the first is stored (as `kill -9` would, mid-write).
_KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from index.pipeline import index_paths
from rag.store.news_index import IndexWriter
from rag.settings import Settings
from tests.conftest import HashEmbedder

stage, calls = IndexWriter.stage, []
def dying_stage(self, *args):
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    stage(self, *args)
IndexWriter.stage = dying_stage
settings = Settings(chunk_tokens=16, chunk_overlap=0)
index_paths([sys.argv[1]], Path(sys.argv[2]), settings, HashEmbedder(), progress=False)
"""


def test_a_kill_inside_a_long_articles_write_keeps_its_last_complete_version(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    folder, ix = tmp_path / "in", tmp_path / "ix"
    folder.mkdir()
    article = folder / "long.txt"
    article.write_text(_long_article(1200), encoding="utf-8")
    (folder / "dam.txt").write_text("The Orla dam opened on Tuesday to forty visitors.\n")
    index_paths([folder], ix, SMALL_CHUNKS, embedder=HashEmbedder(), progress=False)
    before = NewsIndex.open(ix).articles()["long"]
    assert len(before.chunk_ids) > 2 * EMBED_BATCH, "the rewrite takes several batches"
    article.write_text(
        _long_article(1200, lead="The revised Zanzibar memorandum opens here."), "utf-8"
    )
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(folder), str(ix)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    index = NewsIndex.open(ix)
    assert index.articles()["long"] == before, "the old version stays whole"
    stored = {c.id for c in index.store.all() if c.metadata["doc_id"] == "long"}
    assert stored == set(before.chunk_ids), "the new version's first batch is gone"
    assert index.lexical().search("Zanzibar memorandum", 5) == []
    again = index_paths([folder], ix, SMALL_CHUNKS, embedder=HashEmbedder(), progress=False)
    assert again.updated == ["long"] and again.unchanged == ["dam"]
    clean = tmp_path / "clean"
    index_paths([folder], clean, SMALL_CHUNKS, embedder=HashEmbedder(), progress=False)
    resumed, fresh = NewsIndex.open(ix), NewsIndex.open(clean)
    assert resumed.articles() == fresh.articles()
    assert _rows(resumed) == _rows(fresh)


def _rows(index: NewsIndex) -> dict[str, tuple[str, dict]]:
    """Every stored chunk's text and metadata, less when it was written."""
    return {
        c.id: (c.text, {k: v for k, v in c.metadata.items() if k != "indexed_at"})
        for c in index.store.all()
    }


class _Counting(HashEmbedder):
    def __init__(self) -> None:
        self.passages = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.passages += len(texts)
        return super().embed(texts)


def _articles(folder: Path, count: int, sentences: int) -> Path:
    folder.mkdir()
    for number in range(count):
        body = " ".join(
            f"Report {number} sentence {s} about harbour repairs." for s in range(sentences)
        )
        (folder / f"a{number}.txt").write_text(
            f"Harbour report {number}\n\n{body}\n", encoding="utf-8"
        )
    return folder


def test_a_run_that_fits_in_one_batch_embeds_with_the_small_model(tmp_path: Path) -> None:
    large, small = _Counting(), _Counting()
    few = _articles(tmp_path / "few", 3, 4)
    report = index_paths([few], tmp_path / "ix", embedder=large, small=small, progress=False)
    assert report.chunks_embedded == small.passages > 0
    assert large.passages == 0


def test_a_run_larger_than_one_batch_embeds_with_the_large_model(tmp_path: Path) -> None:
    large, small = _Counting(), _Counting()
    many = _articles(tmp_path / "many", EMBED_BATCH + 10, 4)
    report = index_paths([many], tmp_path / "ix", embedder=large, small=small, progress=False)
    assert report.chunks_embedded == large.passages > EMBED_BATCH
    assert small.passages == 0


def test_adding_one_article_imports_no_torch_and_stores_the_models_vectors(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    import subprocess
    import sys

    folder = tmp_path / "ix"
    script = (
        "import sys; from pathlib import Path; from index.pipeline import index_paths; "
        f"index_paths([Path({str(seeds_copy / (WITHDRAWAL_DOC + '.txt'))!r})], "
        f"Path({str(folder)!r}), progress=False); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    index = NewsIndex.open(folder)
    chunks = list(index.store.all())
    title = index.articles()[WITHDRAWAL_DOC].title
    from rag.documents import searchable_text

    expected = embedder.embed([searchable_text(title, c.text) for c in chunks])
    for chunk, vector in zip(chunks, expected, strict=True):
        nearest = index.store.search(vector, k=1)[0]  # torch's vector finds its ONNX twin
        assert nearest.id == chunk.id
        assert nearest.distance <= 0.001, "cosine ≥ 0.999 to the ingestion model's vector"


def test_an_article_that_fails_in_preparation_is_named_and_the_rest_are_indexed(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.pipeline

    real = index.pipeline.notes_for

    def failing(article):  # type: ignore[no-untyped-def]
        if article.id == BAJWA_DOC:
            raise ValueError("year -76 is out of range")
        return real(article)

    monkeypatch.setattr(index.pipeline, "notes_for", failing)
    report = index_paths([seeds_copy], tmp_path / "ix", embedder=HashEmbedder(), progress=False)
    assert report.added == [WITHDRAWAL_DOC]
    assert len(report.failed) == 1
    message = str(report.failed[0])
    assert BAJWA_DOC in message and "year -76 is out of range" in message
    assert message.startswith(str(seeds_copy / f"{BAJWA_DOC}.txt"))
    assert _stored_doc_ids(tmp_path / "ix") == {WITHDRAWAL_DOC}


def test_preparation_runs_ahead_in_order_and_stops_with_its_caller() -> None:
    from index.pipeline import _ahead

    assert list(_ahead(iter(range(100)), depth=4)) == list(range(100))

    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("article 2 could not be read")

    with pytest.raises(ValueError, match="article 2"):
        list(_ahead(failing()))

    produced: list[int] = []

    def counted():  # type: ignore[no-untyped-def]
        for number in range(10_000):
            produced.append(number)
            yield number

    ahead = _ahead(counted(), depth=4)
    assert next(ahead) == 0
    ahead.close()  # the caller stopped (Ctrl-C, an error): the thread stops too
    assert len(produced) <= 1 + 4 + 2


def test_a_run_interrupted_by_ctrl_c_resumes_without_embedding_anything_twice(
    tmp_path: Path,
) -> None:
    """Ctrl-C lands while the model embeds and preparation runs ahead in its thread."""
    many = _articles(tmp_path / "many", 2 * EMBED_BATCH + 10, 4)

    class Interrupted(_Counting):
        def embed(self, texts):  # type: ignore[no-untyped-def]
            if self.passages >= EMBED_BATCH:
                raise KeyboardInterrupt
            return super().embed(texts)

    first = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        index_paths([many], tmp_path / "ix", embedder=first, progress=False)
    kept = len(NewsIndex.open(tmp_path / "ix").articles())
    assert 0 < kept < 2 * EMBED_BATCH + 10
    second = _Counting()
    resumed = index_paths([many], tmp_path / "ix", embedder=second, progress=False)
    assert len(resumed.unchanged) == kept
    articles = NewsIndex.open(tmp_path / "ix").articles()
    assert len(articles) == 2 * EMBED_BATCH + 10
    assert first.passages + second.passages == sum(len(a.chunk_ids) for a in articles.values())


def test_a_large_write_frees_chromas_vectors_before_bm25_is_built_anew(tmp_path: Path) -> None:
    from rag.store.chroma import _connection

    folder, many = tmp_path / "ix", _articles(tmp_path / "many", 120, 4)
    NewsIndex.open(folder, create=True)
    first = _connection(folder / "chroma").client
    index_paths([many], folder, embedder=HashEmbedder(), progress=False)
    second = _connection(folder / "chroma").client
    assert second is not first  # released: Chroma's vector index was freed
    one = tmp_path / "one"
    one.mkdir()
    text = "Ferry report\n\nThe night ferry to Corran resumes on Monday after repairs.\n"
    (one / "ferry.txt").write_text(text, encoding="utf-8")
    index_paths([one], folder, embedder=HashEmbedder(), progress=False)
    assert _connection(folder / "chroma").client is second  # 1 of 121 chunks: no rebuild
    index = NewsIndex.open(folder)
    chunk = index.store.get(list(index.articles()["ferry"].chunk_ids))[0]
    from rag.documents import searchable_text

    vector = HashEmbedder().embed([searchable_text("Ferry report", chunk.text)])[0]
    assert index.store.search(vector, 1)[0].id == chunk.id  # the vectors load again
