"""What a question asks for: its content words and the kind of answer it expects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rag.language import irregular_forms

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
ANSWER_PATTERNS = {
    "date": re.compile(
        rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|"
        rf"{_MONTH}\s+\d{{4}}|{_WEEKDAY}|(?:19|20)\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})\b"
    ),
    "number": re.compile(
        r"(?:\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen|"
        r"hundreds?|thousands?|millions?|billions?)\b|%|\$)",
        re.IGNORECASE,
    ),
    "person": re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z'’-]+)+"),
    "place": re.compile(r"\b[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*"),
}
_KINDS = [
    (
        re.compile(r"^\s*(when|what (?:day|date|time|month|year)|by when|since when)\b", re.I),
        "date",
    ),
    (
        re.compile(
            r"^\s*(how (?:many|much|long|far|old)|what (?:number|percentage|share))\b", re.I
        ),
        "number",
    ),
    (re.compile(r"^\s*(who|whom|whose)\b", re.I), "person"),
    (re.compile(r"^\s*where\b", re.I), "place"),
]
_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern, so stems match its vocabulary


@dataclass(frozen=True)
class Question:
    """A question, read: its text, stemmed content terms and the answer kind it expects."""

    text: str
    terms: frozenset[str]
    kind: str | None

    def expects(self, sentence: str) -> bool:
        """True when `sentence` holds an answer of the expected kind that the question lacks."""
        if self.kind is None:
            return False
        found = {m.group().lower() for m in ANSWER_PATTERNS[self.kind].finditer(sentence)}
        if self.kind in ("person", "place"):
            # "Defense Secretary Lloyd Austin" is no new name when the question names Austin.
            asked_words = {w.lower() for w in _WORD.findall(self.text)}
            return any(name.split()[-1] not in asked_words for name in found)
        asked = {m.group().lower() for m in ANSWER_PATTERNS[self.kind].finditer(self.text)}
        return bool(found - asked)


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    question_words = {"what", "when", "who", "whom", "whose", "where", "why", "how", "which"}
    auxiliaries = {"do", "does", "did", "is", "was", "were", "has", "have", "had", "will"}
    vague = {"many", "much", "say", "said", "says", "according", "recently", "new", "week"}
    # Adverbs of time and manner that name nothing a sentence must repeat: "How many troops
    # are still there?" is answered by "the remaining 2,500 troops".
    adverbs = {"still", "currently", "yet", "already", "ever", "also", "actually", "finally"}
    adverbs |= {"reportedly", "officially"}
    # "What kind of peace process…": the answer names the kind, it does not say "kind".
    frames = {"kind", "kinds", "type", "types", "sort", "sorts"}
    return frozenset(STOPWORDS_EN_PLUS) | question_words | auxiliaries | vague | adverbs | frames


def terms(text: str) -> set[str]:
    """Stemmed, lower-cased content words of `text`, an irregular form as its lemma
    ("spoke" as "speak", so "Who did Austin speak with?" finds "Austin spoke with…")."""
    forms = irregular_forms()
    words = [forms.get(w, w) for w in (w.lower() for w in _WORD.findall(text))]
    kept = [w for w in words if w not in _stopwords()]
    return set(_stemmer().stemWords(kept))


def read_question(text: str) -> Question:
    """Parse `text` into a Question."""
    kind = next((name for pattern, name in _KINDS if pattern.search(text)), None)
    return Question(text=text, terms=frozenset(terms(text)), kind=kind)
