"""Incremental indexing, replacement, removal and bad input against a real Chroma on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.pipeline import index_paths, remove_articles
from rag.news_index import NewsIndex
from tests.conftest import BAJWA_DOC, WITHDRAWAL_DOC


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
    from rag.news_index import _derive

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
    catalog, lexical = _derive(upkept.store)
    assert upkept.articles() == catalog
    assert sorted(upkept.lexical().chunk_ids) == sorted(lexical.chunk_ids)
    for query in ("Pakistan engineers dam", "withdrawal September 11", "Bajwa"):
        assert dict(upkept.lexical().search(query, 20)) == pytest.approx(
            dict(lexical.search(query, 20))
        )
    stems = frozenset({"pakistan", "dam", "bajwa", "unseen"})
    assert upkept.lexical().idf(stems) == pytest.approx(lexical.idf(stems))
