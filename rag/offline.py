"""Keep every library off the network: call `go_offline()` before importing any of them.

Hugging Face, tiktoken, NLTK, Chroma, Gradio and Ray each download or phone home by default.
Secure newsrooms have no network, so neither do we; values already set by the user win.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def llama_index_static_dir() -> Path | None:
    """llama-index-core's bundled tiktoken and NLTK data, found without importing it."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "_static"


def offline_environment() -> dict[str, str]:
    """The variables that keep every library local, as this process has them (a value the
    user set wins): what `go_offline` sets, and what Ray workers elsewhere are given."""
    defaults = {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    static = llama_index_static_dir()
    if static is not None:
        defaults["TIKTOKEN_CACHE_DIR"] = str(static / "tiktoken_cache")
        defaults["NLTK_DATA"] = str(static / "nltk_cache")
    return {name: os.environ.get(name, value) for name, value in defaults.items()}


def go_offline() -> None:
    """Point every library at local files and switch off telemetry. Idempotent."""
    for name, value in offline_environment().items():
        os.environ.setdefault(name, value)
