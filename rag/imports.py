"""Keep heavy optional packages out of an import that would load them for nothing.

spaCy's thinc imports torch when it is installed (3 s of a 4 s import), and nltk's package
init imports scipy.stats and scikit-learn (0.9 s of 1.4 s), although the English pipeline and
the Punkt sentence splitter use neither. Hiding them while those load keeps a question's cold
path short; they import normally afterwards (ingestion in the same process still gets torch).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """`import NAME` fails inside the block for each name not already imported.

    Meant for the first, cached load of a dependency (the web chat loads both at start, before
    it serves): another thread importing the same package meanwhile would fail too."""
    masked = [name for name in names if name not in sys.modules]
    for name in masked:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "absent"
    try:
        yield
    finally:
        for name in masked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
