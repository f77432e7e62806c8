"""Question answering over news articles, every sentence cited.

from rag import Assistant
answer = Assistant.open().ask("When does the withdrawal end?")
"""

from rag.answers import Answer, Citation, Passage, SentenceCheck
from rag.assistant import Assistant
from rag.documents import Article, Chunk
from rag.errors import (
    ConfigError,
    IndexCorruptError,
    IndexNotFoundError,
    InputError,
    LLMError,
    ModelNotFoundError,
    RagError,
    StoreUnavailableError,
)
from rag.ingestion import Indexer, IndexReport
from rag.settings import Settings, load_settings
from rag.store.news_index import ArticleInfo
from rag.time.expressions import DateMention
from rag.time.timeline import TimelineEvent

__all__ = [
    "Answer",
    "Article",
    "ArticleInfo",
    "Assistant",
    "Chunk",
    "Citation",
    "ConfigError",
    "DateMention",
    "IndexCorruptError",
    "IndexNotFoundError",
    "IndexReport",
    "Indexer",
    "InputError",
    "LLMError",
    "ModelNotFoundError",
    "Passage",
    "SentenceCheck",
    "RagError",
    "Settings",
    "StoreUnavailableError",
    "TimelineEvent",
    "load_settings",
]
