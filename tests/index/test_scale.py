"""The scale benchmark: reading corpora, one step indexed in its own process, and reporting
(the curve itself is `make bench-scale`)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from index.scale import draw, index_step, markdown, records
from rag.store.news_index import NewsIndex

POINT = {
    "passages": 5046,
    "articles": 530,
    "ingest_passages_per_s": 74.1,
    "bare_model_passages_per_s": 106.5,
    "ratio": 0.696,
    "step_embed_s": 50.4,
    "step_prepare_s": 10.4,
    "step_store_s": 6.5,
    "step_publish_s": 0.8,
    "peak_rss_indexing_mib": 1817.7,
    "serving_rss_mib": 444.2,
    "disk_bytes_per_passage": 11332.6,
    "chroma_bytes_per_passage": 9881.7,
    "ask_p50_ms": 97.1,
    "ask_p95_ms": 148.1,
    "bm25_build_s": 0.22,
    "bm25_load_s": 0.14,
    "open_index_s": 0.49,
    "cold_rag_ask_s": 1.78,
    "add_one_article_s": None,
}


def test_records_reads_plain_and_gzipped_corpora_in_turn(tmp_path: Path) -> None:
    plain, packed = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    plain.write_text('{"id": "1"}\n\n{"id": "2"}\n', encoding="utf-8")
    with gzip.open(packed, "wt", encoding="utf-8") as out:
        out.write('{"id": "3"}\n')
    assert [line.strip() for line in records((plain, packed))] == [
        '{"id": "1"}',
        '{"id": "2"}',
        '{"id": "3"}',
    ]


def test_the_curve_is_tabled_and_drawn(tmp_path: Path) -> None:
    bigger = POINT | {"passages": 26245, "articles": 2743, "add_one_article_s": 4.7}
    bigger["rss_indexing_mib"] = [[0.0, 400], [1.0, 1200], [2.0, 1250]]
    table = markdown([POINT, bigger]).splitlines()
    assert table[0] == "| | 5k | 26k |"
    assert any(line.startswith("| add one article") and "| n/a | 4.7 s |" in line for line in table)
    assert any("74 / 106 passages/s (0.70)" in line for line in table)
    draw([POINT, bigger], tmp_path / "scale.png")
    assert (tmp_path / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_step_is_indexed_in_a_process_of_its_own(tmp_path: Path) -> None:
    """The indexer's peak memory is its own, sampled while it runs, not the harness's."""
    part = tmp_path / "part.jsonl"
    texts = [
        "The council voted 7-2 on Tuesday to reopen the harbour bridge by March 3.",
        "Repairs to the ferry terminal will cost $4.5 million, the mayor said on Friday.",
    ]
    part.write_text(
        "".join(json.dumps({"id": f"a{i}", "title": f"Story {i}", "text": t}) + "\n"
                for i, t in enumerate(texts)),
        encoding="utf-8",
    )  # fmt: skip
    report = index_step(part, tmp_path / "index", progress=False)
    assert report["chunks_embedded"] == 2 and report["failed"] == 0
    assert report["peak_rss_mib"] > 100  # a Python process with the model loaded
    assert report["rss"] and max(mib for _, mib in report["rss"]) <= report["peak_rss_mib"]
    assert set(NewsIndex.open(tmp_path / "index").articles()) == {"a0", "a1"}
