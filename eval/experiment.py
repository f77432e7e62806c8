"""One evaluation run: the systems on one index, every question asked, every output written.

experiment = Experiment(load_settings(index_dir="/tmp/rtqa-index"), load_dataset(path))
summary = experiment.run(Path("artifacts/eval/dev"), baselines=True)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.dataset import Dataset
from eval.llama_baseline import NAME as LLAMA
from eval.llama_baseline import ArticleSource, LlamaIndexSystem, cache_dir
from eval.plots import draw_plots
from eval.report import about_run, build_summary, code_version, write_outputs
from eval.runner import ItemResult, evaluate, write_results
from eval.systems import AssistantSystem, System
from rag.answering.short import SpanModel, shipped_model
from rag.assistant import Assistant
from rag.embedder import CachedEmbedder, SentenceEmbedder
from rag.errors import ModelNotFoundError
from rag.onnx_embedder import int8_embedder, query_embedder
from rag.settings import Settings
from rag.store.news_index import NewsIndex

BASELINE_MODES = ("lexical", "dense", "rrf", "hybrid")  # rag.settings.RETRIEVAL_MODES, table order


class Experiment:
    """The settings, the dataset and the model shared by every system of one run."""

    def __init__(
        self,
        settings: Settings,
        dataset: Dataset,
        corpus: Path | None = None,
        progress: bool = True,
    ) -> None:
        self.settings = settings
        self.dataset = dataset
        self.corpus = corpus
        self.progress = progress
        # The ingestion model (torch, loaded only if a corpus is indexed or the llama-index
        # baseline is built); questions and answers go through what `rag ask` uses, so the
        # figures are the product's, latency included.
        self.model = SentenceEmbedder(
            settings.embed_model, settings.embed_dtype, settings.embed_batch_size
        )
        self.questions = query_embedder(settings)
        self.sentences = int8_embedder(settings)  # None: the questions' (cached) embedder
        self.skipped_systems: dict[str, str] = {}

    def systems(
        self, index: NewsIndex, baselines: bool, load_articles: ArticleSource | None
    ) -> list[System]:
        """The system under test (the settings' retrieval mode) first, then the baselines."""
        chosen: list[System] = [
            AssistantSystem.build(
                self.settings.retrieval, index, self.settings, self.questions, self.sentences
            )
        ]
        if not baselines:
            return chosen
        for mode in BASELINE_MODES:
            if mode != self.settings.retrieval:
                chosen.append(
                    AssistantSystem.build(
                        mode, index, self.settings, self.questions, self.sentences
                    )
                )
        llama = LlamaIndexSystem.open_or_build(index, self.settings, self.model, load_articles)
        if llama is None:
            reason = (
                f"no cache in {cache_dir(index.folder)}/ for this index; pass --corpus to build it"
            )
            print(f"eval: {LLAMA} skipped: {reason}", file=sys.stderr)
            self.skipped_systems[LLAMA] = reason
        else:
            chosen.append(llama)
        return chosen

    def run(
        self, out: Path, baselines: bool = False, load_articles: ArticleSource | None = None
    ) -> dict[str, Any]:
        """Ask every system every question; write results, summary, report and plots in `out`."""
        code = code_version()
        index = NewsIndex.open(self.settings.index_dir)
        systems = self.systems(index, baselines, load_articles)
        results = evaluate(systems, self.dataset.dialogues, self.progress)
        out.mkdir(parents=True, exist_ok=True)
        for number, (name, runs) in enumerate(results.items()):
            write_results(
                runs, out / ("results.jsonl" if number == 0 else f"results-{slug(name)}.jsonl")
            )
        main, *others = results
        about = self.about(code)
        summary = build_summary(main, results[main], {n: results[n] for n in others}, about)
        write_outputs(summary, out)
        draw_plots(results, out)
        return summary

    def assistant(self) -> Assistant:
        """Our Assistant on the index with the loaded model, for a run that fits or swaps its
        answer models (cross-validated, held out)."""
        index = NewsIndex.open(self.settings.index_dir)
        try:
            model = shipped_model()
        except ModelNotFoundError:
            # Fitted on other span features than this code computes: the fit replaces it.
            model = SpanModel.untrained()
        questions = CachedEmbedder(self.questions)
        return Assistant(index, self.settings, questions, self.sentences, span_model=model)

    def write_single(
        self,
        out: Path,
        name: str,
        results: Sequence[ItemResult],
        code: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        """System `name`'s results, summary (with `extra`), report and plots, in `out`."""
        out.mkdir(parents=True, exist_ok=True)
        write_results(results, out / "results.jsonl")
        summary = build_summary(name, results, {}, self.about(code)) | extra
        write_outputs(summary, out)
        draw_plots({name: list(results)}, out)
        return summary

    def about(self, code: dict[str, Any] | None = None) -> dict[str, Any]:
        """Where the figures come from: code, dataset, corpus, index, settings, skipped lines."""
        settings = {
            key: str(value) if isinstance(value, Path) else value
            for key, value in asdict(self.settings).items()
        }
        return about_run(
            **(code or {}),
            dataset=str(self.dataset.path),
            corpus=str(self.corpus) if self.corpus else None,
            index=str(self.settings.index_dir),
            settings=settings,
            skipped_lines=[str(problem) for problem in self.dataset.skipped],
            skipped_systems=self.skipped_systems,
        )


def slug(name: str) -> str:
    """A system name as a file-name part: "llama-index default" → "llama-index-default"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
