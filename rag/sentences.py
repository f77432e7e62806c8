"""Sentence boundaries with character offsets, so any sentence can be quoted exactly."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rag.imports import bare, exclusive, hidden
from rag.offline import go_offline

_LINE = re.compile(r"[^\n]+")


def _tokenizer() -> Any:
    with exclusive():  # one first load, and no import of nltk elsewhere meanwhile
        return _punkt()


@cache
def _punkt() -> Any:
    # The trained English model (bundled with llama-index) knows "U.S." is no sentence end;
    # llama-index's own default is an untrained Punkt that splits there.
    go_offline()
    # nltk's init imports the whole toolkit, scipy.stats and scikit-learn among it (~0.2 s of
    # a cold question); Punkt needs a few of its modules, and never those two.
    with bare("nltk", "nltk.tokenize"), hidden("sklearn", "scipy.stats"):
        from nltk.tokenize.punkt import PunktTokenizer

        return PunktTokenizer("english")  # reads its parameters with nltk.data, inside


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence in `text`; a line break always ends a sentence."""
    spans: list[tuple[int, int]] = []
    tokenizer = _tokenizer()
    for line in _LINE.finditer(text):
        offset = line.start()
        for start, end in tokenizer.span_tokenize(line.group()):
            if text[offset + start : offset + end].strip():
                spans.append((offset + start, offset + end))
    return spans


def split_keeping_text(text: str) -> list[str]:
    """Sentences of `text` that join back to exactly `text` (whitespace stays attached)."""
    spans = sentence_spans(text)
    if not spans:
        return [text] if text else []
    cuts = [0] + [start for start, _ in spans[1:]] + [len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if a < b]
