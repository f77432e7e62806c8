"""The index on disk: chunks and vectors in Chroma (`chroma`), the catalog and BM25 derived
from them (`news_index`)."""
