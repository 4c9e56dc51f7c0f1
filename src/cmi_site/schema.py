"""The content schema, declared once as data: every field of every file, its type and its help text.

A *check* turns a raw YAML value into a clean Python value, or reports what is wrong with it. Checks
never raise: they return `Checked(value, issues)`, where each issue is (key path inside the field,
message). Validation turns issues into Problems with file and line; `cmi-site new` (scaffold) and
docs/content.md use the same tables.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .chars import escape, quoted, shorten
from .datehint import iso_date, iso_datetime
from .models import APPROACHES, RAG_VALUES

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

SubKey = tuple[str | int, ...]
# How the message for a required field that is not there starts (datafiles.report says where to add it).
MISSING = "missing: this field is required"


Issue = tuple[SubKey, str]


@dataclass(frozen=True)
class Checked:
    """A clean value, or None, with what is wrong (issues) and what looks wrong (warnings)."""

    value: Any
    issues: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues


def bad(message: str, key: SubKey = ()) -> Checked:
    return Checked(None, ((key, message),))


@dataclass(frozen=True)
class Vocab:
    """The ids editors may use, defined in content: areas, sectors, themes, statements, images."""

    areas: Mapping[str, str] = field(default_factory=dict)  # id -> name
    sectors: Mapping[str, str] = field(default_factory=dict)
    themes: Mapping[str, str] = field(default_factory=dict)
    statements: Mapping[str, str] = field(default_factory=dict)
    images: frozenset[str] = frozenset()  # paths relative to content/, e.g. images/garden.jpg
    # Vocabularies whose file is missing or unreadable: ids are not checked against them, because
    # every story would otherwise report every id as unknown (the file's own problem is reported).
    unchecked: frozenset[str] = frozenset()


Check = Callable[[Any, Vocab], Checked]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    check: Check
    required: bool
    help: str
    example: str
    kind: str  # a short type name for docs and templates: text, date, list of area ids ...


def show(value: Any) -> str:
    """A raw value as the editor wrote it, for messages: one line (escaped), cut when long."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return repr(shorten(str(value)))


def _type_word(value: Any) -> str:
    if isinstance(value, bool):
        return show(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    if value is None:
        return "nothing"
    return f"text {show(value)}"


def closest(value: str, choices: Mapping[str, str] | list[str]) -> str | None:
    """The choice an editor most likely meant (a typo, a name instead of an id, a prefix), or None."""
    ids = list(choices)
    names = dict(choices) if isinstance(choices, Mapping) else {}
    low = value.strip().lower()
    if not low:  # nothing to go by (and it would equal the empty name of a choice without one)
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", low).strip("-")
    for cid in ids:
        if slug == cid or low == str(names.get(cid, "")).lower():
            return cid
    close = difflib.get_close_matches(low, ids, n=1, cutoff=0.6)
    if not close and len(slug) >= 2:
        close = [cid for cid in ids if cid.startswith(slug)][:1]
    return close[0] if close else None


def suggest(value: str, choices: Mapping[str, str] | list[str]) -> str:
    """' (did you mean 'norfolk'?)' for a near miss, else ''."""
    choice = closest(value, choices)
    return f" (did you mean '{choice}'?)" if choice is not None else ""


# ---- checks for single values ------------------------------------------------------------------


_TEXT_HINTS = {
    bool: " (if you meant the word, put it in double quotes)",
    list: " (write the text without '- ' or square brackets)",
    dict: " (if the text contains ': ', put the whole text in double quotes)",
    type(None): " (this item is empty: write its text after '- ', or delete the line)",
}


def text(value: Any, vocab: Vocab) -> Checked:
    """Non-empty text; numbers are taken as text, true/false and lists are not."""
    if isinstance(value, (bool, list, dict)) or value is None:
        return bad(f"expected text, got {_type_word(value)}{_TEXT_HINTS[type(value)]}")
    out = str(value).strip()
    return Checked(out) if out else bad("expected text, got an empty value")


def date(value: Any, vocab: Vocab) -> Checked:
    """A calendar date written YYYY-MM-DD."""
    raw = str(value).strip() if not isinstance(value, (bool, list, dict)) and value is not None else None
    if raw is None or not _DATE.match(raw):
        like = iso_date(raw) if raw is not None else None
        return bad(f"expected a date, got {show(value)} (write it as year-month-day, like {like or '2024-05-01'})")
    try:
        return Checked(dt.date.fromisoformat(raw))
    except ValueError:
        return bad(f"{raw} is not a real date (check the month and the day: write year-month-day, like 2024-05-01)")


def date_or_datetime(value: Any, vocab: Vocab) -> Checked:
    """A date (2025-03-14) or a UK local date and time (2025-03-14 10:30)."""
    raw = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    match = _DATETIME.match(raw)
    if match:
        day = date(match.group(1), vocab)
        if not day.ok:
            return day
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            return bad(f"{raw} is not a real time (use the 24-hour clock, 00:00 to 23:59, like 2025-03-14 14:30)")
        return Checked(dt.datetime.combine(day.value, dt.time(hour, minute)))
    if _DATE.match(raw):
        return date(raw, vocab)
    like = iso_datetime(raw) or iso_date(raw) or "2025-03-14 or 2025-03-14 14:30"
    return bad(f"expected a date, or a date and time, got {show(value)} "
               f"(write it as year-month-day, with any time after it on the 24-hour clock, like {like})")


def boolean(value: Any, vocab: Vocab) -> Checked:
    """true or false, written as such: yes/no/on/off are text (the loader keeps them so)."""
    if isinstance(value, bool):
        return Checked(value)
    word = str(value).strip().lower() if isinstance(value, str) else ""
    hint = {"yes": " (write true for yes)", "on": " (write true for on)", "no": " (write false for no)",
            "off": " (write false for off)", "true": " (write it without quotes)", "false": " (write it without quotes)"}
    return bad(f"expected true or false, got {show(value)}{hint.get(word, '')}")


def web_url(value: Any, vocab: Vocab) -> Checked:
    """An absolute http(s) address."""
    checked = text(value, vocab)
    if not checked.ok:
        return checked
    address = checked.value
    if re.search(r"\s", address):
        return bad(f"a web address cannot contain spaces, got {show(value)}")
    if not re.match(r"^https?://[^/]+(/.*)?$", address):
        bare = re.match(r"^(?:[\w-]+\.)+[a-z]{2,}(?:/.*)?$", address, re.I)
        hint = f" (did you mean {quoted(f'https://{address}')}?)" if bare else ""
        return bad(f"expected a web address starting with https://, got {show(value)}{hint}")
    return checked


def email(value: Any, vocab: Vocab) -> Checked:
    checked = text(value, vocab)
    if checked.ok and not _EMAIL.match(checked.value):
        return bad(f"expected an email address like name@example.org, got {show(value)}")
    return checked


# Where each vocabulary's ids are defined, for messages.
VOCAB_FILES = {"areas": "areas.yml", "sectors": "sectors.yml", "themes": "themes.yml", "statements": "self-assessment.yml"}


def unknown_id(value: str, vocab_name: str, choices: Mapping[str, str]) -> str:
    """' (did you mean ...?)', or the ids to choose from when there are few, or where they are listed."""
    hint = suggest(value, choices)
    if hint:
        return hint
    if 0 < len(choices) <= 12:
        return f" (expected one of: {', '.join(choices)})"
    return f" (the ids are listed in content/{VOCAB_FILES[vocab_name]})"


def one_of(vocab_name: str, what: str) -> Check:
    """A check for one id from a vocabulary (areas, sectors ...)."""
    article = "an" if what[0] in "aeiou" else "a"

    def check(value: Any, vocab: Vocab) -> Checked:
        choices: Mapping[str, str] = getattr(vocab, vocab_name)
        if isinstance(value, list):
            return bad(f"expected one {what} id, got a list (write just the id, without '- ' or square brackets)")
        checked = text(value, vocab)
        if not checked.ok:
            return bad(f"expected {article} {what} id, got {_type_word(value)}")
        if checked.value not in choices and vocab_name not in vocab.unchecked:
            return bad(f"unknown {what} {quoted(checked.value)}{unknown_id(checked.value, vocab_name, choices)}")
        return checked

    return check


def story_slug(value: Any, vocab: Vocab) -> Checked:
    """A story's file name without .md (whether the story exists is checked across files)."""
    checked = text(value, vocab)
    if not checked.ok:
        return checked
    slug = checked.value.removeprefix("stories/").removesuffix("/").removesuffix(".md")
    if not SLUG.match(slug):
        return bad(f"expected a story's file name without .md, like 'summer-gathering-stories', got {show(value)}")
    return Checked(slug)


def approach(value: Any, vocab: Vocab) -> Checked:
    checked = text(value, vocab)
    if not checked.ok:
        return checked
    if checked.value not in APPROACHES:
        hint = suggest(checked.value, list(APPROACHES)) or f" (expected one of: {', '.join(APPROACHES)})"
        return bad(f"unknown approach {quoted(checked.value)}{hint}")
    return checked


def image_path(value: Any, vocab: Vocab) -> Checked:
    """A path under content/images to a raster image (SVG can carry scripts, so it is not accepted)."""
    checked = text(value, vocab)
    if not checked.ok:
        return checked
    path = checked.value.lstrip("/")
    if path.lower().endswith(".svg"):
        return bad(f"SVG images are not accepted, got {show(value)} (save the picture as .png or .jpg, and use that file)")
    if not re.search(r"\.(jpe?g|png|webp|gif)$", path, re.I):
        return bad(f"expected a .jpg, .jpeg, .png, .webp or .gif image, got {show(value)}")
    if not path.startswith("images/"):
        path = f"images/{path}"
    if path not in vocab.images:
        return bad(f"no image at content/{escape(shorten(path))}{_image_hint(path, vocab.images)}")
    return Checked(path)


def _image_hint(path: str, images: frozenset[str]) -> str:
    """Did you mean another image with a similar name (compared without folder and extension)?"""
    def stem(image: str) -> str:
        return image.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()

    stems: dict[str, str] = {}
    for image in sorted(images):
        stems.setdefault(stem(image), image)
    choice = closest(stem(path), list(stems))
    if choice is not None:
        return f" (did you mean '{stems[choice]}'?)"
    return " (put the image file in content/images/ and give its path, like images/garden.jpg)"


# ---- checks for lists and mappings --------------------------------------------------------------


def list_of(item: Check, what: str, unique: bool = True, non_empty: bool = True) -> Check:
    """A check for a list whose items each pass `item`."""

    def check(value: Any, vocab: Vocab) -> Checked:
        if not isinstance(value, list):
            return bad(f"expected a list of {what}, got {_type_word(value)}{_list_hint(value, what)}")
        if non_empty and not value:
            return bad(f"expected at least one {what.rstrip('s')}, got an empty list")
        items: list[Any] = []
        issues: list[Issue] = []
        warnings: list[Issue] = []
        seen: set[Any] = set()
        for index, raw in enumerate(value):
            checked = item(raw, vocab)
            issues.extend(((index, *key), message) for key, message in checked.issues)
            warnings.extend(((index, *key), message) for key, message in checked.warnings)
            if checked.ok:
                if unique and checked.value in seen:
                    issues.append(((index,), f"{quoted(str(checked.value))} is listed twice"))
                if unique:
                    seen.add(checked.value)
                items.append(checked.value)
        return Checked(tuple(items), tuple(issues), tuple(warnings))

    return check


def _list_hint(value: Any, what: str) -> str:
    """How to write a single value as a list: [norfolk] for ids, '- ' lines for sentences."""
    if "id" in what and isinstance(value, (str, int)) and not isinstance(value, bool):
        return f" (write it in square brackets: [{value}])"
    return " (put each item on its own line below, starting with '- ')"


def rag_map(value: Any, vocab: Vocab) -> Checked:
    """statement id -> red | amber | green."""
    if not isinstance(value, dict):
        hint = " (write each 'id: rating' on its own line under self_assessment:, indented, without '- ')" if isinstance(value, list) else ""
        return bad(f"expected statement ids with a rating each (like 'felt-heard: green'), got {_type_word(value)}{hint}")
    ratings, issues = [], []
    for key, rating in value.items():
        sid = str(key)
        if sid not in vocab.statements and "statements" not in vocab.unchecked:
            issues.append(((sid,), f"unknown self-assessment statement {quoted(sid)}{unknown_id(sid, 'statements', vocab.statements)}"))
        elif rating not in RAG_VALUES:
            hint = suggest(str(rating), list(RAG_VALUES)) if isinstance(rating, str) else ""
            issues.append(((sid,), f"expected red, amber or green, got {show(rating)}{hint}"))
        else:
            ratings.append((sid, rating))
    order = {sid: index for index, sid in enumerate(vocab.statements)}
    ratings.sort(key=lambda pair: order.get(pair[0], len(order)))
    return Checked(tuple(ratings), tuple(issues))


def record(fields: tuple[FieldSpec, ...], what: str) -> Check:
    """A check for a nested mapping (an update with date and text)."""

    def check(value: Any, vocab: Vocab) -> Checked:
        if not isinstance(value, dict):
            return bad(f"expected {what} with {', '.join(f.name for f in fields)}, got {_type_word(value)}")
        return check_fields(value, fields, vocab)

    return check


def check_fields(meta: Mapping[str, Any], fields: tuple[FieldSpec, ...], vocab: Vocab) -> Checked:
    """Run every field's check over a mapping -> Checked(dict of clean values, issues, warnings)."""
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    warnings: list[Issue] = []
    for spec in fields:
        if spec.name not in meta or meta[spec.name] is None or meta[spec.name] == "":
            if spec.required:
                issues.append(((spec.name,), f"{MISSING} ({spec.help}; for example '{spec.name}: {spec.example}')"))
            values[spec.name] = None
            continue
        checked = spec.check(meta[spec.name], vocab)
        issues.extend(((spec.name, *key), message) for key, message in checked.issues)
        warnings.extend(((spec.name, *key), message) for key, message in checked.warnings)
        values[spec.name] = checked.value
    known = [spec.name for spec in fields]
    for key in meta:
        if str(key) not in known:
            hint = suggest(str(key), known) or f" (the fields here are: {', '.join(known)})"
            warnings.append(((str(key),), f"unknown field, so it is ignored{hint}"))
    return Checked(values, tuple(issues), tuple(warnings))
