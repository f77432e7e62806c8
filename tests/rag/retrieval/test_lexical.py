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
