"""The same all-MiniLM-L6-v2 through onnxruntime: embedding a question without importing torch.

Importing torch, transformers and sentence-transformers costs ~7 s of a cold `rag ask` that
embeds one short question. The model is exported once to ONNX (fp32, the same weights; at
`make setup` or at the first index, where torch is loaded anyway) into an `onnx/` folder
beside the model files, and queries run it with onnxruntime (which Chroma installs) and the
model's own `tokenizer.json` through `tokenizers`. Mean pooling and L2 normalisation as in the
model's sentence-transformers config; vectors match the torch fp32 ones (cosine ≥ 0.999,
tested). Never downloaded: without an export, queries fall back to sentence-transformers.

The answer stage embeds a dozen sentences and a few dozen short phrases per question, the
larger part of a warm question's time. It runs an int8 copy of the export
(`onnx/model-int8.onnx`, onnxruntime's dynamic quantisation: each weight matrix quantised per
output channel, activations at run time, the attention products left in float32): 2x faster
on this project's AVX-512 Xeon, cosine 0.992 to float32 on average. Measured on the 489
RealTimeQA dev questions against the float32 export: accuracy 0.382 → 0.379 (one question),
token F1 0.285 → 0.278 (eval/README.md, "Answer stage speed").
Questions keep float32: their vectors are searched against the stored ones.

    python -m rag.onnx_embedder          # export for the installed model (idempotent)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.embedder import DIMENSIONS, Embedder, SentenceEmbedder, default_model_path
from rag.errors import ModelNotFoundError

if TYPE_CHECKING:
    import numpy as np

    from rag.settings import Settings

ONNX_FILE = Path("onnx") / "model.onnx"
INT8_FILE = Path("onnx") / "model-int8.onnx"
MAX_TOKENS = 256  # the model's sentence_bert_config.json; read from there when present


def onnx_path(model: Path, precision: str = "float32") -> Path:
    """Where the export of the model folder `model` lives, at `precision` ("int8" or "float32")."""
    return model / (INT8_FILE if precision == "int8" else ONNX_FILE)


def _fingerprint(model: Path) -> dict[str, int]:
    # Size and mtime of the weights: a reinstalled or changed model invalidates the export.
    weights = next((model / n for n in ("model.safetensors", "pytorch_model.bin")), model)
    if not weights.exists():
        return {}
    stat = weights.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def exported(model: Path, precision: str = "float32") -> bool:
    """True when `model` has an up-to-date ONNX export at `precision`."""
    path = onnx_path(model, precision)
    sidecar = path.with_suffix(".json")
    if not path.is_file() or not sidecar.is_file():
        return False
    try:
        return json.loads(sidecar.read_text(encoding="utf-8")) == _fingerprint(model)
    except (OSError, ValueError):
        return False


def export(model: Path | None = None) -> Path:
    """Export the model folder to ONNX (fp32) beside its files, and its int8 copy, unless
    already done; the fp32 file's path. Needs torch and the `onnx` package; written
    atomically."""
    model = model or default_model_path()
    target = onnx_path(model)
    if not exported(model):
        _export_float32(model, target)
    if not exported(model, "int8"):
        quantize(model)
    return target


def _export_float32(model: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    network = AutoModel.from_pretrained(str(model), torch_dtype=torch.float32).eval()

    class Hidden(torch.nn.Module):
        """The encoder's last hidden state: pooling stays outside, as in sentence-transformers."""

        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.network(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = torch.ones((2, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes: all dynamic here
            torch.onnx.export(
                Hidden(),
                (sample, sample, torch.zeros_like(sample)),
                str(partial),
                input_names=names,
                output_names=["hidden"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]},
                opset_version=17,
                dynamo=False,
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _stamp(model, target)


def _stamp(model: Path, target: Path) -> None:
    """Record which model weights `target` was made from (see `exported`)."""
    sidecar = target.with_suffix(".json")
    sidecar.write_text(json.dumps(_fingerprint(model)), encoding="utf-8")


def quantize(model: Path) -> Path:
    """The int8 copy of `model`'s fp32 export (made by `export`), beside it; its path.

    Weights of each MatMul by a constant matrix quantised per output channel; the products of
    two activations (attention scores and their mix of values) stay float32, since quantising
    those at run time is where a naive quantisation loses most (cosine 0.96 to float32).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source, target = onnx_path(model), onnx_path(model, "int8")
    graph = onnx.load(str(source), load_external_data=False).graph
    weights = {w.name for w in graph.initializer}
    products = [n.name for n in graph.node if n.op_type == "MatMul" and n.input[1] not in weights]
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    logging.disable(logging.WARNING)  # its advice to pre-process, meant for image models
    try:
        quantize_dynamic(
            str(source),
            str(partial),
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=products,
        )
        os.replace(partial, target)
    finally:
        logging.disable(logging.NOTSET)
        partial.unlink(missing_ok=True)
    _stamp(model, target)
    return target


class OnnxEmbedder:
    """all-MiniLM-L6-v2 through onnxruntime; needs `export()` to have run for the model.

    At "int8" a text's vector depends a little on the texts embedded in the same batch
    (activations are quantised over the batch: cosine ≥ 0.97 between two batchings of one
    sentence): embed what must be compared in one call, and do not cache it across calls.
    One text at a time would avoid it, but in the answer stage it cost 28 ms more of 82.

    A call's texts run in batches of similar length (`length_groups`), not in the order
    given: the model's cost is linear in padded tokens, and an answer's sentences padded to
    the longest of them were 45% padding.
    """

    def __init__(
        self,
        model: Path | None = None,
        batch_size: int = 64,
        precision: str = "float32",
        threads: int = 0,
    ) -> None:
        self.model_path = model or default_model_path()
        self.threads = threads  # onnxruntime's intra-op threads; 0: one per core
        self.precision = precision
        if not exported(self.model_path, precision):
            raise ModelNotFoundError(
                f"No {precision} ONNX export of {self.model_path}; "
                "run `python -m rag.onnx_embedder`"
            )
        self.batch_size = batch_size
        self._lock = threading.Lock()  # one call at a time: the tokenizer is shared

    def warm(self) -> threading.Thread:
        """Load the session and tokenizer in a thread, and return it.

        onnxruntime builds a session (~0.2 s) without holding the GIL, so the load overlaps
        whatever the caller does meanwhile (adding one article: opening the index, chunking).
        A load that fails ends quietly: the first `embed` meets the error and reports it.
        """

        def load() -> None:
            with self._lock, contextlib.suppress(Exception):
                self._session  # noqa: B018 - loading it is the point
                self._tokenizer  # noqa: B018

        thread = threading.Thread(target=load, name="onnx-warm", daemon=True)
        thread.start()
        return thread

    @cached_property
    def _session(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Its worker threads wait for work without spinning: a spinning thread takes a core
        # from whatever else runs (the chat's other answers, an upload, another process),
        # which doubled a warm question on 2 busy cores (210 → 125 ms; 1 thread: 115 ms).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.intra_op_num_threads = self.threads
        return onnxruntime.InferenceSession(
            str(onnx_path(self.model_path, self.precision)),
            options,
            providers=["CPUExecutionProvider"],
        )

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.no_padding()  # `_batch` pads each batch to its own longest text
        return tokenizer

    @cached_property
    def max_tokens(self) -> int:
        """The model's input limit in its own word pieces; longer input is truncated."""
        config = self.model_path / "sentence_bert_config.json"
        if config.is_file():
            return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 256))
        return MAX_TOKENS

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        import numpy as np

        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return vectors
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
            order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
            lengths = [len(encodings[i].ids) for i in order]
            for start, end in length_groups(lengths, self.batch_size):
                rows = order[start:end]
                vectors[rows] = self._batch([encodings[i] for i in rows])
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _batch(self, encodings: list[Any]) -> np.ndarray:
        """Mean-pooled hidden states of `encodings`, padded to the longest of them."""
        import numpy as np

        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            size = len(encoding.ids)
            ids[row, :size] = encoding.ids
            mask[row, :size] = encoding.attention_mask
            types[row, :size] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (hidden,) = self._session.run(["hidden"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled.astype(np.float32)


# Questions and the answer stage run the model on one core: the answer stage tags its
# sentences with spaCy in another thread meanwhile, and two onnxruntime threads on top of it
# oversubscribed the 2 cores (warm answer stage p50 at 59k passages 75 → 65 ms, at 267k
# 81 → 66 ms, with one). Two questions at once each get a core. Ingestion keeps one per core.
QUERY_THREADS = 1

RUN_COST = 16  # a model run's fixed cost in padded tokens (~1 ms; a token is 45-65 µs here)


def length_groups(lengths: Sequence[int], largest: int) -> list[tuple[int, int]]:
    """Split token counts sorted ascending into batches of at most `largest` that cost the
    least: a batch costs its size times its longest text, plus `RUN_COST`.

    An exact dynamic programme over the cut points (a few dozen texts at query time, 64-text
    batches at ingestion: O(n x largest)). Returns (start, end) index pairs in order.
    """
    best = [0.0] + [float("inf")] * len(lengths)
    cut = [0] * (len(lengths) + 1)
    for end in range(1, len(lengths) + 1):
        for start in range(max(0, end - largest), end):
            cost = best[start] + RUN_COST + (end - start) * lengths[end - 1]
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups = []
    end = len(lengths)
    while end:
        groups.append((cut[end], end))
        end = cut[end]
    return groups[::-1]


def query_embedder(settings: Settings) -> Embedder:
    """The embedder for questions and answer sentences: ONNX when the model has an export
    (no torch import), else sentence-transformers with the ingestion settings."""
    model = Path(settings.embed_model) if settings.embed_model else None
    try:
        return OnnxEmbedder(
            model or default_model_path(), settings.embed_batch_size, threads=QUERY_THREADS
        )
    except ModelNotFoundError:
        return SentenceEmbedder(
            settings.embed_model, settings.embed_dtype, settings.embed_batch_size
        )


def int8_embedder(settings: Settings) -> OnnxEmbedder | None:
    """The answer stage's int8 model when settings.answer_precision asks for it and the
    export has it; None: the answer stage embeds with the questions' embedder."""
    if settings.answer_precision != "int8":
        return None
    model = Path(settings.embed_model) if settings.embed_model else None
    try:
        return OnnxEmbedder(
            model or default_model_path(), settings.embed_batch_size, "int8", QUERY_THREADS
        )
    except ModelNotFoundError:
        return None


def main() -> int:
    """Export the installed (or RAG_EMBED_MODEL) model; prints where."""
    from rag.offline import go_offline
    from rag.settings import load_settings

    go_offline()
    settings = load_settings()
    try:
        path = export(Path(settings.embed_model) if settings.embed_model else None)
    except ModelNotFoundError as error:
        print(f"rag.onnx_embedder: {error}", file=sys.stderr)
        return 2
    print(f"ONNX export: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
