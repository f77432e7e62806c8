"""Language models that write answers: a local GGUF file, or any OpenAI-compatible endpoint.

    model = open_model(settings)            # from RAG_ANSWERER and RAG_LLM_*
    for text in model.stream(messages):     # [{"role": "system", ...}, {"role": "user", ...}]
        print(text, end="")

Both need the optional extra: `pip install '.[llm]'`. Failures are raised as one readable
`LLMError` naming the setting to fix; nothing here downloads a model.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from rag.conversation import Message
from rag.errors import ConfigError, LLMError
from rag.settings import Settings

MAX_ANSWER_TOKENS = 160  # two cited sentences; more only slows a CPU down


class LanguageModel(Protocol):
    """Streams the reply to a chat."""

    name: str

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text deltas of the reply, in order."""
        ...


def open_model(settings: Settings) -> LanguageModel:
    """The model `settings.answerer` names ("llama-cpp" or "openai"); cheap, loads lazily."""
    if settings.answerer == "llama-cpp":
        if not settings.llm_gguf:
            raise ConfigError("RAG_ANSWERER=llama-cpp needs RAG_LLM_GGUF=/path/to/model.gguf")
        return LlamaCppModel(Path(settings.llm_gguf), settings.llm_threads)
    if settings.answerer == "openai":
        if not settings.llm_model:
            raise ConfigError("RAG_ANSWERER=openai needs RAG_LLM_MODEL (e.g. gpt-4o-mini)")
        return OpenAIModel(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout
        )
    raise ConfigError(f"RAG_ANSWERER={settings.answerer!r} is not a language model")


class LlamaCppModel:
    """A GGUF file run in-process by llama-cpp-python."""

    def __init__(self, path: Path, threads: int = 0) -> None:
        self.path = path
        self.name = path.stem
        self.threads = threads
        self._llama: Any = None
        # One llama.cpp context serves one reply at a time; the web chat asks from many threads.
        self._lock = threading.Lock()

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Greedy decoding, so the same question gets the same answer."""
        with self._lock:
            model = self._model()
            # llama.cpp reuses the previous prompt's cached prefix, evaluated in other batch
            # shapes, and its float sums then differ: the first and second answer to one
            # question could differ (seen in the web chat). A fresh context each time keeps
            # "same question, same answer" for ~the system prompt's evaluation.
            model.reset()
            chunks = model.create_chat_completion(
                messages=list(messages), temperature=0.0, max_tokens=MAX_ANSWER_TOKENS, stream=True
            )
            for chunk in chunks:
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    yield text

    def _model(self) -> Any:
        if self._llama is None:
            if not self.path.is_file():
                raise LLMError(f"RAG_LLM_GGUF={self.path}: no such file; point it at a .gguf")
            try:
                from llama_cpp import Llama
            except ImportError:
                raise LLMError("llama-cpp-python is not installed: pip install '.[llm]'") from None
            try:
                self._llama = Llama(
                    model_path=str(self.path),
                    n_ctx=4096,
                    n_threads=self.threads or None,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as error:
                raise LLMError(f"RAG_LLM_GGUF={self.path} is not a usable GGUF: {error}") from None
        return self._llama


class OpenAIModel:
    """Any OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, llama.cpp's server)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float) -> None:
        self.base_url, self.name, self.api_key, self.timeout = base_url, model, api_key, timeout

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Deltas from llama-index's OpenAI-like connector; errors name the setting to fix."""
        from llama_index.core.llms import ChatMessage

        try:
            replies = self._client().stream_chat(
                [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
            )
            for reply in replies:
                if reply.delta:
                    yield reply.delta
        except Exception as error:  # the connector raises the openai package's own errors
            raise LLMError(self._explain(error)) from None

    def _client(self) -> Any:
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError:
            raise LLMError("the OpenAI connector is not installed: pip install '.[llm]'") from None
        return OpenAILike(
            model=self.name,
            api_base=self.base_url,
            api_key=self.api_key or "none",
            is_chat_model=True,
            temperature=0.0,
            max_tokens=MAX_ANSWER_TOKENS,
            timeout=self.timeout,
            max_retries=0,
        )

    def _explain(self, error: Exception) -> str:
        kind = type(error).__name__
        if kind == "AuthenticationError":
            return f"{self.base_url} refused the key: check RAG_LLM_API_KEY"
        if kind == "NotFoundError":
            return f"{self.base_url} has no model {self.name!r}: check RAG_LLM_MODEL"
        if kind in ("APITimeoutError", "TimeoutError"):
            return f"{self.base_url} did not answer in {self.timeout:g}s: raise RAG_LLM_TIMEOUT"
        if kind == "APIConnectionError":
            return f"cannot reach {self.base_url}: check RAG_LLM_BASE_URL and that it is running"
        return f"{self.base_url} failed ({kind}: {error}); check the RAG_LLM_* settings"
