"""The ONNX export answers questions without torch, with the ingestion model's vectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.embedder import SentenceEmbedder, default_model_path
from rag.onnx_embedder import (
    OnnxEmbedder,
    export,
    exported,
    int8_embedder,
    length_groups,
    onnx_path,
    query_embedder,
)
from rag.settings import Settings
from tests.conftest import CORPUS, ROOT, SEEDS

HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn")


def _passages(count: int = 300) -> list[str]:
    """Real news passages: ~600-character pieces of the RealTimeQA corpus (seeds without it)."""
    texts = []
    if CORPUS.is_file():
        with CORPUS.open(encoding="utf-8") as lines:
            for line in lines:
                text = json.loads(line).get("text") or ""
                texts += [text[i : i + 600] for i in range(0, min(len(text), 1800), 600)]
                if len(texts) >= count:
                    break
    else:
        for path in sorted(SEEDS.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            texts += [text[i : i + 300] for i in range(0, len(text), 150)]
    # Lengths from one word to beyond the model's 256-token limit, padded in one batch.
    return [t for t in texts[:count] if t.strip()] + ["Kabul", " ".join(["withdrawal"] * 400)]


@pytest.fixture(scope="module")
def onnx() -> OnnxEmbedder:
    export()  # a no-op after `make setup`
    return OnnxEmbedder()


def test_the_export_gives_the_float32_models_vectors(onnx: OnnxEmbedder) -> None:
    texts = _passages()
    assert len(texts) >= 200
    ours = onnx.embed(texts)
    reference = SentenceEmbedder(dtype="float32").embed(texts)
    cosines = (ours * reference).sum(axis=1)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    assert float(cosines.min()) >= 0.999, cosines.argmin()


def test_the_export_matches_what_ingestion_stores(onnx: OnnxEmbedder) -> None:
    # Ingestion's own settings: bfloat16 where the CPU has it natively (its rounding costs a
    # few thousandths of cosine), else float32 (identical: the test above).
    texts = _passages(200)
    cosines = (onnx.embed(texts) * SentenceEmbedder().embed(texts)).sum(axis=1)
    assert float(cosines.mean()) >= 0.995 and float(cosines.min()) >= 0.98


def test_texts_are_batched_by_length_and_returned_in_order() -> None:
    # Sorted token counts: a question, a dozen sentences, and one long passage.
    lengths = [9, 12, 14, 15, 18, 22, 25, 31, 33, 40, 41, 44, 180]
    groups = length_groups(lengths, largest=64)
    assert groups[0][0] == 0 and groups[-1][1] == len(lengths)
    assert all(a[1] == b[0] for a, b in zip(groups, groups[1:], strict=False))
    assert groups[-1] == (12, 13)  # the long passage pads nothing else
    padded = sum((end - start) * lengths[end - 1] for start, end in groups)
    assert padded < len(lengths) * max(lengths) / 3
    # Equal lengths: as few batches as the largest allowed size permits.
    even = length_groups([10] * 100, largest=64)
    assert len(even) == 2 and all(0 < end - start <= 64 for start, end in even)
    assert length_groups([], largest=64) == []


def test_questions_and_answers_run_on_one_core_each() -> None:
    # The answer stage's tagger thread has the other core; ingestion keeps both.
    settings = Settings()
    for model in (query_embedder(settings), int8_embedder(settings)):
        assert isinstance(model, OnnxEmbedder)
        assert model._session.get_session_options().intra_op_num_threads == 1
        assert model.embed(["When does the withdrawal end?"]).shape == (1, 384)
    assert OnnxEmbedder()._session.get_session_options().intra_op_num_threads == 0


def test_a_warmed_model_embeds_as_a_cold_one(onnx: OnnxEmbedder, tmp_path: Path) -> None:
    warmed = OnnxEmbedder()
    warmed.warm().join(timeout=120)
    assert "_session" in vars(warmed) and "_tokenizer" in vars(warmed)
    texts = ["When does the withdrawal end?", "Kabul"]
    assert np.allclose(warmed.embed(texts), onnx.embed(texts), atol=1e-6)
    # A load that fails ends quietly in its thread; the first embed reports the error.
    broken = OnnxEmbedder()
    broken.model_path = tmp_path  # no tokenizer.json there
    broken.warm().join(timeout=120)
    assert "_tokenizer" not in vars(broken)
    with pytest.raises(Exception, match="tokenizer.json|No such file"):
        broken.embed(["Kabul"])


def test_the_int8_copy_keeps_the_vectors_close(onnx: OnnxEmbedder) -> None:
    # The answer stage's model: each weight matrix quantised per channel, attention kept in
    # float32. A naive quantisation (every MatMul, one scale per matrix) has mean 0.96.
    texts = _passages(200)
    small = OnnxEmbedder(precision="int8")
    assert (
        onnx_path(small.model_path, "int8").stat().st_size
        < onnx_path(small.model_path).stat().st_size
    )
    cosines = (small.embed(texts) * onnx.embed(texts)).sum(axis=1)
    assert float(cosines.mean()) >= 0.99 and float(cosines.min()) >= 0.95, cosines.argmin()


def test_the_int8_copy_ranks_sentences_as_float32_does(onnx: OnnxEmbedder) -> None:
    # What the answer stage uses it for: which sentence reads most like the question.
    question = "When does the withdrawal of US troops from Afghanistan end?"
    sentences = [
        "The withdrawal of American forces from Afghanistan is to end by September 11.",
        "The Taliban said they would not attack departing troops.",
        "Kabul's markets were busy on Saturday morning.",
        "NATO allies will leave alongside the US contingent.",
    ]
    for model in (onnx, OnnxEmbedder(precision="int8")):
        vectors = model.embed([question, *sentences])
        meaning = vectors[1:] @ vectors[0]
        assert list(np.argsort(-meaning))[0] == 0 and meaning[0] > 0.6


def test_a_changed_model_file_invalidates_the_export(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    for name in ("config.json", "model.safetensors"):
        (model / name).write_bytes((default_model_path() / name).read_bytes())
    assert not exported(model)
    with pytest.raises(Exception, match="python -m rag.onnx_embedder"):
        OnnxEmbedder(model)
    onnx_path(model).parent.mkdir()
    onnx_path(model).write_bytes(b"stale")
    onnx_path(model).with_suffix(".json").write_text('{"size": 1, "mtime_ns": 1}')
    assert not exported(model)
    assert not exported(model, "int8")
    with pytest.raises(Exception, match="No int8 ONNX export"):
        OnnxEmbedder(model, precision="int8")


def test_asking_imports_nothing_it_does_not_use(seeds_index: Path, onnx: OnnxEmbedder) -> None:
    # Besides torch: datasketch (its LSH imports scipy), scipy.stats and the rest of nltk,
    # which Punkt and duplicate groups do without.
    unused = (*HEAVY, "datasketch", "scipy.stats", "scipy.integrate", "nltk.collocations")
    code = (
        "import sys; from rag import Assistant; "
        f"answer = Assistant.open({str(seeds_index)!r}).ask('When does the withdrawal end?'); "
        "print(answer.short); "
        f"print(sorted(m for m in {unused!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    short, imported = done.stdout.strip().splitlines()[-2:]
    assert "September 11" in short
    assert imported == "[]", done.stdout
