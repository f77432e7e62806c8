"""Publication dates: everything is stored and compared as ISO `YYYY-MM-DD`."""

from __future__ import annotations

import datetime as dt

from rag.errors import ConfigError


def to_iso_date(value: str | dt.date | None) -> str | None:
    """`value` as `YYYY-MM-DD`, or None when it holds no recognisable date.

    Accepts dates, date-times ("2022-06-10T14:03:00Z"), "2018/06/07", "April 28, 2021",
    "28 April 2021" and the other forms dateutil reads.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    from dateutil import parser

    try:
        parsed = parser.parse(text, default=dt.datetime(1900, 1, 1), fuzzy=False)
    except (ValueError, OverflowError):
        return None
    if parsed.year == 1900:
        return None
    return parsed.date().isoformat()


def parse_as_of(value: str | dt.date | None, name: str = "as_of") -> dt.date | None:
    """The `as_of` (or since/until, by `name`) of a question as a date; a value that is no
    date is a ConfigError naming it."""
    if value is None or value == "":
        return None
    iso = to_iso_date(value)
    if iso is None:
        raise ConfigError(f"{name}={value!r} is not a date; write it as YYYY-MM-DD")
    return dt.date.fromisoformat(iso)
