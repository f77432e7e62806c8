"""Keep heavy optional packages out of an import that would load them for nothing.

spaCy's thinc imports torch when it is installed (3 s of a 4 s import), and nltk's package
init imports scipy.stats and scikit-learn (0.9 s of 1.4 s), although the English pipeline and
the Punkt sentence splitter use neither. Hiding them while those load keeps a question's cold
path short; they import normally afterwards (ingestion in the same process still gets torch).
Punkt needs a handful of nltk's modules, not the whole of nltk that its init imports, so it
is loaded without that init at all (`bare`); spaCy's init imports its command line (~0.15 s)
only to re-export `spacy.info`, so a stand-in takes its place while spaCy loads (`stubbed`).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

# While one thread hides, strips or stubs a package, another importing it would get the
# stand-in (the web chat loads spaCy in the background while an upload may import torch):
# every block below holds this lock, and so does an ordinary import of a package they touch.
_MASKING = threading.RLock()


@contextmanager
def exclusive() -> Iterator[None]:
    """Hold while importing, the ordinary way, a package that `hidden`, `bare` or `stubbed`
    may be masking in another thread (torch, nltk, spaCy); and around a first, cached load
    that uses them, so that it happens once."""
    with _MASKING:
        yield


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """`import NAME` fails inside the block for each name not already imported.

    Meant for the first, cached load of a dependency; imports elsewhere wait (`exclusive`)."""
    with _MASKING:
        masked = [name for name in names if name not in sys.modules]
        for name in masked:
            sys.modules[name] = None  # type: ignore[assignment]  # the import system's "absent"
        try:
            yield
        finally:
            for name in masked:
                if sys.modules.get(name, 0) is None:
                    del sys.modules[name]


@contextmanager
def bare(*packages: str) -> Iterator[None]:
    """Import submodules of each package (parents first) inside the block without running
    the package's `__init__`.

    For a package whose init imports far more than the one module needed. What the block
    imports under a package is private to it: on leaving, those modules go from
    `sys.modules`, so a later `import PACKAGE` is a whole, ordinary import. A package already
    imported is used as it is. As with `hidden`, imports elsewhere wait meanwhile."""
    with _MASKING:
        roots = [name for name in packages if name not in sys.modules]
        for name in roots:
            spec = importlib.util.find_spec(name)
            if spec is None or spec.submodule_search_locations is None:
                raise ModuleNotFoundError(f"No package named {name!r}", name=name)
            sys.modules[name] = importlib.util.module_from_spec(spec)
        try:
            yield
        finally:
            for root in roots:
                for name in [n for n in sys.modules if n == root or n.startswith(f"{root}.")]:
                    del sys.modules[name]


@contextmanager
def stubbed(modules: Mapping[str, Mapping[str, object]]) -> Iterator[None]:
    """`import NAME` inside the block gives a stand-in module holding the given attributes,
    for each NAME not already imported.

    On leaving, the stand-ins go from `sys.modules`, so a later import is the real module;
    what took an attribute from one keeps it (make it a function that imports the real
    thing when called). As with `hidden`, imports elsewhere wait meanwhile."""
    with _MASKING:
        added = {name: types.ModuleType(name) for name in modules if name not in sys.modules}
        for name, module in added.items():
            module.__path__ = []  # a package, so that a submodule can be a stand-in too
            module.__dict__.update(modules[name])
            sys.modules[name] = module
        try:
            yield
        finally:
            for name, module in added.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
