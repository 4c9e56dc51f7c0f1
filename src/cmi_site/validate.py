"""Validate stage: loaded files -> typed models + every Problem, with file, line and field.

Nothing is thrown: each check adds to the list, and the pipeline decides whether to stop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import easyread, markup
from .bodytext import body_text_problems
from .chars import quoted
from .datafiles import report, slugify, validate_settings, validate_vocab, vocab_from_data
from .errors import Problem
from .fields import COLLECTION_FIELDS, WITHDRAWN_FIELDS
from .load import Loaded
from .models import (
    Consent,
    Content,
    DocFile,
    Event,
    Page,
    Picture,
    Rating,
    Signatory,
    SourceDoc,
    StaticFile,
    Story,
    Update,
    Withdrawn,
)
from .organisations import organisation_problems
from .pictures import plan_pictures
from .schema import SLUG, Vocab, check_fields, image_path, show, suggest
from .source import parse_doc

Model = Story | Signatory | Event | Page | Withdrawn
WITHDRAWABLE = frozenset({"stories", "signatories"})  # may be `withdrawn:` (validate_withdrawn)

# Page slugs that would collide with the site's own sections.
RESERVED_SLUGS = frozenset(
    {"stories", "signatories", "organisations", "areas", "themes", "sectors", "events", "data", "assets", "images", "search",
     "easy-read", "self-assessment", "share", "evidence", "calendar", "page", "feed", "sitemap", "404", "index"}
)  # fmt: skip
REQUIRED_PAGES = ("pledge",)
REGION = "region"  # the area of region-wide work, and of events that name no areas


@dataclass(frozen=True)
class Validated:
    content: Content | None  # None when an error stops models being made
    problems: list[Problem]


@dataclass(frozen=True)
class DocResult:
    """One document file, read and validated: its model (None when it has errors) and its problems."""

    path: str
    collection: str
    stem: str
    read: bool  # False when the file could not be read at all (no front matter, bad YAML ...)
    model: Model | None
    problems: list[Problem]
    doc: SourceDoc | None = None  # its front matter and lines (body left out), for checks across documents


# ---- documents ----------------------------------------------------------------------------------


def check_slug(doc: SourceDoc) -> list[Problem]:
    """The file name becomes the web address, so it must be a slug: my-story.md."""
    if SLUG.match(doc.stem):
        return []
    better = slugify(doc.stem) or "my-story"
    return [Problem(doc.path, 1, "file name",
                    f"{quoted(doc.stem + '.md')} is not a valid file name (use lower-case letters, numbers and hyphens, like {better}.md)")]  # fmt: skip


def cross_checks(doc: SourceDoc, values: dict[str, Any], vocab: Vocab) -> list[Problem]:
    """Rules that involve more than one field."""
    problems = []
    if doc.collection == "stories":
        problems += picture_problems(doc, values)
    if doc.collection == "signatories" and values.get("left") and values.get("signed") and values["left"] < values["signed"]:
        problems.append(Problem(doc.path, doc.line_of("left"), "left",
                                f"they left ({values['left'].isoformat()}) before they signed ({values['signed'].isoformat()}) "
                                "(check left and signed)"))  # fmt: skip
    if doc.collection == "events":
        if not values.get("location") and not values.get("online"):
            problems.append(Problem(doc.path, doc.line_of("title"), "location",
                                    "missing: give a location, or write 'online: true' for an online event"))  # fmt: skip
        start, end = values.get("start"), values.get("end")
        if start is not None and end is not None and _moment(end, dt.time.max) < _moment(start, dt.time.min):
            problems.append(Problem(doc.path, doc.line_of("end"), "end", "the event ends before it starts (check start and end)"))
        if "areas" not in doc.meta and REGION not in vocab.areas and "areas" not in vocab.unchecked:
            problems.append(Problem(doc.path, doc.line_of("title"), "areas",
                                    f"missing: an event without areas is region-wide, but content/areas.yml has no '{REGION}' "
                                    "area (add areas, like 'areas: [norfolk]')"))  # fmt: skip
    return problems


def picture_problems(doc: SourceDoc, values: dict[str, Any]) -> list[Problem]:
    """A story's picture needs alt text, unless it is declared decorative (then it has none); its
    caption and decorative mark need a picture."""
    image, alt, decorative = values.get("image"), values.get("image_alt"), values.get("image_decorative")
    if not image:  # none given (one given but wrong is reported by its own check)
        needing = [name for name in ("image_caption", "image_decorative") if values.get(name) and "image" not in doc.meta]
        return [Problem(doc.path, doc.line_of(name), name, f"there is no picture for {name} (add 'image: images/garden.jpg', or remove {name})")
                for name in needing]  # fmt: skip
    if decorative and alt:
        return [Problem(doc.path, doc.line_of("image_alt"), "image_alt",
                        "a decorative picture has no alt text (remove image_alt, or image_decorative if the picture shows something)")]  # fmt: skip
    if not decorative and not alt:
        return [Problem(doc.path, doc.line_of("image"), "image_alt",
                        "missing: an image needs image_alt, a short description of the picture for people who cannot see it "
                        "(or 'image_decorative: true' when it only decorates)")]  # fmt: skip
    return []


def _moment(value: dt.date | dt.datetime, time_of_day: dt.time) -> dt.datetime:
    """A date or date-time as a date-time; a bare date stands for the given time of that day."""
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, time_of_day)


def body_problems(doc: SourceDoc, html: markup.Html, vocab: Vocab) -> list[Problem]:
    """What converting a body found: why it was refused, images that are not pictures in
    content/images (errors), and what the sanitizer removed (warnings)."""

    def line(body_line: int) -> int:  # a line of the body -> the line of the file
        return doc.body_line + body_line - 1

    problems = [Problem(doc.path, doc.body_line, "body", f"removed from the page: {what}", "warning") for what in html.removed]
    if html.refused is not None:
        problems.append(Problem(doc.path, line(html.refused.line), "body", html.refused.message))
    for image in html.images:
        if image.path is None:
            written = "an image address that is not allowed" if image.src is None else show(image.src)
            problems.append(Problem(doc.path, line(image.line), "body",
                                    f"images must be pictures in content/images/, got {written} (write ![what it shows](images/garden.jpg); "
                                    "pictures from other websites would tell them who reads the page)"))  # fmt: skip
        elif not (checked := image_path(image.path, vocab)).ok:
            problems += [Problem(doc.path, line(image.line), "body", message) for _, message in checked.issues]
        elif not image.alt.strip():
            problems.append(Problem(doc.path, line(image.line), "body",
                                    f"the picture {quoted(image.path)} has no alt text (write what it shows between the brackets, "
                                    f"like ![Carers planting a garden]({image.path}), for people who cannot see it)"))  # fmt: skip
    return problems


def make_model(doc: SourceDoc, v: dict[str, Any], body: str) -> Story | Signatory | Event | Page:
    """Clean field values -> the collection's model."""
    common: dict[str, Any] = {"slug": doc.stem, "source": doc.path, "body_html": body}
    if doc.collection == "stories":
        ratings = tuple(Rating(sid, rating) for sid, rating in v["self_assessment"] or ())
        lists: dict[str, Any] = {k: v[k] or () for k in ("people", "outcomes", "lessons")}
        plain = {
            k: v[k]
            for k in ("title", "summary", "date", "areas", "sectors", "themes", "approach", "easy_read", "image", "image_alt",
                      "image_caption")
        }
        consent = Consent(v["consent"]["date"], v["consent"]["how"])
        return Story(**common, **plain, **lists, self_assessment=ratings, draft=bool(v["draft"]), consent=consent,
                     told_by=v["told_by"] or (), image_decorative=bool(v["image_decorative"]),
                     organisations=v["organisations"] or ())  # fmt: skip
    if doc.collection == "signatories":
        updates = sorted((Update(u["date"], u["text"]) for u in v["updates"] or ()), key=lambda u: u.date, reverse=True)
        plain = {
            k: v[k] for k in ("name", "role", "organisation", "area", "sector", "signed", "commitments", "website", "easy_read",
                              "left")
        }
        return Signatory(**common, **plain, updates=tuple(updates))
    if doc.collection == "events":
        plain = {k: v[k] for k in ("title", "start", "end", "location", "booking_url", "summary", "recording_url", "write_up_url",
                                   "write_up")}  # fmt: skip
        return Event(**common, **plain, online=bool(v["online"]), areas=v["areas"] or (REGION,))
    return Page(**common, title=v["title"], summary=v["summary"], easy_read=v["easy_read"])


def validate_doc(doc: SourceDoc, vocab: Vocab) -> tuple[Model | None, list[Problem]]:
    """One document -> its model (None if it has errors) and its problems."""
    if doc.collection in WITHDRAWABLE and doc.meta.get("withdrawn") is not None:
        return validate_withdrawn(doc, vocab)
    checked = check_fields(doc.meta, COLLECTION_FIELDS[doc.collection], vocab)
    problems = check_slug(doc) + report(doc, checked)
    problems += cross_checks(doc, checked.value, vocab)
    if checked.value.get("easy_read"):
        problems += easyread.long_sentence_warnings(doc, doc.meta["easy_read"])
    html = markup.render_markdown(doc.body)
    problems += body_problems(doc, html, vocab) + body_text_problems(doc, checked.value)
    if any(p.is_error for p in problems):
        return None, problems
    return make_model(doc, checked.value, html.html), problems


def validate_withdrawn(doc: SourceDoc, vocab: Vocab) -> tuple[Withdrawn | None, list[Problem]]:
    """A withdrawn story or signatory: only its date is checked, and only where it was is kept (the
    rest of the file is never read into the site, so nothing of it can be published)."""
    checked = check_fields({"withdrawn": doc.meta["withdrawn"]}, WITHDRAWN_FIELDS, vocab)
    problems = check_slug(doc) + report(doc, checked)
    if any(p.is_error for p in problems):
        return None, problems
    return Withdrawn(doc.collection, doc.stem, doc.path, checked.value["withdrawn"]), problems


def check_document(doc: DocFile, data: bytes | Problem, vocab: Vocab) -> DocResult:
    """One document file's bytes (or why they cannot be read) -> everything validate() needs of it:
    read (source.parse_doc), checked and converted (validate_doc). Both engines (speed/) call this."""
    if isinstance(data, Problem):
        return DocResult(doc.path, doc.collection, doc.stem, False, None, [data])
    source, problems = parse_doc(doc, data)
    if source is None:
        return DocResult(doc.path, doc.collection, doc.stem, False, None, problems)
    model, found = validate_doc(source, vocab)
    return DocResult(source.path, doc.collection, doc.stem, True, model, problems + found, cross_check_part(source))


# The front matter keys that checks across documents (write_up_problems) read, by collection. A
# DocResult keeps only these of its document (it is cached for every file: the rest is in its model).
CROSS_CHECKED = {"events": ("write_up",), "stories": ("draft", "withdrawn", "organisations"),
                 "signatories": ("withdrawn", "organisation")}


def cross_check_part(doc: SourceDoc) -> SourceDoc:
    """A document with only what checks across documents read: CROSS_CHECKED keys and their lines."""
    keys = CROSS_CHECKED.get(doc.collection, ())
    return dataclasses.replace(doc, body="", meta={key: doc.meta[key] for key in keys if key in doc.meta},
                               lines={path: line for path, line in doc.lines.items() if path[:1] in [(k,) for k in keys]})  # fmt: skip


def collection_problems(docs: Sequence[SourceDoc | DocResult], pages: list[Page]) -> list[Problem]:
    """Duplicate slugs within a collection, page slugs that clash with sections, required pages."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}  # (collection, file name) -> the first file's path
    for doc in docs:
        key = (doc.collection, doc.stem)
        if key in seen:
            problems.append(Problem(doc.path, 1, "file name",
                                    f"{seen[key]} has the same file name, and both would get the same web address "
                                    f"(rename one of them: file names in content/{doc.collection}/ must all be different)"))  # fmt: skip
        else:
            seen[key] = doc.path
        if doc.collection == "pages" and doc.stem in RESERVED_SLUGS:
            problems.append(Problem(doc.path, 1, "file name",
                                    f"{quoted(doc.stem)} is the web address of a section of the site (rename the file, "
                                    f"for example to about-{doc.stem}.md)"))  # fmt: skip
    slugs = {page.slug for page in pages} | {d.stem for d in docs if d.collection == "pages"}
    for slug in REQUIRED_PAGES:
        if slug not in slugs:
            problems.append(
                Problem(f"content/pages/{slug}.md", 1, "", "missing: the pledge register shows the text of this page")
            )
    return problems


def write_up_problems(docs: list[SourceDoc]) -> list[Problem]:
    """An event's write_up must name a story that exists; a draft story is only linked once published."""
    stories = {d.stem: d for d in docs if d.collection == "stories"}
    problems = []
    for doc in docs:
        slug = doc.meta.get("write_up") if doc.collection == "events" else None
        if not isinstance(slug, str) or not SLUG.match(
            slug := slug.removeprefix("stories/").removesuffix("/").removesuffix(".md")
        ):
            continue  # missing, or reported by the field's own check
        line = doc.line_of("write_up")
        if slug not in stories:
            hint = suggest(slug, sorted(stories)) or " (give the file name of a story in content/stories/, without .md)"
            problems.append(Problem(doc.path, line, "write_up", f"no story called '{slug}' in content/stories/{hint}"))
        elif stories[slug].meta.get("withdrawn") is not None:
            problems.append(Problem(doc.path, line, "write_up", f"the story '{slug}' was withdrawn, so it cannot be the "
                                                                "event's write-up (remove write_up)"))  # fmt: skip
        elif stories[slug].meta.get("draft") is True:
            problems.append(Problem(doc.path, line, "write_up", f"the story '{slug}' is a draft, so the event page "
                                                                "links to it only once it is published", "warning"))  # fmt: skip
    return problems


def empty_site_problems(loaded: Loaded, docs: list[SourceDoc]) -> list[Problem]:
    """No published story, or no signatory, at all: most likely the wrong --content folder or a botched
    merge, and a build would replace the live site with an empty one. docs: every readable document."""
    listed = {
        collection: sum(1 for doc in loaded.docs if doc.collection == collection) for collection in ("stories", "signatories")
    }
    drafts = sum(1 for doc in docs if doc.collection == "stories" and (doc.meta.get("draft") is True or doc.meta.get("withdrawn") is not None))
    withdrawn = sum(1 for doc in docs if doc.collection == "signatories" and doc.meta.get("withdrawn") is not None)
    problems = []
    if listed["stories"] - drafts <= 0:
        problems.append(Problem(f"{loaded.folder}/stories", 1, "",
                                "no published stories: the folder has no .md files, or every story is a draft or withdrawn (a build would "
                                "replace the live site with one without stories; check that this is the right content folder)"))  # fmt: skip
    if listed["signatories"] - withdrawn <= 0:
        problems.append(Problem(f"{loaded.folder}/signatories", 1, "",
                                "no signatories: the folder has no .md files, or every signatory is withdrawn (a build would replace the live site with an empty "
                                "pledge register; check that this is the right content folder)"))  # fmt: skip
    return problems


def validate(loaded: Loaded, results: list[DocResult], planned: Callable[[StaticFile], Picture] | None = None) -> Validated:
    """Everything loaded, and every document of loaded.docs checked (check_document, in their order)
    -> Content (or None when an error stops it) and the full list of problems. planned: how each
    picture is published (pictures.plan, or the build cache's)."""
    problems = list(loaded.problems)
    settings = None
    if "site.yml" in loaded.data:
        settings, found = validate_settings(loaded.data["site.yml"])
        problems += found
    vocab_models, found = validate_vocab(loaded.data)
    problems += found
    vocab = vocab_from_data(loaded.data, (image.output_path for image in loaded.images))
    models: dict[str, list[Any]] = {"stories": [], "signatories": [], "events": [], "pages": []}
    withdrawn: list[Withdrawn] = []
    for result in sorted(results, key=lambda r: (r.collection, r.stem, r.path)):
        problems += result.problems
        if isinstance(result.model, Withdrawn):
            withdrawn.append(result.model)
        elif result.model is not None:
            models[result.collection].append(result.model)
    docs = [r.doc for r in results if r.doc is not None]  # front matter of every readable file, for cross-checks
    problems += collection_problems([r for r in results if r.read], models["pages"])
    problems += write_up_problems(docs)
    problems += organisation_problems(docs)
    problems += empty_site_problems(loaded, docs)
    pictures, found = plan_pictures(loaded.images, planned)
    problems += found
    if settings is None or any(p.is_error for p in problems):
        return Validated(None, problems)
    content = Content(
        settings=settings,
        areas=vocab_models["areas"],
        sectors=vocab_models["sectors"],
        themes=vocab_models["themes"],
        statements=vocab_models["statements"],
        **{name: tuple(items) for name, items in models.items()},
        images=tuple(sorted(vocab.images)),
        withdrawn=tuple(withdrawn),
        pictures=pictures,
    )
    return Validated(content, problems)
