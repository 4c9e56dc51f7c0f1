"""Property: after any sequence of edits, the fast engine's build (the build cache, kept pages,
patched search postings, remembered open-data lines) is byte-identical to a cold build of the same
input (the plain engine, no cache, into an empty folder), file for file.

tests/test_incremental.py checks each kind of change once, from a fresh build. Here hypothesis's
stateful testing runs random sequences of steps on a copy of the sample content and templates:

- edits, always to content that builds (ids of areas, sectors, themes and statements never change;
  a story names only the shipped pictures, which are never removed): a story's field (title, date,
  areas, themes, sectors, ratings, outcomes, draft, withdrawn ...), its body or its picture; a
  story, signatory, event or page added, removed or renamed; a signatory's, event's (its day moved
  across today) or page's field; a name or wording in a data file (areas, themes, sectors,
  statements, site.yml), a record moved; a snippet put into a template (some read parts of the Site
  the page did not read before), the stylesheet; a picture added, changed or removed; a file touched
  (mtime only, rewritten, replaced by a new inode) or changed with its size and mtime kept. Several
  edits may come between two builds;
- undo: a file put back as it was before an edit, or an undo (so the cache meets an old version again);
- refused: a mistake (unknown area, missing title, a template's error ...) that the build must stop
  at, leaving the output folder as it was; the file is then put back;
- build: an incremental build, compared with a cold build of the same input; two in a row is a
  build with nothing changed. A sequence ends with a build when anything changed since the last.

Cold builds are remembered by a digest of the input, so a state met again (an undo, and above all
while hypothesis shrinks a failing sequence) costs no second cold build. A difference is reported
with the files that differ and a diff of each, under the steps that led to it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, multiple, rule, run_state_machine_as_test

from cmi_site import pipeline
from cmi_site.config import BuildOptions, Paths
from cmi_site.models import APPROACHES
from conftest import SAMPLE_CONTENT, TEMPLATES, TODAY, picture
from test_incremental import run, tree

pytestmark = pytest.mark.fuzz

# ---- what is edited ---------------------------------------------------------------------------------

# Stories that may be edited, drafted, withdrawn, removed or renamed (the other 19 published stories
# are never touched, so the site always has some), and names for stories added or renamed. Four of
# the sample's stories are left out, so that 25 are published: one fewer, and the listing of stories
# (24 a page) loses its second page.
LEFT_OUT = ["mental-health-appointments-survey-essex", "college-transport-views-suffolk", "crisis-support-police-suffolk",
            "day-opportunities-timetable-bedford"]  # fmt: skip
POOL = ["jobs-support-luton", "carers-leaflet-thurrock", "accessible-community-centre-suffolk",
        "home-adaptations-waiting-list-hertfordshire", "dementia-friendly-home-care-norfolk", "regional-pledge-review",
        "respite-information-norfolk"]  # fmt: skip
NEW = ["new-story", "another-new-story"]
STORIES = [f"content/stories/{name}.md" for name in POOL + NEW]
SIGNATORIES = [f"content/signatories/{name}.md" for name in ("amina-rahman", "helen-marsh", "nadia-osei")]
EVENTS = [
    f"content/events/{name}.md" for name in ("summer-gathering-2025", "easy-read-workshop-2027", "commissioning-webinar-2026")
]
PAGES = [f"content/pages/{name}.md" for name in ("about", "privacy", "pledge")]
AREAS = ["bedford", "cambridgeshire", "essex", "luton", "norfolk", "suffolk", "thurrock", "region"]
SECTORS = ["social-care", "health", "housing", "voluntary", "provider"]
THEMES = ["carers", "mental-health", "learning-disability", "older-people", "dementia", "employment"]
STATEMENTS = ["early-involvement", "shared-power", "felt-heard", "accessible", "worth-the-time", "made-a-difference"]
# Organisations with different web addresses (two names with one address would be an error), one of
# them written in other letters' case (the same organisation), one that no signatory had yet.
ORGANISATIONS = ["Northgate Home Care (sample)", "Ouse Valley Adult Care Services (sample)", "ouse valley adult care services (SAMPLE)",
                 "Marshland Advocacy Group (sample)", "Tidewater Trust (sample)"]  # fmt: skip
SHIPPED_PICTURES = ["content/images/community-centre-ramp.jpg", "content/images/step-free-route-plan.png"]  # never removed
NEW_PICTURES = ["content/images/new-picture.png", "content/images/new-photo.jpg"]  # named by no story: may go
# Days around the sample's dates and the build date: listings shift, events pass.
DAYS = [dt.date(2019, 1, 15), dt.date(2024, 6, 1), dt.date(2025, 6, 12), dt.date(2026, 1, 15), dt.date(2026, 10, 20),
        TODAY - dt.timedelta(days=1), TODAY, TODAY + dt.timedelta(days=1), dt.date(2027, 3, 18)]  # fmt: skip
LEFT = [dt.date(2026, 10, 1), TODAY]  # after every pool signatory signed
WORDS = ["carers", "café", "Luton", "naïve", "A&B", "<em>loud</em>", "“quoted”", "O'Neil", "50%", "£5", "co-production",
         "dementia", "plan", "together", "Norfolk", "budget", "🙂", "respite", "panel", "quillwort"]  # fmt: skip
# Where snippets go: page templates, and templates others extend, import or include.
ANCHORS = {"templates/base.html": "<body>\n", "templates/story.html": "<h1>", "templates/macros.html": '<li class="card">\n',
           "templates/area.html": "<h1>", "templates/stories.html": "<h1>",
           "templates/rag.html": '<section class="rag-picture" aria-labelledby="rag-picture-heading">\n',
           "templates/region-glance.html": '<h2 id="glance-heading">The region at a glance</h2>\n',
           "templates/evidence-parts.html": '<div class="table-scroll">\n'}  # fmt: skip
# Snippets for templates: text, and reads of the Site a page did not make before (tracked or not).
SNIPPETS = ["<!-- a note -->", "<!-- another note -->", "{{ site.settings.tagline }}", "{{ site.area_by_id['luton'].name }}",
            "{{ site.stories | length }}", "{{ site.statements[0].statement }}", "{% for s in site.stories[:3] %}{{ s.title }}; {% endfor %}",
            "{{ site.stories_by_theme.get('carers', []) | length }}", "{{ 'new' if 'images/new-picture.png' in site.pictures else 'none' }}",
            "{{ site.organisations | map(attribute='name') | first }}", "{{ site.current_signatories | length }}",
            "{{ site.upcoming_events | length }}"]  # fmt: skip


@dataclass(frozen=True)
class Version:
    """A file as it was before an edit (None: it did not exist), to put back."""

    path: str
    data: bytes | None
    before: str  # the edit that changed it

    def __repr__(self) -> str:
        return f"Version({self.path!r}, {'absent' if self.data is None else f'{len(self.data)} bytes'}, before {self.before})"


def write(root: Path, rel: str, data: bytes | None) -> None:
    file = root / rel
    if data is None:
        file.unlink(missing_ok=True)
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)


def read(root: Path, rel: str) -> bytes | None:
    file = root / rel
    return file.read_bytes() if file.exists() else None


def scalar(value: Any) -> str:
    """A value as YAML: dates and booleans bare, as authors write them; texts, lists and mappings as JSON (a YAML flow)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False)


def set_key(lines: list[str], start: int, end: int, indent: int, key: str, value: Any) -> list[str]:
    """lines[start:end] is a YAML block mapping indented by indent: key set to value there (or removed: None)."""
    prefix = " " * indent
    new = [] if value is None else [f"{prefix}{key}: {scalar(value)}"]
    at = next((n for n in range(start, end) if lines[n].startswith(f"{prefix}{key}:")), None)
    if at is None:
        return lines[:end] + new + lines[end:]
    stop = at + 1  # the value's own lines: a block list or scalar, indented or at the key's indent
    while stop < end and (
        lines[stop].startswith(f"{prefix} ") or lines[stop].startswith(f"{prefix}- ") or not lines[stop].strip()
    ):
        stop += 1
    return lines[:at] + new + lines[stop:]


def record_span(lines: list[str], record: str) -> tuple[int, int]:
    """Where the record `- id: record` of a data file is: its first line, and the next record's."""
    first = next(n for n, line in enumerate(lines) if re.fullmatch(rf"- id: ['\"]?{re.escape(record)}['\"]?\s*", line))
    end = next((n for n in range(first + 1, len(lines)) if lines[n].startswith("- ")), len(lines) - (lines[-1] == ""))
    return first, end


class Edit:
    """One change to the project's files, as a content editor or a template author makes it."""

    def apply(self, root: Path) -> list[Version]:
        raise NotImplementedError

    def change(self, root: Path, rel: str, data: bytes | None) -> list[Version]:
        """Write data to rel (None: remove it); the version it replaces, to put back later."""
        old = read(root, rel)
        write(root, rel, data)
        return [Version(rel, old, repr(self))]

    def text(self, root: Path, rel: str) -> str | None:
        data = read(root, rel)
        if data is None:
            note(f"{self!r}: {rel} does not exist, nothing done")
        return None if data is None else data.decode("utf-8")


@dataclass(frozen=True)
class Field(Edit):
    """A top-level field of a document's front matter, or of site.yml, set (value None: removed)."""

    path: str
    key: str
    value: Any

    def apply(self, root: Path) -> list[Version]:
        text = self.text(root, self.path)
        if text is None:
            return []
        lines = text.split("\n")
        start, end = (1, lines.index("---", 1)) if self.path.endswith(".md") else (0, len(lines) - (lines[-1] == ""))
        return self.change(root, self.path, "\n".join(set_key(lines, start, end, 0, self.key, self.value)).encode())


@dataclass(frozen=True)
class Fields(Edit):
    """Several fields of one document at once (a story's picture and its alt text)."""

    path: str
    values: tuple[tuple[str, Any], ...]

    def apply(self, root: Path) -> list[Version]:
        text = self.text(root, self.path)
        if text is None:
            return []
        lines = text.split("\n")
        for key, value in self.values:
            lines = set_key(lines, 1, lines.index("---", 1), 0, key, value)
        return self.change(root, self.path, "\n".join(lines).encode())


@dataclass(frozen=True)
class Body(Edit):
    """A document's body replaced."""

    path: str
    body: str

    def apply(self, root: Path) -> list[Version]:
        text = self.text(root, self.path)
        if text is None:
            return []
        lines = text.split("\n")
        end = lines.index("---", 1)
        return self.change(root, self.path, ("\n".join(lines[: end + 1]) + f"\n\n{self.body}\n").encode())


@dataclass(frozen=True)
class Record(Edit):
    """A field of one record of a data file (areas.yml ...) set."""

    path: str
    record: str
    key: str
    value: Any

    def apply(self, root: Path) -> list[Version]:
        lines = (root / self.path).read_text(encoding="utf-8").split("\n")
        first, end = record_span(lines, self.record)
        return self.change(root, self.path, "\n".join(set_key(lines, first + 1, end, 2, self.key, self.value)).encode())


@dataclass(frozen=True)
class MoveRecord(Edit):
    """A record of a data file moved to its end (the site lists them in the file's order)."""

    path: str
    record: str

    def apply(self, root: Path) -> list[Version]:
        lines = (root / self.path).read_text(encoding="utf-8").rstrip("\n").split("\n")
        first, end = record_span([*lines, ""], self.record)
        moved = [*lines[:first], *lines[end:], *lines[first:end]]
        return self.change(root, self.path, ("\n".join(moved) + "\n").encode())


@dataclass(frozen=True)
class EventDay(Edit):
    """An event moved to another day (its start and end, keeping their times of day)."""

    path: str
    day: dt.date

    def apply(self, root: Path) -> list[Version]:
        text = self.text(root, self.path)
        if text is None:
            return []
        moved = re.sub(r"^(start|end): \d{4}-\d\d-\d\d", lambda m: f"{m[1]}: {self.day.isoformat()}", text, flags=re.M)
        return self.change(root, self.path, moved.encode())


@dataclass(frozen=True)
class Copy(Edit):
    """A new document, a copy of another (or one replaced by a copy)."""

    path: str
    to: str

    def apply(self, root: Path) -> list[Version]:
        data = read(root, self.path)
        if data is None or self.path == self.to:
            note(f"{self!r}: nothing to copy")
            return []
        return self.change(root, self.to, data)


@dataclass(frozen=True)
class Remove(Edit):
    path: str

    def apply(self, root: Path) -> list[Version]:
        return self.change(root, self.path, None)


@dataclass(frozen=True)
class Rename(Edit):
    """A document's file renamed (its web address changes)."""

    path: str
    to: str

    def apply(self, root: Path) -> list[Version]:
        data = read(root, self.path)
        if data is None or self.path == self.to:
            note(f"{self!r}: nothing to rename")
            return []
        return self.change(root, self.to, data) + self.change(root, self.path, None)


@dataclass(frozen=True)
class Snippet(Edit):
    """Text put into a template (after its anchor, which stays for the next snippet)."""

    path: str
    snippet: str

    def apply(self, root: Path) -> list[Version]:
        text = (root / self.path).read_text(encoding="utf-8")
        anchor = ANCHORS[self.path]
        return self.change(root, self.path, text.replace(anchor, anchor + self.snippet, 1).encode())


@dataclass(frozen=True)
class Stylesheet(Edit):
    rule: str

    def apply(self, root: Path) -> list[Version]:
        rel = "templates/assets/site.css"
        return self.change(root, rel, (root / rel).read_bytes() + f"{self.rule}\n".encode())


@dataclass(frozen=True)
class PictureFile(Edit):
    """A picture written (of this size and colour) or removed (size None)."""

    path: str
    size: tuple[int, int] | None
    colour: tuple[int, int, int] = (40, 120, 60)

    def apply(self, root: Path) -> list[Version]:
        return self.change(root, self.path, None if self.size is None else picture(self.size, "PNG" if self.path.endswith(".png") else "JPEG", self.colour))


@dataclass(frozen=True)
class Touch(Edit):
    """A file's times or inode changed, its bytes not: the build must read it again or rightly not."""

    path: str
    how: str  # later | long ago | rewritten | replaced (a new inode, as editors save)

    def apply(self, root: Path) -> list[Version]:
        file = root / self.path
        if not file.exists():
            note(f"{self!r}: {self.path} does not exist, nothing done")
        elif self.how == "later":
            later = time.time() + 5
            os.utime(file, (later, later))
        elif self.how == "long ago":
            os.utime(file, (1_600_000_000, 1_600_000_000))
        elif self.how == "rewritten":
            file.write_bytes(file.read_bytes())
        else:
            file.with_name(file.name + ".new").write_bytes(file.read_bytes())
            os.replace(file.with_name(file.name + ".new"), file)
        return []


@dataclass(frozen=True)
class SameSize(Edit):
    """One letter of a document's body changed, the file's size and modification time kept: only its
    change time (and its bytes) say it changed."""

    path: str

    def apply(self, root: Path) -> list[Version]:
        file = root / self.path
        data = read(root, self.path)
        if data is None:
            note(f"{self!r}: {self.path} does not exist, nothing done")
            return []
        head, sep, body = data.partition(b"\n---\n")
        old, new = (b"e", b"a") if b"e" in body else (b"a", b"e")
        if old not in body:
            note(f"{self!r}: no letter to change")
            return []
        info = os.stat(file)
        versions = self.change(root, self.path, head + sep + body.replace(old, new, 1))
        os.utime(file, ns=(info.st_atime_ns, info.st_mtime_ns))
        return versions


# ---- strategies ---------------------------------------------------------------------------------------

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
texts = st.lists(words, min_size=1, max_size=3)
days = st.sampled_from(DAYS)


def ids(vocabulary: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(vocabulary), min_size=1, max_size=3, unique=True)


paragraph = st.one_of(
    words,
    words.map(lambda w: f"## {w}"),
    texts.map(lambda items: "\n".join(f"- {item}" for item in items)),
    words.map(lambda w: f"[{w}](/take-part/) and **{w}**"),
    words.map(lambda w: f"![{w}](images/step-free-route-plan.png)"),
)
bodies = st.lists(paragraph, min_size=1, max_size=4).map("\n\n".join)
STORY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": words, "summary": words, "date": days, "areas": ids(AREAS), "sectors": ids(SECTORS), "themes": ids(THEMES),
    "approach": st.sampled_from([*APPROACHES, None]),
    "self_assessment": st.none() | st.dictionaries(st.sampled_from(STATEMENTS), st.sampled_from(["red", "amber", "green"]), min_size=1),
    "people": st.none() | texts, "outcomes": st.none() | texts, "lessons": st.none() | texts, "told_by": st.none() | texts,
    "easy_read": st.none() | words, "organisations": st.none() | st.lists(st.sampled_from(ORGANISATIONS), min_size=1, max_size=2, unique=True),
    "draft": st.sampled_from([True, None]), "withdrawn": st.none() | days,
}  # fmt: skip
SIGNATORY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": words, "role": words, "organisation": st.sampled_from(ORGANISATIONS), "area": st.sampled_from(AREAS),
    "sector": st.sampled_from(SECTORS), "commitments": texts, "left": st.none() | st.sampled_from(LEFT), "withdrawn": st.none() | days,
    "updates": st.none() | st.lists(st.fixed_dictionaries({"date": days.map(dt.date.isoformat), "text": words}), min_size=1, max_size=2),
}  # fmt: skip
EVENT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": words, "summary": st.none() | words, "location": words, "areas": st.none() | ids(AREAS),
    "write_up": st.none() | st.sampled_from(["job-club-luton", "bus-stop-audit-thurrock"]),  # stories never edited here
}  # fmt: skip
PAGE_FIELDS: dict[str, st.SearchStrategy[Any]] = {"title": words, "summary": st.none() | words, "easy_read": st.none() | words}
SITE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": words, "tagline": words, "description": words, "sample_notice": st.booleans(), "easy_read": st.none() | words,
    "base_url": st.sampled_from([None, "https://example.org/cmi/"]), "repository_url": st.sampled_from([None, "https://github.com/example/cmi-site"]),
    "contact_email": st.sampled_from([None, "team@example.org"]),
}  # fmt: skip
RECORDS = {"content/areas.yml": (AREAS, ["name", "description", "integrated_care_systems"]), "content/themes.yml": (THEMES, ["name", "description"]),
           "content/sectors.yml": (SECTORS, ["name", "description"]),
           "content/self-assessment.yml": (STATEMENTS, ["statement", "red", "amber", "green"])}  # fmt: skip


def fields(paths: list[str], table: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Edit]:
    return st.sampled_from(sorted(table)).flatmap(lambda key: st.builds(Field, st.sampled_from(paths), st.just(key), table[key]))


def records() -> st.SearchStrategy[Edit]:
    def of(path: str) -> st.SearchStrategy[Edit]:
        ids, keys = RECORDS[path]
        changed = st.sampled_from(keys).flatmap(
            lambda key: st.builds(
                Record, st.just(path), st.sampled_from(ids), st.just(key), texts if key == "integrated_care_systems" else words
            )
        )
        return st.one_of(changed,
                         st.builds(MoveRecord, st.just(path), st.sampled_from(ids)))  # fmt: skip

    return st.sampled_from(sorted(RECORDS)).flatmap(of)


story_picture = st.builds(
    lambda path, image, caption: Fields(path, (("image", image), ("image_alt", "A picture" if image else None),
                                               ("image_decorative", None), ("image_caption", caption if image else None))),
    st.sampled_from(STORIES), st.sampled_from([*(p.removeprefix("content/") for p in SHIPPED_PICTURES), None]), st.none() | words,
)  # fmt: skip
sizes = st.sampled_from([(300, 200), (800, 500), (1300, 700)])
colours = st.sampled_from([(40, 120, 60), (200, 30, 30)])
pictures = st.one_of(st.builds(PictureFile, st.sampled_from(SHIPPED_PICTURES), sizes, colours),
                     st.builds(PictureFile, st.sampled_from(NEW_PICTURES), st.none() | sizes, colours))  # fmt: skip
TOUCHED = [
    STORIES[0],
    "content/areas.yml",
    "content/site.yml",
    "templates/story.html",
    "templates/assets/site.css",
    SHIPPED_PICTURES[0],
]

story_edits = st.one_of(fields(STORIES, STORY_FIELDS), st.builds(Body, st.sampled_from(STORIES), bodies), story_picture,
                       st.builds(SameSize, st.sampled_from(STORIES)))  # fmt: skip


def documents(paths: list[str]) -> st.SearchStrategy[Edit]:
    """Documents of one folder copied, removed or renamed, among these paths (some not there at first)."""
    return st.one_of(st.builds(Copy, st.sampled_from(paths), st.sampled_from(paths)), st.builds(Remove, st.sampled_from(paths)),
                     st.builds(Rename, st.sampled_from(paths), st.sampled_from(paths)))  # fmt: skip


document_files = st.one_of(documents(STORIES), documents([*SIGNATORIES, "content/signatories/new-signatory.md"]),
                           documents([*EVENTS, "content/events/new-event.md"]),
                           documents([f"content/pages/{name}.md" for name in ("about", "take-part", "new-page")]))  # fmt: skip
other_content = st.one_of(fields(SIGNATORIES, SIGNATORY_FIELDS), fields(EVENTS, EVENT_FIELDS), st.builds(EventDay, st.sampled_from(EVENTS), days),
                          fields(PAGES, PAGE_FIELDS), st.builds(Body, st.sampled_from(PAGES), bodies), st.builds(SameSize, st.sampled_from(PAGES)))  # fmt: skip
data_files = st.one_of(records(), fields(["content/site.yml"], SITE_FIELDS))
other_files = st.one_of(
    st.builds(Snippet, st.sampled_from(sorted(ANCHORS)), st.sampled_from(SNIPPETS)),
    st.builds(Stylesheet, st.sampled_from(["body { color: #111; }", ".card { margin: 0; }"])),
    pictures,
    st.builds(Touch, st.sampled_from(TOUCHED), st.sampled_from(["later", "long ago", "rewritten", "replaced"])),
)
# Mistakes a build must stop at (each still one whatever the edits did; the file is then put back).
MISTAKES = [
    Field("content/stories/job-club-luton.md", "areas", ["atlantis"]),
    Field("content/stories/job-club-luton.md", "title", None),
    Field("content/signatories/ben-hollis.md", "left", dt.date(2001, 1, 1)),
    Field("content/events/signatories-annual-meeting-2027.md", "end", dt.date(2020, 1, 1)),
    Field("content/site.yml", "title", None),
    Record("content/areas.yml", "bedford", "name", ["not", "text"]),
    Snippet("templates/story.html", "{{ no_such_name }}"),
    Snippet("templates/base.html", "{% if %}"),
]

# ---- the cold builds ----------------------------------------------------------------------------------

COLD: dict[str, dict[str, str]] = {}  # digest of the input -> the digest of each file of its cold build


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def input_digest(root: Path) -> str:
    """A digest of everything a build is made from (the options are always the same)."""
    files = [(file.relative_to(root).as_posix(), file.read_bytes()) for folder in ("content", "templates")
             for file in sorted((root / folder).rglob("*")) if file.is_file()]  # fmt: skip
    return digest(json.dumps([(rel, digest(data)) for rel, data in files]).encode())


def cold_build(root: Path) -> dict[str, bytes]:
    """The files of a build of root's input with no cache (the plain engine) into an empty folder."""
    shutil.rmtree(root / "cold", ignore_errors=True)
    run(root, "cold", cache=False)
    files = tree(root / "cold")
    shutil.rmtree(root / "cold")
    return files


def assert_same_as_cold(root: Path) -> None:
    """The output folder holds what a cold build of the same input makes, file for file. The cold
    build's digests are remembered by input: shrinking and undoing meet the same inputs again."""
    key, incremental = input_digest(root), tree(root / "_site")
    if key not in COLD:
        COLD[key] = {path: digest(data) for path, data in cold_build(root).items()}
    if {path: digest(data) for path, data in incremental.items()} == COLD[key]:
        return
    cold = cold_build(root)
    missing, extra = sorted(cold.keys() - incremental.keys()), sorted(incremental.keys() - cold.keys())
    differ = [path for path in sorted(cold.keys() & incremental.keys()) if cold[path] != incremental[path]]
    shown = "\n".join(diff(path, cold[path], incremental[path]) for path in differ[:6])
    raise AssertionError(f"the incremental build is not the cold one: missing {missing}, extra {extra}, differ {differ}\n{shown}")


def diff(path: str, cold: bytes, incremental: bytes) -> str:
    """A short unified diff of a file (cold -> incremental), long lines cut."""
    if path.endswith((".png", ".jpg", ".webp")):
        return f"{path}: {len(cold)} bytes cold, {len(incremental)} incremental"
    a, b = (data.decode("utf-8", "replace").splitlines() for data in (cold, incremental))
    lines = difflib.unified_diff(a, b, f"cold/{path}", f"incremental/{path}", n=1, lineterm="")
    return "\n".join(line[:300] for line in list(lines)[:40])


# ---- the machine --------------------------------------------------------------------------------------


class IncrementalBuilds(RuleBasedStateMachine):
    """A project (the sample content and templates) edited and built, step by step."""

    versions = Bundle("versions")
    base: Path  # the built project each example starts from (set by the test) ...
    root: Path  # ... in this folder, where it was built

    def __init__(self) -> None:
        super().__init__()
        start(self.base, self.root)
        assert run(self.root).state == "unchanged"  # as the last build left it
        self.pending = False  # edited since the last build

    # Edits, in five rules (so that a build comes every few edits, and each example, with some of the
    # rules turned off by hypothesis, dwells on some kinds of change).
    @rule(target=versions, edit=story_edits)
    def edit_story(self, edit: Edit) -> Any:
        """A story's field, body or picture changed."""
        return self.apply(edit)

    @rule(target=versions, edit=document_files)
    def add_remove_or_rename_document(self, edit: Edit) -> Any:
        """A story, signatory, event or page added (a copy of another), removed or renamed."""
        return self.apply(edit)

    @rule(target=versions, edit=other_content)
    def edit_other_content(self, edit: Edit) -> Any:
        """A signatory, an event or a page changed."""
        return self.apply(edit)

    @rule(target=versions, edit=data_files)
    def edit_data_file(self, edit: Edit) -> Any:
        """An area's, theme's or sector's name or description, a statement's wording, a record moved, a setting."""
        return self.apply(edit)

    @rule(target=versions, edit=other_files)
    def edit_template_or_picture(self, edit: Edit) -> Any:
        """A snippet put into a template, the stylesheet changed, a picture added, changed or removed, or a file touched."""
        return self.apply(edit)

    def apply(self, edit: Edit) -> Any:
        versions = edit.apply(self.root)
        self.pending = True
        return multiple(*versions)

    @rule(target=versions, version=versions)
    def undo(self, version: Version) -> Any:
        """A file put back as it was before an edit (as the versions an undo replaces can be put back too)."""
        replaced = Version(version.path, read(self.root, version.path), f"undo of {version!r}")
        write(self.root, version.path, version.data)
        self.pending = True
        return replaced

    @rule(mistake=st.sampled_from(MISTAKES))
    def refused(self, mistake: Edit) -> None:
        """A build of content with a mistake stops, the output folder as it was; the mistake is then put right."""
        before = tree(self.root / "_site")
        versions = mistake.apply(self.root)
        try:
            paths = Paths(
                self.root / "content", self.root / "templates", self.root / "_site", self.root, self.root / ".cache/build"
            )
            result = pipeline.build(paths, BuildOptions(today=TODAY))
            assert result.state == "stopped" and result.files == 0, result
            assert any(problem.is_error for problem in result.problems), result.problems
            assert tree(self.root / "_site") == before
        finally:
            for version in versions:
                write(self.root, version.path, version.data)
        self.pending = True

    @rule()
    def build(self) -> None:
        self.pending = False
        result = run(self.root)
        note(f"built: {result.state}, {result.written} files written")
        assert_same_as_cold(self.root)

    def teardown(self) -> None:
        if self.pending:
            self.build()


# ---- the test -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(base, root): the sample content and templates built once in root, then moved to base. Each
    example starts from a copy in root again (where the build cache expects it), the build cache
    included, and the output folder and its work folder hard-linked (with their size, time and
    inode, as the cache knows them: so the first build finds nothing changed)."""
    folder = tmp_path_factory.mktemp("incremental-fuzz")
    base, root = folder / "base", folder / "project"
    shutil.copytree(SAMPLE_CONTENT, root / "content")
    shutil.copytree(TEMPLATES, root / "templates")
    for name in LEFT_OUT:
        (root / f"content/stories/{name}.md").unlink()
    run(root)
    assert_same_as_cold(root)
    assert (root / "_site/stories/page/2/index.html").exists() and not (root / "_site/stories/page/3").exists()
    root.rename(base)
    return base, root


def start(base: Path, root: Path) -> None:
    """root made a copy of base (which no build may have changed: the output's files are hard links)."""
    shutil.rmtree(root, ignore_errors=True)
    for part in ("content", "templates", ".cache"):
        shutil.copytree(base / part, root / part)
    for part in ("_site", "._site.cmi-site"):
        shutil.copytree(base / part, root / part, copy_function=os.link)
    found = {path: digest(data) for path, data in tree(root / "_site").items()}
    assert found == COLD[input_digest(root)], "a build changed a file of the output in place (base's own, through a hard link)"


# A step costs a cold build (~1 s) when it builds: the ci profile runs a few examples of a few steps,
# within a minute; make fuzz (HYPOTHESIS_PROFILE=long) a hundred of up to 25 steps (~10 minutes).
EXAMPLES = max(8, settings().max_examples // 30)
STEPS = 15 if EXAMPLES <= 20 else 25
PHASES = [phase for phase in settings().phases if phase is not Phase.explain]  # it replays each step: minutes more when it fails


@pytest.mark.timeout(600 if EXAMPLES <= 20 else 3600)
def test_incremental_builds_after_any_edits_are_what_a_cold_build_makes(project: tuple[Path, Path]) -> None:
    IncrementalBuilds.base, IncrementalBuilds.root = project
    sized = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, phases=PHASES)
    run_state_machine_as_test(IncrementalBuilds, settings=sized)
