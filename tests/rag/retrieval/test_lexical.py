from pathlib import Path

from rag.retrieval.lexical import LexicalIndex

TEXTS = [
    "The withdrawal starts Saturday and ends by September 11.",
    "Pakistan's army chief spoke with the defense secretary.",
    "Pakistan hosts talks; Pakistan's envoy travels to Doha.",
]


def test_search_ranks_by_bm25_and_survives_a_save(tmp_path: Path) -> None:
    built = LexicalIndex.build(["a", "b", "c"], TEXTS)
    built.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    for index in (built, loaded):
        hits = index.search("when does the withdrawal end", 3)
        assert [chunk_id for chunk_id, _ in hits] == ["a"]
        assert index.search("zebra", 3) == []


def test_rare_words_weigh_more() -> None:
    weights = LexicalIndex.build(["a", "b", "c"], TEXTS).idf(
        frozenset({"pakistan", "withdraw", "tokyo"})
    )
    assert weights["tokyo"] > weights["withdraw"] > weights["pakistan"]


def test_an_empty_index_finds_nothing(tmp_path: Path) -> None:
    LexicalIndex.build([], []).save(tmp_path)
    assert LexicalIndex.load(tmp_path).search("anything", 5) == []


def _corpus(count: int) -> tuple[list[str], list[str]]:
    import random

    pick = random.Random(7)
    words = [
        "harbour",
        "bridge",
        "cable",
        "steel",
        "council",
        "budget",
        "election",
        "senate",
        "vote",
        "court",
        "ruling",
        "storm",
        "flood",
        "river",
        "mayor",
        "police",
        "fire",
        "school",
        "teacher",
        "strike",
        "union",
        "wage",
    ]
    texts = [" ".join(pick.choice(words) for _ in range(pick.randint(5, 40))) for _ in range(count)]
    return [f"c{i}" for i in range(count)], texts


def test_a_small_change_is_patched_in_and_scores_like_a_rebuild(tmp_path: Path) -> None:
    ids, texts = _corpus(1000)
    base = LexicalIndex.build(ids, texts)
    added = base.additions()
    new = {"n1": "zebra crossing at the harbour bridge", "n2": "steel strike closes the river"}
    added.add(list(new), list(new.values()))
    dropped = {"c3", "c500", "c999"}
    patched = base.updated(dropped, added)
    assert patched is not None and patched.patched == 5, "patched, not rebuilt"
    kept = [(c, t) for c, t in zip(ids, texts, strict=True) if c not in dropped]
    rebuilt = LexicalIndex.build(
        [c for c, _ in kept] + list(new), [t for _, t in kept] + list(new.values())
    )
    patched.save(tmp_path)
    for index in (patched, LexicalIndex.load(tmp_path)):
        assert index.search("zebra", 5) == [("n1", rebuilt.search("zebra", 5)[0][1])]
        for query in ("harbour bridge", "steel strike river", "court ruling vote", "flood mayor"):
            got, want = dict(index.search(query, 1000)), dict(rebuilt.search(query, 1000))
            assert set(got) == set(want) and not set(got) & dropped
            assert all(abs(got[c] - want[c]) <= 0.02 * want[c] for c in want), "drift ≤ 2%"
    assert base.search("zebra", 5) == [] and len(base.chunk_ids) == 1000, "the old one unchanged"


def test_patches_that_add_up_rebuild_the_matrix() -> None:
    ids, texts = _corpus(200)
    index = LexicalIndex.build(ids, texts)
    for round_ in range(3):
        added = index.additions()
        added.add([f"r{round_}-{i}" for i in range(2)], ["harbour strike", "council vote"])
        index = index.updated(set(), added)
        assert index is not None
    assert index.patched == 0, "6 added rows exceed 2% of 206: built whole again"
    assert len(index.chunk_ids) == 206


def test_token_rows_keep_and_extend_like_lists() -> None:
    import numpy as np

    from rag.retrieval.lexical import TokenRows

    lists = [[3, 1, 3], [], [7], [2, 2, 5, 9]]
    rows = TokenRows.from_rows(lists)
    assert [r.tolist() for r in rows] == lists and rows.lengths.tolist() == [3, 0, 1, 4]
    kept = rows.kept(np.array([True, False, False, True])).extended([np.array([4, 4])])
    assert [r.tolist() for r in kept] == [[3, 1, 3], [2, 2, 5, 9], [4, 4]]
    assert kept[1].tolist() == [2, 2, 5, 9] and len(kept) == 3


def test_tokens_saved_by_an_earlier_version_are_still_read(tmp_path: Path) -> None:
    # Indexes written before 2026-12-05 keep tokens zipped (tokens.npz: flat and lengths).
    # They must still patch, not rebuild from the store (minutes at 267k chunks).
    import numpy as np

    from rag.retrieval.lexical import _OFFSETS_FILE, _TOKENS_FILE

    ids, texts = _corpus(300)
    LexicalIndex.build(ids, texts).save(tmp_path)
    flat = np.load(tmp_path / _TOKENS_FILE)
    offsets = np.load(tmp_path / _OFFSETS_FILE)
    (tmp_path / _TOKENS_FILE).unlink()
    (tmp_path / _OFFSETS_FILE).unlink()
    np.savez(tmp_path / "tokens.npz", flat=flat, lengths=np.diff(offsets).astype(np.int32))
    old = LexicalIndex.load(tmp_path)
    added = old.additions()
    added.add(["n1"], ["zebra harbour"])
    patched = old.updated({"c0"}, added)
    assert patched is not None and patched.patched == 2
    assert patched.search("zebra", 3)[0][0] == "n1" and "c0" not in patched.chunk_ids
    assert (
        [r.tolist() for r in patched.tokens() or []][:2]
        == [  # noqa: SLF001
            flat[offsets[1] : offsets[2]].tolist(),
            flat[offsets[2] : offsets[3]].tolist(),
        ]
    )


def test_damaged_token_files_ask_for_a_rebuild(tmp_path: Path) -> None:
    import numpy as np

    from rag.retrieval.lexical import _OFFSETS_FILE

    ids, texts = _corpus(50)
    LexicalIndex.build(ids, texts).save(tmp_path)
    np.save(tmp_path / _OFFSETS_FILE, np.arange(10, dtype=np.int64))  # rows do not match
    assert (
        LexicalIndex.load(tmp_path).updated(set(), LexicalIndex.load(tmp_path).additions()) is None
    )
    # The passage ranking cannot read their terms either: retrieval falls back to rank fusion.
    assert LexicalIndex.load(tmp_path).terms_of(["c1"]) is None


def test_a_small_change_is_saved_beside_the_base_whose_files_are_linked(tmp_path: Path) -> None:
    # One upload into a large index must not rewrite the whole matrix: the change is saved on
    # its own and the base's files are the previous save's (hard links, the same inodes).
    first, second, third = tmp_path / "1", tmp_path / "2", tmp_path / "3"
    for folder in (first, second, third):
        folder.mkdir()
    ids, texts = _corpus(1000)
    LexicalIndex.build(ids, texts).save(first)
    loaded = LexicalIndex.load(first)
    added = loaded.additions()
    added.add(["n1", "n2"], ["zebra crossing at the harbour bridge", "steel strike closes"])
    changed = loaded.updated({"c3", "c500"}, added)
    assert changed is not None and changed.patched == 4
    changed.save(second, previous=first)
    for name in ("data.csc.index.npy", "indices.csc.index.npy", "tokens.npy", "chunk_ids.json"):
        assert (second / name).stat().st_ino == (first / name).stat().st_ino, name
    reread = LexicalIndex.load(second)
    kept = [(c, t) for c, t in zip(ids, texts, strict=True) if c not in {"c3", "c500"}]
    rebuilt = LexicalIndex.build(
        [c for c, _ in kept] + ["n1", "n2"],
        [t for _, t in kept] + ["zebra crossing at the harbour bridge", "steel strike closes"],
    )
    stems = frozenset({"harbour", "zebra", "steel", "court", "unseen"})
    for index in (changed, reread):
        assert index.chunk_ids == rebuilt.chunk_ids
        assert index.idf(stems) == rebuilt.idf(stems), "frequencies of live chunks only"
        assert index.search("zebra", 5) == [("n1", rebuilt.search("zebra", 5)[0][1])]
        got = dict(index.search("harbour bridge steel", 1000))
        assert "c3" not in got and "c500" not in got and {"n1", "n2"} <= set(got)
    # A second change on the one read back links the same base again and keeps the first.
    more = reread.additions()
    more.add(["n3"], ["flood at the river school"])
    again = reread.updated({"n2"}, more)
    assert again is not None and again.patched == 4
    again.save(third, previous=second)
    assert (third / "data.csc.index.npy").stat().st_ino == (
        first / "data.csc.index.npy"
    ).stat().st_ino
    last = LexicalIndex.load(third)
    assert last.chunk_ids[-2:] == ["n1", "n3"] and "n2" not in last.chunk_ids
    assert last.search("zebra", 5)[0][0] == "n1" and "c3" not in dict(last.search("harbour", 1000))


def test_a_changed_article_that_keeps_a_chunk_is_found_once(tmp_path: Path) -> None:
    ids, texts = _corpus(500)
    index = LexicalIndex.build(ids, texts)
    added = index.additions()
    added.add(["c7"], [texts[7]])  # its article changed, this chunk did not: dropped, re-added
    changed = index.updated({"c7"}, added)
    assert changed is not None and changed.chunk_ids.count("c7") == 1
    hits = [c for c, _ in changed.search(texts[7], 500)]
    assert hits.count("c7") == 1


def test_a_mask_follows_chunk_ids_when_rows_were_removed_and_added() -> None:
    import numpy as np

    ids, texts = _corpus(500)
    index = LexicalIndex.build(ids, texts)
    added = index.additions()
    added.add(["n1", "n2"], ["harbour bridge harbour", "harbour strike"])
    changed = index.updated({"c1", "c2", "c3"}, added)
    assert changed is not None
    wanted = {"c10", "c20", "n2"}
    mask = np.array([1.0 if c in wanted else 0.0 for c in changed.chunk_ids], dtype=np.float32)
    found = {c for c, _ in changed.search("harbour bridge strike steel council", 50, mask)}
    assert found and found <= wanted
    assert "n2" in found, "an extra row passes its own mask"


def test_each_chunks_terms_are_read_back_from_the_base_the_change_and_a_save(
    tmp_path: Path,
) -> None:
    ids, texts = _corpus(500)
    index = LexicalIndex.build(ids, texts)
    added = index.additions()
    added.add(["n1", "c7"], ["zebra harbour bridge", "steel strike zebra"])  # c7 replaced
    changed = index.updated({"c7", "c9"}, added)
    assert changed is not None and changed.patched
    changed.save(tmp_path)
    for current in (changed, LexicalIndex.load(tmp_path)):
        terms = current.terms_of(["c3", "n1", "c7", "c9", "nowhere"])
        assert terms is not None
        assert terms[0].tolist() == current.term_ids(texts[3])
        assert terms[1].tolist() == current.term_ids("zebra harbour bridge")
        assert terms[2].tolist() == current.term_ids("steel strike zebra"), "the new c7"
        assert terms[3].tolist() == terms[4].tolist() == [], "removed, or never held"
    idf = changed.term_idf(changed.term_ids("zebra harbour"))
    zebra, harbour = changed.term_ids("zebra")[0], changed.term_ids("harbour")[0]
    assert idf[zebra] > idf[harbour] > 0, "two chunks hold zebra, many harbour"
