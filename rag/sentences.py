"""Sentence boundaries with character offsets, so any sentence can be quoted exactly."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rag.imports import bare, exclusive, hidden
from rag.offline import go_offline

_LINE = re.compile(r"[^\n]+")
# A photo credit ends its caption: "…in Wilmington, Delaware. Elizabeth Williams/AP  Varallo
# highlighted…" is a caption, a credit, then the story's next sentence, with no full stop
# between. Punkt reads the credit and the sentence as one, and a quote would open with
# "Elizabeth Williams/AP". 314 of the 4,910 RealTimeQA dev articles hold such credits,
# 2,258 in all (CNN captions especially). A credit is a name, a slash, and an agency, or a
# chain of them ("Tom Pennington/Getty Images North America/Getty Images").
_AGENCY = (
    r"(?:Getty Images|AFP|AP|Reuters|EPA(?:-EFE)?|Shutterstock|Alamy|Bloomberg|Sipa USA"
    r"|ZUMA (?:Wire|Press)|PA Images|NurPhoto|LightRocket|Anadolu Agency|TNS|Invision)"
)
_NAME = r"[A-Z][\w.'’&-]*(?: [A-Z][\w.'’&-]*){0,3}"
_CREDIT = re.compile(
    rf"(?<![\w/])[A-Z][\w.'’&-]*(?: via)?/(?:{_NAME}/){{0,3}}{_AGENCY}"
    rf"(?: via Getty Images| {_NAME}/(?:{_NAME}/){{0,2}}{_AGENCY})*"
    r"(?=\s+[A-Z\"“‘'])"
)
# A wire dateline opens the story's first sentence: "London (CNN) British Prime Minister…",
# "ARLINGTON, Texas (AP) — The Rangers…". It says where the story was filed, which the
# citation's outlet already shows; quoted, it reads as noise. 840 of the 4,910 dev articles
# open with one.
_DATELINE = re.compile(
    r"(?:[A-Z][\w.'’-]*(?:,? [A-Z][\w.'’-]*){0,3} )?"
    r"\((?:CNN(?: Business| Español| Sport)?|AP|Reuters|AFP|UPI)\)(?:\s*[—–-]+)?\s+(?=\S)"
)


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
            for a, b in _pieces(text, offset + start, offset + end):
                if text[a:b].strip():
                    spans.append((a, b))
    return spans


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence text[start:end] cut after its dateline and after each photo credit
    inside it (see _DATELINE and _CREDIT)."""
    pieces = []
    dateline = _DATELINE.match(text, start, end)
    if dateline:
        pieces.append((start, start + len(dateline.group().rstrip())))
        start = dateline.end()
    for credit in _CREDIT.finditer(text, start, end):
        cut = credit.end()
        pieces.append((start, cut))
        start = cut + len(text[cut:end]) - len(text[cut:end].lstrip())
    pieces.append((start, end))
    return pieces


def split_keeping_text(text: str) -> list[str]:
    """Sentences of `text` that join back to exactly `text` (whitespace stays attached)."""
    spans = sentence_spans(text)
    if not spans:
        return [text] if text else []
    cuts = [0] + [start for start, _ in spans[1:]] + [len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if a < b]
