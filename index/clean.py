"""Boilerplate removal and header metadata for the plain text of scraped news pages.

Every line we keep is copied byte for byte (bar trailing whitespace), because quotes shown
to users are slices of the cleaned text and must be verbatim substrings of the original.

Usage:
    cleaned = clean_text(Path("seeds/000_30c6da09fd228377.txt").read_text())
    cleaned.title, cleaned.byline, cleaned.published, cleaned.outlet
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.time.dates import to_iso_date

# Calls to action are only boilerplate when short: a long sentence about a donation is news.
CTA_MAX_WORDS = 14
HEADER_MAX_LINES = 8  # more short lines than this before the body are not a page header
PROSE_MIN_WORDS = 8

_CTA = re.compile(
    r"\b(make an? (\w+ )?donation|donate (now|today|here|online)"
    r"|support (us|our (journalism|work)|local journalism)"
    r"|subscribe|subscribing|become a subscriber|for subscribers|newsletters?|mailing[- ]lists?"
    r"|sign[- ]?up|follow us|cookies|cookie (policy|settings|preferences)|all rights reserved"
    r"|copyright|click here|share this|(in|to) your (inbox|email)"
    r"|(below|after) (the )?advertisement)\b"
    r"|©|^advertisement\b",
    re.IGNORECASE,
)
# A quote or "said" marks a line as reporting, even when it mentions a newsletter.
_REPORTED_SPEECH = re.compile(r"[\"“”]|\b(said|says|told)\b")
_LINK_LINE = re.compile(
    r"(read (more|also|next)|also read|see also|related( stories| articles| coverage"
    r"| content| links?| reading)?|more from|recommended( reading)?|further reading)"
    r"\s*(?:[:>»|–—-].*)?",
    re.IGNORECASE,
)
_TWEET_LINK = re.compile(r"(?<![\w.])(t\.co|pic\.twitter\.com)/\w", re.IGNORECASE)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_TWEET_ATTRIBUTION = re.compile(
    rf"[—–-]{{1,2}}\s*.*\(@\w{{1,15}}\)\s+{_MONTH}\s+\d{{1,2}},\s+\d{{4}}"
)
_DATE = re.compile(
    rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})"
)
_TIME = r"(?:[\s,|–—-]+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?|[AP]M)?(?:\s+[A-Z]{2,4})?)?"
_DATE_LINE = re.compile(
    rf"(?:(?:Published|Updated|Posted)(?: on)?:?\s*)?{_DATE.pattern}{_TIME}", re.IGNORECASE
)
_BYLINE = re.compile(r"By\s+(?P<rest>[A-Z].*)")
_BYLINE_STOP = re.compile(r"\s+[|•·]\s+|\s+[–—-]\s+")
_PROSE_END = re.compile(r"[.!?…][\"”’')\]]*$")
_DOMAIN = re.compile(
    r"\b[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*"
    r"\.(?:com|org|net|news|info|gov|edu|io|tv|co\.uk|org\.uk|uk|eu|in|pk|au|ca|de|fr)\b"
)
# A footer glued onto the last paragraph after its final sentence.
_GLUED_FOOTER = re.compile(
    r"(?<=[.!?\"”])\s+(?:join|subscribe|sign up|follow us|donate|support us)\b"
    r"(?:[^.!?]|\.(?=\w)){0,80}[.!?]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CleanedText:
    """Article text without boilerplate, and what the page header told us about it."""

    text: str
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class _Header:
    title: str | None = None
    byline: str | None = None
    published: str | None = None


def clean_text(raw: str) -> CleanedText:
    """Strip boilerplate from a scraped page and read its title, byline and date."""
    kept, outlet = _strip_boilerplate(raw)
    start = _body_start(kept)
    header = _read_header(kept[:start])
    return CleanedText(
        text=_join(kept[start:]),
        title=header.title,
        byline=header.byline,
        published=header.published,
        outlet=outlet,
    )


def clean_body(raw: str) -> CleanedText:
    """Strip boilerplate lines only, for records that already carry a title."""
    kept, outlet = _strip_boilerplate(raw)
    return CleanedText(text=_join(kept), outlet=outlet)


def is_boilerplate(line: str) -> bool:
    """True for a line of page furniture: a call to action, link line or embedded tweet."""
    stripped = line.strip()
    if not stripped:
        return False
    if _TWEET_LINK.search(stripped) or _TWEET_ATTRIBUTION.fullmatch(stripped):
        return True
    if _LINK_LINE.fullmatch(stripped) and len(stripped) <= 200:
        return True
    return _is_call_to_action(stripped)


def _is_call_to_action(line: str) -> bool:
    if len(line.split()) > CTA_MAX_WORDS or _REPORTED_SPEECH.search(line):
        return False
    return _CTA.search(line) is not None and not _news_before_footer(line)


def _news_before_footer(line: str) -> bool:
    """True for "Short news sentence. Join our mailing list": only the footer should go."""
    match = _GLUED_FOOTER.search(line)
    if match is None:
        return False
    news = line[: match.start()]
    return _is_prose(news) and _CTA.search(news) is None


def _split_lines(raw: str) -> list[str]:
    # Trailing whitespace (and a stray \r) is the only thing ever removed inside a line.
    return [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _join(lines: list[str]) -> str:
    """Lines back into text: one blank line between paragraphs, none at either end."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _strip_boilerplate(raw: str) -> tuple[list[str], str | None]:
    """The lines worth keeping, and the outlet named in what was removed."""
    lines = _split_lines(raw)
    kept = [line for line in lines if not is_boilerplate(line)]
    removed = [line for line in lines if is_boilerplate(line)]
    kept, footer = _cut_glued_footer(kept)
    return kept, _find_outlet([*removed, footer])


def _cut_glued_footer(lines: list[str]) -> tuple[list[str], str]:
    """Lines without a footer glued after the last sentence (a prefix stays verbatim)."""
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
    match = _GLUED_FOOTER.search(lines[last]) if last is not None else None
    if last is None or match is None:
        return lines, ""
    return [*lines[:last], lines[last][: match.start()]], match.group(0)


def _find_outlet(lines: list[str]) -> str | None:
    """The site named in a call to action ("Join the GlobalSecurity.org mailing list")."""
    for line in lines:
        stripped = line.strip()
        if stripped and not _TWEET_LINK.search(stripped) and _is_call_to_action(stripped):
            match = _DOMAIN.search(stripped)
            if match:
                return match.group(0)
    return None


def _is_prose(line: str) -> bool:
    stripped = line.strip()
    return len(stripped.split()) >= PROSE_MIN_WORDS and _PROSE_END.search(stripped) is not None


def _body_start(lines: list[str]) -> int:
    """Index of the first body paragraph; 0 when the text does not open with a header."""
    header_lines = 0
    for i, line in enumerate(lines):
        if _is_prose(line):
            return i
        header_lines += bool(line.strip())
        if header_lines > HEADER_MAX_LINES:
            return 0
    return 0


def _read_header(lines: list[str]) -> _Header:
    """Title, byline and date from the short lines above the body."""
    title: str | None = None
    before_byline: str | None = None
    byline: str | None = None
    published: str | None = None
    for line in (line.strip() for line in lines if line.strip()):
        parsed = _parse_byline(line)
        if parsed is not None and byline is None:
            byline, date = parsed
            published = published or date
            before_byline = title
        elif _DATE_LINE.fullmatch(line):
            published = published or _date_in(line)
        elif byline is None:
            title = line
    return _Header(title=before_byline if byline else title, byline=byline, published=published)


def _date_in(line: str) -> str | None:
    match = _DATE.search(line)
    return to_iso_date(match.group(0)) if match else None


def _parse_byline(line: str) -> tuple[str, str | None] | None:
    """("Ayaz Gul", "2021-04-28") from "By Ayaz Gul April 28, 2021"; None if not a byline."""
    match = _BYLINE.fullmatch(line)
    if match is None:
        return None
    rest = match.group("rest")
    date_match = _DATE.search(rest)
    name = rest[: date_match.start()] if date_match else rest
    name = _BYLINE_STOP.split(name)[0]
    name = re.sub(r"[\s,;:|•·–—-]*(?:(?:Published|Updated|Posted)(?: on)?)?[\s,;:|–—-]*$", "", name)
    if not name or len(name.split()) > 8 or _PROSE_END.search(name):
        return None
    return name, _date_in(rest)
