"""Organisations, as the signatories name them: which names are one organisation, the web address
(slug) of each, the checks across documents (a story naming an organisation no signatory names, two
names that would share an address), and the Organisation records the site is built from. Pure.

An organisation is known by its name with case, spacing and Unicode forms forgiven (key): 'Fenside
Council' and 'fenside  council' are one organisation. Its slug is made from the name; two different
organisations whose names make the same slug are an error, so neither page can replace the other.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from .chars import quoted
from .errors import Problem
from .models import Organisation, Signatory, SourceDoc, Story
from .schema import closest

SLUG_LIMIT = 60  # characters of an organisation's slug (a long name is cut at a hyphen)


def org_key(name: str) -> str:
    """An organisation's name -> what identifies it: NFKC, case folded, runs of spaces made one."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def org_slug(name: str) -> str:
    """An organisation's name -> its web address under organisations/: 'Fenside Council' ->
    'fenside-council'; a name with no letter a-z or digit (all in another script) gets a stable
    'organisation-' and a short hash of its key, never an empty or clashing address by accident."""
    # datafiles.slugify's rule, written out here: datafiles imports the Site (through easyread), which imports this
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()).strip("-")
    if len(slug) > SLUG_LIMIT:
        slug = slug[:SLUG_LIMIT].rsplit("-", 1)[0]
    return slug or "organisation-" + hashlib.sha256(org_key(name).encode("utf-8", "surrogatepass")).hexdigest()[:10]


def _named(docs: Iterable[SourceDoc]) -> list[tuple[str, SourceDoc]]:
    """(organisation, document) for every signatory that is not withdrawn and names one as text."""
    return [(doc.meta["organisation"].strip(), doc) for doc in docs
            if doc.collection == "signatories" and doc.meta.get("withdrawn") is None
            and isinstance(doc.meta.get("organisation"), str) and doc.meta["organisation"].strip()]  # fmt: skip


def organisation_problems(docs: Sequence[SourceDoc]) -> list[Problem]:
    """Across documents: two organisations whose names make the same web address (an error: one page
    would replace the other), and a story naming an organisation no signatory names (a warning, with
    the name it most likely meant)."""
    problems = []
    names: dict[str, str] = {}  # key -> the name as first written
    by_slug: dict[str, tuple[str, str, str]] = {}  # slug -> (key, name, path)
    for name, doc in _named(docs):
        key, slug = org_key(name), org_slug(name)
        names.setdefault(key, name)
        first = by_slug.setdefault(slug, (key, name, doc.path))
        if first[0] != key:
            problems.append(Problem(doc.path, doc.line_of("organisation"), "organisation",
                                    f"{quoted(name)} and {quoted(first[1])} ({first[2]}) would have the same web address, "
                                    f"organisations/{slug}/ (write the name the same way in both files if they are one "
                                    "organisation, or make the names differ)"))  # fmt: skip
    for doc in docs:
        if doc.collection != "stories" or doc.meta.get("withdrawn") is not None:
            continue
        problems += _story_problems(doc, names)
    return problems


def _story_problems(doc: SourceDoc, names: dict[str, str]) -> list[Problem]:
    """A story's organisations: each should be one a signatory names (else a warning, with a near miss)."""
    listed: Any = doc.meta.get("organisations")
    problems = []
    for index, name in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(name, str) or not name.strip() or org_key(name) in names:
            continue  # not text (reported by the field's own check), or a signatory's organisation
        near = closest(org_key(name), {key: key for key in names})
        hint = (f" (did you mean {quoted(names[near])}?)" if near is not None else
                " (it is shown without a link; check the spelling against the organisation of a signatory in content/signatories/)")  # fmt: skip
        problems.append(Problem(doc.path, doc.line_of("organisations", index), "organisations",
                                f"no signatory of the pledge is from {quoted(name.strip())}{hint}", "warning"))  # fmt: skip
    return problems


def build_organisations(signatories: Sequence[Signatory], stories: Sequence[Story]) -> tuple[Organisation, ...]:
    """Published signatories and stories (none withdrawn) -> every organisation they name, by name.
    Its name is as its latest current signatory (else latest signatory) writes it; a slug another
    organisation already has (refused by the check) gets a number, so no page replaces another."""
    groups: dict[str, list[Signatory]] = {}
    for signatory in signatories:
        groups.setdefault(org_key(signatory.organisation), []).append(signatory)
    story_groups: dict[str, list[Story]] = {}
    for story in stories:
        for key in dict.fromkeys(org_key(name) for name in story.organisations):
            story_groups.setdefault(key, []).append(story)
    made: list[Organisation] = []
    used: set[str] = set()
    for key, members in sorted(groups.items()):
        members.sort(key=lambda s: (s.signed, s.slug), reverse=True)
        name = next((s for s in members if s.current), members[0]).organisation
        slug = base = org_slug(name)
        number = 1
        while slug in used:
            number += 1
            slug = f"{base}-{number}"
        used.add(slug)
        made.append(Organisation(slug, name, tuple(members), tuple(story_groups.get(key, ()))))
    return tuple(sorted(made, key=lambda o: (org_key(o.name), o.slug)))
