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
# Runs of capitalised words ("General Qamar Javed Bajwa"), allowing "al-", "bin" style joins.
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|bin|al|de|van|von))*")
_TITLE_WORDS = {"The", "A", "An", "In", "On", "At", "During", "But", "And", "U.S.", "US"}


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
    """Capitalised multi-word names in `text` not mentioned in `exclude`, longest first."""
    names = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group().split() if w not in _TITLE_WORDS]
        if len(words) >= 2 and words[-1] not in exclude:
            names.append(" ".join(words))
    return sorted(dict.fromkeys(names), key=len, reverse=True)


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
