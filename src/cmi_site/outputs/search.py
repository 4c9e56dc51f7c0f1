"""The client-side search index: Site -> small .js files that the search page loads as classic scripts.

Each file is one or more calls `CMI_SEARCH.add("key", data)`, so the index loads from file://, at a
domain root and under a sub-path, with no fetch(), no modules and no eval (a strict CSP allows it).
It is split so that a query loads only what it needs:

  main        always: the document count, the type of every document, the value ids of each filter,
              where each other part starts, and the content hash of every other part (its file is
              key.hash.js).
  f<facet>    one filter (area, sector, theme, approach) as a column of bits per document; loaded
              when the visitor opens or uses that filter.
  d<i>        dictionary: a run of the sorted terms, with a rough document frequency; used to expand
              a word being typed ("hosp") and to forgive a typo (the groups of the word's first letter).
  e<i>, g<i>  typo groups: the terms again, sorted by all but their first (e) or second (g) letter. A
              typo in the first letter ("sdvocacy") leaves the rest as it is, so it needs the e groups
              of "dvocacy" (a letter changed) and "sdvocacy" (one added), not the whole dictionary; one
              in the second letter the g groups; a later one the dictionary of the first two letters.
  t<i>        postings: a contiguous range of sorted terms -> the documents holding each term, with a
              weight saying where (title, summary, body) and how often.
  p<i>        the same for pairs of words that follow each other in a title or lead ("shar_liv"), and for
              each whole title and heading ("_what_is_coproduction"): a quoted phrase is searched as its
              pairs, and a query of several words ranks documents holding its pairs first.
  c<i>        chunk: what a result shows (title, summary, route, date, areas) for a run of documents.

Documents are numbered newest first, so "newest first" is document order, a filter-only browse needs
only the first chunks, and equal scores favour the first chunks too. The index adds at most one file
per MAX_FILES_PER pages; a small site gets a single file. Within that, each kind of file aims at a
size (DICT_BYTES, SHARD_BYTES, CHUNK_DOCS): a query's cost is the few files it touches, and the ten
results it shows are anywhere in the index, so chunks are small. File names carry a hash of their
content, so a browser never mixes parts of two builds.

Tokenising and stemming are mirrored exactly in templates/assets/search.js (tests check both agree):
  normalise  lower case, accents removed (NFD, then U+0300-U+036F dropped), possessive 's and
             apostrophes removed;
  words      runs of letters and digits; a hyphenated word is indexed as its parts and as one word
             ("co-production" -> co, production, coproduction), and searched as one word;
  stem       the light English stemmer below; words of 3 letters or fewer, and words with anything
             but a-z, are left alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import site as routes
from ..markup import plain_text
from ..models import APPROACHES, Event, Output, Page, PageJob, Signatory, Story
from ..pages import page_job
from ..site import Site, route_of
from .formats import JSON_ERRORS
from .searchtext import (
    ALPHABET,
    BODY,
    HEADINGS,
    LEAD,
    PAIR,
    SKIPS,
    STOPWORDS,
    TITLE,
    Postings,
    build_postings,
    df_bucket,
    doc_weights,
    skip_letter,
    typo_terms,
    utf16_key,
)

MAX_FILES_PER = 16  # the index adds at most one file per this many pages
SINGLE_FILE_BYTES = 150_000  # below this (uncompressed), the whole index is one file
# The sizes (uncompressed) that a file of each kind aims at when the file budget allows: a query loads
# one dictionary group and one postings shard per word, and the chunks of the ten results it shows,
# which are anywhere in the index, so small chunks matter most (bench/search.py --corpus prose).
DICT_BYTES = 16_000  # a dictionary group (about 6 KB gzip)
SHARD_BYTES = 40_000  # a postings shard of words, or of pairs of words (about 15 KB gzip)
CHUNK_DOCS = 20  # documents in a chunk (about 2 KB gzip)
MIN_CHUNK_DOCS = 8  # no chunk of fewer documents than this, however many files are allowed
HASH = 8  # hex digits of a file's content hash in its name
HASH_BLOCK = 32  # numbered parts of a kind that share a hash in their names (kind_hashes)
SUMMARY_CHARS = 160  # a result's summary is cut (at a word) to about this length
_HEADING = re.compile(r"<h[2-6]\b[^>]*>(.*?)</h[2-6]>", re.DOTALL)  # in sanitised HTML (markup.py)
KINDS = (("story", "Stories", "Story"), ("signatory", "Signatories", "Signatory"), ("event", "Events", "Event"),
         ("page", "Pages", "Page"))  # fmt: skip



# ---- documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    """A filter: its URL parameter, its label, and its values as (id, label) pairs."""

    id: str
    label: str
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SearchDoc:
    """One searchable thing: what a result shows, its filters, and the record its text comes from."""

    kind: str  # story | signatory | event | page
    route: str
    title: str
    summary: str
    date: str  # YYYY-MM-DD, or "" for pages
    areas: str  # the area names a result shows, or ""
    facets: Mapping[str, tuple[str, ...]]  # facet id -> value ids
    source: Story | Signatory | Event | Page | None = field(default=None, compare=False)  # for doc_text


def facets_of(site: Site) -> tuple[Facet, ...]:
    """The filters, in the order the search page shows them."""
    return (
        Facet("type", "Type", tuple((kind, label) for kind, label, _ in KINDS)),
        Facet("area", "Area", tuple((a.id, a.name) for a in site.areas)),
        Facet("sector", "Sector", tuple((t.id, t.name) for t in site.sectors)),
        Facet("theme", "Theme", tuple((t.id, t.name) for t in site.themes)),
        Facet("approach", "Approach", tuple((key, label) for key, (label, _) in APPROACHES.items())),
    )


def cut(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Text -> at most about limit characters, cut at a word, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _names(index: Mapping[str, Any], ids: Iterable[str]) -> str:
    return ", ".join(index[i].name for i in ids if i in index)


def story_doc(site: Site, s: Story) -> SearchDoc:
    facets = {"type": ("story",), "area": s.areas, "sector": s.sectors, "theme": s.themes,
              "approach": (s.approach,) if s.approach else ()}  # fmt: skip
    return SearchDoc("story", route_of(s), s.title, cut(s.summary), s.date.isoformat(), _names(site.area_by_id, s.areas),
                     facets, s)  # fmt: skip


def signatory_doc(site: Site, s: Signatory) -> SearchDoc:
    facets = {"type": ("signatory",), "area": (s.area,), "sector": (s.sector,)}
    former = f"Former signatory (left in {s.left.year}): " if s.left else ""  # as their page and the register mark them
    return SearchDoc("signatory", route_of(s), s.name, cut(f"{former}{s.role}, {s.organisation}"), s.signed.isoformat(),
                     _names(site.area_by_id, [s.area]), facets, s)  # fmt: skip


def event_doc(site: Site, e: Event) -> SearchDoc:
    where = ", ".join(filter(None, [e.location, "Online" if e.online else None]))
    summary = e.summary or where or plain_text(e.body_html)
    return SearchDoc("event", route_of(e), e.title, cut(summary), e.start_date.isoformat(), _names(site.area_by_id, e.areas),
                     {"type": ("event",), "area": e.areas}, e)  # fmt: skip


def page_doc(p: Page) -> SearchDoc:
    return SearchDoc("page", route_of(p), p.title, cut(p.summary or plain_text(p.body_html)), "", "", {"type": ("page",)}, p)


def headings(html: str) -> list[str]:
    """Sanitised body HTML -> the text of each of its headings (["What is coproduction?", ...])."""
    return [plain_text(heading) for heading in _HEADING.findall(html)]


def doc_text(site: Site, doc: SearchDoc) -> dict[str, str]:
    """What a document is indexed under: TITLE (what its result's title shows), LEAD (summary, places,
    labels, the body's headings; for a signatory, role and organisation), BODY text, and HEADINGS (one a
    line, for searchtext.whole_term). Only the
    title a result shows is TITLE, so a title match is one a visitor sees (ranked first, as documented)."""
    s = doc.source
    heads = headings(s.body_html) if s is not None else []
    if isinstance(s, Story):
        lead = [s.summary, doc.areas, _names(site.sector_by_id, s.sectors), _names(site.theme_by_id, s.themes),
                APPROACHES[s.approach][0] if s.approach else "", *heads]  # fmt: skip
        body = [plain_text(s.body_html), *s.people, *s.told_by, *s.outcomes, *s.lessons, s.easy_read or ""]
        return {TITLE: s.title, LEAD: ". ".join(lead), BODY: " ".join(body), HEADINGS: "\n".join(heads)}
    if isinstance(s, Signatory):
        lead = [s.role, s.organisation, *s.commitments, doc.areas, _names(site.sector_by_id, [s.sector])]
        body = [plain_text(s.body_html), *(u.text for u in s.updates), s.easy_read or ""]
        return {TITLE: s.name, LEAD: " ".join(lead), BODY: " ".join(body)}
    if isinstance(s, Event):
        where = ", ".join(filter(None, [s.location, "Online" if s.online else None]))
        lead = [s.summary or "", where, doc.areas, *heads]
        return {TITLE: s.title, LEAD: ". ".join(lead), BODY: plain_text(s.body_html), HEADINGS: "\n".join(heads)}
    if isinstance(s, Page):
        return {TITLE: s.title, LEAD: ". ".join([s.summary or "", *heads]), BODY: f"{plain_text(s.body_html)} {s.easy_read or ''}", HEADINGS: "\n".join(heads)}
    return {}


def collect_docs(site: Site) -> list[SearchDoc]:
    """Every searchable document, newest first (pages, which have no date, last by title)."""
    docs = [
        *(story_doc(site, s) for s in site.stories),
        *(signatory_doc(site, s) for s in site.signatories),
        *(event_doc(site, e) for e in site.events),
        *(page_doc(p) for p in (*site.pages, *([site.pledge] if site.pledge else []))),
    ]
    kind_order = {kind: i for i, (kind, _, _) in enumerate(KINDS)}
    dated = sorted((d for d in docs if d.date), key=lambda d: (kind_order[d.kind], d.route))
    dated.sort(key=lambda d: d.date, reverse=True)  # ISO dates, newest first; a stable sort keeps kind and route order
    undated = sorted((d for d in docs if not d.date), key=lambda d: (d.title.lower(), d.route))
    return dated + undated


# ---- parts and files ------------------------------------------------------------------------------


def facet_column(docs: Sequence[SearchDoc], facet: Facet) -> str:
    """One facet as a string: per document, a bit per value (6 bits per character), fixed width.
    Worked out once per combination of values (10,000 stories share a few hundred)."""
    position = {value: i for i, (value, _) in enumerate(facet.values)}
    shifts = range(0, 6 * max(1, -(-len(facet.values) // 6)), 6)
    cells = [doc.facets.get(facet.id, ()) for doc in docs]
    known: dict[tuple[str, ...], str] = {}
    for values in set(cells):
        bits = sum({1 << position[value] for value in values if value in position})
        known[values] = "".join(ALPHABET[(bits >> shift) & 63] for shift in shifts)
    return "".join(map(known.__getitem__, cells))


def balanced_runs(items: Sequence[Any], count: int, size: Any) -> list[list[Any]]:
    """Items -> at most count non-empty contiguous runs of roughly equal total size (greedy, order kept)."""
    sizes = [size(item) for item in items]
    target = sum(sizes) / max(1, count)
    runs: list[list[Any]] = [[]]
    filled = 0.0
    for item, item_size in zip(items, sizes, strict=True):
        if runs[-1] and filled + item_size / 2 > target * len(runs) and len(runs) < count:
            runs.append([])
        runs[-1].append(item)
        filled += item_size
    return [run for run in runs if run]


def js_data(key: str, data: Any) -> str:
    """One part as a line of JavaScript: CMI_SEARCH.add("key",{...}); JSON is JavaScript once U+2028 and
    U+2029 (line ends in older JavaScript) are escaped, and with '<' escaped too no text can end a
    script element or open an HTML comment in one, should the line ever be put inside a page. Lone
    surrogates are escaped when the text is encoded (formats.JSON_ERRORS)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("<", "\\u003c")
    return f"CMI_SEARCH.add({json.dumps(key)},{text});\n"


@dataclass(frozen=True)
class Budget:
    """How many files of each kind: dictionary groups, postings shards, chunks of documents."""

    dicts: int  # dictionary groups
    tails: int  # typo groups, e and g together (none in a single file)
    shards: int
    pairs: int  # postings shards of the pairs of words (phrases)
    chunks: int
    single: bool  # everything in one file


def plan_budget(page_count: int, facets: int, docs: int, dict_bytes: int, postings_bytes: int, pair_bytes: int,
                total_bytes: int, tail_bytes: int = 0) -> Budget:  # fmt: skip
    """Split the index into at most page_count // MAX_FILES_PER files, main.js and filters included:
    files of the sizes aimed at (DICT_BYTES, SHARD_BYTES, CHUNK_DOCS), or, when that is too many,
    fewer files, each kind cut down in proportion."""
    spare = page_count // MAX_FILES_PER - 1 - facets
    if total_bytes <= SINGLE_FILE_BYTES or spare < 4:
        return Budget(1, 0, 1, 1, 1, single=True)
    wanted = [-(-dict_bytes // DICT_BYTES), -(-tail_bytes // DICT_BYTES), -(-postings_bytes // SHARD_BYTES),
              -(-pair_bytes // SHARD_BYTES), -(-docs // CHUNK_DOCS)]  # fmt: skip
    scale = min(1.0, spare / max(1, sum(wanted)))
    dicts, tails, shards, pairs, chunks = (max(1, int(n * scale)) for n in wanted)
    chunks = min(chunks, spare - dicts - tails - shards - pairs, -(-docs // MIN_CHUNK_DOCS))
    return Budget(dicts, tails, shards, pairs, max(1, chunks), single=False)


@dataclass(frozen=True)
class Part:
    key: str
    text: str  # the JavaScript line

    @property
    def file_name(self) -> str:
        """The part's file name: its key and a hash of its content."""
        return f"{self.key}.{self.hash}.js"

    @property
    def hash(self) -> str:
        """A hash of the part's content, as its file name carries it."""
        return hashlib.sha256(self.data).hexdigest()[:HASH]

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8", JSON_ERRORS)


def term_parts(postings: Postings, budget: Budget) -> tuple[list[Part], dict[str, list[str]]]:
    """Postings -> (dictionary and postings parts, where each part's terms start). The pairs of words
    (phrases) have postings parts of their own, and no dictionary: a word's query never loads them."""
    ordered = sorted(postings, key=utf16_key)
    terms, pairs = [t for t in ordered if PAIR not in t], [t for t in ordered if PAIR in t]
    parts, dict_starts = [], []
    for i, group in enumerate(balanced_runs(terms, budget.dicts, lambda t: len(t) + 2)):
        dict_starts.append(group[0] if i else "")
        data = {"w": " ".join(group), "f": "".join(df_bucket(len(postings[t].numbers)) for t in group)}
        parts.append(Part(f"d{i}", js_data(f"d{i}", data)))
    starts = {"d": dict_starts or [""]}
    by_kind = typo_terms(terms) if budget.tails else {}
    for (kind, skip, _), group in zip(SKIPS, by_kind.values(), strict=False):  # the groups shared out by size
        runs = balanced_runs(group, max(1, round(budget.tails * len(group) / max(1, sum(map(len, by_kind.values()))))),
                             lambda t: len(t) + 1)  # fmt: skip
        if runs:  # without a kind's groups, search.js looks in the dictionary groups instead
            starts[kind] = [skip_letter(run[0], skip) if i else "" for i, run in enumerate(runs)]
        parts += [Part(f"{kind}{i}", js_data(f"{kind}{i}", {"w": " ".join(run)})) for i, run in enumerate(runs)]
    for key, keys, count in (("t", terms, budget.shards), ("p", pairs, budget.pairs)):
        runs = balanced_runs(keys, count, lambda t: len(t) + sum(map(len, postings[t].encoded)) + 8)
        starts[key] = [run[0] if i else "" for i, run in enumerate(runs)] or [""]
        parts += [Part(f"{key}{i}", js_data(f"{key}{i}", {t: postings[t].encoded for t in run})) for i, run in enumerate(runs)]
    return parts, starts


def chunk_parts(docs: Sequence[SearchDoc], count: int) -> tuple[list[Part], int]:
    """Documents -> (count chunk parts or fewer, documents per chunk)."""
    size = max(1, -(-len(docs) // count))
    parts = []
    for i in range(0, max(1, len(docs)), size):
        rows = [[d.title, d.summary, d.route, d.date, d.areas] for d in docs[i : i + size]]
        parts.append(Part(f"c{i // size}", js_data(f"c{i // size}", rows)))
    return parts, size


def kind_hashes(parts: Sequence[Part]) -> dict[str, str | list[str]]:
    """Where main.js says each part is (key.hash.js): the parts of a kind (c0, c1 ... are "c"; a filter
    is a kind of its own) share a hash per block of HASH_BLOCK, a string for one block, else a list.
    A hash per file made main.js twice the size; one per kind renamed every chunk when one summary was
    edited (1,650 files written at 30,000 stories). A new story still renames nearly every part."""
    kinds: dict[str, list[Part]] = {}
    for part in parts:
        kinds.setdefault(kind_of(part.key), []).append(part)
    hashes: dict[str, str | list[str]] = {}
    for kind, run in kinds.items():
        run.sort(key=lambda p: int(p.key[1:]) if p.key[1:].isdigit() else 0)
        blocks = [hashlib.sha256(b"".join(p.data for p in run[i : i + HASH_BLOCK])).hexdigest()[:HASH]
                  for i in range(0, len(run), HASH_BLOCK)]  # fmt: skip
        hashes[kind] = blocks[0] if len(blocks) == 1 else blocks
    return hashes


def part_hash(hashes: Mapping[str, str | list[str]], key: str) -> str:
    """The hash in the file name of the part key (as search.js's fileOf finds it)."""
    found = hashes[kind_of(key)]
    return found if isinstance(found, str) else found[int(key[1:]) // HASH_BLOCK]


def kind_of(key: str) -> str:
    """A part's key -> its kind: "c12" -> "c", "farea" -> "farea"."""
    return key[0] if key[1:].isdigit() else key


@dataclass(frozen=True)
class SearchIndex:
    """The built index: the file the search page names, the filters it shows, and every file."""

    main: str  # file name, in the search page's folder
    facets: tuple[Facet, ...]
    files: tuple[Output, ...]


def build_search_index(site: Site, page_count: int, docs: Sequence[SearchDoc] | None = None,
                       postings: Postings | None = None) -> SearchIndex:  # fmt: skip
    """The site's search index, split to suit its size (page_count: the HTML pages of the site).
    docs and postings: collect_docs(site) and build_postings of their weights, when already known
    (incremental.search_index keeps them from one build to the next)."""
    docs = collect_docs(site) if docs is None else docs
    if postings is None:
        postings = build_postings(doc_weights(doc_text(site, doc)) for doc in docs)
    facets = facets_of(site)
    sizes = {True: 0, False: 0}  # pairs of words, words: about the size of their postings in the index
    for term, found in postings.items():
        sizes[PAIR in term] += len(term) + len(found.numbers) * 2 + 8
    dict_bytes = sum(len(term) + 2 for term in postings if PAIR not in term)
    tail_bytes = sum(len(t) + 1 for t in postings if PAIR not in t for _, _, shortest in SKIPS if len(t) >= shortest)
    display_bytes = sum(len(d.title) + len(d.summary) + len(d.route) + len(d.areas) + 24 for d in docs)
    budget = plan_budget(page_count, len(facets) - 1, len(docs), dict_bytes, sizes[False], sizes[True],
                         dict_bytes + sizes[False] + sizes[True] + display_bytes, tail_bytes)  # fmt: skip
    term_list, starts = term_parts(postings, budget)
    chunks, chunk_size = chunk_parts(docs, budget.chunks)
    facet_list = [Part(f"f{f.id}", js_data(f"f{f.id}", facet_column(docs, f))) for f in facets[1:]]
    parts = [*facet_list, *term_list, *chunks]
    hashes = {} if budget.single else kind_hashes(parts)
    manifest = {
        "docs": len(docs), "chunk": chunk_size, "starts": starts, "files": hashes, "block": HASH_BLOCK,
        "facets": [[f.id, [value for value, _ in f.values]] for f in facets],  # in the page's order
        "type": facet_column(docs, facets[0]), "stop": " ".join(sorted(STOPWORDS)),
        "kinds": {kind: singular for kind, _, singular in KINDS},
    }  # fmt: skip
    main_text = js_data("main", manifest)
    folder = routes.SEARCH
    if budget.single:
        single = Part("main", main_text + "".join(p.text for p in parts))
        return SearchIndex(single.file_name, facets, (Output(folder + single.file_name, single.data),))
    main = Part("main", main_text)
    files = [Output(folder + main.file_name, main.data)]
    files += [Output(f"{folder}{p.key}.{part_hash(hashes, p.key)}.js", p.data) for p in parts]
    return SearchIndex(main.file_name, facets, tuple(files))


def search_files(site: Site, page_count: int, postings_of: Callable[[Site, Sequence[SearchDoc]], Postings] | None = None,
                 ) -> tuple[list[Output], PageJob]:  # fmt: skip
    """The search index's files and the search page's job (it names the index's main file); page_count:
    the site's HTML pages, the search page included. postings_of: how the postings are made (the
    build cache keeps them between builds), by default from every document's text."""
    docs = collect_docs(site)
    postings = postings_of(site, docs) if postings_of is not None else None
    index = build_search_index(site, page_count, docs, postings)
    job = page_job(site, "search.html", routes.SEARCH, index_file=index.main, facets=index.facets)
    return list(index.files), job
