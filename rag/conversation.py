"""Follow-up questions: make "What is his position?" stand on its own using the history."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypedDict


class Message(TypedDict):
    """One chat message, as Gradio and OpenAI write them."""

    role: str
    content: str


def exchange(question: str, answer: str) -> list[Message]:
    """The two history messages one question and its answer add to a conversation."""
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


_PERSON_PRONOUN = re.compile(r"\b(he|him|his|she|her|hers)\b", re.IGNORECASE)
_OTHER_REFERENCE = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|there|then)\b", re.IGNORECASE
)
_CITATION = re.compile(r"\s*\[\d+\]")
# A follow-up that is only a question word ("When?", "And where?", "How many?") asks the
# last question again about something else: "Where is he traveling?" then "When?".
_BARE = re.compile(
    r"^\W*(?:and|so|but)?\W*(when|where|who|why|how(?:\s+(?:many|much|long|often))?)\W*$",
    re.IGNORECASE,
)
_ASKING = re.compile(
    r"^\W*(?:and\s+)?(?:when|where|who|whom|why|what|which|how(?:\s+(?:many|much|long|often)"
    r"(?:\s+[a-z]+)?)?)\b\s*",
    re.IGNORECASE,
)
# "there" as a place ("How many troops are still there?"), not as in "there are" or "Is there…".
_THERE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b"
    r"(?!\s+(?:is|are|was|were|be|been|will|would|has|have|had|remains?|seems?)\b|['’]s)",
    re.IGNORECASE,
)
_PLACES = ("GPE", "LOC", "FAC")
_WHERE = re.compile(r"^\W*(?:and\s+)?where\b", re.IGNORECASE)


def last_turn(history: Sequence[Message]) -> tuple[str, str]:
    """The last user question and the assistant reply after it ("" when absent)."""
    question = answer = ""
    for message in history:
        if message.get("role") == "user":
            question, answer = str(message.get("content", "")), ""
        elif message.get("role") == "assistant":
            answer = _CITATION.sub("", str(message.get("content", "")))
    return question, answer


def people_named(text: str, exclude: str = "") -> list[str]:
    """The people spaCy's recogniser names in `text` whose surname `exclude` does not
    mention, in order of first mention ("Beto O'Rourke", "Qamar Javed Bajwa")."""
    return _named(text, ("PERSON",), exclude)


def places_named(text: str, exclude: str = "") -> list[str]:
    """The countries, cities, regions and sites named in `text` and not in `exclude`, in
    order of first mention."""
    return _named(text, _PLACES, exclude)


def _named(text: str, labels: Sequence[str], exclude: str) -> list[str]:
    from rag.language import pipeline

    found = []
    for entity in pipeline()(text).ents:
        name = entity.text.strip()
        last = name.split()[-1].replace("’", "'").split("'")[0] if name else ""
        if entity.label_ in labels and last and last not in exclude:
            found.append(name)
    return list(dict.fromkeys(found))


def standalone_question(question: str, history: Sequence[Message]) -> tuple[str, str]:
    """(question with pronouns resolved, retrieval query carrying the conversation).

    Without history both are the question itself.
    """
    previous_question, previous_answer = last_turn(history)
    if not previous_question:
        return question, question
    resolved = question = _completed(question, previous_question)
    if _PERSON_PRONOUN.search(question):
        names = people_named(previous_answer, exclude=previous_question) or people_named(
            previous_question
        )
        if names:
            resolved = _PERSON_PRONOUN.sub(lambda m: _replace(m.group(), names[0]), question)
    if _THERE.search(resolved):
        # The place the last answer gave to "Where…?" ("Doha"), else the place the
        # conversation's questions named last, else the last answer's; never one this
        # question names itself ("U.S. troops … there" means Afghanistan, not the U.S.).
        asked = [str(m.get("content", "")) for m in history if m.get("role") == "user"]
        texts = [*reversed(asked), previous_answer]
        if _WHERE.match(previous_question):
            texts.insert(0, previous_answer)
        for text in texts:
            places = places_named(text, exclude=question)
            if places:
                resolved = _THERE.sub(f"in {places[0]}", resolved, count=1)
                break
    if resolved == question and not _OTHER_REFERENCE.search(question) and len(question.split()) > 4:
        return question, question  # a new topic: no need to carry the conversation
    context = " ".join(part for part in (previous_question, previous_answer[:300]) if part)
    return resolved, f"{resolved} {context}".strip()


def _replace(pronoun: str, name: str) -> str:
    return f"{name}'s" if pronoun.lower() in ("his", "hers") else name


def _completed(question: str, previous: str) -> str:
    """A bare question word with the rest of the previous question: "When?" after "Where
    is he traveling?" is "When is he traveling?"; any other question as it is."""
    bare = _BARE.match(question)
    asking = _ASKING.match(previous)
    if bare is None or asking is None or not previous[asking.end() :].strip():
        return question
    word = bare.group(1)
    return f"{word[0].upper()}{word[1:].lower()} {previous[asking.end() :].strip()}"
