"""What kind of fact a question asks for: a date, an amount, a person, an organisation...

"When does the withdrawal end?" wants a date; "Which automaker recalled 300,000 cars?" wants
an organisation; "…was most celebrated for which children's book?" a title; "Why did the
talks stall?" no single fact at all (None). The kind decides which entity labels (spaCy's
OntoNotes set) a short answer may carry.

    expectation("How much did the bidder pay?").kind   # "money"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Every label of a named or plain noun phrase (rag.answering.spans): not an amount or date.
NAMED = (
    "PERSON",
    "ORG",
    "GPE",
    "LOC",
    "FAC",
    "NORP",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "NOUN",
)
# The labels a short answer of each kind may carry ("600 years" is a DATE to spaCy).
LABELS: dict[str, frozenset[str]] = {
    "date": frozenset({"DATE", "TIME"}),
    "number": frozenset({"CARDINAL", "QUANTITY", "DATE", "SCORE"}),
    "money": frozenset({"MONEY", "CARDINAL"}),
    "percent": frozenset({"PERCENT", "CARDINAL"}),
    "quantity": frozenset({"QUANTITY", "DATE", "TIME", "CARDINAL"}),
    "person": frozenset({"PERSON"}),
    "who": frozenset({"PERSON", "ORG", "NORP", "GPE"}),
    "org": frozenset({"ORG", "PRODUCT", "NORP"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "nationality": frozenset({"NORP", "GPE"}),
    "title": frozenset({"WORK_OF_ART", "PRODUCT", "EVENT", "ORG", "PERSON", "LAW"}),
    "event": frozenset({"EVENT", "WORK_OF_ART"}),
    "product": frozenset({"PRODUCT", "ORG", "WORK_OF_ART"}),
    "law": frozenset({"LAW"}),
    # A thing the question names only by its class ("what animal", "which substance"): any
    # entity, or a noun phrase (see rag.answering.spans).
    "thing": frozenset(NAMED),
}
KINDS = tuple(LABELS)

# The labels stated without the phrase model's confidence, when the sentence ranking alone
# picks the phrase: a "who" answer may be a country or a team, but "Pakistan" (or spaCy's
# ORG "Defense") for "Who did Austin speak with?" is not the person asked for.
FIRM_LABELS: dict[str, frozenset[str]] = {"who": frozenset({"PERSON"}), "thing": frozenset()}

# Head nouns of "which/what NOUN" phrases. Nouns not listed fall back to their suffix
# ("-ist", "-ian": people) and then to "thing".
_NOUNS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "day",
        "month",
        "year",
        "time",
        "decade",
        "century",
        "season",
        "weekend",
        "week",
        "era",
    ),
    "number": (
        "number",
        "amount",
        "total",
        "count",
        "score",
        "vote",
        "votes",
        "tally",
        "margin",
        "rate",
        "age",
        "ranking",
        "rank",
        "place",
        "seed",
    ),
    "percent": ("percentage", "percent", "share", "proportion", "fraction"),
    "money": (
        "price",
        "cost",
        "fee",
        "fine",
        "salary",
        "sum",
        "budget",
        "bill",
        "value",
        "worth",
        "wage",
        "fare",
        "prize",
        "payment",
        "deal",
        "settlement",
        "bid",
    ),
    "person": (
        "person",
        "man",
        "woman",
        "people",
        "player",
        "actor",
        "actress",
        "singer",
        "star",
        "president",
        "politician",
        "senator",
        "governor",
        "leader",
        "minister",
        "athlete",
        "celebrity",
        "rapper",
        "musician",
        "director",
        "author",
        "writer",
        "ceo",
        "executive",
        "founder",
        "billionaire",
        "judge",
        "lawmaker",
        "official",
        "member",
        "candidate",
        "coach",
        "quarterback",
        "pitcher",
        "golfer",
        "boxer",
        "driver",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "host",
        "comedian",
        "chef",
        "designer",
        "model",
        "figure",
        "royal",
        "monarch",
        "legend",
        "icon",
        "hero",
        "suspect",
        "victim",
        "mayor",
        "chancellor",
        "secretary",
        "spokesperson",
        "representative",
        "rep",
        "justice",
        "character",
        "son",
        "daughter",
        "wife",
        "husband",
        "mother",
        "father",
        "brother",
        "sister",
        "child",
        "winner",
        "champion",
        "contestant",
        "astronaut",
        "scientist",
        "doctor",
        "artist",
        "performer",
        "band",
        "group",
        "duo",
        "creator",
        "entrepreneur",
        "investor",
        "journalist",
        "anchor",
        "reporter",
        "commentator",
        "tycoon",
        "magnate",
        "heir",
        "celebrities",
        "killer",
        "soldier",
        "general",
        "officer",
        "commander",
    ),
    "org": (
        "company",
        "firm",
        "team",
        "club",
        "brand",
        "retailer",
        "chain",
        "airline",
        "automaker",
        "carmaker",
        "bank",
        "network",
        "channel",
        "agency",
        "organization",
        "organisation",
        "party",
        "league",
        "university",
        "college",
        "school",
        "business",
        "corporation",
        "giant",
        "startup",
        "manufacturer",
        "maker",
        "publisher",
        "newspaper",
        "outlet",
        "studio",
        "platform",
        "service",
        "app",
        "website",
        "site",
        "store",
        "restaurant",
        "franchise",
        "union",
        "institution",
        "committee",
        "court",
        "department",
        "ministry",
        "government",
        "administration",
        "body",
        "regulator",
        "charity",
        "foundation",
        "hospital",
        "museum",
        "carrier",
        "operator",
        "provider",
        "insurer",
        "exchange",
        "conglomerate",
        "broadcaster",
        "streamer",
        "label",
    ),
    "place": (
        "country",
        "nation",
        "city",
        "state",
        "town",
        "village",
        "region",
        "province",
        "county",
        "island",
        "continent",
        "capital",
        "place",
        "location",
        "area",
        "territory",
        "district",
        "neighborhood",
        "border",
        "port",
        "airport",
        "stadium",
        "venue",
        "park",
        "river",
        "lake",
        "mountain",
        "volcano",
        "ocean",
        "sea",
        "planet",
        "moon",
        "destination",
        "site",
        "where",
        "coast",
        "beach",
    ),
    "nationality": ("nationality", "ethnicity", "religion"),
    "title": (
        "book",
        "film",
        "movie",
        "show",
        "series",
        "song",
        "album",
        "novel",
        "play",
        "musical",
        "title",
        "documentary",
        "episode",
        "sitcom",
        "drama",
        "franchise",
        "game",
        "podcast",
        "poem",
        "painting",
        "artwork",
        "single",
        "track",
        "hit",
        "role",
        "sequel",
        "memoir",
        "magazine",
    ),
    "event": (
        "event",
        "tournament",
        "championship",
        "competition",
        "race",
        "festival",
        "award",
        "awards",
        "ceremony",
        "summit",
        "conference",
        "war",
        "election",
        "storm",
        "hurricane",
        "cup",
        "games",
        "olympics",
        "contest",
        "match",
        "final",
    ),
    "product": (
        "product",
        "device",
        "phone",
        "car",
        "vehicle",
        "model",
        "drug",
        "vaccine",
        "medication",
        "pill",
        "treatment",
        "gadget",
        "console",
        "chip",
        "aircraft",
        "plane",
        "jet",
        "rocket",
        "spacecraft",
        "telescope",
        "robot",
        "software",
        "feature",
        "tool",
        "chatbot",
        "drink",
        "beverage",
        "snack",
        "menu",
        "item",
    ),
    "law": (
        "law",
        "bill",
        "act",
        "legislation",
        "amendment",
        "rule",
        "regulation",
        "treaty",
        "policy",
        "ban",
    ),
}
_NOUN_KIND = {noun: kind for kind, nouns in _NOUNS.items() for noun in nouns}

_WH = re.compile(r"\b(which|what|whose|who|whom|when|where|how)\b", re.IGNORECASE)
_HOW = re.compile(
    r"\bhow\s+(many|much|long|far|old|tall|big|large|high|fast|often|soon|deep|heavy)\b",
    re.IGNORECASE,
)
_HOW_KIND = {
    "many": "number",
    "much": "money",
    "long": "quantity",
    "far": "quantity",
    "old": "number",
    "tall": "quantity",
    "big": "quantity",
    "large": "quantity",
    "high": "quantity",
    "fast": "quantity",
    "often": "quantity",
    "soon": "date",
    "deep": "quantity",
    "heavy": "quantity",
}
_WHAT_IS = re.compile(
    r"\b(?:what|which)\s+(?:(?:is|are|was|were|will|would|did|does|do|has|have|had)\b"
    r"|(?:of\s+(?:these|the following|them)))",
    re.IGNORECASE,
)
# A word: not the tail of a number's compound ("time" of "23-time", "day" of "10-day"), which
# would otherwise read as the noun asked for ("Which 23-time champion…" is no date question).
_WORD = re.compile(r"(?<![\d-])[A-Za-z][A-Za-z'’-]*")
_SKIP = {
    "of",
    "the",
    "a",
    "an",
    "these",
    "those",
    "following",
    "one",
    "two",
    "three",
    "new",
    "top",
    "major",
    "popular",
    "famous",
    "former",
    "first",
    "last",
    "other",
    "u.s.",
    "us",
    "uk",
    "american",
    "british",
    "european",
    "big",
    "largest",
    "biggest",
    "best",
    "most",
    "world's",
    "world’s",
    "legendary",
    "iconic",
    "late",
    "beloved",
    "well-known",
    "notable",
    "veteran",
    "prominent",
    "longtime",
    "current",
    "fellow",
    "rival",
    "lucky",
    "recent",
    "tech",
    "social",
    "media",
    "fast-food",
    "fast",
    "food",
    "streaming",
    "reality",
    "global",
    "republican",
    "democratic",
    "gop",
    "federal",
    "local",
    "national",
    "international",
    "professional",
    "pro",
    "nfl",
    "nba",
    "mlb",
    "nhl",
    "wnba",
    "ivy",
    "nasa",
    "children's",
    "children’s",
    "women's",
    "women’s",
    "men's",
    "men’s",
    "people's",
    "people’s",
    "kind",
    "type",
    "sort",
}
_NUMBER_HINTS = re.compile(
    r"\b(raised|lowered|cut|increased|decreased|rose|fell|jumped|dropped|climbed|hiked|"
    r"reached|hit|totaled|totalled|at least|up to|an estimated|approximately|about|nearly)"
    r"\s*(?:to|by)?\s*:?\s*$",
    re.IGNORECASE,
)
_NON_FACTOID = re.compile(
    r"^\s*(why|how\b(?!\s+(many|much|long|far|old|tall|big|large|high|fast|often|soon|deep|"
    r"heavy))|true or false|is it true|explain|describe|what happened|what caused)",
    re.IGNORECASE,
)


# Kinds that count or measure. spaCy labels "27 years" and "Monday, June 6" both DATE; a
# question for a count, an amount or a length admits the first, never a day of the calendar
# ("How many Tory MPs opposed him?" is not answered by "Monday, June 6, 2022").
_MEASURED = frozenset({"number", "money", "percent", "quantity"})
_CALENDAR = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|"
    r"jul|aug|sept?|oct|nov|dec)\b|^\W*(1[5-9]|20)\d\d\W*$",
    re.IGNORECASE,
)
# And the other way round: "When was the conference to start?" is not answered by "10-day",
# "three weeks" (a length of time, DATE to spaCy), "a two-hour" (TIME) or "the age of 96"
# unless it says when ("ago", "later").
_LENGTH_OR_AGE = re.compile(
    r"^\W*(the\s+)?(\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"several|few|many)[\s-]+(minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries)"
    r"([\s-](long|old))?\W*$"
    # An age is a DATE to spaCy too: "the age of 96", "aged 40", "age 96".
    r"|^\W*(the\s+)?(age|aged)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Expectation:
    """The kind of fact asked for, the labels that may carry it, and the noun that named it."""

    kind: str | None  # one of KINDS, or None: not a question for a single fact
    head: str | None = None  # "automaker" in "Which automaker ..."
    unit: str | None = None  # what "how many" counts: "days" in "how many days", "jurors"
    count: int = 1  # how many things it asks for: 2 for "Which two countries…"

    @property
    def labels(self) -> frozenset[str]:
        """spaCy entity labels an answer of this kind may have (empty when kind is None)."""
        return LABELS.get(self.kind or "", frozenset())

    @property
    def firm_labels(self) -> frozenset[str]:
        """The labels a phrase needs to be stated on the sentence ranking alone."""
        return FIRM_LABELS.get(self.kind or "", self.labels)

    def admits(self, label: str, text: str, firm: bool = False) -> bool:
        """Whether a phrase `text` with the entity `label` can be the fact asked for: its
        label is one of `labels` (`firm_labels` with `firm`), a count or amount is not a
        calendar date, a count has a number of the unit asked for, a year asked for is a
        year, and a date is not a length of time."""
        if label not in (self.firm_labels if firm else self.labels):
            return False
        if label in ("DATE", "TIME") and self.kind == "number" and not self._a_count_of(text):
            return False
        if self.kind == "date" and self.head == "year" and not _YEAR.search(text):
            return False  # "What year…?" is not answered by "through the end of next year"
        if label == "DATE" and self.kind in _MEASURED:
            return not _CALENDAR.search(text)
        return not (
            label in ("DATE", "TIME") and self.kind == "date" and _LENGTH_OR_AGE.match(text)
        )

    def _a_count_of(self, text: str) -> bool:
        """Whether a date or time phrase counts what "how many" asks for: it has a number
        ("371 days", not "earlier this month" or "several years"), and of the unit asked
        ("How many seconds…?" is not answered by "the past two years"; "How many jurors…?"
        by no length of time at all)."""
        if not _COUNT.search(text):
            return False
        if self.unit is None:
            return True
        unit = self.unit[:-3] + "y" if self.unit.endswith("ies") else self.unit.rstrip("s")
        return unit in _TIME_UNITS and unit[:4] in text.lower()


def _last_clause(question: str) -> str:
    """The part that asks: news quizzes lead with context ("X died this week. When did…")."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", question.strip())
    asking = [p for p in parts if "?" in p or _WH.search(p)]
    return (asking or parts)[-1]


def _noun_kind(words: list[str]) -> tuple[str, str | None]:
    """The kind named by the first content noun of `words` ("which children's book")."""
    content = [w.lower().strip("'’") for w in words if w.lower() not in _SKIP]
    # The question word takes the owner of a possessive: "Which country's leader…?" asks
    # for a country, "Which MLB team's owner…?" for a team (a plural owner such as
    # "children's" or "women's" is a modifier, in _SKIP, and the noun after it is asked for).
    owner = next((i for i, w in enumerate(content[:3]) if w.endswith(("'s", "’s"))), None)
    if owner is not None:
        return _noun_kind([content[owner][:-2]])
    for word in content[:3]:
        for form in (word, word.rstrip("s"), word[:-2] if word.endswith("es") else word):
            if form in _NOUN_KIND:
                return _NOUN_KIND[form], form
    head = content[0] if content else None
    if head and re.search(r"(ist|ian|eer|ant)s?$", head):
        return "person", head
    return "thing", head


def _counted(rest: str) -> str | None:
    """The noun "how many" counts: "jurors" of "how many jurors", "players" of "how many
    South Carolina players"; None when a verb follows ("How many did he score?")."""
    for word in _WORD.findall(rest)[:4]:
        lower = word.lower()
        if lower in _PHRASE_ENDS or lower in _VERBS_AFTER_MANY:
            return None
        if word[0].islower() and lower not in _SKIP and lower not in ("more", "other"):
            return lower
    return None


_VERBS_AFTER_MANY = frozenset({"is", "are", "was", "were", "been", "being"})
_TIME_UNITS = frozenset(
    {"second", "minute", "hour", "day", "night", "week", "weekend", "month", "year", "decade"}
    | {"century", "season", "term"}
)
_YEAR = re.compile(r"\b(1[0-9]|20)\d\d\b")
# A number in words or digits: what makes a length of time a count.
_COUNT = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|billion|dozen|half)\b",
    re.IGNORECASE,
)


def names_a_kind(word: str) -> bool:
    """True for a noun that names the kind of answer ("share", "fee", "year", "automaker")."""
    return word.lower() in _NOUN_KIND


@cache
def expectation(question: str) -> Expectation:
    """What `question` asks for."""
    clause = _last_clause(question)
    if _NON_FACTOID.search(clause):
        return Expectation(None)
    how = _HOW.search(clause)
    if how:
        word = how.group(1).lower()
        unit = _counted(clause[how.end() :]) if word == "many" else None
        return Expectation(_HOW_KIND[word], word, unit)
    match = _asking_word(clause)
    if match is None:
        return _cloze(clause)
    word = match.group(1).lower()
    if word == "when":
        return Expectation("date")
    if word == "where":
        return Expectation("place")
    if word in ("who", "whom", "whose"):
        return Expectation("who")  # a person, mostly; a team or a country wins games too
    if word == "how":
        return Expectation(None)
    if _WHAT_IS.match(clause, match.start()):
        after = clause[match.end() :]
        of_these = re.match(r"\s+of\s+(?:these|the following|them)\s+(.*)", after, re.I)
        if of_these:
            return Expectation(*_noun_kind(_WORD.findall(of_these.group(1))))
        return _what_is(clause[match.end() :])
    kind, head = _noun_kind(_WORD.findall(clause[match.end() :]))
    several = _SEVERAL.match(clause, match.end())
    count = _NUMBERS[several.group(1).lower()] if several else 1
    return Expectation(kind, head, count=count)


# "Which two countries…", not "Which three-digit number…".
_SEVERAL = re.compile(r"\s+(two|three|four)\s", re.IGNORECASE)
_NUMBERS = {"two": 2, "three": 3, "four": 4}


def _asking_word(clause: str) -> re.Match[str] | None:
    """The question word that asks: the first, unless it is a "when" or "where" inside the
    clause that only joins it ("…thrilled this week when the trailer was released for which
    remake?"), with another question word after it."""
    found = list(_WH.finditer(clause))
    if not found:
        return None
    first = found[0]
    joins = first.group(1).lower() in ("when", "where") and clause[: first.start()].strip()
    later = [m for m in found[1:] if m.group(1).lower() not in ("when", "where")]
    return later[0] if joins and later else first


def _what_is(rest: str) -> Expectation:
    """ "What is the name of…", "What was the price…": the noun after the verb decides.
    After "did", "will" or "has" the subject follows, not the thing asked for ("What will
    the roof carry?"): no noun names it."""
    words = _WORD.findall(rest)
    if words and words[0].lower() in _PHRASE_ENDS:
        return Expectation("thing")
    words = [w for w in words if w.lower() not in ("is", "are", "was", "were", "the", "a", "an")]
    if words and words[0].lower() in ("name", "names", "title"):
        return Expectation("thing", words[0].lower())
    # The noun phrase's last listed noun: "the project manager's fee" asks for a fee.
    phrase = []
    for word in words:
        if word.lower() in _PHRASE_ENDS:
            break
        phrase.append(word)
    # A possessive's owner is not the thing asked for: "General Bajwa's position" asks for a
    # position, not a general.
    owned = [i for i, word in enumerate(phrase) if word.lower().endswith(("'s", "’s"))]
    if owned and owned[-1] + 1 < len(phrase):
        phrase = words = phrase[owned[-1] + 1 :]
    named = [w.lower() for w in phrase[:4] if w.lower() in _NOUN_KIND]
    if named:
        return Expectation(_NOUN_KIND[named[-1]], named[-1])
    kind, head = _noun_kind(words[:2])
    return Expectation(kind if head and head in _NOUN_KIND else "thing", head)


# Words that end the noun phrase after "What is the …".
_PHRASE_ENDS = frozenset(
    [
        "of",
        "in",
        "on",
        "at",
        "for",
        "to",
        "from",
        "by",
        "with",
        "that",
        "which",
        "who",
        "whose",
        "when",
        "where",
        "after",
        "before",
        "did",
        "does",
        "do",
        "will",
        "would",
        "has",
        "have",
        "had",
        "can",
        "could",
        "should",
    ]
)


def _cloze(clause: str) -> Expectation:
    """A statement to complete ("…has been raised to:"): its last words hint at the kind."""
    stripped = clause.rstrip(" :_.…")
    if _NUMBER_HINTS.search(stripped + " "):
        return Expectation("number")
    if re.search(r"\b(since|until|before|after)\s*$", stripped, re.I):
        return Expectation("date")
    if clause.rstrip().endswith((":", "_", "…", "...")):
        return Expectation("thing")
    return Expectation(None)
