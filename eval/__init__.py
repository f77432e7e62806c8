"""The offline evaluation harness: `python -m eval run --dataset FILE.jsonl` (see eval/README.md).

Scores the assistant's answers, citations, abstentions, retrieval and latency on a question set,
beside baselines (BM25 only, dense only, rank fusion alone, a default llama-index pipeline).
"""
