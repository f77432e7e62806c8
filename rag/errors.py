"""Errors raised by the library.

    RagError                  base of everything raised on purpose
    ├── ConfigError           a setting has a value we cannot use
    ├── IndexNotFoundError    no index where one was expected
    ├── IndexCorruptError     the index on disk cannot be read
    ├── StoreUnavailableError the Chroma server cannot be reached
    ├── ModelNotFoundError    a model is not installed, or does not fit this version
    ├── LLMError              the language model is missing, unreachable or failed
    └── InputError            one input file or record cannot be indexed

Messages say what happened, the offending value, and what to do next.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class for every error this library raises on purpose."""


class ConfigError(RagError):
    """A setting (argument, RAG_* variable or .env line) has an unusable value."""


class IndexNotFoundError(RagError):
    """There is no index at the given directory."""


class IndexCorruptError(RagError):
    """The index directory exists but cannot be read."""


class StoreUnavailableError(RagError):
    """The Chroma server named by RAG_CHROMA_URL cannot be reached or refused a call."""


class ModelNotFoundError(RagError):
    """A model cannot be found on disk (the embedding model), or the one found was made for
    another version (a fitted answer model)."""


class LLMError(RagError):
    """The language model that writes answers cannot be loaded or reached, or failed."""


class InputError(RagError):
    """One input (file, or line of a JSON Lines file) cannot be indexed.

    `source` names the file, `line` the 1-based line for JSON Lines, `reason` says why.
    """

    def __init__(self, source: str, reason: str, line: int | None = None) -> None:
        self.source = source
        self.reason = reason
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
