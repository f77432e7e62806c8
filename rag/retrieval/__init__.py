"""Finding passages: BM25 (`lexical`), and the dense and lexical rankings fused (`hybrid`)."""
