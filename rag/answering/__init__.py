"""Answering from passages: quoting sentences (`extractive`, with short answers from `short`,
`spans` and `expectation`), or a language model's words (`generative`) checked sentence by
sentence against what they cite (`verification`)."""
