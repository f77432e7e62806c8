"""Candidate short answers found in a sentence by the packaged spaCy pipeline and patterns."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rag.answering.spans import spans_of


def _found(sentence: str) -> dict[str, str]:
    (spans,) = spans_of([sentence])
    for span in spans:
        assert sentence[span.start : span.end] == span.text  # verbatim, located
    return {span.text: span.label for span in spans}


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("The company agreed to pay $3.2 billion to settle the claims.", "$3.2 billion"),
        ("The state will cover 40 percent of the cost.", "40 percent"),
        ("The Supreme Court ruled 5-4 on Thursday.", "5-4"),
        ("The Senate passed the bill 61 to 38 after a long debate.", "61 to 38"),
        ("The new center is 6 feet 2 inches tall and plays for Duke.", "6 feet 2 inches"),
        ("The deal was signed on February 29, 2020, in Doha.", "February 29, 2020"),
        ("The withdrawal is to end by September 11, officials said.", "September 11"),
    ],
)
def test_amounts_votes_measures_and_dates_are_whole_phrases(sentence: str, phrase: str) -> None:
    assert phrase in _found(sentence)


@pytest.mark.parametrize("name", ["Matthew McConaughey", "Ron DeSantis", "Beto O'Rourke"])
def test_names_with_inner_capitals_and_apostrophes_are_one_name(name: str) -> None:
    found = _found(f"On Monday {name} spoke to reporters in Austin about the shooting.")
    assert found.get(name) == "PERSON"


def test_plain_noun_phrases_are_candidates_too() -> None:
    found = _found("A diner found a rare purple pearl in a plate of clams.")
    assert found.get("rare purple pearl") == "NOUN"


def test_finding_spans_does_not_import_torch() -> None:
    # thinc imports torch when it is installed; the query path must not pay for it.
    code = (
        "import sys; from rag.answering.spans import spans_of; "
        "assert spans_of(['Skaters must be 17 years old.'])[0]; "
        "print(sorted(m for m in ('torch', 'transformers', 'sklearn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("The FBI searched Mar-a-Lago, the estate in Palm Beach.", "Mar-a-Lago"),
        ("She has raised more than £7m for cancer research.", "more than £7m"),
        ("The service reaches 25-gigabits-per-second speeds.", "25-gigabits-per-second"),
    ],
)
def test_a_phrase_never_cuts_a_word_in_two(sentence: str, phrase: str) -> None:
    (spans,) = spans_of([sentence])
    assert phrase in [s.text for s in spans]
    assert all(sentence[s.start : s.end] == s.text for s in spans)


def test_a_noun_phrase_that_adds_a_noun_to_a_name_is_a_candidate_beside_it() -> None:
    (spans,) = spans_of(["Pfizer and Valneva began a trial of a vaccine against Lyme disease."])
    texts = [s.text for s in spans]
    assert "Lyme disease" in texts and "Lyme" in texts
