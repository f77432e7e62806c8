"""newsrag as an OpenAI-compatible "model": `rag serve` (see api.chat_completions)."""
