"""A date or time written another way ('March 2024', '14/03/2024', '2pm') -> the same written as the
check wants it (2024-03-01, 2024-03-14, 14:00), so a message can show the editor exactly what to write.

Only for messages: nothing here decides whether a value is accepted (schema.date does). Dates with
numbers only are read the UK way, day first (01/06/2024 is 1 June 2024).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

# 'january' -> 1, 'jan' -> 1, 'sept' -> 9 ...
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS |= {name[:3]: number for name, number in list(MONTHS.items())} | {"sept": 9}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_NUMERIC_YMD = re.compile(r"(\d{4})[-/. ](\d{1,2})[-/. ](\d{1,2})")
_NUMERIC_DMY = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})")
_WORDS_DMY = re.compile(rf"(\d{{1,2}}) {_MONTH} (\d{{4}})")
_WORDS_MDY = re.compile(rf"{_MONTH} (\d{{1,2}}) (\d{{4}})")
_MONTH_YEAR = re.compile(rf"{_MONTH} (\d{{4}})|(\d{{4}})[-/ ]{_MONTH}")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
# A date written by hand is short: anything longer is not read (and the patterns stay quick on hostile text).
MAX_CHARS = 60
_TIME = re.compile(r"(?P<date>.*?)[ ,T]+(?:at )?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))? ?(?P<half>am|pm)?")


def _normal(text: str) -> str:
    """'Tuesday, 14th March 2024.' -> '14 march 2024': lower case, no weekday, ordinals, commas or full stop."""
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text.strip().lower().rstrip("."))
    text = re.sub(r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?", " ", text)
    text = re.sub(r"(?<=[a-z])\.", "", text.replace(",", " "))
    return " ".join(text.split())


def _iso(year: str | int, month: str | int, day: str | int) -> str | None:
    """The date as YYYY-MM-DD when it is a real one, else None."""
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def iso_date(text: str) -> str | None:
    """A date written another way -> YYYY-MM-DD ('March 2024' -> '2024-03-01', the first of the
    month standing for a day not given), or None when it cannot be read as one real date."""
    if len(text) > MAX_CHARS:
        return None
    text = _normal(text)
    if match := _NUMERIC_YMD.fullmatch(text):
        return _iso(*match.groups())
    if match := _NUMERIC_DMY.fullmatch(text):
        day, month, year = match.groups()
        return _iso(year, month, day)
    if match := _WORDS_DMY.fullmatch(text):
        day, month, year = match.groups()
        return _iso(year, MONTHS[month], day)
    if match := _WORDS_MDY.fullmatch(text):
        month, day, year = match.groups()
        return _iso(year, MONTHS[month], day)
    if match := _MONTH_YEAR.fullmatch(text):
        month, year = (match[1], match[2]) if match[1] else (match[4], match[3])
        return _iso(year, MONTHS[month], 1)
    if match := _YEAR_MONTH.fullmatch(text):
        return _iso(match[1], match[2], 1)
    if re.fullmatch(r"\d{4}", text):
        return _iso(text, 1, 1)
    return None


def iso_datetime(text: str) -> str | None:
    """A date and time written another way -> 'YYYY-MM-DD HH:MM' on the 24-hour clock
    ('11 February 2027 2pm' -> '2027-02-11 14:00'), or None."""
    if len(text) > MAX_CHARS:
        return None
    match = _TIME.fullmatch(_normal(text))
    if match is None or not (match["minute"] or match["half"]):
        return None
    day = iso_date(match["date"])
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    if day is None or hour > 23 or minute > 59:
        return None
    return f"{day} {hour:02}:{minute:02}"
