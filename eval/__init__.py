"""The offline evaluation harness (`python -m eval`). Not built yet."""
