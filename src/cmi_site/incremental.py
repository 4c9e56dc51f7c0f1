"""The build at speed: documents from the build cache or read on every core, pages rendered on every
core or kept from the last build, and only files whose bytes changed written.

Nothing here knows a page kind. Documents are cached whole (read + validated + converted), keyed by
the hash of their bytes. Pages are whatever render.page() is asked for: it hands back a PageOutput,
and the pages are rendered after all of them are known, in parallel, in a fixed order; a page whose
template, context and Site reads (see track.py) are as they were in the last build is not rendered
at all. A new render_* function gets all of this without a line of its own.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import jinja2

from .cache import BuildCache, code_version, unpickle
from .commit import commit_changes, prepare_spare
from .errors import Problem
from .load import Loaded, content_folder, display_path, entry_digest, file_digest, hash_key, load_content, read_source, walk_files
from .models import Output, Story
from .outdir import MARKER, MARKER_TEXT, OutputFolder
from .outputs.opendata import story_line
from .outputs.search import SearchDoc, SearchIndex, build_search_index, collect_docs, doc_text
from .outputs.searchtext import Postings, TermPostings, build_postings, doc_weights, update_postings
from .parallel import run_jobs
from .render import make_env, render_template, template_fingerprint
from .safe_files import TEXT_LIMIT
from .site import Site
from .track import Fingerprints, Read, SiteReads, TrackedSite, Tracker, Unfingerprintable, digest
from .validate import DocResult, Validated, check_doc, validate, vocab_from_data
from .write import FileStat, check_outputs, scan_output, stage_file, write_failed

# ---- files ----------------------------------------------------------------------------------------

RACY_NS = 2_000_000_000  # a file changed this close to when it was last hashed is hashed again


def hash_files_known(cache: BuildCache, folder: Path) -> dict[str, str]:
    """load.hash_files(folder), reading again only files whose size, times or inode changed since the
    last build. A file changed within RACY_NS of being hashed is never trusted by its stat alone
    (a coarse clock could give two versions the same time), as git does for its index. Nothing is
    read that safe_files refuses (a link out of the folder, a named pipe ...): its hash is of why."""
    name = f"hashes:{folder.resolve()}"
    last = cache.state(name)
    known: dict[str, tuple[tuple[int, ...] | None, str]] = last if isinstance(last, dict) else {}
    started = time.time_ns()
    record: dict[str, tuple[tuple[int, ...] | None, str]] = {}
    within, entries = walk_files(folder)
    for entry in entries:
        rel = hash_key(entry.rel)
        try:
            info = os.stat(entry.path) if entry.refused is None else None
        except OSError:  # gone since it was listed: hashed as refused
            info = None
        if info is None:
            record[rel] = (None, entry_digest(entry, within))
            continue
        stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        old = known.get(rel)
        known_hash = type(old) is tuple and len(old) == 2 and old[0] == stat and isinstance(old[1], str)  # else a miss
        hashed = old[1] if known_hash else entry_digest(entry, within)  # type: ignore[index]
        record[rel] = (stat if max(info.st_mtime_ns, info.st_ctime_ns) < started - RACY_NS else None, hashed)
    if record != known:
        cache.save_state({name: record})
    return {rel: hashed for rel, (_, hashed) in record.items()}


# ---- documents ----------------------------------------------------------------------------------


def check_content(
    content: Path, root: Path, cache: BuildCache | None, fingerprints: Fingerprints, hashes: dict[str, str] | None = None
) -> tuple[Loaded, Validated, int]:
    """Load and validate the content folder, reading and converting only documents the cache lacks;
    also how many it converted. hashes: the hash of each file's bytes by path below content
    (load.hash_files), when known."""
    loaded = load_content(content, root, read_docs=False)
    vocab = vocab_from_data(loaded.data, (image.output_path for image in loaded.images))
    base = digest(code_version(), fingerprints.of(vocab))
    prefix = len(os.fspath(content).rstrip(os.sep)) + 1
    within = content_folder(content, root)

    def file_hash(file: Path) -> str:
        known = hashes.get(os.fspath(file)[prefix:].replace(os.sep, "/")) if hashes is not None else None
        return known or _source_hash(read_source(file, within, TEXT_LIMIT, root))

    folders: dict[str, str] = {}

    def shown(file: Path) -> str:
        """display_path(file, root), working out each folder's once (11,000 files share a few folders)."""
        folder, name = os.path.split(os.fspath(file))
        if folder not in folders:
            folders[folder] = display_path(Path(folder), root)
        if folders[folder] == ".":
            return display_path(file, root)
        return f"{folders[folder]}/{name}"

    keys = [digest(base, collection, shown(file), file_hash(file)) for file, collection in loaded.files]
    wanted = {key: index for index, key in enumerate(keys)}
    results: list[DocResult | None] = [None] * len(keys)
    cached = 0
    for key, blob in cache.docs() if cache is not None else ():
        cached += 1
        if key in wanted:
            results[wanted[key]] = unpickle(blob, DocResult)
    missing = [index for index, result in enumerate(results) if result is None]

    def job(n: int) -> tuple[str, bytes]:
        file, collection = loaded.files[missing[n]]
        data = read_source(file, within, TEXT_LIMIT, root)  # read again: the key must be of the bytes that are checked
        key = digest(base, collection, shown(file), _source_hash(data))
        if isinstance(data, Problem):
            return key, pickle.dumps(DocResult(shown(file), collection, file.stem, False, None, [data]), protocol=5)
        return key, pickle.dumps(check_doc(file, collection, root, vocab, data), protocol=5)

    new: dict[str, bytes] = {}
    for n, (key, blob) in enumerate(run_jobs(job, len(missing))):
        keys[missing[n]] = key
        new[key] = blob
        results[missing[n]] = pickle.loads(blob)  # noqa: S301 - made just now, by this build
        if cache is not None and len(new) >= 512:  # into the cache as they come: 50 MB less at the peak
            cache.add_docs(new)
            new = {}
    done = cast(list[DocResult], results)
    for key, result in zip(keys, done, strict=True):
        if result.model is not None:
            fingerprints.know(result.model, key)
    if cache is not None and (new or missing or cached != len(set(keys))):
        cache.add_docs(new)
        cache.drop_docs_except(keys)
    return loaded, validate(loaded, done), len(missing)


def _source_hash(read: bytes | Problem) -> str:
    """The hash of a document's bytes, or of why it cannot be read."""
    return file_digest(read) if isinstance(read, bytes) else "refused " + file_digest(read.message.encode("utf-8", "surrogateescape"))


# ---- the search index ---------------------------------------------------------------------------

SEARCH_STATE = "search"
PATCH_LIMIT = 64  # more documents changed than this, and the postings are made again from every document's terms


@dataclass(frozen=True)
class SearchState:
    """The last build's search documents (the route and key of each, in index order) and their postings."""

    routes: list[str]
    keys: list[str]
    postings: Postings


def search_index(site: Site, page_count: int, cache: BuildCache | None, fingerprints: Fingerprints) -> SearchIndex:
    """The search index. Each document's terms are worked out once and kept in the cache, keyed by a
    hash of the document, the place names it is found under and the code. When the documents are
    the ones of the last build, in the same order, only the postings of the terms of documents that
    changed are made again; otherwise all are made from each document's terms, from the cache where
    known, the rest worked out on every core."""
    docs = collect_docs(site)
    try:
        base = digest(code_version(), fingerprints.of((site.areas, site.sectors, site.themes)))
        keys = [fingerprints.of((base, doc.route, doc.source)) for doc in docs]  # the source: a known model, quick
    except Unfingerprintable:
        cache = None
    if cache is None:
        return build_search_index(site, page_count, docs, build_postings(_weights(site, docs, range(len(docs)))))
    routes = [doc.route for doc in docs]
    last = cache.state(SEARCH_STATE)
    if not (isinstance(last, SearchState) and _sound_search_state(last)):
        last = None
    postings = _patched(site, docs, keys, last, cache) if last is not None and last.routes == routes else None
    if postings is None:
        postings = _postings(site, docs, keys, cache)
    index = build_search_index(site, page_count, docs, postings)  # encodes every term's postings
    if not isinstance(last, SearchState) or last.keys != keys:
        cache.save_state({SEARCH_STATE: SearchState(routes, keys, postings)})  # with their encoding, for next time
    return index


def _sound_search_state(last: SearchState) -> bool:
    """Whether a search state read from the cache has the shape this code made it with (else a miss)."""
    return (type(last.routes) is list and type(last.keys) is list and len(last.routes) == len(last.keys)
            and all(type(key) is str for key in last.keys) and type(last.postings) is dict
            and all(type(term) is str and type(found) is TermPostings for term, found in last.postings.items()))  # fmt: skip


def _weights(site: Site, docs: Sequence[SearchDoc], numbers: Sequence[int]) -> Iterator[dict[str, int]]:
    """The terms of some documents, worked out on every core, in order."""
    return run_jobs(lambda n: doc_weights(doc_text(site, docs[numbers[n]])), len(numbers))


def _patched(site: Site, docs: Sequence[SearchDoc], keys: list[str], last: SearchState, cache: BuildCache) -> Postings | None:
    """The last build's postings with the documents that changed since put right; None when too many
    changed, or the cache no longer holds what one of them was."""
    changed = [n for n, (old, new) in enumerate(zip(last.keys, keys, strict=True)) if old != new]
    if len(changed) > PATCH_LIMIT:
        return None
    old = cache.memo((last.keys[n] for n in changed), dict)
    if any(last.keys[n] not in old for n in changed):
        return None
    new = dict(zip(changed, _weights(site, docs, changed), strict=True))
    cache.add_memo({keys[n]: new[n] for n in changed}, keep=keys)
    return update_postings(last.postings, {n: (old[last.keys[n]], new[n]) for n in changed})


def _postings(site: Site, docs: Sequence[SearchDoc], keys: list[str], cache: BuildCache) -> Postings:
    """Postings made from every document's terms: from the cache where known, else worked out (and kept)."""
    known = cache.memo(keys, dict)
    missing = [n for n, key in enumerate(keys) if key not in known]
    fresh = _weights(site, docs, missing)
    batch: dict[str, dict[str, int]] = {}

    def in_order() -> Iterator[Mapping[str, int]]:
        for key in keys:
            if key in known:
                yield known.pop(key)
                continue
            batch[key] = next(fresh)  # the missing ones come in order
            yield batch[key]
            if len(batch) >= 1024:
                cache.add_memo(batch)
                batch.clear()

    postings = build_postings(in_order())
    cache.add_memo(batch, keep=keys)
    return postings


# ---- the open data ------------------------------------------------------------------------------

LINES_STATE = "story lines"


class StoryLines:
    """outputs.story_line, with the lines of the last build kept: a story's line is made from the
    story alone, so an unchanged story (the same fingerprint, the same code) has the same line, and
    10,000 lines need not be encoded again for one changed story."""

    def __init__(self, cache: BuildCache, fingerprints: Fingerprints) -> None:
        self._cache = cache
        found = cache.state(LINES_STATE)
        version = code_version()
        self._last: dict[str, str] = found[1] if type(found) is tuple and len(found) == 2 and found[0] == version and type(found[1]) is dict else {}
        self._now: dict[str, str] = {}
        self._version, self._fingerprints = version, fingerprints

    def __call__(self, story: Story) -> str:
        try:
            key = self._fingerprints.of(story)
        except Unfingerprintable:
            return story_line(story)
        line = self._last.get(key)
        self._now[key] = line if type(line) is str else story_line(story)
        return self._now[key]

    def save(self) -> None:
        """Keep this build's lines (only when they are not the last build's)."""
        if self._now.keys() != self._last.keys():
            self._cache.save_state({LINES_STATE: (self._version, self._now)})


# ---- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageTask:
    """One page to render: its template and everything passed to it."""

    index: int
    template: str
    path: str
    context: dict[str, Any]


class PageOutput(Output):
    """A page whose bytes are made when first needed; a build that only writes it never asks here."""

    def __init__(self, pages: Pages, task: PageTask) -> None:
        object.__setattr__(self, "path", task.path)
        object.__setattr__(self, "task", task)
        object.__setattr__(self, "_pages", pages)

    @property
    def data(self) -> bytes:
        pages: Pages = object.__getattribute__(self, "_pages")
        return pages.force(object.__getattribute__(self, "task"))


class Pages:
    """The pages render.page() was asked for, in order, and how to render one."""

    def __init__(self, env: jinja2.Environment, tracker: Tracker) -> None:
        self.env, self.tracker = env, tracker
        self.tasks: list[PageTask] = []
        self.forced: dict[int, tuple[bytes, frozenset[Read]]] = {}

    def add(self, template: str, path: str, context: dict[str, Any]) -> Output:
        task = PageTask(len(self.tasks), template, path, context)
        self.tasks.append(task)
        return PageOutput(self, task)

    def render(self, task: PageTask) -> tuple[bytes, frozenset[Read]]:
        """The page's bytes and what of the Site it read."""
        self.tracker.start()
        try:
            data = render_template(self.env, task.template, task.context)
        finally:
            reads = self.tracker.stop()
        return data, reads

    def force(self, task: PageTask) -> bytes:
        """Render now, here, because something needs the bytes before the pages are written."""
        if task.index not in self.forced:
            self.forced[task.index] = self.render(task)
        return self.forced[task.index][0]


def deferring_env(site: Site, templates: Path, bytecode: jinja2.BytecodeCache | None = None) -> tuple[jinja2.Environment, Pages]:
    """An environment whose page() calls are collected, and whose `site` records what templates read."""
    tracker = Tracker()
    env = make_env(templates, cast(Site, TrackedSite(site, tracker)), bytecode)
    pages = Pages(env, tracker)
    env.extend(deferred_pages=pages)
    return env, pages


# ---- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One file of the output as the last build left it."""

    digest: str
    stat: FileStat


# What a page was made from: (static key: code, template and context; its Site reads, as numbers in
# Plan.numbers, which start as LastBuild.reads; the page's digest).
Trace = tuple[str, tuple[int, ...], str]


@dataclass
class Plan:
    """What becomes of each output file: kept as it is, or staged (new bytes, renamed in at the end)."""

    staging: Path
    valid: dict[str, str]  # path -> digest of files in the output known to be what the last build wrote
    keep: set[str] = field(default_factory=set)
    staged: dict[str, Entry] = field(default_factory=dict)
    traces: dict[str, Trace] = field(default_factory=dict)
    numbers: dict[Read, int] = field(default_factory=dict)  # every read, numbered once
    bytes_written: int = 0

    def number(self, reads: frozenset[Read]) -> tuple[int, ...]:
        """A page's reads as numbers: 13,700 pages share a few hundred different reads."""
        return tuple(sorted(self.numbers.setdefault(read, len(self.numbers)) for read in reads))

    def put(self, path: str, data: bytes) -> None:
        """A file whose bytes are known here: keep the old one when it is the same."""
        self.record(path, digest(data), data)

    def record(self, path: str, hashed: str, data: bytes | None, stat: FileStat | None = None) -> None:
        if self.valid.get(path) == hashed:
            self.keep.add(path)
            return
        if stat is None:
            if data is None:
                raise ValueError(f"{path}: neither bytes nor a stat")
            stat = stage_file(self.staging, path, data)
        self.staged[path] = Entry(hashed, stat)
        self.bytes_written += stat[0]


@dataclass
class LastBuild:
    """What the last build into this output folder left in the cache."""

    reads: list[Read] = field(default_factory=list)  # every Site read any page made ...
    read_fingerprints: list[str] = field(default_factory=list)  # ... and what it gave then
    traces: dict[str, tuple[str, tuple[int, ...], str]] = field(default_factory=dict)  # reads by number
    manifest: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, cache: BuildCache | None, name: str) -> LastBuild:
        """The last build's record, or an empty one (nothing known) when there is none or it is not of
        the shape this code makes."""
        found = cache.state(name) if cache is not None else None
        return found if isinstance(found, LastBuild) and found.sound() else cls()

    def sound(self) -> bool:
        reads, traces, manifest = self.reads, self.traces, self.manifest
        return (type(reads) is list and type(self.read_fingerprints) is list and len(reads) == len(self.read_fingerprints)
                and all(type(read) is tuple and len(read) == 2 and type(read[0]) is tuple and type(read[1]) is str for read in reads)
                and type(traces) is dict and all(type(t) is tuple and len(t) == 3 and type(t[0]) is str and type(t[1]) is tuple
                                                 and type(t[2]) is str for t in traces.values())
                and type(manifest) is dict and all(type(e) is Entry and type(e.digest) is str and type(e.stat) is tuple
                                                   for e in manifest.values()))  # fmt: skip


@dataclass(frozen=True)
class Written:
    files: int  # in the site
    written: int  # files whose bytes changed
    bytes_written: int
    stats: dict[str, FileStat]  # every file of the output folder now


def write_outputs(
    outputs: list[Output], pages: Pages, site: Site, output: Path, cache: BuildCache | None, fingerprints: Fingerprints,
    later: Callable[[], list[Output]] | None = None, scanned: Callable[[], dict[str, FileStat]] | None = None,
) -> Written:
    """Write the site: unchanged pages not rendered, the rest rendered on every core, only changed
    files written, then put in place in one step (commit.py). later: more outputs, asked for once
    these pages are rendered (they may still be being made in another process). scanned:
    commit.prepare_spare of the output folder, when it is being done already (in another process,
    while the content is read). A system error (disk full, read-only) is a WriteFailed, and the
    output folder is then as it was."""
    check_outputs(outputs)
    folder = OutputFolder.of(output)
    state_name = f"output:{folder.output}"
    last = LastBuild.load(cache, state_name)
    try:
        existing = scanned() if scanned is not None else prepare_spare(folder.output)
        plan = Plan(folder.new_staging(), {}, numbers={read: n for n, read in enumerate(last.reads)})
    except OSError as err:
        raise write_failed(err, output) from err
    plan.valid = {path: entry.digest for path, entry in last.manifest.items() if existing.get(path) == entry.stat}
    reads = SiteReads(site, fingerprints) if cache is not None else None
    try:
        changed = {n for n, read in enumerate(last.reads) if reads is None or reads.one(read) != last.read_fingerprints[n]}
        render = _plan_pages(outputs, pages, plan, last, changed, reads is not None, fingerprints)
        _render_pages(render, pages, plan)
        if later is not None:
            more = later()
            outputs = [*outputs, *more]
            check_outputs(outputs)
            extra = _plan_pages(more, pages, plan, last, changed, reads is not None, fingerprints)
            _render_pages(extra, pages, plan)
            render += extra
        for out in [*outputs, Output(MARKER, MARKER_TEXT)]:
            if not isinstance(out, PageOutput):
                plan.put(out.path, out.data)
        keep = {path: last.manifest[path] for path in plan.keep}
        commit_changes(folder, plan.staging, set(plan.staged), set(keep), existing)
    except OSError as err:
        raise write_failed(err, output) from err
    finally:
        shutil.rmtree(plan.staging, ignore_errors=True)
    # Unless a page was rendered or a file written, the last build's record still says it all.
    if cache is not None and reads is not None and (render or plan.staged or keep.keys() != last.manifest.keys()):
        cache.save_state({state_name: _last_build(plan, {**keep, **plan.staged}, reads)})
    stats = {path: entry.stat for path, entry in {**keep, **plan.staged}.items()}
    return Written(len(outputs), len(plan.staged), plan.bytes_written, stats)


def unchanged_since_last_build(cache: BuildCache, output: Path, inputs: str) -> tuple[list[Problem], int, int] | None:
    """The last build's (problems, pages, files) when it was made from exactly these inputs (every
    file of content/ and templates/, the code, the options) and the output folder is still file for
    file as it left it; else None."""
    found = cache.state(f"built:{output.resolve()}")
    if type(found) is not tuple or len(found) != 5 or found[0] != inputs:
        return None
    _, problems, pages, files, stats = found
    if type(problems) is not list or not all(type(p) is Problem for p in problems) or type(pages) is not int or type(files) is not int:
        return None
    return (problems, pages, files) if scan_output(output.resolve()) == stats else None


def remember_build(cache: BuildCache, output: Path, inputs: str, problems: list[Problem], pages: int, written: Written) -> None:
    """Note what this build was made from, for unchanged_since_last_build."""
    cache.save_state({f"built:{output.resolve()}": (inputs, problems, pages, written.files, written.stats)})


def _plan_pages(
    outputs: Iterable[Output], pages: Pages, plan: Plan, last: LastBuild, changed: set[int], traced: bool,
    fingerprints: Fingerprints,
) -> list[tuple[PageTask, str]]:
    """Keep each page whose trace still holds (changed: the numbers of the Site reads that now give
    something else; traced: whether pages are traced at all); the pages to render, with their static keys."""
    templates: dict[str, str] = {}
    render = []
    for out in outputs:
        if not isinstance(out, PageOutput):
            continue
        task: PageTask = object.__getattribute__(out, "task")
        static = _static_key(task, pages.env, templates, fingerprints) if traced else ""
        trace = last.traces.get(task.path)
        if task.index in pages.forced:
            data, page_reads = pages.forced[task.index]
            hashed = digest(data)
            plan.put(task.path, data)
            if static:
                plan.traces[task.path] = (static, plan.number(page_reads), hashed)
        elif (static and trace is not None and trace[0] == static and plan.valid.get(task.path) == trace[2]
              and changed.isdisjoint(trace[1])):  # fmt: skip
            plan.keep.add(task.path)
            plan.traces[task.path] = trace
        else:
            render.append((task, static))
    return render


def _static_key(task: PageTask, env: jinja2.Environment, templates: dict[str, str], fingerprints: Fingerprints) -> str:
    """What a page is made from besides the Site: code, the environment's globals and filters, the
    template (and what it includes) and the context. '' when something in it cannot be known."""
    if "" not in templates:
        templates[""] = environment_fingerprint(env, fingerprints)
    if task.template not in templates:
        templates[task.template] = template_fingerprint(env, task.template)
    try:
        return digest(code_version(), templates[""], templates[task.template], fingerprints.of(task.context))
    except Unfingerprintable:
        return ""


def environment_fingerprint(env: jinja2.Environment, fingerprints: Fingerprints) -> str:
    """The globals, filters and tests templates can use, as data: a function counts as its name (the
    code is versioned) and what it closes over (which may be data worked out from the Site). Any
    value that cannot be fingerprinted makes every page be rendered."""
    parts = []
    for kind, table in (("global", env.globals), ("filter", env.filters), ("test", env.tests)):
        for name in sorted(table):
            parts.append(f"{kind} {name} {_as_data(table[name], fingerprints, 0)}")
    return digest(*parts)


def _as_data(value: Any, fingerprints: Fingerprints, depth: int) -> str:
    if isinstance(value, TrackedSite):
        return "the Site (its reads are tracked)"
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if isinstance(value, functools.partial) and depth < 8:
        inner = [_as_data(v, fingerprints, depth + 1) for v in (value.func, *value.args, *value.keywords.values())]
        return f"partial {digest(*inner)}"
    if isinstance(value, types.FunctionType) and depth < 8:
        cells = [_as_data(cell.cell_contents, fingerprints, depth + 1) for cell in value.__closure__ or ()]
        defaults = [_as_data(v, fingerprints, depth + 1) for v in value.__defaults__ or ()]
        return f"function {value.__module__}.{value.__qualname__} {digest(*cells, *defaults)}"
    if isinstance(value, (type, types.BuiltinFunctionType)):
        return f"code {getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
    try:
        return fingerprints.of(value)
    except Unfingerprintable:
        return f"unknowable {os.urandom(16).hex()}"


def _render_pages(render: list[tuple[PageTask, str]], pages: Pages, plan: Plan) -> None:
    """Render the pages on every core; each worker stages its files and reports hash, stat and reads."""

    def job(n: int) -> tuple[str, FileStat | None, frozenset[Read]]:
        task = render[n][0]
        data, page_reads = pages.render(task)
        hashed = digest(data)
        return hashed, None if plan.valid.get(task.path) == hashed else stage_file(plan.staging, task.path, data), page_reads

    for (task, static), (hashed, stat, page_reads) in zip(render, run_jobs(job, len(render)), strict=True):
        plan.record(task.path, hashed, None, stat)
        if static:
            plan.traces[task.path] = (static, plan.number(page_reads), hashed)


def _last_build(plan: Plan, manifest: dict[str, Entry], reads: SiteReads) -> LastBuild:
    """What to remember of this build: each read once, numbered, with its fingerprint now. Pages kept
    from the last build keep their numbers; reads no page makes any more are dropped now and then."""
    traces = plan.traces
    table = list(plan.numbers)
    used = set().union(*(trace[1] for trace in traces.values()))
    if len(table) > 2 * len(used) + 1000:
        renumber = {old: new for new, old in enumerate(sorted(used))}
        table = [table[old] for old in sorted(used)]
        traces = {path: (static, tuple(renumber[n] for n in ids), hashed) for path, (static, ids, hashed) in traces.items()}
    return LastBuild(table, [reads.one(read) for read in table], traces, manifest)


def know_site(site: Site, fingerprints: Fingerprints) -> None:
    """Fingerprint every object in the Site's collections once, so each page's context hashes fast."""
    for name in site.__dataclass_fields__:
        value = getattr(site, name)
        if isinstance(value, tuple):
            fingerprints.know_all(value)
