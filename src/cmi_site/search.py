"""The client-side search index: Site -> small .js files that the search page loads as classic scripts.

Each file is one or more calls `CMI_SEARCH.add("key", data)`, so the index loads from file://, at a
domain root and under a sub-path, with no fetch(), no modules and no eval (a strict CSP allows it).
It is split so that a query loads only what it needs:

  main        always: the document count, the type of every document, the value ids of each filter,
              where each other part starts, and the file name of every other part.
  f<facet>    one filter (area, sector, theme, approach) as a column of bits per document; loaded
              when the visitor opens or uses that filter.
  d<i>        dictionary: the terms that start with a group of first characters, with a rough
              document frequency; used to expand a word being typed ("hosp") and to forgive a typo.
  t<i>        postings: a contiguous range of sorted terms -> the documents holding each term, with a
              weight saying where (title, summary, body) and how often.
  c<i>        chunk: what a result shows (title, summary, route, date, areas) for a run of documents.

Documents are numbered newest first, so "newest first" is document order, a filter-only browse needs
only the first chunks, and equal scores favour the first chunks too. The index adds at most one file
per MAX_FILES_PER pages; a small site gets a single file. File names carry a hash of their content,
so a browser never mixes parts of two builds.

Tokenising and stemming are mirrored exactly in templates/assets/search.js (tests check both agree):
  normalise  lower case, accents removed (NFD, then U+0300-U+036F dropped), possessive 's and
             apostrophes removed;
  words      runs of letters and digits; a hyphenated word is indexed as its parts and as one word
             ("co-production" -> co, production, coproduction), and searched as one word;
  stem       the light English stemmer below; words of 3 letters or fewer, and words with anything
             but a-z, are left alone.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import operator
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import rjsmin

from . import site as routes
from .formats import JSON_ERRORS
from .markup import plain_text
from .models import APPROACHES, Event, Page, Signatory, Story
from .render import Output
from .site import Site, route_of

MAX_FILES_PER = 50  # the index adds at most one file per this many pages
SINGLE_FILE_BYTES = 150_000  # below this (uncompressed), the whole index is one file
MIN_SHARD_BYTES = 8_000  # no postings file smaller than about this, however many files are allowed
MIN_CHUNK_DOCS = 16  # no chunk of fewer documents than this
SHARD_SHARE = 0.3  # of the files left after main, filters and dictionary: the share for postings
SUMMARY_CHARS = 160  # a result's summary is cut (at a word) to about this length
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

# Where a word was found. A posting's weight is TITLE_BIT | LEAD_BIT | a body count bucket (0-3).
TITLE, LEAD, BODY = "title", "lead", "body"
TITLE_BIT, LEAD_BIT = 8, 4
STOPWORDS = frozenset(
    "a about an and are as at be been but by can could did do does for from had has have he her his how i if in "
    "into is it its me my no not of on or our out she so than that the their them then there these they this "
    "those to too us was we were what when where which who why will with would you your".split()
)  # fmt: skip
KINDS = (("story", "Stories", "Story"), ("signatory", "Signatories", "Signatory"), ("event", "Events", "Event"),
         ("page", "Pages", "Page"))  # fmt: skip


# ---- text: normalise, split, stem (mirrored in search.js) ----------------------------------------

_MARKS = re.compile("[\u0300-\u036f]")
_POSSESSIVE = re.compile(r"['\u2019]s(?![^\W_])")
_APOSTROPHE = re.compile(r"['\u2019]")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_ASCII_WORD = re.compile(r"[a-z]+")
_ASCII_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VOWEL = re.compile(r"[aeiouy]")


def normalise(text: str) -> str:
    """Text -> lower case without accents or apostrophes: "Carers' Café" -> 'carers cafe'."""
    text = text.lower()
    if not text.isascii():  # plain ASCII has no accents to take off (and most text is plain ASCII)
        text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    if "'" in text or "\u2019" in text:
        text = _APOSTROPHE.sub("", _POSSESSIVE.sub("", text))
    return text


def split_words(text: str) -> list[str]:
    """Text -> its words, normalised; hyphenated words stay whole: 'Co-production, now!' -> ['co-production', 'now']."""
    text = normalise(text)
    # In lower-case ASCII, _WORD's letters and digits are a-z and 0-9: a plain class is searched faster.
    return (_ASCII_WORDS if text.isascii() else _WORD).findall(text)


def is_term(word: str) -> bool:
    """Whether a normalised word is worth indexing: two characters or more, and not a stop word."""
    return len(word) > 1 and word not in STOPWORDS


def index_words(text: str) -> list[str]:
    """Text -> the words indexed for it: hyphenated words as their parts and joined up."""
    out: list[str] = []
    for word in split_words(text):
        if "-" in word:
            out += word.split("-")
            word = word.replace("-", "")
        out.append(word)
    return [w for w in out if is_term(w)]


@functools.lru_cache(maxsize=1 << 16)  # a site has far fewer distinct words; each is stemmed once
def stem(word: str) -> str:
    """A normalised word -> its stem, by a light English suffix stripper.

    1. -ies/-ied -> -y (stories -> story); -sses -> -ss; -ches/-shes/-xes lose -es; a final -s goes,
       except after s, u or i (carers -> carer; status and analysis stay).
    2. The first of -ing, -ed, -er goes if at least 3 letters, one a vowel, are left (carer, caring,
       cared -> car); a doubled last consonant is then halved (planning -> plan), except ll, ss, zz.
    3. A final -e goes from words of 5 letters or more (service -> servic, house -> hous).
    """
    if len(word) <= 3 or not _ASCII_WORD.fullmatch(word):
        return word
    if len(word) > 4 and word.endswith(("ies", "ied")):
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "er"):
        rest = word[: -len(suffix)]
        if word.endswith(suffix) and len(rest) >= 3 and _VOWEL.search(rest):
            word = rest[:-1] if rest[-1] == rest[-2] and rest[-1] not in "aeiouylsz" else rest
            break
    if len(word) >= 5 and word.endswith("e"):
        word = word[:-1]
    return word


def terms_of(text: str) -> list[str]:
    """Text -> the stems it is indexed under, in order, with repeats."""
    return [stem(w) for w in index_words(text)]


def term_counts(text: str) -> dict[str, int]:
    """Text -> how often each stem occurs in it: terms_of(text), counted. Each different word is
    split, checked and stemmed once, not at every occurrence (a story uses each word ~2.5 times)."""
    words = Counter(split_words(text))
    for word in [w for w in words if "-" in w]:
        count = words.pop(word)
        for part in (*word.split("-"), word.replace("-", "")):
            words[part] += count
    counts: dict[str, int] = {}
    if len(_TERMS) > 1 << 17:  # bounded, for a long-running preview
        _TERMS.clear()
    terms = _TERMS
    for word, count in words.items():
        term = terms.get(word)
        if term is None:
            term = terms[word] = stem(word) if len(word) > 1 and word not in STOPWORDS else ""
        if term:
            counts[term] = counts.get(term, 0) + count
    return counts


_TERMS: dict[str, str] = {}  # word -> its stem, or "" when it is not indexed: each worked out once


def utf16_key(text: str) -> bytes:
    """Sort key that orders strings as JavaScript compares them (by UTF-16 code units)."""
    return text.encode("utf-16-be")


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
    return SearchDoc("signatory", route_of(s), s.name, cut(f"{s.role}, {s.organisation}"), s.signed.isoformat(),
                     _names(site.area_by_id, [s.area]), facets, s)  # fmt: skip


def event_doc(site: Site, e: Event) -> SearchDoc:
    where = ", ".join(filter(None, [e.location, "Online" if e.online else None]))
    summary = e.summary or where or plain_text(e.body_html)
    return SearchDoc("event", route_of(e), e.title, cut(summary), e.start_date.isoformat(), _names(site.area_by_id, e.areas),
                     {"type": ("event",), "area": e.areas}, e)  # fmt: skip


def page_doc(p: Page) -> SearchDoc:
    return SearchDoc("page", route_of(p), p.title, cut(p.summary or plain_text(p.body_html)), "", "", {"type": ("page",)}, p)


def doc_text(site: Site, doc: SearchDoc) -> dict[str, str]:
    """What a document is indexed under: TITLE, LEAD (summary, places, labels) and BODY text."""
    s = doc.source
    if isinstance(s, Story):
        lead = [s.summary, doc.areas, _names(site.sector_by_id, s.sectors), _names(site.theme_by_id, s.themes),
                APPROACHES[s.approach][0] if s.approach else ""]  # fmt: skip
        body = [plain_text(s.body_html), *s.people, *s.outcomes, *s.lessons, s.easy_read or ""]
        return {TITLE: s.title, LEAD: " ".join(lead), BODY: " ".join(body)}
    if isinstance(s, Signatory):
        lead = [s.role, *s.commitments, doc.areas, _names(site.sector_by_id, [s.sector])]
        body = [plain_text(s.body_html), *(u.text for u in s.updates), s.easy_read or ""]
        return {TITLE: f"{s.name} {s.organisation}", LEAD: " ".join(lead), BODY: " ".join(body)}
    if isinstance(s, Event):
        where = ", ".join(filter(None, [s.location, "Online" if s.online else None]))
        return {TITLE: s.title, LEAD: " ".join([s.summary or "", where, doc.areas]), BODY: plain_text(s.body_html)}
    if isinstance(s, Page):
        return {TITLE: s.title, LEAD: s.summary or "", BODY: f"{plain_text(s.body_html)} {s.easy_read or ''}"}
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


# ---- postings -------------------------------------------------------------------------------------


def doc_weights(text: Mapping[str, str]) -> dict[str, int]:
    """A document's doc_text -> {term: weight}: 8 if in the title, +4 if in the lead, + body count bucket (0-3)."""
    weights = dict.fromkeys(term_counts(text.get(TITLE, "")), TITLE_BIT)
    for term in term_counts(text.get(LEAD, "")):
        weights[term] = weights.get(term, 0) | LEAD_BIT
    for term, count in term_counts(text.get(BODY, "")).items():
        weights[term] = weights.get(term, 0) | (1 if count == 1 else 2 if count <= 3 else 3)
    return weights


class TermPostings:
    """The documents holding one term, as the index files hold them: the document numbers ascending
    and one weight for each; encoded (gaps, hex weights) when first asked for, and then kept."""

    __slots__ = ("_encoded", "numbers", "weights")

    def __init__(self, numbers: array[int], weights: bytearray) -> None:
        self.numbers, self.weights = numbers, weights
        self._encoded: list[str] | None = None

    def __getstate__(self) -> tuple[array[int], bytearray, list[str] | None]:
        return self.numbers, self.weights, self._encoded

    def __setstate__(self, state: tuple[array[int], bytearray, list[str] | None]) -> None:
        self.numbers, self.weights, self._encoded = state

    @property
    def encoded(self) -> list[str]:
        """[gaps between the numbers (encode_number, the first from -1), one hex digit of weight each]."""
        if self._encoded is None:
            self._encoded = _encode(self.numbers, self.weights)
        return self._encoded


Postings = dict[str, TermPostings]


def encode_number(n: int) -> str:
    """A number >= 0 -> base-32 digits, most significant first; all but the last from ALPHABET[32:]."""
    digits = [ALPHABET[n & 31]]
    n >>= 5
    while n:
        digits.append(ALPHABET[32 + (n & 31)])
        n >>= 5
    return "".join(reversed(digits))


@functools.cache
def _codes() -> list[str]:
    """encode_number of every gap of up to three digits (below 2**15), worked out once, in order:
    the last digit from ALPHABET[:32], the ones before it from ALPHABET[32:], never a leading zero."""
    last, lead = ALPHABET[:32], ALPHABET[32:]
    return [*last, *(a + b for a in lead[1:] for b in last), *(a + b + c for a in lead[1:] for b in lead for c in last)]


_HEX = bytes.maketrans(bytes(range(16)), b"0123456789abcdef")


def decode_numbers(text: str) -> list[int]:
    """The inverse of encode_number over a run of numbers (as search.js reads them)."""
    out, value = [], 0
    for char in text:
        digit = ALPHABET.index(char)
        value = value * 32 + (digit & 31)
        if digit < 32:
            out.append(value)
            value = 0
    return out


def _encode(numbers: Sequence[int], weights: bytes | bytearray) -> list[str]:
    """Ascending document numbers and their weights -> [gaps, hex weights]."""
    gaps = list(map(operator.sub, numbers, [-1, *numbers[:-1]]))
    codes = _codes()
    if len(gaps) > 1 and max(gaps) < len(codes):  # the usual case, looked up in C
        text = "".join(operator.itemgetter(*gaps)(codes))
    else:
        text = "".join([codes[g] if g < len(codes) else encode_number(g) for g in gaps])
    return [text, weights.translate(_HEX).decode("ascii")]


def build_postings(weights: Iterable[Mapping[str, int]]) -> Postings:
    """Each document's weights, in document order -> the postings of every term."""
    postings: Postings = {}
    for number, doc in enumerate(weights):
        for term, weight in doc.items():
            found = postings.get(term)
            if found is None:
                postings[term] = TermPostings(array("i", (number,)), bytearray((weight,)))
            else:
                found.numbers.append(number)
                found.weights.append(weight)
    return postings


def update_postings(postings: Postings, changes: Mapping[int, tuple[Mapping[str, int], Mapping[str, int]]]) -> Postings:
    """Postings with some documents' weights changed ({number: (old weights, new weights)}) and every
    other document as it was: what build_postings makes of the new weights, touching only their terms."""
    out = dict(postings)
    for term in set().union(*(old.keys() | new.keys() for old, new in changes.values())):
        found = out.get(term)
        numbers, weights = (array("i", found.numbers), bytearray(found.weights)) if found else (array("i"), bytearray())
        moved = found is None
        for number, (_, new) in changes.items():
            i = bisect.bisect_left(numbers, number)
            there = i < len(numbers) and numbers[i] == number
            if term in new and there:
                weights[i] = new[term]
            elif term in new:
                numbers.insert(i, number)
                weights.insert(i, new[term])
                moved = True
            elif there:
                del numbers[i], weights[i]
                moved = True
        if not numbers:
            del out[term]
            continue
        out[term] = TermPostings(numbers, weights)
        if not moved and found is not None and found._encoded is not None:  # the same documents: the gaps are too
            out[term]._encoded = [found._encoded[0], weights.translate(_HEX).decode("ascii")]
    return out


def df_bucket(count: int) -> str:
    """A document frequency -> one character, about log2 of it: enough to rank the words a prefix starts."""
    return ALPHABET[min(len(ALPHABET) - 1, count.bit_length())]


# ---- parts and files ------------------------------------------------------------------------------


def facet_column(docs: Sequence[SearchDoc], facet: Facet) -> str:
    """One facet as a string: per document, a bit per value (6 bits per character), fixed width."""
    position = {value: i for i, (value, _) in enumerate(facet.values)}
    width = max(1, -(-len(facet.values) // 6))
    shifts = range(0, 6 * width, 6)
    out = []
    for doc in docs:
        bits = 0
        for value in doc.facets.get(facet.id, ()):
            if value in position:
                bits |= 1 << position[value]
        out += [ALPHABET[(bits >> shift) & 63] for shift in shifts]
    return "".join(out)


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


def group_by_first_char(terms: Sequence[str], groups: int) -> list[list[str]]:
    """Sorted terms -> at most `groups` runs of similar size, never splitting the terms of one first character."""
    by_char: dict[str, list[str]] = {}
    for term in terms:
        by_char.setdefault(term[0], []).append(term)
    return [[term for group in run for term in group] for run in balanced_runs(list(by_char.values()), groups, len)]


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

    dicts: int
    shards: int
    chunks: int
    single: bool  # everything in one file


def plan_budget(page_count: int, facets: int, docs: int, postings_bytes: int, first_chars: int,
                total_bytes: int) -> Budget:  # fmt: skip
    """Split the index into at most page_count // MAX_FILES_PER files, main.js and filters included."""
    spare = page_count // MAX_FILES_PER - 1 - facets
    if total_bytes <= SINGLE_FILE_BYTES or spare < 3:
        return Budget(1, 1, 1, single=True)
    dicts = max(1, min(first_chars, spare // 8))
    shards = max(1, min(int((spare - dicts) * SHARD_SHARE), postings_bytes // MIN_SHARD_BYTES))
    chunks = max(1, min(spare - dicts - shards, -(-docs // MIN_CHUNK_DOCS)))
    return Budget(dicts, shards, chunks, single=False)


@dataclass(frozen=True)
class Part:
    key: str
    text: str  # the JavaScript line

    @property
    def file_name(self) -> str:
        """The part's file name: its key and a hash of its content."""
        return f"{self.key}.{hashlib.sha256(self.data).hexdigest()[:10]}.js"

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8", JSON_ERRORS)


def term_parts(postings: Postings, budget: Budget) -> tuple[list[Part], dict[str, list[str]]]:
    """Postings -> (dictionary and postings parts, where each part's terms start)."""
    terms = sorted(postings, key=utf16_key)
    parts, dict_starts, shard_starts = [], [], []
    for i, group in enumerate(group_by_first_char(terms, budget.dicts)):
        dict_starts.append(group[0][0] if i else "")
        data = {"w": " ".join(group), "f": "".join(df_bucket(len(postings[t].numbers)) for t in group)}
        parts.append(Part(f"d{i}", js_data(f"d{i}", data)))
    runs = balanced_runs(terms, budget.shards, lambda t: len(t) + sum(map(len, postings[t].encoded)) + 8)
    for i, run in enumerate(runs):
        shard_starts.append(run[0] if i else "")
        parts.append(Part(f"t{i}", js_data(f"t{i}", {t: postings[t].encoded for t in run})))
    return parts, {"d": dict_starts or [""], "t": shard_starts or [""]}


def chunk_parts(docs: Sequence[SearchDoc], count: int) -> tuple[list[Part], int]:
    """Documents -> (count chunk parts or fewer, documents per chunk)."""
    size = max(1, -(-len(docs) // count))
    parts = []
    for i in range(0, max(1, len(docs)), size):
        rows = [[d.title, d.summary, d.route, d.date, d.areas] for d in docs[i : i + size]]
        parts.append(Part(f"c{i // size}", js_data(f"c{i // size}", rows)))
    return parts, size


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
    postings_bytes = sum(len(t) + len(p.numbers) * 3 for t, p in postings.items())
    display_bytes = sum(len(d.title) + len(d.summary) + len(d.route) + len(d.areas) + 24 for d in docs)
    budget = plan_budget(page_count, len(facets) - 1, len(docs), postings_bytes, len({t[0] for t in postings}),
                         postings_bytes + display_bytes)  # fmt: skip
    term_list, starts = term_parts(postings, budget)
    chunks, chunk_size = chunk_parts(docs, budget.chunks)
    facet_list = [Part(f"f{f.id}", js_data(f"f{f.id}", facet_column(docs, f))) for f in facets[1:]]
    parts = [*facet_list, *term_list, *chunks]
    manifest = {
        "docs": len(docs), "chunk": chunk_size, "starts": starts,
        "files": {} if budget.single else {p.key: p.file_name for p in parts},
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
    files = [Output(folder + p.file_name, p.data) for p in [main, *parts]]
    return SearchIndex(main.file_name, facets, tuple(files))


def minify_js(source: bytes) -> bytes:
    """JavaScript -> the same program without comments and spare white space (rjsmin: nothing renamed)."""
    minified: str = rjsmin.jsmin(source.decode("utf-8"))
    return (minified.strip() + "\n").encode("utf-8")
