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

from .models import APPROACHES, RAG_VALUES

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

SubKey = tuple[str | int, ...]


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
    """A raw value as the editor wrote it, for messages."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return repr(str(value))


def _type_word(value: Any) -> str:
    if isinstance(value, bool):
        return f"true/false ({show(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    if value is None:
        return "nothing"
    return f"text {show(value)}"


def suggest(value: str, choices: Mapping[str, str] | list[str]) -> str:
    """' (did you mean 'norfolk'?)' for a near miss, else ''."""
    ids = list(choices)
    names = dict(choices) if isinstance(choices, Mapping) else {}
    low = value.strip().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", low).strip("-")
    for cid in ids:
        if slug == cid or low == str(names.get(cid, "")).lower():
            return f" (did you mean '{cid}'?)"
    close = difflib.get_close_matches(low, ids, n=1, cutoff=0.6)
    if not close and len(slug) >= 2:
        close = [cid for cid in ids if cid.startswith(slug)][:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


# ---- checks for single values ------------------------------------------------------------------


def text(value: Any, vocab: Vocab) -> Checked:
    """Non-empty text; numbers are taken as text, true/false and lists are not."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        hint = " (if you meant the word, put it in quotes)" if isinstance(value, bool) else ""
        return bad(f"expected text, got {_type_word(value)}{hint}")
    out = str(value).strip()
    return Checked(out) if out else bad("expected text, got an empty value")


def date(value: Any, vocab: Vocab) -> Checked:
    """A calendar date written YYYY-MM-DD."""
    raw = str(value).strip() if not isinstance(value, (bool, list, dict)) and value is not None else None
    if raw is None or not _DATE.match(raw):
        return bad(f"expected a date like 2024-05-01, got {show(value)}")
    try:
        return Checked(dt.date.fromisoformat(raw))
    except ValueError:
        return bad(f"{raw} is not a real date (expected a date like 2024-05-01)")


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
            return bad(f"{raw} is not a real time (expected a 24-hour time like 2025-03-14 14:30)")
        return Checked(dt.datetime.combine(day.value, dt.time(hour, minute)))
    if _DATE.match(raw):
        return date(raw, vocab)
    return bad(f"expected a date like 2025-03-14 or a date and time like 2025-03-14 10:30, got {show(value)}")


def boolean(value: Any, vocab: Vocab) -> Checked:
    if isinstance(value, bool):
        return Checked(value)
    return bad(f"expected true or false, got {show(value)}")


def web_url(value: Any, vocab: Vocab) -> Checked:
    """An absolute http(s) address."""
    checked = text(value, vocab)
    if not checked.ok:
        return checked
    if not re.match(r"^https?://[^\s/]+\.[^\s]*$", checked.value) and not re.match(r"^https?://[^\s/]+(/\S*)?$", checked.value):
        return bad(f"expected a web address starting with https://, got {show(value)}")
    if " " in checked.value:
        return bad("a web address cannot contain spaces")
    return checked


def email(value: Any, vocab: Vocab) -> Checked:
    checked = text(value, vocab)
    if checked.ok and not _EMAIL.match(checked.value):
        return bad(f"expected an email address like name@example.org, got {show(value)}")
    return checked


def one_of(vocab_name: str, what: str) -> Check:
    """A check for one id from a vocabulary (areas, sectors ...)."""

    def check(value: Any, vocab: Vocab) -> Checked:
        choices: Mapping[str, str] = getattr(vocab, vocab_name)
        if isinstance(value, bool):
            return bad(f"expected {what} id, got {show(value)} (put the id in quotes if it is a word like no or yes)")
        checked = text(value, vocab)
        if not checked.ok:
            return bad(f"expected {what} id, got {_type_word(value)}")
        if checked.value not in choices:
            return bad(f"unknown {what} '{checked.value}'{suggest(checked.value, choices)}")
        return checked

    return check


def approach(value: Any, vocab: Vocab) -> Checked:
    checked = text(value, vocab)
    if not checked.ok:
        return checked
    if checked.value not in APPROACHES:
        allowed = ", ".join(APPROACHES)
        return bad(f"unknown approach '{checked.value}'{suggest(checked.value, list(APPROACHES))} (expected one of {allowed})")
    return checked


def image_path(value: Any, vocab: Vocab) -> Checked:
    """A path under content/images to a raster image (SVG can carry scripts, so it is not accepted)."""
    checked = text(value, vocab)
    if not checked.ok:
        return checked
    path = checked.value.lstrip("/")
    if not re.search(r"\.(jpe?g|png|webp|gif)$", path, re.I):
        return bad(f"expected a .jpg, .jpeg, .png, .webp or .gif image, got {show(value)}")
    if not path.startswith("images/"):
        path = f"images/{path}"
    if path not in vocab.images:
        return bad(f"no image at content/{path} (put the image file in content/images/ and give its path, like images/garden.jpg)")
    return Checked(path)


# ---- checks for lists and mappings --------------------------------------------------------------


def list_of(item: Check, what: str, unique: bool = True, non_empty: bool = True) -> Check:
    """A check for a list whose items each pass `item`."""

    def check(value: Any, vocab: Vocab) -> Checked:
        if not isinstance(value, list):
            example = "[essex, suffolk]" if "id" in what else "lines starting with '- '"
            return bad(f"expected a list of {what} (written as {example}), got {_type_word(value)}")
        if non_empty and not value:
            return bad(f"expected at least one {what.rstrip('s')}, got an empty list")
        items, issues, warnings, seen = [], [], [], set()
        for index, raw in enumerate(value):
            checked = item(raw, vocab)
            issues.extend(((index, *key), message) for key, message in checked.issues)
            warnings.extend(((index, *key), message) for key, message in checked.warnings)
            if checked.ok:
                if unique and checked.value in seen:
                    issues.append(((index,), f"'{checked.value}' is listed twice"))
                if unique:
                    seen.add(checked.value)
                items.append(checked.value)
        return Checked(tuple(items), tuple(issues), tuple(warnings))

    return check


def rag_map(value: Any, vocab: Vocab) -> Checked:
    """statement id -> red | amber | green."""
    if not isinstance(value, dict):
        return bad(f"expected statement ids with a rating each (like 'felt-heard: green'), got {_type_word(value)}")
    ratings, issues = [], []
    for key, rating in value.items():
        sid = str(key)
        if sid not in vocab.statements:
            issues.append(((sid,), f"unknown self-assessment statement '{sid}'{suggest(sid, vocab.statements)}"))
        elif rating not in RAG_VALUES:
            hint = suggest(str(rating), list(RAG_VALUES)) if isinstance(rating, str) else ""
            issues.append(((sid,), f"expected red, amber or green, got {show(rating)}{hint}"))
        else:
            ratings.append((sid, rating))
    order = list(vocab.statements)
    ratings.sort(key=lambda pair: order.index(pair[0]))
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
                issues.append(((spec.name,), f"missing: this field is required ({spec.help}; for example: {spec.example})"))
            values[spec.name] = None
            continue
        checked = spec.check(meta[spec.name], vocab)
        issues.extend(((spec.name, *key), message) for key, message in checked.issues)
        warnings.extend(((spec.name, *key), message) for key, message in checked.warnings)
        values[spec.name] = checked.value
    known = [spec.name for spec in fields]
    for key in meta:
        if str(key) not in known:
            warnings.append(((str(key),), f"unknown field, so it is ignored{suggest(str(key), known)}"))
    return Checked(values, tuple(issues), tuple(warnings))


# ---- the tables ---------------------------------------------------------------------------------


def _f(name: str, check: Check, required: bool, kind: str, help: str, example: str) -> FieldSpec:
    return FieldSpec(name, check, required, help, example, kind)


AREA_IDS = list_of(one_of("areas", "area"), "area ids")
SECTOR_IDS = list_of(one_of("sectors", "sector"), "sector ids")
THEME_IDS = list_of(one_of("themes", "theme"), "theme ids")
TEXT_LIST = list_of(text, "items", unique=False)

UPDATE_FIELDS = (
    _f("date", date, True, "date", "when the update was made", "2025-06-01"),
    _f("text", text, True, "text", "what has happened", "We set up a carers' panel that meets monthly."),
)

STORY_FIELDS = (
    _f("title", text, True, "text", "the story's title", "Co-designing respite with carers in Thetford"),
    _f("summary", text, True, "text", "one or two sentences saying what happened", "Carers and commissioners redesigned respite together."),
    _f("date", date, True, "date", "when the work happened or was finished", "2025-03-14"),
    _f("areas", AREA_IDS, True, "list of area ids", "the areas the work covers; [region] for region-wide", "[norfolk]"),
    _f("sectors", SECTOR_IDS, True, "list of sector ids", "the sectors involved", "[social-care, health]"),
    _f("themes", THEME_IDS, True, "list of theme ids", "what the work was about", "[carers]"),
    _f("approach", approach, False, "approach", "how far along the ladder of coproduction the work went", "co-production"),
    _f("self_assessment", rag_map, False, "statement id: red, amber or green", "the RAG self-assessment", "{felt-heard: green}"),
    _f("people", TEXT_LIST, False, "list of text", "who took part, in words", "[carers, people who draw on care, commissioners]"),
    _f("outcomes", TEXT_LIST, False, "list of text", "what changed", "[A new respite booking line run by carers]"),
    _f("lessons", TEXT_LIST, False, "list of text", "what was learned", "[Start with the people, not the plan]"),
    _f("easy_read", text, False, "text", "an Easy Read summary: short sentences, one idea each", "We asked carers what they need."),
    _f("image", image_path, False, "image path", "a picture, saved in content/images/", "images/garden.jpg"),
    _f("image_alt", text, False, "text", "what the picture shows, for people who cannot see it", "Carers planting a garden"),
    _f("draft", boolean, False, "true or false", "true keeps the story off the site until it is ready", "false"),
)

SIGNATORY_FIELDS = (
    _f("name", text, True, "text", "the person's name", "Sam Rivers"),
    _f("role", text, True, "text", "their job title", "Director of Adult Social Care"),
    _f("organisation", text, True, "text", "the organisation they sign for", "Fenside Council"),
    _f("area", one_of("areas", "area"), True, "area id", "the area the organisation works in", "suffolk"),
    _f("sector", one_of("sectors", "sector"), True, "sector id", "the organisation's sector", "social-care"),
    _f("signed", date, True, "date", "the date they signed the pledge", "2024-05-01"),
    _f("commitments", TEXT_LIST, True, "list of text", "what they commit to", "[Pay people for their time]"),
    _f("website", web_url, False, "web address", "the organisation's website", "https://example.org"),
    _f("updates", list_of(record(UPDATE_FIELDS, "an update"), "updates", unique=False), False,
       "list of date and text", "dated progress on the commitments", "[{date: 2025-06-01, text: ...}]"),
    _f("easy_read", text, False, "text", "an Easy Read version of their statement", "We will listen to you."),
)  # fmt: skip

EVENT_FIELDS = (
    _f("title", text, True, "text", "the event's name", "Coproduction week: open meeting"),
    _f("start", date_or_datetime, True, "date or date and time", "when it starts, UK time", "2027-02-11 10:00"),
    _f("end", date_or_datetime, False, "date or date and time", "when it ends, UK time", "2027-02-11 12:30"),
    _f("location", text, False, "text", "where it happens (or use online: true)", "Norwich Forum, Norwich"),
    _f("online", boolean, False, "true or false", "true when the event is online", "true"),
    _f("areas", AREA_IDS, False, "list of area ids", "the areas it is for; left out means region-wide", "[norfolk]"),
    _f("booking_url", web_url, False, "web address", "where to book a place", "https://example.org/book"),
    _f("summary", text, False, "text", "one sentence about the event", "An open meeting for anyone interested."),
    _f("recording_url", web_url, False, "web address", "a recording, after the event", "https://example.org/recording"),
    _f("write_up_url", web_url, False, "web address", "a write-up, after the event", "https://example.org/write-up"),
)

PAGE_FIELDS = (
    _f("title", text, True, "text", "the page title", "About the network"),
    _f("summary", text, False, "text", "one sentence about the page", "Who we are and what we do."),
    _f("easy_read", text, False, "text", "an Easy Read version", "We help people work together."),
)

SITE_FIELDS = (
    _f("title", text, True, "text", "the site's name", "Count Me In"),
    _f("tagline", text, True, "text", "a few words under the name", "Coproduction in the East of England"),
    _f("description", text, True, "text", "one sentence describing the site, for search engines", "Stories and pledges ..."),
    _f("base_url", web_url, False, "web address", "where the site lives, for canonical links, sitemap and feed", "https://example.org/count-me-in/"),
    _f("repository_url", web_url, False, "web address", "the repository, for 'Suggest a change' links", "https://github.com/example/cmi-site"),
    _f("repository_branch", text, False, "text", "the repository's main branch", "main"),
    _f("sample_notice", boolean, True, "true or false", "true shows a notice that the content is sample content", "true"),
    _f("contact_email", email, False, "email address", "where people can write to the network", "countmein@example.org"),
)

TERM_FIELDS = (
    _f("id", text, True, "id", "the id used in stories (lower-case letters, numbers and hyphens)", "carers"),
    _f("name", text, True, "text", "the name shown on the site", "Carers"),
    _f("description", text, True, "text", "a short description", "Unpaid carers and the people they care for."),
)

AREA_FIELDS = (
    *TERM_FIELDS,
    _f("integrated_care_systems", TEXT_LIST, True, "list of text", "the integrated care systems that cover the area",
       "[Norfolk and Waveney]"),
)  # fmt: skip

STATEMENT_FIELDS = (
    _f("id", text, True, "id", "the id used in stories' self_assessment", "felt-heard"),
    _f("statement", text, True, "text", "the statement, in plain words", "People felt listened to."),
    _f("red", text, True, "text", "what red means for this statement", "Most people did not feel heard."),
    _f("amber", text, True, "text", "what amber means", "Some people felt heard, some did not."),
    _f("green", text, True, "text", "what green means", "Everyone felt heard."),
)

COLLECTION_FIELDS = {
    "stories": STORY_FIELDS,
    "signatories": SIGNATORY_FIELDS,
    "events": EVENT_FIELDS,
    "pages": PAGE_FIELDS,
}
