"""Typed, frozen records for everything on the site. Validation makes them; nothing changes them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RAG_VALUES = ("red", "amber", "green")

# A key path into the front matter: ("areas", 1) is the second item of the areas list.
KeyPath = tuple[str | int, ...]


def line_of(lines: dict[KeyPath, int], key: KeyPath) -> int:
    """The line of a key path in a file, or of its nearest enclosing key, falling back to line 1."""
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return 1

# The ladder of coproduction, lowest rung first (the order matters for display).
APPROACHES: dict[str, tuple[str, str]] = {
    "informing": ("Informing", "People were told about decisions already made."),
    "consulting": ("Consulting", "People were asked for their views, but others made the decisions."),
    "engaging": ("Engaging", "People were involved in discussions and their views shaped the work."),
    "co-design": ("Co-design", "People designed the work together, though others made the final decisions."),
    "co-production": ("Co-production", "People who draw on care and people who provide it shared power from start to finish."),
}


@dataclass(frozen=True)
class Settings:
    title: str
    tagline: str
    description: str
    base_url: str | None
    repository_url: str | None
    repository_branch: str
    sample_notice: bool
    contact_email: str | None
    easy_read: str | None = None  # the home page's message in Easy Read


@dataclass(frozen=True)
class Term:
    """A sector or a theme: something stories are grouped by."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    description: str
    integrated_care_systems: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One statement of the RAG self-assessment, and what each rating means for it."""

    id: str
    statement: str
    red: str
    amber: str
    green: str

    def meaning(self, rating: str) -> str:
        return {"red": self.red, "amber": self.amber, "green": self.green}[rating]


@dataclass(frozen=True)
class Rating:
    statement: str  # statement id
    rating: str  # red | amber | green


@dataclass(frozen=True)
class Update:
    date: dt.date
    text: str


@dataclass(frozen=True)
class Story:
    slug: str
    source: str
    title: str
    summary: str
    date: dt.date
    areas: tuple[str, ...]
    sectors: tuple[str, ...]
    themes: tuple[str, ...]
    approach: str | None
    self_assessment: tuple[Rating, ...]
    people: tuple[str, ...]
    outcomes: tuple[str, ...]
    lessons: tuple[str, ...]
    easy_read: str | None
    image: str | None
    image_alt: str | None
    draft: bool
    body_html: str
    consent: Consent | None = None  # required of every story (fields.py); None only in tests' hand-made models
    told_by: tuple[str, ...] = ()  # the people or groups who told or co-wrote it, credited on its page
    image_decorative: bool = False  # the picture only decorates: its alt text is empty, on purpose
    image_caption: str | None = None
    organisations: tuple[str, ...] = ()  # organisations involved, as their signatories write them (organisations.py)


@dataclass(frozen=True)
class Consent:
    """That the people in a story agreed to it being published: when, and how."""

    date: dt.date
    how: str


@dataclass(frozen=True)
class Withdrawn:
    """A story or signatory taken off the site. Only where it was and when are kept: nothing else of
    it (no title, no name, no text) reaches any output."""

    collection: str  # stories or signatories
    slug: str
    source: str
    date: dt.date


@dataclass(frozen=True)
class Signatory:
    slug: str
    source: str
    name: str
    role: str
    organisation: str
    area: str
    sector: str
    signed: dt.date
    commitments: tuple[str, ...]
    website: str | None
    updates: tuple[Update, ...]  # newest first
    easy_read: str | None
    body_html: str
    left: dt.date | None = None  # when they left the organisation: a former signatory, still on the register

    @property
    def last_updated(self) -> dt.date:
        return max([self.signed, *(u.date for u in self.updates)])

    @property
    def current(self) -> bool:
        """True while they have not left: only current signatories are counted."""
        return self.left is None


@dataclass(frozen=True)
class Organisation:
    """An organisation named by signatories: everyone who signed for it, and the stories that name it."""

    slug: str
    name: str  # as its latest signatory writes it
    signatories: tuple[Signatory, ...]  # newest signing first
    stories: tuple[Story, ...] = ()  # newest first

    @property
    def current(self) -> tuple[Signatory, ...]:
        return tuple(s for s in self.signatories if s.left is None)

    @property
    def former(self) -> tuple[Signatory, ...]:
        return tuple(s for s in self.signatories if s.left is not None)

    @property
    def looking(self) -> bool:
        """Everyone who signed for it has left: it is looking for a new signatory."""
        return not self.current

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.area for s in self.signatories))

    @property
    def sectors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.sector for s in self.signatories))

    @property
    def updates(self) -> tuple[tuple[Update, Signatory], ...]:
        """Every signatory's updates, newest first, each with who posted it."""
        pairs = [(u, s) for s in self.signatories for u in s.updates]
        return tuple(sorted(pairs, key=lambda pair: (pair[0].date, pair[1].signed), reverse=True))


@dataclass(frozen=True)
class Event:
    slug: str
    source: str
    title: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime | None
    location: str | None
    online: bool
    areas: tuple[str, ...]
    booking_url: str | None
    summary: str | None
    recording_url: str | None
    write_up_url: str | None
    body_html: str
    write_up: str | None = None  # the slug of a story that is the event's write-up

    @property
    def start_date(self) -> dt.date:
        return self.start.date() if isinstance(self.start, dt.datetime) else self.start

    @property
    def end_date(self) -> dt.date:
        end = self.end if self.end is not None else self.start
        return end.date() if isinstance(end, dt.datetime) else end


@dataclass(frozen=True)
class Page:
    slug: str
    source: str
    title: str
    summary: str | None
    easy_read: str | None
    body_html: str


@dataclass(frozen=True)
class Content:
    """All validated content: what the site is built from."""

    settings: Settings
    areas: tuple[Area, ...]
    sectors: tuple[Term, ...]
    themes: tuple[Term, ...]
    statements: tuple[Statement, ...]
    stories: tuple[Story, ...]
    signatories: tuple[Signatory, ...]
    events: tuple[Event, ...]
    pages: tuple[Page, ...]
    images: tuple[str, ...] = ()  # paths under content/, e.g. images/garden.jpg, sorted
    withdrawn: tuple[Withdrawn, ...] = ()  # by collection and slug
    pictures: tuple[Picture, ...] = ()  # how each readable picture of images is published (pictures.py)


@dataclass(frozen=True)
class Variant:
    """One published copy of a picture: its path in the output and its size in pixels."""

    path: str  # images/garden-960w.jpg
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """A picture of content/images as the site publishes it: re-encoded copies, narrowest first (never the file itself)."""

    source: str  # images/garden.jpg, as stories name it
    variants: tuple[Variant, ...]

    @property
    def largest(self) -> Variant:
        """The widest copy: the src of its <img>, whose width and height the page gives."""
        return self.variants[-1]


# ---- what the stages hand on: files read, documents parsed, pages planned, files made ------------


@dataclass(frozen=True)
class DocFile:
    """A document file found in content/, not yet read: where it is, how editors see its path, its collection."""

    file: Path
    path: str  # as shown to editors, e.g. content/stories/foo.md
    collection: str
    stem: str  # the file name without .md


@dataclass(frozen=True)
class SourceDoc:
    """One Markdown file: its front matter as plain data, its body, and where each key was."""

    path: str  # as shown to editors, e.g. content/stories/foo.md
    collection: str
    stem: str  # the file name without .md; validation decides whether it is a good slug
    meta: dict[str, Any]
    body: str
    body_line: int
    lines: dict[KeyPath, int]

    def line_of(self, *key: str | int) -> int:
        """The line of a key (or the nearest enclosing key), falling back to line 1."""
        return line_of(self.lines, key)


@dataclass(frozen=True)
class DataFile:
    """One YAML data file (areas, themes, settings ...) with the line of every key."""

    path: str
    name: str
    value: Any
    lines: dict[KeyPath, int]

    def line_of(self, *key: str | int) -> int:
        """The line of a key (or the nearest enclosing key), falling back to line 1."""
        return line_of(self.lines, key)


@dataclass(frozen=True)
class StaticFile:
    """A file copied to the output as it is (an image, a stylesheet)."""

    output_path: str
    data: bytes
    source: str


@dataclass(frozen=True)
class PageJob:
    """One HTML page to make: the file, the template, and every value the template is given."""

    path: str  # in the output folder, e.g. stories/foo/index.html
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Output:
    """One file of the built site: its path in the output folder and its bytes."""

    path: str
    data: bytes
