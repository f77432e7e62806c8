"""The `rag` command line: index, ask, search, list and remove."""
