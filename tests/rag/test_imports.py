"""Loading a dependency without what it would import for nothing; Punkt and spaCy loaded so."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.imports import bare, hidden, stubbed
from tests.conftest import ROOT, SEEDS


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    """A package `heavyinit` whose init records that it ran, with a plain submodule."""
    root = tmp_path / "heavyinit"
    root.mkdir()
    (root / "__init__.py").write_text("import sys\nsys.heavyinit_ran = True\nBIG = 1\n")
    (root / "light.py").write_text("VALUE = 42\n")
    sys.path.insert(0, str(tmp_path))
    yield "heavyinit"
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("heavyinit")]:
        del sys.modules[name]
    if hasattr(sys, "heavyinit_ran"):
        del sys.heavyinit_ran


def test_bare_imports_a_submodule_without_its_package_init(package: str) -> None:
    with bare(package):
        from heavyinit import light  # type: ignore[import-not-found]

        assert light.VALUE == 42
        assert not hasattr(sys, "heavyinit_ran")
    assert not [n for n in sys.modules if n.startswith(package)]  # nothing left half-made
    import heavyinit.light  # type: ignore[import-not-found]

    assert heavyinit.BIG == 1 and sys.heavyinit_ran  # type: ignore[attr-defined]
    assert heavyinit.light.VALUE == 42 and heavyinit.light is not light


def test_bare_leaves_an_imported_package_alone(package: str) -> None:
    import heavyinit

    with bare(package):
        import heavyinit.light  # type: ignore[import-not-found]
    assert sys.modules[package] is heavyinit and "heavyinit.light" in sys.modules


def test_hidden_names_fail_to_import_inside_and_import_after(package: str) -> None:
    with hidden(package), pytest.raises(ImportError):
        import heavyinit  # noqa: F401
    import heavyinit  # noqa: F401, F811

    assert package in sys.modules


def test_a_stand_in_serves_inside_and_the_real_module_imports_after(package: str) -> None:
    with stubbed({package: {"BIG": 2}}):
        from heavyinit import BIG  # type: ignore[import-not-found]

        assert BIG == 2 and not hasattr(sys, "heavyinit_ran")
    assert package not in sys.modules
    import heavyinit  # type: ignore[import-not-found]

    assert heavyinit.BIG == 1 and sys.heavyinit_ran  # type: ignore[attr-defined]


def test_spacy_loads_without_its_command_line_or_torch() -> None:
    code = (
        "import sys\n"
        "from rag.language import pipeline\n"
        "doc = pipeline()('Lloyd Austin met Qamar Bajwa in Rawalpindi on Monday.')\n"
        "print([(e.text, e.label_) for e in doc.ents])\n"
        "print(sorted(m for m in ('spacy.cli', 'torch', 'weasel') if m in sys.modules))\n"
        "import spacy\n"
        "print('pipelines' in spacy.info(), 'spacy.cli' in sys.modules)\n"  # the real one, now
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    entities, imported, info = done.stdout.strip().splitlines()
    assert entities == str(
        [
            ("Lloyd Austin", "PERSON"),
            ("Qamar Bajwa", "PERSON"),
            ("Rawalpindi", "GPE"),
            ("Monday", "DATE"),
        ]
    )
    assert imported == "[]"
    assert info == "True True"


def test_punkt_loads_without_nltk_s_init_and_splits_as_nltk_does() -> None:
    code = (
        "import sys\n"
        "from rag.sentences import sentence_spans\n"
        f"text = open({str(SEEDS / '000_30c6da09fd228377.txt')!r}, encoding='utf-8').read()\n"
        "ours = sentence_spans(text)\n"
        "print(sorted(m for m in ('nltk', 'nltk.collocations', 'scipy.stats', 'sklearn')"
        " if m in sys.modules))\n"
        "from nltk.tokenize.punkt import PunktTokenizer\n"  # the ordinary, whole import
        "tokenizer = PunktTokenizer('english')\n"
        "theirs = [(a + line.start(), b + line.start()) for line in __import__('re')"
        ".finditer(r'[^\\n]+', text) for a, b in tokenizer.span_tokenize(line.group())"
        " if text[a + line.start():b + line.start()].strip()]\n"
        "print(len(ours), ours == theirs)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    imported, compared = done.stdout.strip().splitlines()
    assert imported == "[]"
    count, same = compared.split()
    assert int(count) > 10 and same == "True"


def test_an_ordinary_import_elsewhere_waits_for_a_hiding_block_to_end() -> None:
    """The web chat loads spaCy (torch hidden) in the background while an upload may import
    torch: that import must wait, not fail."""
    import sys
    import threading

    from rag.imports import exclusive, hidden

    name = "wave"  # a standard module nothing here imports
    sys.modules.pop(name, None)
    inside, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def hide() -> None:
        with hidden(name):
            inside.set()
            release.wait(10)

    def load() -> None:
        try:
            with exclusive():
                outcome.append(__import__(name))
        except ImportError as error:
            outcome.append(error)

    masking = threading.Thread(target=hide)
    masking.start()
    assert inside.wait(10)
    loading = threading.Thread(target=load)
    loading.start()
    loading.join(0.3)  # without the lock, the import fails in this time
    release.set()
    masking.join(10)
    loading.join(10)
    assert len(outcome) == 1 and getattr(outcome[0], "__name__", None) == name
